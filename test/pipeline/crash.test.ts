// Kill things and check the guarantees: a worker process SIGKILLed in the middle of a batch, and
// the Redis server killed and restarted mid-run, for each EDMS. Every appeal ends registered once
// and accepted once, and never accepted before its registration was durable.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { installSchedules } from '../../src/pipeline/runtime.js';
import { AppealStore } from '../../src/pipeline/store.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/redis.js';
import { PIPELINE_EDMS, sized, type PipelineEdms } from './edms-worlds.js';
import { spawnBridgeProcess, startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

const FAST = { pull: parseSchedule('300ms')!, watch: parseSchedule('500ms')!, reconcile: parseSchedule('1h')! };

/**
 * Registered exactly once, and accepted in ПОС only once the registration was durable, with one
 * mark-accepted call each — except where a process died after ПОС took the call and before the
 * bridge could record it (`inDoubt`): ПОС has no way to ask, so that call is repeated once, and ПОС
 * treats the repeat as a no-op.
 */
async function expectExactlyOnce(edms: PipelineEdms, world: World, ids: number[], inDoubt: ReadonlySet<number> = new Set()): Promise<void> {
  for (const count of await edms.recordCounts(world)) expect(count).toBe(ids.length);
  for (const id of ids) {
    const view = await world.sandbox.pos.control.appeal(id);
    expect(view.accepted).toBe(true);
    expect(view.acceptCount).toBeLessThanOrEqual(inDoubt.has(id) ? 2 : 1);
    const durableAt = await edms.durableAt(world, id);
    expect(durableAt, `appeal ${id} durable in the EDMS`).not.toBeNull();
    expect(Date.parse(view.acceptedAt!), `appeal ${id} accepted after its durable registration`).toBeGreaterThanOrEqual(durableAt!);
  }
}

/** Appeals ПОС counts as accepted while the bridge has not recorded it: the kill landed in between. */
async function acceptedButUnrecorded(world: World, store: AppealStore, ids: number[]): Promise<Set<number>> {
  const found = new Set<number>();
  for (const id of ids) {
    const accepted = (await world.sandbox.pos.control.appeal(id)).accepted;
    const state = (await store.get(id))?.state;
    if (accepted && state !== 'accepted' && state !== 'answered') found.add(id);
  }
  return found;
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe.each(PIPELINE_EDMS)('crash safety ($kind)', (edms) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  it('a worker process killed mid-batch, then restarted: each appeal registered once and accepted once', async () => {
    const world = await startWorld(edms.kind, testRedisUrl(), { JOB_LOCK_TIMEOUT: '2s' });
    cleanups.push(() => world.close());
    // Slow EDMS writes keep many registrations in flight when the kill lands.
    edms.slowWrites(world, 150);
    const appeals = generateAppeals(sized(edms, 120), { seed: 31 });
    await world.sandbox.pos.control.seed(appeals);
    const scheduler: InProcessBridge = await startBridge(world, { workers: false });
    cleanups.push(() => scheduler.stop());
    await installSchedules(scheduler.ctx, FAST);

    const first = spawnBridgeProcess(world, 'worker');
    cleanups.push(async () => void first.kill('SIGKILL'));
    await waitFor('some acceptances', async () => (await world.sandbox.pos.control.stats()).acceptedTotal >= sized(edms, 25), 60_000, 50);
    first.kill('SIGKILL');
    await killed(first);
    // Requests the dead worker had already sent are still being answered for a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const acceptedAtKill = (await world.sandbox.pos.control.stats()).acceptedTotal;
    expect(acceptedAtKill).toBeLessThan(appeals.length);
    const inDoubt = await acceptedButUnrecorded(
      world,
      scheduler.ctx.store,
      appeals.map((a) => a.id),
    );
    expect(inDoubt.size).toBeLessThanOrEqual(8); // at most the dead worker's concurrency

    const second = spawnBridgeProcess(world, 'worker');
    cleanups.push(async () => {
      second.kill('SIGTERM');
      await killed(second);
    });
    // «Дело»: the file locks the dead worker held are broken only once stale (30 s the adapter's
    // state lock, 60 s an appeal's), and the durability re-checks back off meanwhile.
    await waitFor(
      'every appeal accepted',
      async () => (await world.sandbox.pos.control.stats()).acceptedTotal === appeals.length,
      150_000,
      200,
    );
    await expectExactlyOnce(
      edms,
      world,
      appeals.map((a) => a.id),
      inDoubt,
    );
  }, 240_000);

  it('Redis killed and restarted mid-run: each appeal registered once and accepted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-aof-'));
    const port = await freePort();
    // AOF with fsync on every write: what the README tells operators to run for queues.
    const aof = ['--appendonly', 'yes', '--appendfsync', 'always'];
    let redis = await startRedisServer(port, dir, aof);
    cleanups.push(async () => {
      redis.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    const world = await startWorld(edms.kind, `redis://127.0.0.1:${port}`);
    cleanups.push(() => world.close());
    edms.slowWrites(world, 100);
    const appeals = generateAppeals(sized(edms, 80), { seed: 32 });
    await world.sandbox.pos.control.seed(appeals);
    const bridge = await startBridge(world, { settings: { appealLockMs: 2000 } });
    cleanups.push(() => bridge.stop(true));
    await installSchedules(bridge.ctx, FAST);

    await waitFor('some acceptances', async () => (await world.sandbox.pos.control.stats()).acceptedTotal >= sized(edms, 15), 60_000, 50);
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    redis = await startRedisServer(port, dir, aof);

    await waitFor(
      'every appeal accepted',
      async () => (await world.sandbox.pos.control.stats()).acceptedTotal === appeals.length,
      120_000,
      200,
    );
    await expectExactlyOnce(
      edms,
      world,
      appeals.map((a) => a.id),
    );
  }, 200_000);
});
