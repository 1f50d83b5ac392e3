// Malformed requests on every body route: each must end as a 4xx with {error, message}, never 500,
// and must not reach the bridge.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { mappingVersion } from '../../src/mapping/compile.js';
import { auth, makeFakes, sampleAppeal, type Fakes } from './fakes.js';
import {
  SHIPPED_DELO,
  SHIPPED_DIRECTUM,
  countingCalls,
  shippedMappings,
  type MappingCalls,
  type ShippedMappings,
} from './shipped-mappings.js';

const BODY_LIMIT = 64 * 1024;
const EDITED = `${SHIPPED_DIRECTUM}# edited through the API\n`;

interface BodyRoute {
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  valid: object;
  /** The preview body is a ПОС appeal, whose schema passes fields ПОС may add through on purpose. */
  passesUnknownFields?: boolean;
}

const BODY_ROUTES: BodyRoute[] = [
  { method: 'POST', url: '/api/sync', valid: {} },
  { method: 'PUT', url: '/api/mappings/directum-rx', valid: { source: EDITED } },
  { method: 'POST', url: '/api/mappings/directum-rx/preview', valid: sampleAppeal, passesUnknownFields: true },
  { method: 'POST', url: '/api/failed/pull:1/retry', valid: {} },
  { method: 'DELETE', url: '/api/failed/pull:1', valid: {} },
];

interface Malformed {
  label: string;
  contentType: string;
  payload: string | Buffer;
  status: number;
  error: string;
}

const huge = (size: number) => `{"source":"${'я'.repeat(size)}"}`;

