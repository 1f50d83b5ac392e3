// A mapping field that runs away on one citizen's text (a catastrophic regular expression): that
// appeal is set aside with MAPPING_TIMEOUT at the deadline, the others register, nothing twice;
// and while the expression runs, the bridge's event loop runs on, so the per-appeal lock is
// renewed and no other worker can take the appeal meanwhile.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { runSync } from '../../src/pipeline/sync.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

/** ~2^34 backtracking steps on 'a'×34 + '!': minutes without a bound. */
const RUNAWAY_TEXT = `${'a'.repeat(34)}!`;

describe('a mapping that runs away on one appeal', () => {
  let world: World;
  let bridges: InProcessBridge[] = [];
  let mappingsDir = '';

  async function setUp(timeout: string): Promise<void> {
    mappingsDir = mkdtempSync(join(tmpdir(), 'pos-bridge-runaway-'));
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    const file = join(mappingsDir, 'directum-rx.yaml');
    const source = readFileSync(file, 'utf8');
    const replaced = source.replace(/\n {2}NotifyByEmail: [^\n]+\n/, '\n  NotifyByEmail: $contains(description, /^(a+)+$/)\n');
    expect(replaced).not.toBe(source);
    writeFileSync(file, replaced);
    world = await startWorld('directum-rx', testRedisUrl(), { MAPPINGS_DIR: mappingsDir, MAPPING_TIMEOUT: timeout });
  }

  beforeEach(() => {
    bridges = [];
  });
  afterEach(async () => {
    for (const bridge of bridges) await bridge.stop();
    await world.close();
    rmSync(mappingsDir, { recursive: true, force: true });
  });

  it('sets that appeal aside with MAPPING_TIMEOUT within the limit; the others register, none twice', async () => {
    await setUp('1s');
    // Two bridges with short per-appeal locks: a starved renewal would let the second take the appeal.
    for (let i = 0; i < 2; i++) bridges.push(await startBridge(world, { settings: { appealLockMs: 600 } }));
    const appeals = generateAppeals(5, { seed: 1301 });
    const runaway = { ...appeals[0]!, description: RUNAWAY_TEXT };
    await world.sandbox.pos.control.seed([runaway, ...appeals.slice(1)]);

    const summary = await runSync(bridges[0]!.ctx, { timeoutMs: 60_000 });
    expect(summary.accepted).toBe(4);
    expect(summary.newFailures).toHaveLength(1);

    const [failure] = await new FailedJobs(bridges[0]!.ctx.queues, bridges[0]!.ctx.store).list();
    expect(failure?.posId).toBe(runaway.id);
    expect(failure?.error.code).toBe('MAPPING_TIMEOUT');
    expect(failure?.error.message).toBe('mapping "directum-rx" field NotifyByEmail: stopped after 1000 ms (MAPPING_TIMEOUT)');
    const record = await bridges[0]!.ctx.store.get(runaway.id);
    expect(record?.state).toBe('set_aside');
    expect(record?.lastError?.code).toBe('MAPPING_TIMEOUT');
    expect(record?.lastError?.message).not.toContain('aaaa');
    expect((await world.sandbox.pos.control.appeal(runaway.id)).accepted).toBe(false);

    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    expect(edms.directum.state.count('IRequests')).toBe(4);
    expect(edms.directum.state.count('IExternalEntityLinks')).toBe(4);
    for (const appeal of appeals.slice(1)) {
      const view = await world.sandbox.pos.control.appeal(appeal.id);
      expect(view.accepted).toBe(true);
      expect(view.acceptCount).toBe(1);
    }
    const metric = await bridges[0]!.ctx.metrics.registry.getSingleMetricAsString('pos_bridge_appeals_set_aside_total');
    const other = await bridges[1]!.ctx.metrics.registry.getSingleMetricAsString('pos_bridge_appeals_set_aside_total');
    expect(`${metric}\n${other}`).toMatch(/reason="MAPPING_TIMEOUT"} 1/);
  }, 60_000);

  it('keeps renewing the per-appeal lock while the expression runs longer than the lock lives', async () => {
    await setUp('3s');
    const bridge = await startBridge(world, { settings: { appealLockMs: 600 } });
    bridges.push(bridge);
    const [appeal] = generateAppeals(1, { seed: 1302 });
    await world.sandbox.pos.control.seed([{ ...appeal!, description: RUNAWAY_TEXT }]);
    const lockKey = `${world.prefix}:appeal:${appeal!.id}:register-lock`;
    const probe = new Redis(world.redisUrl);
    // Probes from this process: they run only if its event loop does, as the lock's renewal timer does.
    const probes: { at: number; ttl: number }[] = [];
    let probing = true;
    const probeLoop = (async () => {
      while (probing) {
        probes.push({ at: performance.now(), ttl: await probe.pttl(lockKey) });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const sync = runSync(bridge.ctx, { timeoutMs: 60_000 });
      await waitFor('the lock to be taken', async () => probes.some((sample) => sample.ttl > 0), 20_000, 20);
      await sync;
    } finally {
      probing = false;
      await probeLoop;
      probe.disconnect();
    }
    expect((await bridge.ctx.store.get(appeal!.id))?.lastError?.code).toBe('MAPPING_TIMEOUT');
    const held = probes.slice(probes.findIndex((sample) => sample.ttl > 0));
    const released = held.findIndex((sample) => sample.ttl < 0);
    const whileHeld = held.slice(0, released);
    // Held without a gap for the whole 3 s evaluation, five times its 600 ms life: renewed all along
    // (a renewal timer held up by a blocked event loop would have let it expire) …
    expect(whileHeld.length).toBeGreaterThan(0);
    expect(whileHeld.at(-1)!.at - whileHeld[0]!.at).toBeGreaterThan(2_500);
    // … and never close to expiring.
    expect(Math.min(...whileHeld.map((sample) => sample.ttl))).toBeGreaterThan(150);
  }, 60_000);
});
