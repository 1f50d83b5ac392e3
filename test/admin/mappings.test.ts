import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { auth, makeFakes, sampleAppeal, type Fakes } from './fakes.js';

const DIRECTUM_SOURCE = 'target: directum-rx\nfields:\n  Subject: $truncate(description, 250)\n';

let fakes: Fakes;
let app: FastifyInstance;

beforeEach(async () => {
  fakes = makeFakes();
  app = await buildAdminApp(fakes.deps);
});
afterEach(async () => {
  await app.close();
});

const put = (name: string, payload: string | object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'PUT', url: `/api/mappings/${name}`, headers: { ...auth, ...headers }, payload });

describe('PUT /api/mappings/:name', () => {
  it.each(['text/yaml', 'application/yaml', 'text/plain', 'text/yaml; charset=utf-8'])('takes the raw file as %s', async (contentType) => {
    const response = await put('directum-rx', DIRECTUM_SOURCE, { 'content-type': contentType });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ version: 'v1' });
    expect(fakes.mappings.store.get('directum-rx')).toMatchObject({ source: DIRECTUM_SOURCE, author: 'admin-api', target: 'directum-rx' });
  });

  it('takes JSON {source, author}; the author comes from the body, else X-Admin-User, else admin-api', async () => {
    expect((await put('delo', { source: 'target: delo\n', author: 'i.petrov' }, { 'x-admin-user': 'ignored' })).json()).toEqual({ version: 'v1' });
    expect(fakes.mappings.store.get('delo')?.author).toBe('i.petrov');
    expect((await put('delo', { source: 'target: delo\n# v2\n' }, { 'x-admin-user': 'a.sidorova' })).statusCode).toBe(200);
    expect(fakes.mappings.store.get('delo')?.author).toBe('a.sidorova');
    expect((await put('delo', 'target: delo\n# v3\n', { 'content-type': 'text/yaml', 'x-admin-user': 'yaml.user' })).statusCode).toBe(200);
    expect(fakes.mappings.store.get('delo')?.author).toBe('yaml.user');
    expect((await put('delo', { source: 'target: delo\n# v4\n' })).statusCode).toBe(200);
    expect(fakes.mappings.store.get('delo')?.author).toBe('admin-api');
  });

  it('answers 400 mapping_invalid with located problems and keeps the previous version', async () => {
    expect((await put('directum-rx', DIRECTUM_SOURCE, { 'content-type': 'text/yaml' })).statusCode).toBe(200);

    const badTarget = await put('directum-rx', '# comment\ntarget: sharepoint\n', { 'content-type': 'text/yaml' });
    expect(badTarget.statusCode).toBe(400);
    expect(badTarget.json()).toEqual({
      error: 'mapping_invalid',
      message: 'the mapping is not valid: directum-rx.yaml:2:9 target: must be directum-rx or delo',
      problems: [{ file: 'directum-rx.yaml', line: 2, column: 9, message: 'target: must be directum-rx or delo' }],
    });

    const badYaml = await put('directum-rx', { source: 'target: delo\nfields: [a, b\n' });
    expect(badYaml.statusCode).toBe(400);
    const body = badYaml.json();
    expect(body.error).toBe('mapping_invalid');
    expect(body.problems.length).toBeGreaterThan(0);
    expect(body.problems[0]).toMatchObject({ file: 'directum-rx.yaml', line: expect.any(Number), column: expect.any(Number) });

    const current = await app.inject({ url: '/api/mappings/directum-rx', headers: auth });
    expect(current.json()).toMatchObject({ version: 'v1', source: DIRECTUM_SOURCE });
  });

  it.each(['Directum', 'a_b', '-lead', 'x'.repeat(65), 'имя', 'a.yaml'])('rejects the mapping name %s', async (name) => {
    const response = await put(encodeURIComponent(name), { source: 'target: delo\n' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'validation_failed', issues: [expect.objectContaining({ in: 'params', path: 'name' })] });
    expect(fakes.mappings.store.size).toBe(0);
  });

  it('accepts names of up to 64 characters', async () => {
    expect((await put('a'.repeat(64), { source: 'target: delo\n' })).statusCode).toBe(200);
    expect((await put('0-9', { source: 'target: delo\n' })).statusCode).toBe(200);
  });
});

describe('GET /api/mappings, /api/mappings/:name, history', () => {
  it('lists, reads and tells the history newest first', async () => {
    await put('directum-rx', DIRECTUM_SOURCE, { 'content-type': 'text/yaml', 'x-admin-user': 'first' });
    await put('directum-rx', `${DIRECTUM_SOURCE}# tuned\n`, { 'content-type': 'text/yaml', 'x-admin-user': 'second' });
    await put('delo', { source: 'target: delo\n' });

    const list = await app.inject({ url: '/api/mappings', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual([
      { name: 'directum-rx', version: 'v2', target: 'directum-rx', updatedAt: expect.any(String), author: 'second' },
      { name: 'delo', version: 'v3', target: 'delo', updatedAt: expect.any(String), author: 'admin-api' },
    ]);

    const one = await app.inject({ url: '/api/mappings/directum-rx', headers: auth });
    expect(one.json()).toMatchObject({ name: 'directum-rx', version: 'v2', source: `${DIRECTUM_SOURCE}# tuned\n` });

    const history = await app.inject({ url: '/api/mappings/directum-rx/history', headers: auth });
    expect(history.statusCode).toBe(200);
    const entries = history.json() as { version: string; author: string; at: string; diff: string }[];
    expect(entries.map((entry) => [entry.version, entry.author])).toEqual([['v2', 'second'], ['v1', 'first']]);
    expect(entries[0]!.diff).toContain('+# tuned');
  });

  it('answers 404 for an unknown mapping on read, history and preview', async () => {
    for (const request of [
      { url: '/api/mappings/nope' },
      { url: '/api/mappings/nope/history' },
      { method: 'POST' as const, url: '/api/mappings/nope/preview', payload: sampleAppeal },
    ]) {
      const response = await app.inject({ ...request, headers: auth });
      expect(response.statusCode, request.url).toBe(404);
      expect(response.json()).toEqual({ error: 'not_found', message: 'no mapping named nope' });
    }
  });
});

describe('POST /api/mappings/:name/preview', () => {
  beforeEach(async () => {
    await put('directum-rx', DIRECTUM_SOURCE, { 'content-type': 'text/yaml' });
  });

  it('returns the record and warnings, passing the appeal through with fields ПОС may add', async () => {
    const longText = { ...sampleAppeal, description: 'Щ'.repeat(300) };
    const response = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth, payload: longText });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ record: { Subject: 'Щ'.repeat(250), PosId: 4101 }, warnings: ['Subject truncated to 250 characters'] });
    expect(fakes.mappings.previews[0]).toEqual({ name: 'directum-rx', appeal: longText });
  });

  it('answers 422 mapping_failed when the mapping cannot map the appeal', async () => {
    const response = await app.inject({
      method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth, payload: { ...sampleAppeal, subjectId: null },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: 'mapping_failed',
      message: 'the mapping cannot map this appeal: fields.Questions: the appeal has no subjectId',
      problems: ['fields.Questions: the appeal has no subjectId'],
    });
  });

  it('answers 400 for an appeal ПОС would never send, naming each field', async () => {
    const response = await app.inject({
      method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth,
      payload: { id: 'abc', description: 17, createdAt: 'yesterday' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['createdAt', 'description', 'id']);
    expect(fakes.mappings.previews).toHaveLength(0);
  });
});