function malformedBodies(route: BodyRoute): Malformed[] {
  const json = 'application/json';
  return [
    { label: 'truncated JSON', contentType: json, payload: '{"source": "target', status: 400, error: 'invalid_json' },
    { label: 'not JSON at all', contentType: json, payload: 'target: delo', status: 400, error: 'invalid_json' },
    { label: 'empty JSON body', contentType: json, payload: '', status: 400, error: 'invalid_json' },
    { label: 'JSON array', contentType: json, payload: '[1,2]', status: 400, error: 'validation_failed' },
    { label: 'JSON number', contentType: json, payload: '42', status: 400, error: 'validation_failed' },
    { label: 'JSON string', contentType: json, payload: '"target: delo"', status: 400, error: 'validation_failed' },
    {
      label: 'prototype poisoning',
      contentType: json,
      payload: JSON.stringify(route.valid).replace(/^\{/, '{"__proto__":{"admin":true},'),
      status: 400,
      error: 'invalid_json',
    },
    ...(route.passesUnknownFields
      ? []
      : [
          {
            label: 'unknown field',
            contentType: json,
            payload: JSON.stringify({ ...route.valid, surprise: 1 }),
            status: 400,
            error: 'validation_failed',
          },
        ]),
    { label: 'body over the limit', contentType: json, payload: huge(BODY_LIMIT), status: 413, error: 'payload_too_large' },
    { label: 'XML', contentType: 'application/xml', payload: '<source/>', status: 415, error: 'unsupported_media_type' },
    { label: 'form', contentType: 'application/x-www-form-urlencoded', payload: 'source=x', status: 415, error: 'unsupported_media_type' },
    {
      label: 'multipart',
      contentType: 'multipart/form-data; boundary=x',
      payload: '--x\r\n\r\n--x--',
      status: 415,
      error: 'unsupported_media_type',
    },
    {
      label: 'octet-stream',
      contentType: 'application/octet-stream',
      payload: Buffer.from([0, 1, 2]),
      status: 415,
      error: 'unsupported_media_type',
    },
  ];
}

let fakes: Fakes;
let app: FastifyInstance;
let mappings: ShippedMappings;
let calls: MappingCalls;

beforeAll(async () => {
  mappings = await shippedMappings();
  const counted = countingCalls(mappings.registry);
  calls = counted.calls;
  fakes = makeFakes({ mappings: counted.service });
  app = await buildAdminApp(fakes.deps, { bodyLimitBytes: BODY_LIMIT });
  fakes.state.failed.push({
    id: 'pull:1',
    organisation: 'default',
    queue: 'pull',
    name: 'pull',
    attemptsMade: 3,
    error: { code: 'TRANSIENT', message: 'x' },
  });
});
afterAll(async () => {
  await app.close();
  await mappings.close();
});

describe.each(BODY_ROUTES)('$method $url', (route) => {
  it.each(malformedBodies(route).map((m) => [m.label, m] as const))('%s → 4xx {error, message}', async (_label, malformed) => {
    const response = await app.inject({
      method: route.method,
      url: route.url,
      headers: { ...auth, 'content-type': malformed.contentType },
      payload: malformed.payload,
    });
    expect(response.statusCode, response.body).toBe(malformed.status);
    const body = response.json();
    expect(body).toMatchObject({ error: malformed.error, message: expect.any(String) });
    expect(body.message.length).toBeGreaterThan(0);
  });

  it('a valid body is still accepted (the cases above did nothing)', async () => {
    const response = await app.inject({ method: route.method, url: route.url, headers: auth, payload: route.valid });
    expect(response.statusCode, response.body).toBeLessThan(300);
    // Restore what the valid call consumed, for later cases.
    if (route.url.startsWith('/api/failed')) {
      fakes.state.failed.push({
        id: 'pull:1',
        organisation: 'default',
        queue: 'pull',
        name: 'pull',
        attemptsMade: 3,
        error: { code: 'TRANSIENT', message: 'x' },
      });
    }
  });
});

describe('route-specific bodies', () => {
  it('names wrong types and unknown fields in PUT /api/mappings/:name', async () => {
    const wrongType = await app.inject({ method: 'PUT', url: '/api/mappings/delo', headers: auth, payload: { source: 5 } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().issues).toEqual([{ in: 'body', path: 'source', message: expect.any(String) }]);

    const extra = await app.inject({
      method: 'PUT',
      url: '/api/mappings/delo',
      headers: auth,
      payload: { source: 'target: delo\n', autor: 'typo' },
    });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().message).toContain('autor');

    const empty = await app.inject({
      method: 'PUT',
      url: '/api/mappings/delo',
      headers: { ...auth, 'content-type': 'text/yaml' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ error: 'validation_failed', issues: [expect.objectContaining({ path: 'source' })] });

    const longAuthor = await app.inject({
      method: 'PUT',
      url: '/api/mappings/delo',
      headers: { ...auth, 'x-admin-user': 'x'.repeat(101) },
      payload: { source: 'target: delo\n' },
    });
    expect(longAuthor.statusCode).toBe(400);
    expect(longAuthor.json().issues[0]).toMatchObject({ in: 'headers', path: 'x-admin-user' });

    const hugeYaml = await app.inject({
      method: 'PUT',
      url: '/api/mappings/delo',
      headers: { ...auth, 'content-type': 'text/yaml' },
      payload: `# ${'x'.repeat(BODY_LIMIT)}`,
    });
    expect(hugeYaml.statusCode).toBe(413);
    expect((await mappings.registry.get('delo'))?.version).toBe(mappingVersion(SHIPPED_DELO));
  });

  it('refuses text bodies on JSON-only routes with 415', async () => {
    for (const url of ['/api/sync', '/api/mappings/directum-rx/preview']) {
      const response = await app.inject({ method: 'POST', url, headers: { ...auth, 'content-type': 'text/plain' }, payload: 'hello' });
      expect(response.statusCode, url).toBe(415);
      expect(response.json()).toMatchObject({ error: 'unsupported_media_type' });
    }
  });

  it('a malformed request never reached the bridge', () => {
    expect(fakes.state.syncCalls).toBe(1); // the one valid call above
    expect(calls.preview).toBe(1);
    expect(calls.put).toBe(1);
  });

  it('the one valid PUT applied its mapping', async () => {
    expect((await mappings.registry.get('directum-rx'))?.version).toBe(mappingVersion(EDITED));
  });
});
