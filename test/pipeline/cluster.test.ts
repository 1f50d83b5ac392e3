// Redis Cluster: three masters with a replica each; the bridge's keys all carry the hash tag of
// QUEUE_PREFIX={pos-bridge}, so they live in one slot on one master. That master is SIGKILLed
// mid-intake and its replica takes over; every appeal is still registered once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, topologySkipReason, type RedisClusterSet } from '../helpers/redis-topology.js';
import { startWorld, waitFor, type World } from './harness.js';
import {
  acceptedTotal, answerAll, expectDrainedOnce, startDrain, waitAllAccepted, waitAllAnswered, type Drain,
} from './topology-drain.js';

const skip = topologySkipReason();
if (skip) console.warn(skip);

const APPEALS = 300;
const PREFIX = '{pos-bridge}';

describe.skipIf(skip !== undefined)('Redis Cluster failover', () => {
  let cluster: RedisClusterSet;
  let world: World | undefined;
  let drain: Drain | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  afterEach(async () => {
    await drain?.stop();
    await world?.close();
  });

  it('300 appeals, 2 workers and a scheduler, the master of {pos-bridge} killed mid-intake: each registered once, accepted, statuses in order', async () => {
    world = await startWorld('directum-rx', 'redis://ignored:6379', {
      BRIDGE_CONFIG: cluster.bridgeConfig, QUEUE_PREFIX: PREFIX, PULL_EVERY: '500ms', WATCH_EVERY: '500ms', POS_PAGE_SIZE: '20',
    });
    drain = await startDrain(world, APPEALS, 61);
    const w = world;
    const owner = await cluster.masterOf(`${PREFIX}:anything`);

    await waitFor('half accepted', async () => (await acceptedTotal(w)) >= APPEALS / 2, 120_000, 25);
    console.log('cluster: keys per master before the kill', await cluster.keysPerMaster());
    const started = Date.now();
    const { killed, replica } = await cluster.killMaster(owner);
    const killedAt = await acceptedTotal(w);
    await cluster.waitForTakeover(replica);
    console.log(`cluster: master ${killed.port} killed at accepted ${killedAt}/${APPEALS}; replica ${replica.port} took over after ${Date.now() - started} ms`);

    await waitAllAccepted(w, drain);
    await answerAll(w, drain);
    await waitAllAnswered(w, drain);
    const report = await expectDrainedOnce(w, drain);
    console.log(`cluster: ${report.acceptedTwice} appeals accepted twice; the bridge logged`, report.warnings);

    // One hash tag, one slot: the promoted replica holds every key, the other masters none.
    const counts = await cluster.keysPerMaster();
    console.log('cluster: keys per master at the end', counts);
    expect(Object.keys(counts)).toHaveLength(3);
    expect(Object.entries(counts).filter(([, n]) => n > 0).map(([node]) => node)).toEqual([`${replica.host}:${replica.port}`]);
  }, 300_000);
});
