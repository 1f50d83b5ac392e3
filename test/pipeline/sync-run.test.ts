// `pos-bridge sync` in this process (the command's own code, with captured output): it finishes
// what it starts — registrations, acceptances and the statuses that follow them — and its summary
// counts this run's work, read from Redis, also when other workers share the queues.
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { testRedisUrl } from '../helpers/redis.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

interface Captured extends CliIO {
  out(): string;
  err(): string;
}

function capture(env: Record<string, string>): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return { env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t), out: () => out.join(''), err: () => err.join('') };
}

async function historyTotal(world: World): Promise<number> {
  return (await world.sandbox.pos.control.appeals()).reduce((sum, appeal) => sum + appeal.historyLength, 0);
}

describe('sync finishes what it starts', () => {
  let world: World | undefined;
  let other: InProcessBridge | undefined;
  afterEach(async () => {
    await other?.stop();
    other = undefined;
    await world?.close();
    world = undefined;
  });

  it('with «Дело» delivers every "registered" status in the same run, and counts what ПОС received (5 fresh runs)', async () => {
    for (let run = 0; run < 5; run += 1) {
      world = await startWorld('delo', testRedisUrl());
      const appeals = generateAppeals(10, { seed: 300 + run });
      await world.sandbox.pos.control.seed(appeals);
      const io = capture(world.env);
      const code = await runCli(['sync', '--json'], io);
      expect(code, io.err()).toBe(0);
      const summary = JSON.parse(io.out()) as { accepted: number; pushesSent: number; awaitingRegistration: number; stillRetrying: number };
      const pushed = await historyTotal(world);
      expect(pushed, `run ${run}`).toBe(10);
      expect(summary).toMatchObject({ accepted: 10, pushesSent: pushed, awaitingRegistration: 0, stillRetrying: 0 });
      for (const appeal of appeals) {
        const view = await world.sandbox.pos.control.appeal(appeal.id);
        expect(view.acceptCount).toBe(1);
        expect(view.history.map((h) => h.body.status)).toHaveLength(1);
      }
      await world.close();
      world = undefined;
    }
  }, 240_000);

  it('counts this run right while a second set of workers consumes the same queues', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const appeals = generateAppeals(30, { seed: 321 });
    await world.sandbox.pos.control.seed(appeals);
    other = await startBridge(world, { concurrency: 8 });
    const io = capture(world.env);
    const code = await runCli(['sync', '--json'], io);
    expect(code, io.err()).toBe(0);
    const summary = JSON.parse(io.out()) as { accepted: number; pushesSent: number; pulled: { handedOn: number } };
    const stats = await world.sandbox.pos.control.stats();
    expect(stats.acceptedTotal).toBe(30);
    expect(summary.pulled.handedOn).toBe(30);
    expect(summary.accepted).toBe(30);
    expect(summary.pushesSent).toBe(await historyTotal(world));
    expect(summary.pushesSent).toBe(30);
  }, 120_000);

  it('drains everything in one run through 30% ПОС 503s, a 429 with Retry-After and a failed token call in the middle of its pull', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const pos = world.sandbox.pos.control;
    const appeals = generateAppeals(20, { seed: 331 });
    await pos.seed(appeals);
    // The first two page reads are slow, so the faults below land in the middle of the pull.
    await pos.addFault({ route: 'pull', kind: 'slow', delayMs: 1000, times: 2 });
    const io = capture(world.env);
    const running = runCli(['sync', '--json'], io);
    await waitFor('the pull under way', async () => (await pos.stats()).requests.pull >= 2, 30_000, 20);
    const before = (await pos.stats()).faultsInjected;
    await pos.expireTokens();
    await pos.addFault({ route: 'token', kind: 'status', status: 503, times: 2 });
    await pos.addFault({ route: 'pull', kind: 'status', status: 429, retryAfter: 1, times: 1 });
    await pos.addFault({ route: 'pull', kind: 'status', status: 503, times: 3 });
    await pos.addFault({ route: '*', kind: 'status', status: 503, rate: 0.3, seed: 17 });
    expect(await running, io.err()).toBe(0);

    const stats = await pos.stats();
    expect(stats.faultsInjected.token - before.token).toBeGreaterThanOrEqual(2);
    expect(stats.faultsInjected.pull - before.pull).toBeGreaterThanOrEqual(4);
    expect(stats.acceptedTotal).toBe(20);
    expect(stats.pendingTotal).toBe(0);
    expect(stats.duplicatesAccepted).toBe(0);
    const summary = JSON.parse(io.out()) as { accepted: number; pushesSent: number; newFailures: unknown[]; problems: unknown[] };
    expect(summary).toMatchObject({ accepted: 20, newFailures: [], problems: [] });
    expect(summary.pushesSent).toBe(await historyTotal(world));
  }, 180_000);

  it('reports an EDMS that stops answering mid-run, fails nothing, and the next run finishes once it is back', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    const pos = world.sandbox.pos.control;
    const appeals = generateAppeals(6, { seed: 341 });
    await pos.seed(appeals);
    // Slow ПОС pages hold the run in its pull while Directum starts refusing, after the pre-flight.
    await pos.addFault({ route: 'pull', kind: 'slow', delayMs: 1500, times: 2 });
    const io = capture(world.env);
    const running = runCli(['sync'], io);
    await waitFor('the pre-flight page read', async () => (await pos.stats()).requests.pull >= 1, 30_000, 20);
    const fault = edms.directum.faults.add({ route: '*', kind: '401', rate: 1 });
    expect(await running, io.err()).toBe(1);
    expect(io.err()).toMatch(/^sync: Directum RX became unavailable during the run \(AUTH_FAILED\); 6 appeals stay unaccepted in ПОС/m);
    expect((await pos.stats()).acceptedTotal).toBe(0);
    const bridge = (other = await startBridge(world, { workers: false }));
    expect(await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list()).toEqual([]);

    edms.directum.faults.remove(fault);
    const again = capture(world.env);
    expect(await runCli(['sync', '--json'], again), again.err()).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ accepted: 6, continued: 6, edmsUnavailable: null, newFailures: [] });
    for (const appeal of appeals) expect((await pos.appeal(appeal.id)).acceptCount).toBe(1);
    expect(edms.directum.state.count('IRequests')).toBe(6);
  }, 120_000);
});
