import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { RateLimitedError, TransientError, BridgeError } from '../../src/errors.js';
import { ADMIN_TOKEN, auth, makeFakes, sampleAppeal, type Fakes } from './fakes.js';
import { SHIPPED_DIRECTUM, shippedMappings, type ShippedMappings } from './shipped-mappings.js';

/** Every /api route with a request that would succeed once authenticated. */
const API_ROUTES: InjectOptions[] = [
  { method: 'GET', url: '/api/appeals/101' },
  { method: 'POST', url: '/api/sync' },
  { method: 'GET', url: '/api/mappings' },
  { method: 'GET', url: '/api/mappings/directum-rx' },
  { method: 'PUT', url: '/api/mappings/directum-rx', payload: { source: `${SHIPPED_DIRECTUM}# edited through the API\n` } },
  { method: 'POST', url: '/api/mappings/directum-rx/preview', payload: sampleAppeal },
  { method: 'GET', url: '/api/mappings/directum-rx/history' },
  { method: 'GET', url: '/api/failed' },
  { method: 'POST', url: '/api/failed/pull:17/retry' },
  { method: 'DELETE', url: '/api/failed/pull:17' },
  { method: 'GET', url: '/api/queues' },
];

let fakes: Fakes;
let app: FastifyInstance;
let mappings: ShippedMappings;

beforeAll(async () => {
  mappings = await shippedMappings();
});
afterAll(async () => {
  await mappings.close();
});

async function build(overrides: Parameters<typeof makeFakes>[0] = {}, options = {}) {
  fakes = makeFakes({ mappings: mappings.registry, ...overrides });
  app = await buildAdminApp(fakes.deps, options);
}

beforeEach(async () => {
  await build();
});
afterEach(async () => {
  await app.close();
});

