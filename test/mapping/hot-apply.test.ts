// Issue "mappings", done-when: changing a dictionary entry through the admin API changes the next
// registered record in a running two-worker setup, with no restart, and the history shows it.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { loadConfig } from '../../src/config/load.js';
import { startRole, type RunningService } from '../../src/service/service.js';
import { buildServices } from '../../src/service/wiring.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startWorld, waitFor, type World } from '../pipeline/harness.js';

const OLD_CODE = '0003.0009.0099.0701';
const NEW_CODE = '0003.0009.0099.0700';

function questionCodes(inspection: unknown): string[] {
  return [...JSON.stringify(inspection).matchAll(/"FullCode":"([\d.]+)"/g)].map((m) => m[1]!);
}

describe('mapping applied without restart', () => {
  const running: RunningService[] = [];
  let world: World | undefined;
  let mappingsDir = '';
  afterEach(async () => {
    for (const service of running.splice(0)) await service.stop();
    await world?.close();
    rmSync(mappingsDir, { recursive: true, force: true });
  });

  it('a dictionary change through the API reaches the next registration in both workers, with history', async () => {
    mappingsDir = mkdtempSync(join(tmpdir(), 'pos-bridge-mappings-'));
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    world = await startWorld('directum-rx', testRedisUrl(), {
      MAPPINGS_DIR: mappingsDir,
      PULL_EVERY: '300ms',
      WATCH_EVERY: '1h',
      WORKER_CONCURRENCY: '1',
    });
    const config = loadConfig({ env: world.env, command: 'start', dotenvPath: false });
    // Slow creates and one job at a time per worker: both workers take part in the batch below.
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    edms.directum.faults.add({ route: 'create', kind: 'slow', delayMs: 100, rate: 1 });
    const logger = pino({ level: 'silent' });
    // Two processes' worth of parts on one Redis: one runs everything, the other only workers.
    for (const role of ['all', 'worker'] as const) {
      const services = await buildServices(config, logger, { watchMappings: false });
      running.push(await startRole(config, role, services));
    }
    const api = running[0]!.api!.url;
    const pos = world.sandbox.pos.control;
    const pothole = (count: number, seed: number) =>
      generateAppeals(count * 20, { seed })
        .filter((a) => a.factId === 1010101)
        .slice(0, count);

    const before = pothole(1, 71);
    await pos.seed(before);
    await waitFor('first accepted', async () => (await pos.stats()).acceptedTotal === 1, 30_000);
    const store = running[0]!.services.ctx.store;
    const inspect = async (posId: number) => world!.sandbox.edms.control.inspect((await store.get(posId))!.edmsId!);
    expect(questionCodes(await inspect(before[0]!.id))).toEqual([OLD_CODE]);

    const source = readFileSync(join(mappingsDir, 'directum-rx.yaml'), 'utf8');
    const changed = source.replace(`1010101: "${OLD_CODE}"`, `1010101: "${NEW_CODE}"`);
    expect(changed).not.toBe(source);
    const put = await fetch(`${api}/api/mappings/directum-rx`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${config.adminToken}`, 'content-type': 'text/yaml', 'x-admin-user': 'ivanova' },
      body: changed,
    });
    expect(put.status).toBe(200);

    const after = pothole(8, 72).map((a, i) => ({ ...a, id: 700_001 + i }));
    await pos.seed(after);
    await waitFor('the rest accepted', async () => (await pos.stats()).acceptedTotal === 1 + after.length, 30_000);
    for (const appeal of after) expect(questionCodes(await inspect(appeal.id))).toEqual([NEW_CODE]);
    const registeredBy = await Promise.all(
      running.map(async (r) => (await r.services.ctx.metrics.appealsRegistered.get()).values.reduce((n, v) => n + v.value, 0)),
    );
    expect(registeredBy.every((n) => n > 0)).toBe(true);

    const history = (await (
      await fetch(`${api}/api/mappings/directum-rx/history`, { headers: { authorization: `Bearer ${config.adminToken}` } })
    ).json()) as { author: string; diff: string }[];
    const latest = history[0]!.author === 'ivanova' ? history[0]! : history.at(-1)!;
    expect(latest.author).toBe('ivanova');
    expect(latest.diff).toContain(`-      1010101: "${OLD_CODE}"`);
    expect(latest.diff).toContain(`+      1010101: "${NEW_CODE}"`);
  }, 90_000);
});
