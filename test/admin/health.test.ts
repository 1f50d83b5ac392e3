import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import type { AdminDeps } from '../../src/admin/deps.js';
import { BridgeError, TransientError } from '../../src/errors.js';
import { makeFakes, type Fakes } from './fakes.js';

let fakes: Fakes;
let app: FastifyInstance | undefined;

async function build(overrides: Partial<AdminDeps> = {}, readyTimeoutMs?: number) {
  fakes = makeFakes(overrides);
  app = await buildAdminApp(fakes.deps, { readyTimeoutMs });
  return app;
}

afterEach(async () => {
  await app?.close();
  app = undefined;
});

const never = () => new Promise<void>(() => {});
/** Checks that settle only once all `count` of them have started: run one after another, the first would time out. */
function startedTogether(count: number): () => Promise<void> {
  let started = 0;
  let release = () => {};
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    started += 1;
    if (started === count) release();
    return all;
  };
}

describe('health', () => {
  it('GET /health/live answers 200', async () => {
    const response = await (await build()).inject({ url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'live' });
  });

  it('GET /health/ready answers 200 when every dependency answers', async () => {
    const response = await (await build()).inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      checks: {
        redis: { ok: true, ms: expect.any(Number) },
        pos: { ok: true, ms: expect.any(Number) },
        edms: { ok: true, ms: expect.any(Number) },
      },
    });
  });

  it('answers 503 naming the dependency that throws', async () => {
    const server = await build({
      health: {
        redis: async () => {},
        pos: async () => {
          throw new TransientError('ПОС answered 502');
        },
        edms: async () => {},
      },
    });
    const response = await server.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'not_ready',
      checks: {
        redis: { ok: true, ms: expect.any(Number) },
        pos: { ok: false, code: 'TRANSIENT', ms: expect.any(Number) },
        edms: { ok: true, ms: expect.any(Number) },
      },
    });
  });

  it('answers 503 within the timeout when a dependency hangs, and checks in parallel', async () => {
    const together = startedTogether(2);
    const server = await build({ health: { redis: together, pos: together, edms: never } }, 300);
    const response = await server.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.checks.edms).toEqual({ ok: false, code: 'TIMEOUT', ms: expect.any(Number) });
    expect(body.checks.edms.ms).toBeGreaterThanOrEqual(290);
    // Each of these two answers only once the other has started: checked in turn, redis would time out.
    expect(body.checks.redis).toEqual({ ok: true, ms: expect.any(Number) });
    expect(body.checks.pos).toEqual({ ok: true, ms: expect.any(Number) });
  });

  it('counts a synchronous throw as down, not as a crash', async () => {
    const server = await build({
      health: {
        redis: () => {
          throw new Error('no connection');
        },
        pos: async () => {},
        edms: async () => {},
      },
    });
    const response = await server.inject({ url: '/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.redis).toEqual({ ok: false, code: 'UNAVAILABLE', ms: expect.any(Number) });
  });

  it('names an unready mapping with a code only; GET /api/status (authenticated) has the reasons and the lines', async () => {
    const problem = {
      file: 'directum-rx.yaml',
      line: 53,
      column: 17,
      message: 'constants.documentKind: DocumentKind: "Обращение гражданина" is not in IDocumentKinds',
    };
    const server = await build({
      health: {
        redis: async () => {},
        pos: async () => {
          throw new TransientError('ПОС answered 502 for Иванов');
        },
        edms: async () => {},
        mapping: async () => {
          throw new BridgeError('EDMS_REFERENCE_UNKNOWN', '1 value(s) of mapping directum-rx are not in the EDMS; see GET /api/status');
        },
      },
      mappingCheck: async () => ({
        mapping: 'directum-rx',
        version: 'abc',
        checkedAt: new Date().toISOString(),
        checked: true,
        problems: [problem],
        notes: [],
      }),
    });
    const ready = await server.inject({ url: '/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({
      redis: { ok: true, ms: expect.any(Number) },
      pos: { ok: false, code: 'TRANSIENT', ms: expect.any(Number) },
      edms: { ok: true, ms: expect.any(Number) },
      mapping: { ok: false, code: 'EDMS_REFERENCE_UNKNOWN', ms: expect.any(Number) },
    });
    expect(ready.body).not.toContain('Иванов');
    expect(ready.body).not.toContain('Обращение');

    expect((await server.inject({ url: '/api/status' })).statusCode).toBe(401);
    const status = await server.inject({ url: '/api/status', headers: { authorization: `Bearer ${fakes.deps.adminToken}` } });
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      status: 'not_ready',
      checks: {
        pos: { ok: false, code: 'TRANSIENT', message: 'ПОС answered 502 for Иванов' },
        mapping: { ok: false, code: 'EDMS_REFERENCE_UNKNOWN' },
      },
      mapping: { mapping: 'directum-rx', checked: true, problems: [problem] },
    });
  });
});

