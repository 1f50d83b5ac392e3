// The kill test and the two-worker test with three organisations: real `pos-bridge start` processes
// on one Redis, a worker SIGKILLed mid-run; every appeal of every ЛКО registered once, as its own
// organisation's record, and accepted with its own token.
import type { ChildProcess } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../helpers/redis.js';
import { spawnBridgeProcess, waitFor } from '../harness.js';
import { ORGANISATIONS, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

const PER_ORGANISATION = 40;

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('three organisations, several processes, one killed', () => {
  let orgs: OrganisationsWorld;
  const children: ChildProcess[] = [];
  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl(), { JOB_LOCK_TIMEOUT: '2s', PULL_EVERY: '300ms', WATCH_EVERY: '500ms' });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
      await exited(child);
    }
    await orgs.close();
  });

  it('two workers and a scheduler, one worker SIGKILLed mid-run: each appeal registered once and accepted once', async () => {
    const edms = orgs.world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    edms.directum.faults.add({ route: 'create', kind: 'slow', delayMs: 100, rate: 1 });
    const seeded = new Map<string, number[]>();
    for (const [index, org] of ORGANISATIONS.entries()) {
      seeded.set(
        org.key,
        await orgs.world.sandbox.pos.control.generate(PER_ORGANISATION, 60 + index, {
          startId: 600_001 + index * 1000,
          organisation: org.clientId,
        }),
      );
    }
    // POS_CLIENT_ID/SECRET emptied: the organisations come from BRIDGE_CONFIG only.
    const env = { ...orgs.env(), POS_CLIENT_ID: '', POS_CLIENT_SECRET: '' };
    const spawn = (role: 'worker' | 'scheduler') => {
      const child = spawnBridgeProcess(orgs.world, role, env);
      children.push(child);
      return child;
    };
    spawn('scheduler');
    const doomed = spawn('worker');
    spawn('worker');
    const total = ORGANISATIONS.length * PER_ORGANISATION;
    await waitFor('some acceptances', async () => (await orgs.world.sandbox.pos.control.stats()).acceptedTotal >= 30, 90_000, 50);
    doomed.kill('SIGKILL');
    await exited(doomed);
    expect((await orgs.world.sandbox.pos.control.stats()).acceptedTotal).toBeLessThan(total);
    spawn('worker');
    await waitFor(
      'every appeal accepted',
      async () => (await orgs.world.sandbox.pos.control.stats()).acceptedTotal === total,
      120_000,
      200,
    );

    expect(edms.directum.state.count('IRequests')).toBe(total);
    const links = edms.directum.state.rows('IExternalEntityLinks');
    expect(links).toHaveLength(total);
    for (const org of ORGANISATIONS) {
      for (const posId of seeded.get(org.key)!) {
        const mine = links.filter((row) => row.ExtEntityId === String(posId));
        expect(mine.map((row) => row.ExtEntityType)).toEqual([`Appeal:${org.key}`]);
        const view = await orgs.world.sandbox.pos.control.appeal(posId);
        expect(view.organisation).toBe(org.clientId);
        expect(view.accepted).toBe(true);
        // A kill between ПОС taking mark-accepted and the bridge recording it repeats that one call.
        expect(view.acceptCount).toBeLessThanOrEqual(2);
      }
    }
    const repeated = (await orgs.world.sandbox.pos.control.appeals()).filter((view) => view.acceptCount > 1).length;
    expect(repeated).toBeLessThanOrEqual(8); // at most the killed worker's concurrency
  }, 240_000);
});
