import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEdgeCaseAppeals } from '../../fixtures/index.js';
import { createLogger, type Logger } from '../../src/logging.js';
import { mappingVersion } from '../../src/mapping/compile.js';
import { MappingRegistry, type MappingRegistryOptions } from '../../src/mapping/registry.js';
import { BridgeMetrics } from '../../src/metrics.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const SHIPPED = readFileSync('mappings/directum-rx.yaml', 'utf8');
const root = mkdtempSync(join(tmpdir(), 'pos-bridge-mapping-registry-'));
const connections: Redis[] = [];
const registries: MappingRegistry[] = [];
const logs: string[] = [];
const logger: Logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });

function newDir(name: string, withFiles: boolean): string {
  const created = mkdtempSync(join(root, `${name}-`));
  if (withFiles) for (const file of ['directum-rx.yaml', 'delo.yaml']) copyFileSync(join('mappings', file), join(created, file));
  return created;
}

async function registry(prefix: string, dir: string, options: Partial<MappingRegistryOptions> = {}): Promise<MappingRegistry> {
  const redis = testRedis();
  connections.push(redis);
  const created = new MappingRegistry({ redis, prefix, dir, logger, debounceMs: 40, rescanMs: 150, ...options });
  registries.push(created);
  await created.start();
  return created;
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const withDelivery = (method: string) => SHIPPED.replace('deliveryMethod: Портал Госуслуг (ПОС)', `deliveryMethod: ${method}`);
const appeal = loadEdgeCaseAppeals().find((raw) => (raw as { id: number }).id === 900007);

afterAll(async () => {
  for (const created of registries) await created.stop();
  for (const connection of connections) connection.disconnect();
  rmSync(root, { recursive: true, force: true });
});

describe('MappingRegistry across processes', () => {
  const prefix = uniquePrefix('mapping-registry');
  let first: MappingRegistry;
  let second: MappingRegistry;
  let deaf: MappingRegistry;
  let firstDir: string;
  let secondDir: string;
  const metrics = new BridgeMetrics({ defaultMetrics: false });
  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    firstDir = newDir('first', true);
    secondDir = newDir('second', false);
    first = await registry(prefix, firstDir, { metrics });
    // Re-scans rarely: what reaches this process quickly comes through the change messages.
    second = await registry(prefix, secondDir, { rescanMs: 60_000 });
    // A process whose change messages are all lost, and that watches no directory.
    deaf = await registry(prefix, newDir('deaf', false), { subscribe: false, watch: false });
  });

  it('stores the files found at start as the first versions and serves them everywhere', async () => {
    const list = await first.list();
    expect(list.map((item) => [item.name, item.target, item.author])).toEqual([
      ['delo', 'delo', 'file:delo'],
      ['directum-rx', 'directum-rx', 'file:directum-rx'],
    ]);
    const stored = await second.get('directum-rx');
    expect(stored?.source).toBe(SHIPPED);
    expect(stored?.version).toBe(mappingVersion(SHIPPED));
    // The second process had no files: it got them from Redis.
    expect(readFileSync(join(secondDir, 'directum-rx.yaml'), 'utf8')).toBe(SHIPPED);
    const mapping = await deaf.forTarget('directum-rx');
    expect(mapping.version).toBe(mappingVersion(SHIPPED));
    const [entry] = await first.history('directum-rx');
    expect(entry?.author).toBe('file:directum-rx');
    expect(entry?.diff.startsWith('--- /dev/null\n+++ b/directum-rx.yaml\n@@ -0,0 +1,')).toBe(true);
  });

  it('applies a put in one process to the others without a restart, even when the change message is lost', async () => {
    const before = await deaf.forTarget('directum-rx');
    const source = withDelivery('Единый портал (ЕПГУ)');
    const result = await first.put('directum-rx', source, 'admin@agency');
    expect(result).toEqual({ ok: true, version: mappingVersion(source) });

    const afterDeaf = await deaf.forTarget('directum-rx');
    expect(afterDeaf.version).toBe(mappingVersion(source));
    expect(afterDeaf).not.toBe(before);
    const { record } = await afterDeaf.map(appeal as never);
    expect(record).toMatchObject({ DeliveryMethod: 'Единый портал (ЕПГУ)' });
    expect((await second.forTarget('directum-rx')).version).toBe(mappingVersion(source));
    // The change message reached the listening process, which brought its file up to date too.
    await until(() => readFileSync(join(secondDir, 'directum-rx.yaml'), 'utf8') === source, 'the second directory to follow');
    expect(readFileSync(join(firstDir, 'directum-rx.yaml'), 'utf8')).toBe(source);
    // Same again: nothing changes, no history entry.
    expect(await first.put('directum-rx', source, 'admin@agency')).toEqual({ ok: true, version: mappingVersion(source) });
    expect(await first.history('directum-rx')).toHaveLength(2);
    expect((await first.forTarget('directum-rx')).version).toBe(mappingVersion(source));
    expect(await metrics.registry.getSingleMetricAsString('pos_bridge_mapping_info')).toContain(`version="${mappingVersion(source)}"`);
  });

  it('refuses an invalid put with located problems and changes nothing', async () => {
    const active = await first.get('directum-rx');
    const broken = (active?.source ?? '').replace('  RequestDate: createdAt', '  RequestDate: createdAt &&');
    const result = await second.put('directum-rx', broken, 'admin@agency');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const line = broken.split('\n').findIndex((text) => text.startsWith('  RequestDate:')) + 1;
    expect(result.problems).toEqual([expect.objectContaining({ file: 'directum-rx.yaml', line, column: 27 })]);
    expect((await first.get('directum-rx'))?.version).toBe(active?.version);
    expect((await deaf.forTarget('directum-rx')).version).toBe(active?.version);
    expect(await first.history('directum-rx')).toHaveLength(2);
    expect(readFileSync(join(firstDir, 'directum-rx.yaml'), 'utf8')).toBe(active?.source);

    const wrongTarget = await first.put('delo', SHIPPED, 'admin@agency');
    expect(wrongTarget.ok).toBe(false);
    const badName = await first.put('../etc/passwd', SHIPPED, 'admin@agency');
    expect(badName).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('letters, digits') }] });
  });

  it('keeps a history of who changed what, when, newest first', async () => {
    const history = await second.history('directum-rx');
    expect(history.map((entry) => entry.author)).toEqual(['admin@agency', 'file:directum-rx']);
    const [latest] = history;
    const at = Date.parse(latest?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(startedAt);
    expect(at).toBeLessThanOrEqual(Date.now());
    expect(latest?.version).toBe(mappingVersion(withDelivery('Единый портал (ЕПГУ)')));
    expect(latest?.diff).toContain('--- a/directum-rx.yaml\n+++ b/directum-rx.yaml\n@@ ');
    expect(latest?.diff).toContain('\n-  deliveryMethod: Портал Госуслуг (ПОС)\n+  deliveryMethod: Единый портал (ЕПГУ)\n');
    expect(latest?.diff.split('\n').filter((text) => /^[-+][^-+]/.test(text))).toHaveLength(2);
  });

  it('applies a valid edit of the file on disk, and ignores an invalid one', async () => {
    const edited = withDelivery('Почта России');
    writeFileSync(join(firstDir, 'directum-rx.yaml'), edited);
    await until(async () => (await deaf.forTarget('directum-rx')).version === mappingVersion(edited), 'the edited file to be applied');
    const [entry] = await deaf.history('directum-rx');
    expect(entry?.author).toBe('file:directum-rx');
    await until(() => readFileSync(join(secondDir, 'directum-rx.yaml'), 'utf8') === edited, 'the other directory to follow');

    logs.length = 0;
    const invalid = edited.replace('  RequestDate: createdAt', '  RequestDate: (createdAt');
    writeFileSync(join(firstDir, 'directum-rx.yaml'), invalid);
    await until(() => logs.some((line) => line.includes('mapping file has problems')), 'the problems to be logged');
    const logged = logs.find((line) => line.includes('mapping file has problems')) ?? '';
    expect(logged).toMatch(/directum-rx\.yaml:\d+:\d+ fields\.RequestDate: expression error/);
    await new Promise((resolve) => setTimeout(resolve, 400)); // several re-scans
    expect((await deaf.forTarget('directum-rx')).version).toBe(mappingVersion(edited));
    expect(await deaf.history('directum-rx')).toHaveLength(3);
    // The admin's draft is left alone, in their directory and in the others.
    expect(readFileSync(join(firstDir, 'directum-rx.yaml'), 'utf8')).toBe(invalid);
    expect(readFileSync(join(secondDir, 'directum-rx.yaml'), 'utf8')).toBe(edited);
  });

  it('previews an appeal with the active version, and explains bad input', async () => {
    const result = await second.preview('delo', appeal);
    expect(result).toMatchObject({ record: { Consists: 'Обращение из ПОС, файлов: 5' }, warnings: [] });
    expect(await second.preview('delo', { id: 'abc', description: 1 })).toEqual({
      problems: expect.arrayContaining([
        expect.stringMatching(/^id: /),
        expect.stringMatching(/^description: /),
        expect.stringMatching(/^createdAt: /),
      ]),
    });
    expect(await second.preview('nope', appeal)).toEqual({ problems: [expect.stringContaining('no mapping "nope"')] });
  });
});