describe('GET /metrics', () => {
  it('renders Prometheus text with the bridge metrics, after refreshing the gauges', async () => {
    const server = await build();
    fakes.deps.metrics.appealsPulled.inc(3);
    fakes.deps.metrics.appealsRegistered.inc({ edms: 'directum-rx' }, 2);
    fakes.deps.metrics.pushes.inc({ status: 'SOLVED', outcome: 'sent' });
    fakes.deps.metrics.httpObserver({ system: 'pos', method: 'GET', route: '/appeal-service/edms', status: 200, seconds: 0.12 });
    fakes.state.queueCounts = { push: { waiting: 7 } };

    const response = await server.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(fakes.state.gaugeRefreshes).toBe(1);
    const text = response.body;
    for (const name of [
      'pos_bridge_appeals_pulled_total',
      'pos_bridge_appeals_registered_total',
      'pos_bridge_appeals_accepted_total',
      'pos_bridge_pushes_total',
      'pos_bridge_failed_jobs',
      'pos_bridge_queue_jobs',
      'pos_bridge_http_request_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toContain('pos_bridge_appeals_pulled_total 3');
    expect(text).toContain('pos_bridge_appeals_registered_total{edms="directum-rx"} 2');
    expect(text).toContain('pos_bridge_queue_jobs{queue="push",state="waiting"} 7');
    expect(text).toContain(
      'pos_bridge_http_request_duration_seconds_count{system="pos",method="GET",route="appeal-service/edms",status="200"} 1',
    );
  });

  it('still renders when refreshing the gauges fails, and logs a warning', async () => {
    const server = await build({
      refreshGauges: async () => {
        throw new TransientError('Redis is loading');
      },
    });
    const response = await server.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('pos_bridge_appeals_pulled_total');
    expect(fakes.state.logLines.join('')).toContain('could not refresh queue gauges');
  });
});

describe('GET /docs', () => {
  it('serves a valid OpenAPI 3 description of every route', async () => {
    const server = await build();
    const response = await server.inject({ url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const doc = response.json();
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    const operations: Record<string, string[]> = {
      '/health/live': ['get'],
      '/health/ready': ['get'],
      '/metrics': ['get'],
      '/api/appeals/{posId}': ['get'],
      '/api/sync': ['post'],
      '/api/mappings': ['get'],
      '/api/mappings/{name}': ['get', 'put'],
      '/api/mappings/{name}/preview': ['post'],
      '/api/mappings/{name}/history': ['get'],
      '/api/mappings/{name}/check': ['post'],
      '/api/mappings/{name}/check-edms': ['post'],
      '/api/mappings/{name}/diff': ['post'],
      '/api/mappings/{name}/preview-draft': ['post'],
      '/api/mappings/{name}/rollback': ['post'],
      '/api/fixtures': ['get'],
      '/api/failed/retry': ['post'],
      '/api/failed': ['get'],
      '/api/failed/{id}/retry': ['post'],
      '/api/failed/{id}': ['delete'],
      '/api/queues': ['get'],
      '/api/deadlines': ['get'],
      '/api/status': ['get'],
      '/api/login': ['post'],
      '/api/logout': ['post'],
      '/api/session': ['get'],
      '/api/audit': ['get'],
    };
    expect(Object.keys(doc.paths).sort()).toEqual(Object.keys(operations).sort());
    for (const [path, methods] of Object.entries(operations)) {
      expect(Object.keys(doc.paths[path]).sort(), path).toEqual([...methods].sort());
      for (const method of methods) {
        const operation = doc.paths[path][method];
        expect(operation.responses, `${method} ${path}`).toBeTypeOf('object');
        if (path.startsWith('/api/') && path !== '/api/login')
          expect(operation.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
        else expect(operation.security).toBeUndefined();
      }
    }
    const put = doc.paths['/api/mappings/{name}'].put;
    expect(put.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      required: ['source'],
      additionalProperties: false,
    });
    expect(put.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'path', name: 'name', required: true })]));
    for (const path of Object.keys(operations).filter((p) => p.startsWith('/api/'))) {
      for (const operation of Object.values(doc.paths[path]) as {
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      }[]) {
        expect(operation.responses['401']?.content?.['application/json']?.schema, path).toBeTypeOf('object');
      }
    }
    const ui = await server.inject({ url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });
});
