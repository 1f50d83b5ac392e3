// Redis Cluster with the spread key layout (QUEUE_PREFIX without a hash tag): each queue and the
// state under a tag of its own, so the keys sit on every master. A failover of one of them
// mid-intake, and the upgrade from the one-slot layout with jobs in flight: the one-slot bridge
// stopped mid-intake, `pos-bridge redis migrate-layout` run, the spread bridge finishing the work.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliProcess } from '../helpers/cli-process.js';
import { startRedisCluster, topologySkipReason, type RedisClusterSet } from '../../fixtures/redis/topology.js';
import { startWorld, waitFor, type World } from './harness.js';
import { acceptedTotal, answerAll, expectDrainedOnce, startDrain, waitAllAccepted, waitAllAnswered, type Drain } from './topology-drain.js';

const skip = topologySkipReason();
if (skip) console.warn(skip);

const APPEALS = 300;
const SPREAD = 'pos-bridge';
const ONE_SLOT = '{pos-bridge}';
const step = (what: string) => console.log(`cluster (upgrade): ${what} at ${new Date().toISOString()}`);

describe.skipIf(skip !== undefined)('Redis Cluster, spread key layout', () => {
  let cluster: RedisClusterSet;
  let world: World | undefined;
  const drains: Drain[] = [];
  beforeEach(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterEach(async () => {
    for (const drain of drains.splice(0)) await drain.stop();
    await world?.close();
    await cluster?.stop();
    world = undefined;
  });

  const settings = (prefix: string) => ({ QUEUE_PREFIX: prefix, PULL_EVERY: '500ms', WATCH_EVERY: '500ms', POS_PAGE_SIZE: '20' });

  async function expectEveryMasterUsed(): Promise<void> {
    const counts = await cluster.keysPerMaster();
    console.log('cluster (spread): keys per master', counts);
    expect(Object.values(counts)).toHaveLength(3);
    expect(Object.values(counts).every((n) => n > 0)).toBe(true);
  }

  it('300 appeals, 2 workers and a scheduler, keys on every master, the master of {register} killed mid-intake: each registered once, accepted, statuses in order', async () => {
    world = await startWorld('directum-rx', 'redis://ignored:6379', { BRIDGE_CONFIG: cluster.bridgeConfig, ...settings(SPREAD) });
    const w = world;
    const drain = await startDrain(w, APPEALS, 71);
    drains.push(drain);
    await waitFor('half accepted', async () => (await acceptedTotal(w)) >= APPEALS / 2, 120_000, 25);
    await expectEveryMasterUsed();
    const { killed, replica } = await cluster.killMaster(await cluster.masterOf(`${SPREAD}:{register}:wait`));
    await cluster.waitForTakeover(replica);
    console.log(`cluster (spread): master ${killed.port} of {register} killed; replica ${replica.port} took over`);

    await waitAllAccepted(w, drain);
    await answerAll(w, drain);
    await waitAllAnswered(w, drain);
    const report = await expectDrainedOnce(w, drain);
    console.log(`cluster (spread): ${report.acceptedTwice} appeals accepted twice; the bridge logged`, report.warnings);
    await expectEveryMasterUsed();
  }, 300_000);

  it('upgrade from one slot with jobs in flight: stopped mid-intake, migrate-layout, the spread bridge finishes, each appeal once', async () => {
    world = await startWorld('directum-rx', 'redis://ignored:6379', { BRIDGE_CONFIG: cluster.bridgeConfig, ...settings(ONE_SLOT) });
    const w = world;
    const oneSlot = await startDrain(w, APPEALS, 72);
    await waitFor('a third accepted', async () => (await acceptedTotal(w)) >= APPEALS / 3, 120_000, 25);
    step('a third accepted');
    await oneSlot.stop(); // SIGTERM: as an operator stops the service for the upgrade
    const acceptedBefore = await acceptedTotal(w);
    console.log(`cluster (upgrade): one-slot bridge stopped at ${acceptedBefore}/${APPEALS} accepted`);
    expect(acceptedBefore).toBeLessThan(APPEALS);

    const env = { ...w.env, ...settings(SPREAD) };
    const dry = await runCliProcess(['redis', 'migrate-layout', '--from', ONE_SLOT, '--dry-run', '--json'], env);
    step('dry run');
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { moved: Record<string, number> };
    expect(planned.moved.queue).toBeGreaterThan(0);
    expect(planned.moved.state).toBeGreaterThan(0);
    console.log('cluster (upgrade): keys to move', planned.moved);
    // A worker SIGKILLed after its grace leaves its jobs locked: the command refuses until the locks
    // expire, and the operator runs it again, as here.
    let run = await runCliProcess(['redis', 'migrate-layout', '--from', ONE_SLOT, '--json'], env);
    for (let tries = 0; run.code === 1 && run.stderr.includes('held by running workers') && tries < 20; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      run = await runCliProcess(['redis', 'migrate-layout', '--from', ONE_SLOT, '--json'], env);
    }
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { moved: Record<string, number> }).moved).toEqual(planned.moved);

    step('migrated');
    const spread = await startDrain(w, 0, 0, { appeals: oneSlot.appeals, env: settings(SPREAD) });
    drains.push(spread);
    await waitAllAccepted(w, spread);
    step('all accepted');
    await answerAll(w, spread);
    await waitAllAnswered(w, spread);
    const report = await expectDrainedOnce(w, spread);
    console.log(`cluster (upgrade): ${report.acceptedTwice} appeals accepted twice; the bridge logged`, report.warnings);
    // Nothing left under the old prefix, and the keys spread.
    const leftOver = await runCliProcess(['redis', 'migrate-layout', '--from', ONE_SLOT, '--dry-run', '--json'], env);
    expect((JSON.parse(leftOver.stdout) as { moved: Record<string, number> }).moved).toEqual({ queue: 0, state: 0, shared: 0, session: 0 });
    await expectEveryMasterUsed();
  }, 300_000);
});
