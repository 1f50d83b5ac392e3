// Who may unmask a preview (the route's own check, with principals other than ADMIN_TOKEN's set by
// a test hook), the failed list's retry by error code, and the audit records of retries, drops
// and syncs.
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import type { AdminDeps, FailedJobView } from '../../src/admin/deps.js';
import { installErrorHandling } from '../../src/admin/error-handler.js';
import type { MemoryAuditLog } from '../../src/admin/memory-audit.js';
import type { Principal } from '../../src/admin/principal.js';
import { registerPreviewDraftRoute } from '../../src/admin/routes/preview-draft.js';
import { auth, makeFakes } from './fakes.js';
import { shippedMappings, type ShippedMappings } from './shipped-mappings.js';

let app: FastifyInstance | undefined;
let mappings: ShippedMappings | undefined;
afterEach(async () => {
  await app?.close();
  await mappings?.close();
  app = undefined;
  mappings = undefined;
});

/** The preview route alone, behind a hook that makes every request this principal's. */
async function previewAs(principal: Principal, deps: AdminDeps): Promise<FastifyInstance> {
  const instance = Fastify();
  instance.setValidatorCompiler(validatorCompiler);
  instance.setSerializerCompiler(serializerCompiler);
  installErrorHandling(instance, deps.logger, false);
  await instance.register(
    async (api) => {
      api.addHook('onRequest', async (request) => {
        request.principal = principal;
      });
      registerPreviewDraftRoute(api, deps);
    },
    { prefix: '/api' },
  );
  await instance.ready();
  return instance;
}

describe('preview-draft unmask', () => {
  it('refuses a viewer with 403, shows a viewer the masked view, and unmasks for a mapping editor with an audit record', async () => {
    mappings = await shippedMappings();
    const { deps } = makeFakes({ mappings: mappings.registry });
    const audit = deps.audit as MemoryAuditLog;
    const body = { appeal: { fixture: 'very-long-text' }, unmask: true };

    app = await previewAs({ name: 'vera', role: 'viewer', via: 'session' }, deps);
    const refused = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview-draft', payload: body });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({
      error: 'forbidden',
      message: 'vera is a viewer; unmasking personal fields needs the mapping-editor role',
    });
    const masked = await app.inject({
      method: 'POST',
      url: '/api/mappings/directum-rx/preview-draft',
      payload: { ...body, unmask: false },
    });
    expect(masked.statusCode).toBe(200);
    expect(masked.json()).toMatchObject({ masked: true, appeal: { applicant: { surname: 'К***' } } });
    expect(audit.entries).toEqual([]);
    await app.close();

    app = await previewAs({ name: 'egor', role: 'mapping-editor', via: 'token' }, deps);
    const shown = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview-draft', payload: body });
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toMatchObject({ masked: false, appeal: { applicant: { surname: 'Кузнецова' } } });
    expect(audit.entries).toEqual([
      expect.objectContaining({
        who: 'egor',
        role: 'mapping-editor',
        action: 'appeal.unmask',
        target: '900002',
        details: { mapping: 'directum-rx', source: 'fixture' },
      }),
    ]);
  });

  it('shows nothing unmasked when the audit record cannot be written', async () => {
    mappings = await shippedMappings();
    const { deps } = makeFakes({ mappings: mappings.registry });
    deps.audit.record = async () => {
      throw new Error('Redis is away');
    };
    app = await previewAs({ name: 'egor', role: 'mapping-editor', via: 'token' }, deps);
    const response = await app.inject({
      method: 'POST',
      url: '/api/mappings/directum-rx/preview-draft',
      payload: { appeal: { fixture: 'very-long-text' }, unmask: true },
    });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('Кузнецова');
  });
});

const failedEntry = (id: string, code: string, organisation = 'city'): FailedJobView => ({
  id,
  organisation,
  queue: `register-${organisation}`,
  name: 'register',
  posId: Number(id.replace(/\D/g, '')),
  attemptsMade: 10,
  error: { code, message: `${code} happened` },
});

