// Redis Cluster: three masters with a replica each; the bridge's keys all carry the hash tag of
// QUEUE_PREFIX={pos-bridge}, so they live in one slot on one master. That master is SIGKILLed at a
// planned moment (early or mid-way through intake, or near the end of the status pushes) and its
// replica takes over; every appeal is still registered once. Each plan gets a fresh cluster, so
// that the master it kills has a replica to take over.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRedisCluster, topologySkipReason, type RedisClusterSet } from '../../fixtures/redis/topology.js';
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
const PREFIX = '{pos-bridge}';

/** When the master is killed: a fraction of the appeals accepted (intake) or answered in ПОС (pushes), moved by up to ±5 % per run. */
const PLANS = [
  { name: 'early in intake', phase: 'intake', at: 0.1 },
  { name: 'mid-intake', phase: 'intake', at: 0.5 },
  { name: 'near the end of the pushes', phase: 'pushes', at: 0.9 },
] as const;

const around = (fraction: number) => Math.round(APPEALS * (fraction + (Math.random() - 0.5) * 0.1));

describe.skipIf(skip !== undefined)('Redis Cluster failover', () => {
  let cluster: RedisClusterSet;
  let world: World | undefined;
  let drain: Drain | undefined;
  beforeEach(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterEach(async () => {
    await drain?.stop();
    await world?.close();
    await cluster?.stop();
    drain = undefined;
    world = undefined;
  });

  it.each(PLANS)(
    '300 appeals, 2 workers and a scheduler, the master of {pos-bridge} killed $name: each registered once, accepted, statuses in order',
    async (plan) => {
      world = await startWorld('directum-rx', 'redis://ignored:6379', {
        BRIDGE_CONFIG: cluster.bridgeConfig,
        QUEUE_PREFIX: PREFIX,
        PULL_EVERY: '500ms',
        WATCH_EVERY: '500ms',
        POS_PAGE_SIZE: '20',
      });
      drain = await startDrain(world, APPEALS, 61);
      const w = world;
      const d = drain;
      const owner = await cluster.masterOf(`${PREFIX}:anything`);
      const progress = plan.phase === 'intake' ? () => acceptedTotal(w) : () => answeredTotal(w);
      const killAt = around(plan.at);

      if (plan.phase === 'pushes') {
        await waitAllAccepted(w, d);
        await answerAll(w, d);
      }
      await waitFor(`${plan.phase} at ${killAt}`, async () => (await progress()) >= killAt, 120_000, 25);
      console.log('cluster: keys per master before the kill', await cluster.keysPerMaster());
      const started = Date.now();
      const { killed, replica } = await cluster.killMaster(owner);
      const killedAt = await progress();
      await cluster.waitForTakeover(replica);
      console.log(
        `cluster (${plan.name}): master ${killed.port} killed at ${plan.phase} ${killedAt}/${APPEALS}; replica ${replica.port} took over after ${Date.now() - started} ms`,
      );

      if (plan.phase === 'intake') {
        await waitAllAccepted(w, d);
        await answerAll(w, d);
      }
      await waitAllAnswered(w, d);
      const report = await expectDrainedOnce(w, d);
      console.log(`cluster (${plan.name}): ${report.acceptedTwice} appeals accepted twice; the bridge logged`, report.warnings);

      // One hash tag, one slot: the promoted replica holds every key, the other masters none.
      const counts = await cluster.keysPerMaster();
      console.log('cluster: keys per master at the end', counts);
      expect(Object.keys(counts)).toHaveLength(3);
      expect(
        Object.entries(counts)
          .filter(([, n]) => n > 0)
          .map(([node]) => node),
      ).toEqual([`${replica.host}:${replica.port}`]);
    },
    300_000,
  );
});