describe('authentication', () => {
  it.each(API_ROUTES.map((route) => [`${route.method} ${route.url}`, route] as const))(
    '%s: 401 without a token, with a wrong one, 2xx with the right one',
    async (_label, route) => {
      const mappingBefore = (await mappings.registry.get('directum-rx'))?.version;
      fakes.state.failed.push({
        id: 'pull:17',
        organisation: 'default',
        queue: 'pull',
        name: 'pull',
        attemptsMade: 10,
        error: { code: 'TRANSIENT', message: 'ПОС 503' },
      });
      fakes.state.appeals.set(101, { posId: 101, state: 'registered', pushed: [] });

      const wrongTokens = [
        {},
        { authorization: 'Bearer ' },
        { authorization: 'Bearer wrong-token' },
        { authorization: `Bearer ${ADMIN_TOKEN}x` },
        { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}` },
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
        { authorization: ADMIN_TOKEN },
      ];
      for (const headers of wrongTokens) {
        const response = await app.inject({ ...route, headers });
        expect(response.statusCode, JSON.stringify(headers)).toBe(401);
        expect(response.json()).toEqual({ error: 'unauthorized', message: expect.any(String) });
        expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      // Nothing happened on the unauthenticated calls.
      expect(fakes.state.syncCalls).toBe(0);
      expect(fakes.state.failed).toHaveLength(1);
      expect((await mappings.registry.get('directum-rx'))?.version).toBe(mappingBefore);

      const ok = await app.inject({ ...route, headers: auth });
      expect(ok.statusCode, ok.body).toBeGreaterThanOrEqual(200);
      expect(ok.statusCode, ok.body).toBeLessThan(300);
      const lowerCaseScheme = await app.inject({ ...route, headers: { authorization: `bearer ${ADMIN_TOKEN}` } });
      expect(lowerCaseScheme.statusCode).not.toBe(401);
    },
  );

  it('leaves health, metrics and docs open', async () => {
    for (const url of ['/health/live', '/health/ready', '/metrics', '/docs/json']) {
      expect((await app.inject({ url })).statusCode, url).toBe(200);
    }
  });

  it('refuses to build without an admin token', async () => {
    await expect(buildAdminApp({ ...fakes.deps, adminToken: '' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('appeals, sync, failed jobs, queues', () => {
  it('GET /api/appeals/:posId returns what the bridge knows, 404 for an unknown appeal', async () => {
    const view = {
      posId: 101,
      state: 'answered',
      edmsId: '5532',
      regNumber: 'ОГ-00123',
      regDate: '2024-03-02',
      registeredAt: '2024-03-02T10:00:00.000Z',
      acceptedAt: '2024-03-02T10:00:01.000Z',
      pushed: [
        { step: 'registered', status: 'IN_PROGRESS', statusText: 'Зарегистрировано', at: '2024-03-02T10:00:02.000Z' },
        { step: 'answered', status: 'SOLVED', at: '2024-03-20T12:00:00.000Z' },
      ],
      lastError: { code: 'TRANSIENT', message: 'ПОС answered 503', at: '2024-03-20T11:59:00.000Z' },
    };
    fakes.state.appeals.set(101, view);
    const found = await app.inject({ url: '/api/appeals/101', headers: auth });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(view);

    const missing = await app.inject({ url: '/api/appeals/999', headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'not_found', message: expect.stringContaining('999') });
  });

  it.each(['abc', '0', '-5', '1.5', '1e3x', '99999999999999999999'])('GET /api/appeals/%s is 400', async (posId) => {
    const response = await app.inject({ url: `/api/appeals/${posId}`, headers: auth });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'validation_failed',
      issues: [expect.objectContaining({ in: 'params', path: 'posId' })],
    });
  });

  it('POST /api/sync starts a pull and answers 202 with the job id', async () => {
    const first = await app.inject({ method: 'POST', url: '/api/sync', headers: auth });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ jobId: 'pull-manual-1' });
    const withEmptyObject = await app.inject({ method: 'POST', url: '/api/sync', headers: auth, payload: {} });
    expect(withEmptyObject.statusCode).toBe(202);
    expect(withEmptyObject.json()).toEqual({ jobId: 'pull-manual-2' });
    expect(fakes.state.syncCalls).toBe(2);
  });

  it('failed jobs: list, retry (200, then 404), delete (204, then 404)', async () => {
    fakes.state.failed.push(
      {
        id: 'register:4101',
        organisation: 'default',
        queue: 'register',
        name: 'register',
        posId: 4101,
        attemptsMade: 10,
        failedAt: '2024-03-02T10:00:00.000Z',
        error: { code: 'EDMS_REJECTED', message: 'Directum: 400' },
      },
      {
        id: 'push:4102-answered',
        organisation: 'default',
        queue: 'push',
        name: 'push',
        attemptsMade: 10,
        error: { code: 'ANSWER_INVALID', message: 'text too long' },
      },
    );
    const list = await app.inject({ url: '/api/failed', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual(fakes.state.failed);

    const retried = await app.inject({ method: 'POST', url: '/api/failed/register:4101/retry', headers: auth });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({ id: 'register:4101', retried: true });
    expect(fakes.state.retried).toEqual(['register:4101']);
    const again = await app.inject({ method: 'POST', url: '/api/failed/register:4101/retry', headers: auth });
    expect(again.statusCode).toBe(404);
    expect(again.json()).toMatchObject({ error: 'not_found' });

    const removed = await app.inject({ method: 'DELETE', url: '/api/failed/push:4102-answered', headers: auth });
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expect(fakes.state.failed).toEqual([]);
    const removedAgain = await app.inject({ method: 'DELETE', url: '/api/failed/push:4102-answered', headers: auth });
    expect(removedAgain.statusCode).toBe(404);
  });

  it('passes percent-encoded failed-job ids through decoded, and rejects control characters', async () => {
    fakes.state.failed.push({
      id: 'malformed.12 / б',
      organisation: 'default',
      queue: 'malformed',
      name: 'pull',
      attemptsMade: 1,
      error: { code: 'MALFORMED_APPEAL', message: 'id: expected number' },
    });
    const removed = await app.inject({ method: 'DELETE', url: `/api/failed/${encodeURIComponent('malformed.12 / б')}`, headers: auth });
    expect(removed.statusCode).toBe(204);
    expect(fakes.state.failed).toEqual([]);
    const control = await app.inject({ method: 'DELETE', url: '/api/failed/a%00b', headers: auth });
    expect(control.statusCode).toBe(400);
    expect(control.json()).toMatchObject({ error: 'validation_failed', issues: [expect.objectContaining({ in: 'params', path: 'id' })] });
  });

  it('GET /api/queues reports counts per queue and state', async () => {
    fakes.state.queueCounts = { pull: { waiting: 2, active: 1 }, push: { failed: 3, delayed: 4 } };
    const response = await app.inject({ url: '/api/queues', headers: auth });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ pull: { waiting: 2, active: 1 }, push: { failed: 3, delayed: 4 } });
  });
});

describe('errors from the bridge', () => {
  it('maps coded errors to fitting statuses and hides unexpected ones', async () => {
    const cases: [unknown, number, string][] = [
      [new TransientError('Redis is loading'), 503, 'transient'],
      [new RateLimitedError('slow down', 2500), 429, 'rate_limited'],
      [new BridgeError('CONFLICT', 'appeal is being registered'), 409, 'conflict'],
      [new BridgeError('NOT_FOUND', 'gone'), 404, 'not_found'],
      [new BridgeError('AUTH_FAILED', 'ПОС refused our credentials'), 502, 'auth_failed'],
      [new BridgeError('EDMS_REJECTED', 'refused'), 500, 'edms_rejected'],
    ];
    for (const [error, status, code] of cases) {
      await app.close();
      await build({
        appeals: {
          get: async () => {
            throw error;
          },
        },
      });
      const response = await app.inject({ url: '/api/appeals/5', headers: auth });
      expect(response.statusCode).toBe(status);
      expect(response.json()).toEqual({ error: code, message: (error as Error).message });
      if (error instanceof RateLimitedError) expect(response.headers['retry-after']).toBe('3');
    }

    await app.close();
    await build({
      appeals: {
        get: async () => {
          throw new Error('db password is hunter2');
        },
      },
    });
    const response = await app.inject({ url: '/api/appeals/5', headers: auth });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal', message: expect.any(String) });
    expect(response.body).not.toContain('hunter2');
    expect(fakes.state.logLines.join('')).toContain('admin API request failed');
  });

  it('answers unknown routes with 404 JSON', async () => {
    const response = await app.inject({ url: '/nope?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'no route GET /nope' });
  });
});