describe('POST /api/failed/retry', () => {
  async function start(overrides: Partial<AdminDeps['failed']> = {}) {
    const fakes = makeFakes();
    fakes.state.failed.push(
      failedEntry('register-city.1', 'MAPPING_FAILED'),
      failedEntry('register-city.2', 'TRANSIENT'),
      failedEntry('register-school-7.3', 'MAPPING_FAILED', 'school-7'),
    );
    const base = fakes.deps.failed;
    fakes.deps.failed = {
      ...base,
      organisations: ['city', 'school-7'],
      list: async (filter) => (await base.list()).filter((entry) => !filter?.organisation || entry.organisation === filter.organisation),
      ...overrides,
    };
    app = await buildAdminApp(fakes.deps);
    return fakes;
  }
  const retry = (payload: object) => app!.inject({ method: 'POST', url: '/api/failed/retry', headers: auth, payload });

  it('retries every entry with the code, of one organisation when asked, and audits it', async () => {
    const { state, deps } = await start();
    const one = await retry({ code: 'MAPPING_FAILED', organisation: 'school-7' });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toEqual({ code: 'MAPPING_FAILED', retried: 1, ids: ['register-school-7.3'] });
    expect((await retry({ code: 'MAPPING_FAILED' })).json()).toEqual({ code: 'MAPPING_FAILED', retried: 1, ids: ['register-city.1'] });
    expect((await retry({ code: 'MAPPING_FAILED' })).json()).toEqual({ code: 'MAPPING_FAILED', retried: 0, ids: [] });
    expect(state.retried).toEqual(['register-school-7.3', 'register-city.1']);
    expect(state.failed.map((entry) => entry.id)).toEqual(['register-city.2']);
    expect(
      (deps.audit as MemoryAuditLog).entries.map(({ who, role, action, target, details }) => ({ who, role, action, target, details })),
    ).toEqual([
      {
        who: 'admin',
        role: 'operator',
        action: 'failed.retry-code',
        target: 'MAPPING_FAILED',
        details: { retried: 1, organisation: 'school-7' },
      },
      { who: 'admin', role: 'operator', action: 'failed.retry-code', target: 'MAPPING_FAILED', details: { retried: 1 } },
      { who: 'admin', role: 'operator', action: 'failed.retry-code', target: 'MAPPING_FAILED', details: { retried: 0 } },
    ]);
  });

  it('uses the pipeline retry by code when there is one', async () => {
    const calls: unknown[] = [];
    await start({
      retryCode: async (code, filter) => {
        calls.push([code, filter]);
        return ['register-city.1'];
      },
    });
    expect((await retry({ code: 'MAPPING_FAILED', organisation: 'city' })).json()).toEqual({
      code: 'MAPPING_FAILED',
      retried: 1,
      ids: ['register-city.1'],
    });
    expect(calls).toEqual([['MAPPING_FAILED', { organisation: 'city' }]]);
  });

  it('refuses an unknown organisation, a malformed code and unknown fields', async () => {
    const { state } = await start();
    expect((await retry({ code: 'MAPPING_FAILED', organisation: 'nowhere' })).json()).toEqual({
      error: 'unknown_organisation',
      message: 'no organisation nowhere (known: city, school-7)',
    });
    for (const payload of [{ code: 'MAPPING FAILED' }, {}, { code: 'X', organisation: 'Bad Key' }, { code: 'X', force: true }]) {
      const response = await retry(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed' });
    }
    expect(state.retried).toEqual([]);
  });
});

describe('audit of the existing operator routes', () => {
  it('records failed.retry, failed.drop and sync.start with the principal', async () => {
    const fakes = makeFakes();
    fakes.state.failed.push(failedEntry('register-city.1', 'TRANSIENT'), failedEntry('register-city.2', 'TRANSIENT'));
    app = await buildAdminApp(fakes.deps);
    expect((await app.inject({ method: 'POST', url: '/api/failed/register-city.1/retry', headers: auth })).statusCode).toBe(200);
    expect((await app.inject({ method: 'DELETE', url: '/api/failed/register-city.2', headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/api/failed/register-city.2', headers: auth })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/sync', headers: auth })).statusCode).toBe(202);
    expect(
      (fakes.deps.audit as MemoryAuditLog).entries.map(({ who, role, action, target, details }) => ({
        who,
        role,
        action,
        target,
        details,
      })),
    ).toEqual([
      { who: 'admin', role: 'operator', action: 'failed.retry', target: 'register-city.1', details: undefined },
      { who: 'admin', role: 'operator', action: 'failed.drop', target: 'register-city.2', details: undefined },
      { who: 'admin', role: 'operator', action: 'sync.start', target: undefined, details: { jobId: 'pull-manual-1' } },
    ]);
  });
});
