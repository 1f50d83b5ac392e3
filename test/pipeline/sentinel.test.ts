// Redis Sentinel: the master SIGKILLed mid-run, a replica promoted by the sentinels, the bridge
// following it. Two plans move the kills: early in intake and mid-way through the status pushes,
// and mid-intake and near the end of the pushes. The killed server is restarted as a replica, as
// an operator would, so that the next failover has a replica to promote.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSentinelSet, topologySkipReason, type SentinelSet } from '../../fixtures/redis/topology.js';
import { startWorld, waitFor, type World } from './harness.js';
import {
  acceptedTotal,
  answerAll,
  answeredTotal,
  expectDrainedOnce,
  startDrain,
  waitAllAccepted,
  waitAllAnswered,
  type Drain,
} from './topology-drain.js';

const skip = topologySkipReason();
if (skip) console.warn(skip);

const APPEALS = 300;

/**
 * Fractions of the appeals accepted (intake) and answered in ПОС (pushes) at which the master is
 * killed; each run moves them by up to ±5 % so that runs hit different moments (the log says which).
 */
const PLANS = [
  { name: 'early in intake, mid-way through the pushes', intake: 0.1, pushes: 0.5 },
  { name: 'mid-intake, near the end of the pushes', intake: 0.5, pushes: 0.9 },
];

const around = (fraction: number) => Math.round(APPEALS * (fraction + (Math.random() - 0.5) * 0.1));

describe.skipIf(skip !== undefined)('Redis Sentinel failover', () => {
  let set: SentinelSet;
  let world: World | undefined;
  let drain: Drain | undefined;
  beforeAll(async () => {
    set = await startSentinelSet();
  }, 60_000);
  afterAll(async () => {
    await set?.stop();
  });
  afterEach(async () => {
    await drain?.stop();
    await world?.close();
    drain = undefined;
    world = undefined;
  });

  /** The killed server coming back as a replica; the next kill waits for it. */
  let restarting: Promise<void> = Promise.resolve();

  /** Kills the master once `progress()` reaches `at`, waits for the promotion and restarts the old master as a replica. */
  async function failoverAt(what: string, progress: () => Promise<number>, at: number): Promise<void> {
    await waitFor(`${what} ≥ ${at}`, async () => (await progress()) >= at, 120_000, 25);
    await restarting;
    const started = Date.now();
    const old = await set.killMaster();
    const killedAt = await progress();
    const promoted = await set.waitForNewMaster(old);
    console.log(
      `sentinel: master ${old.port} killed at ${what} ${killedAt}/${APPEALS}; ${promoted.port} promoted after ${Date.now() - started} ms`,
    );
    const restart = set.restartAsReplica(old);
    restart.catch(() => undefined); // awaited (and its failure thrown) before the next kill
    restarting = restart;
  }

  it.each(PLANS)(
    '300 appeals, 2 workers and a scheduler, master killed $name: each registered once, accepted, statuses in order',
    async (plan) => {
      world = await startWorld('directum-rx', 'redis://ignored:6379', {
        BRIDGE_CONFIG: set.bridgeConfig,
        PULL_EVERY: '500ms',
        WATCH_EVERY: '500ms',
        POS_PAGE_SIZE: '20',
      });
      drain = await startDrain(world, APPEALS, 51);
      const w = world;
      const d = drain;
      await failoverAt('accepted', () => acceptedTotal(w), around(plan.intake));
      await waitAllAccepted(w, d);
      await answerAll(w, d);
      await failoverAt('answered', () => answeredTotal(w), around(plan.pushes));
      await waitAllAnswered(w, d);
      await restarting;
      const report = await expectDrainedOnce(w, d);
      console.log(`sentinel (${plan.name}): ${report.acceptedTwice} appeals accepted twice; the bridge logged`, report.warnings);
      expect((await w.sandbox.pos.control.stats()).acceptedTotal).toBe(APPEALS);
    },
    300_000,
  );
});