describe('MappingRegistry start-up', () => {
  it('brings a stale file up to date, but applies an offline edit', async () => {
    const prefix = uniquePrefix('mapping-startup');
    const current = withDelivery('Курьер');
    const seed = await registry(prefix, newDir('seed', true));
    expect((await seed.put('directum-rx', current, 'admin')).ok).toBe(true);

    // A machine that was down kept the shipped (older) file: it is an old version, not an edit.
    const staleDir = newDir('stale', true);
    const stale = await registry(prefix, staleDir, { watch: false });
    expect(readFileSync(join(staleDir, 'directum-rx.yaml'), 'utf8')).toBe(current);
    expect((await stale.forTarget('directum-rx')).version).toBe(mappingVersion(current));

    // An admin edited the file while the bridge was stopped: that is applied at start.
    const offlineDir = newDir('offline', true);
    const offline = withDelivery('Лично');
    writeFileSync(join(offlineDir, 'directum-rx.yaml'), offline);
    const restarted = await registry(prefix, offlineDir, { watch: false });
    expect((await restarted.forTarget('directum-rx')).version).toBe(mappingVersion(offline));
    expect((await seed.forTarget('directum-rx')).version).toBe(mappingVersion(offline));
    expect((await restarted.history('directum-rx'))[0]?.author).toBe('file:directum-rx');
  });

  it('says clearly when there is no mapping for the EDMS', async () => {
    const empty = await registry(uniquePrefix('mapping-empty'), newDir('empty', false), { watch: false });
    await expect(empty.forTarget('delo')).rejects.toMatchObject({ code: 'MAPPING_INVALID' });
    expect(await empty.list()).toEqual([]);
  });
});
