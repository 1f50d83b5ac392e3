// A mapping change through the admin API is checked against the live EDMS before it is applied:
// values the installation lacks answer 400 with their lines (unless ?force=true); an EDMS that
// cannot be reached lets the change through with a warning that it was not checked.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectumAdapter } from '../../adapters/directum-rx/adapter.js';
import { FOREIGN_INSTALLATION } from '../../adapters/directum-rx/emulator/seed.js';
import { startDirectumEmulator, type DirectumEmulator } from '../../adapters/directum-rx/emulator/server.js';
import { buildAdminApp } from '../../src/admin/app.js';
import { createLogger } from '../../src/logging.js';
import { MappingRegistry } from '../../src/mapping/registry.js';
import { EdmsMappingCheck } from '../../src/service/checked-mappings.js';
import { ADMIN_TOKEN, makeFakes } from '../admin/fakes.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const SHIPPED = readFileSync('mappings/directum-rx.yaml', 'utf8');
const auth = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/yaml' };

describe('PUT /api/mappings checked against the EDMS', () => {
  let emulator: DirectumEmulator;
  let adapter: DirectumAdapter;
  let redis: Redis;
  let registry: MappingRegistry;
  let check: EdmsMappingCheck;
  let app: FastifyInstance;
  let dir: string;

  beforeAll(async () => {
    emulator = await startDirectumEmulator({ installation: FOREIGN_INSTALLATION });
    adapter = new DirectumAdapter({ baseUrl: emulator.url, username: 'bridge', password: 'bridge-secret', timeoutMs: 2000 });
    dir = mkdtempSync(join(tmpdir(), 'pos-bridge-checked-mappings-'));
    copyFileSync('mappings/directum-rx.yaml', join(dir, 'directum-rx.yaml'));
    redis = testRedis();
    const logger = createLogger({ level: 'silent' });
    registry = new MappingRegistry({ redis, prefix: uniquePrefix('checked'), dir, logger, watch: false });
    await registry.start();
    check = new EdmsMappingCheck(adapter, registry, logger);
    app = await buildAdminApp(makeFakes({ mappings: check.service(), mappingCheck: () => check.current() }).deps);
  });
  afterAll(async () => {
    await app?.close();
    await registry?.stop();
    await adapter?.close();
    await emulator?.close();
    redis?.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses values the installation lacks with their lines, and applies nothing', async () => {
    const before = (await registry.get('directum-rx'))!.version;
    const edited = SHIPPED.replace('statutoryDays: 30', 'statutoryDays: 31');
    const response = await app.inject({ method: 'PUT', url: '/api/mappings/directum-rx', headers: auth, payload: edited });
    expect(response.statusCode).toBe(400);
    const body = response.json() as { error: string; message: string; problems: { file: string; line: number; message: string }[] };
    expect(body.error).toBe('mapping_references_unknown');
    expect(body.message).toMatch(
      /^the EDMS lacks \d+ value\(s\) of this mapping: directum-rx\.yaml:\d+:\d+ .*; fix them or send \?force=true$/,
    );
    const line = SHIPPED.split('\n').findIndex((text) => text.includes('101: Управление дорожного хозяйства')) + 1;
    expect(body.problems).toContainEqual(
      expect.objectContaining({
        file: 'directum-rx.yaml',
        line,
        message: expect.stringContaining('"Управление дорожного хозяйства" is not in IDepartments'),
      }),
    );
    expect((await registry.get('directum-rx'))!.version).toBe(before);
  });

  it('checks a draft against the EDMS on POST check-edms, at the lines, without applying or remembering it', async () => {
    const before = (await registry.get('directum-rx'))!.version;
    const draft = SHIPPED.replace('statutoryDays: 30', 'statutoryDays: 29');
    const response = await app.inject({
      method: 'POST',
      url: '/api/mappings/directum-rx/check-edms',
      headers: { authorization: auth.authorization },
      payload: { source: draft },
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { ok: boolean; checked: boolean; notes: string[]; problems: { line: number; message: string }[] };
    expect(body).toMatchObject({ ok: false, checked: true });
    const line = draft.split('\n').findIndex((text) => text.includes('101: Управление дорожного хозяйства')) + 1;
    expect(body.problems).toContainEqual(
      expect.objectContaining({ line, message: expect.stringContaining('"Управление дорожного хозяйства" is not in IDepartments') }),
    );
    expect((await registry.get('directum-rx'))!.version).toBe(before);
    const invalid = await app.inject({
      method: 'POST',
      url: '/api/mappings/directum-rx/check-edms',
      headers: { authorization: auth.authorization },
      payload: { source: draft.replace('target: directum-rx', 'target: sharepoint') },
    });
    expect(invalid.json()).toMatchObject({ ok: false, checked: false, problems: [expect.objectContaining({ column: 9 })] });
  });

  it('applies with ?force=true, saying so, and GET /api/status lists what is missing', async () => {
    const edited = SHIPPED.replace('statutoryDays: 30', 'statutoryDays: 32');
    const response = await app.inject({ method: 'PUT', url: '/api/mappings/directum-rx?force=true', headers: auth, payload: edited });
    expect(response.statusCode).toBe(200);
    expect(response.json().warnings).toEqual([expect.stringMatching(/^applied with \d+ value\(s\) the EDMS lacks \(force=true\)$/)]);
    const status = await app.inject({ url: '/api/status', headers: { authorization: auth.authorization } });
    expect(status.json().mapping).toMatchObject({
      mapping: 'directum-rx',
      checked: true,
      problems: expect.arrayContaining([expect.objectContaining({ file: 'directum-rx.yaml' })]),
    });
  });

  it('applies with a warning when the EDMS cannot be reached', async () => {
    await emulator.close();
    // A process that has not read the directories yet (a warm one would still resolve from its cache).
    const fresh = new DirectumAdapter({ baseUrl: emulator.url, username: 'bridge', password: 'bridge-secret', timeoutMs: 2000 });
    const cold = await buildAdminApp(
      makeFakes({ mappings: new EdmsMappingCheck(fresh, registry, createLogger({ level: 'silent' })).service() }).deps,
    );
    const edited = SHIPPED.replace('statutoryDays: 30', 'statutoryDays: 33');
    const response = await cold
      .inject({ method: 'PUT', url: '/api/mappings/directum-rx', headers: auth, payload: edited })
      .finally(async () => {
        await cold.close();
        await fresh.close();
      });
    expect(response.statusCode).toBe(200);
    expect(response.json().warnings).toEqual([
      expect.stringMatching(/^not checked against the EDMS \(TRANSIENT\): it could not be reached/),
    ]);
    expect((await registry.get('directum-rx'))!.source).toContain('statutoryDays: 33');
    const unchecked = await new EdmsMappingCheck(fresh, registry, createLogger({ level: 'silent' })).checkDraft('directum-rx', edited);
    expect(unchecked).toEqual({
      ok: true,
      problems: [],
      notes: ['the EDMS could not be asked (TRANSIENT); nothing was checked'],
      checked: false,
    });
  });
});
