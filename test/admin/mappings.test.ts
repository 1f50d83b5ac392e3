// The mapping routes over the product's MappingRegistry, started on a copy of the shipped
// mappings: PUT validates with the real compiler, GET and history read what it stored, and
// /preview answers with the record the engine computes.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { compileMapping, mappingVersion } from '../../src/mapping/compile.js';
import { appealSchema } from '../../src/pos/schemas.js';
import { auth, makeFakes, sampleAppeal } from './fakes.js';
import {
  SHIPPED_DELO,
  SHIPPED_DIRECTUM,
  countingCalls,
  shippedMappings,
  type MappingCalls,
  type ShippedMappings,
} from './shipped-mappings.js';

const TUNED = SHIPPED_DIRECTUM.replace('statutoryDays: 30', 'statutoryDays: 25');

let mappings: ShippedMappings;
let calls: MappingCalls;
let app: FastifyInstance;

beforeEach(async () => {
  mappings = await shippedMappings();
  const counted = countingCalls(mappings.registry);
  calls = counted.calls;
  app = await buildAdminApp(makeFakes({ mappings: counted.service }).deps);
});
afterEach(async () => {
  await app.close();
  await mappings.close();
});

const put = (name: string, payload: string | object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'PUT', url: `/api/mappings/${name}`, headers: { ...auth, ...headers }, payload });
const stored = (name: string) => mappings.registry.get(name);

/** What the engine itself makes of an appeal with this source, as /preview shows it. */
async function engineResult(source: string, appeal: unknown) {
  const { mapping, problems } = compileMapping(source, 'directum-rx.yaml');
  expect(problems).toEqual([]);
  const { record, warnings } = await mapping!.map(appealSchema.parse(appeal));
  return { record, warnings };
}

describe('PUT /api/mappings/:name', () => {
  it.each(['text/yaml', 'application/yaml', 'text/plain', 'text/yaml; charset=utf-8'])('takes the raw file as %s', async (contentType) => {
    const response = await put('directum-rx', TUNED, { 'content-type': contentType });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ version: mappingVersion(TUNED) });
    expect(await stored('directum-rx')).toMatchObject({
      source: TUNED,
      version: mappingVersion(TUNED),
      author: 'admin-api',
      target: 'directum-rx',
    });
  });

  it('takes JSON {source, author}; the author comes from the body, else X-Admin-User, else admin-api', async () => {
    const edits = [1, 2, 3, 4].map((n) => `${SHIPPED_DELO}# edit ${n}\n`);
    expect((await put('delo', { source: edits[0], author: 'i.petrov' }, { 'x-admin-user': 'ignored' })).json()).toEqual({
      version: mappingVersion(edits[0]!),
    });
    expect((await stored('delo'))?.author).toBe('i.petrov');
    expect((await put('delo', { source: edits[1] }, { 'x-admin-user': 'a.sidorova' })).statusCode).toBe(200);
    expect((await stored('delo'))?.author).toBe('a.sidorova');
    expect((await put('delo', edits[2]!, { 'content-type': 'text/yaml', 'x-admin-user': 'yaml.user' })).statusCode).toBe(200);
    expect((await stored('delo'))?.author).toBe('yaml.user');
    expect((await put('delo', { source: edits[3] })).statusCode).toBe(200);
    expect((await stored('delo'))?.author).toBe('admin-api');
  });

  it("answers 400 mapping_invalid with the compiler's located problems and keeps the previous version", async () => {
    const before = await stored('directum-rx');
    const targetLine = SHIPPED_DIRECTUM.split('\n').indexOf('target: directum-rx') + 1;

    const badTarget = await put('directum-rx', SHIPPED_DIRECTUM.replace('target: directum-rx', 'target: sharepoint'), {
      'content-type': 'text/yaml',
    });
    expect(badTarget.statusCode).toBe(400);
    const targetBody = badTarget.json() as {
      error: string;
      message: string;
      problems: { file: string; line: number; column: number; message: string }[];
    };
    expect(targetBody.error).toBe('mapping_invalid');
    expect(targetBody.problems).toEqual([
      expect.objectContaining({ file: 'directum-rx.yaml', line: targetLine, column: 9, message: expect.stringContaining('target') }),
    ]);
    expect(targetBody.message).toBe(`the mapping is not valid: directum-rx.yaml:${targetLine}:9 ${targetBody.problems[0]!.message}`);

    // An unclosed flow sequence: the YAML parser notices it at the lines after.
    const statutoryLine = SHIPPED_DIRECTUM.split('\n').indexOf('  statutoryDays: 30') + 1;
    const badYaml = await put('directum-rx', { source: SHIPPED_DIRECTUM.replace('  statutoryDays: 30', '  statutoryDays: [30') });
    expect(badYaml.statusCode).toBe(400);
    const yamlBody = badYaml.json() as { error: string; problems: { file: string; line: number; message: string }[] };
    expect(yamlBody.error).toBe('mapping_invalid');
    expect(yamlBody.problems).toEqual([
      expect.objectContaining({ file: 'directum-rx.yaml', message: expect.stringMatching(/^YAML: Flow sequence/) }),
    ]);
    expect(yamlBody.problems[0]!.line).toBeGreaterThan(statutoryLine);

    const current = await app.inject({ url: '/api/mappings/directum-rx', headers: auth });
    expect(current.json()).toMatchObject({ version: before!.version, source: SHIPPED_DIRECTUM });
  });

  it.each(['Directum', 'a_b', '-lead', 'x'.repeat(65), 'имя', 'a.yaml'])('rejects the mapping name %s', async (name) => {
    const response = await put(encodeURIComponent(name), { source: SHIPPED_DELO });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      error: 'validation_failed',
      issues: [expect.objectContaining({ in: 'params', path: 'name' })],
    });
    expect(calls.put).toBe(0);
  });

  it('accepts names of up to 64 characters', async () => {
    expect((await put('a'.repeat(64), { source: SHIPPED_DELO })).statusCode).toBe(200);
    expect((await put('0-9', { source: SHIPPED_DELO })).statusCode).toBe(200);
    expect((await stored('a'.repeat(64)))?.target).toBe('delo');
  });
});

describe('GET /api/mappings, /api/mappings/:name, history', () => {
  it('lists, reads and tells the history newest first', async () => {
    await put('directum-rx', TUNED, { 'content-type': 'text/yaml', 'x-admin-user': 'first' });
    const retuned = `${TUNED}# tuned again\n`;
    await put('directum-rx', retuned, { 'content-type': 'text/yaml', 'x-admin-user': 'second' });

    const list = await app.inject({ url: '/api/mappings', headers: auth });
    expect(list.statusCode).toBe(200);
    const summaries = (list.json() as { name: string }[]).sort((a, b) => a.name.localeCompare(b.name));
    expect(summaries).toEqual([
      { name: 'delo', version: mappingVersion(SHIPPED_DELO), target: 'delo', updatedAt: expect.any(String), author: 'file:delo' },
      { name: 'directum-rx', version: mappingVersion(retuned), target: 'directum-rx', updatedAt: expect.any(String), author: 'second' },
    ]);

    const one = await app.inject({ url: '/api/mappings/directum-rx', headers: auth });
    expect(one.json()).toMatchObject({ name: 'directum-rx', version: mappingVersion(retuned), source: retuned });

    const history = await app.inject({ url: '/api/mappings/directum-rx/history', headers: auth });
    expect(history.statusCode).toBe(200);
    const entries = history.json() as { version: string; author: string; at: string; diff: string }[];
    expect(entries.map((entry) => [entry.version, entry.author])).toEqual([
      [mappingVersion(retuned), 'second'],
      [mappingVersion(TUNED), 'first'],
      [mappingVersion(SHIPPED_DIRECTUM), 'file:directum-rx'],
    ]);
    expect(entries[0]!.diff).toContain('\n+# tuned again');
    expect(entries[1]!.diff).toContain('\n-  statutoryDays: 30\n+  statutoryDays: 25\n');
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
  it('returns the record and warnings the engine computes, the appeal passed through with fields ПОС may add', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth, payload: sampleAppeal });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(await engineResult(SHIPPED_DIRECTUM, sampleAppeal));
    expect(response.json()).toMatchObject({
      record: {
        Subject: sampleAppeal.description,
        Note: 'Получено из ПОС, № 4101',
        Deadline: '2024-03-26',
        Correspondent: { LastName: 'Иванова' },
      },
      warnings: [
        'Department: dictionary "departmentBySubject" has no entry for key 12; default used',
        'Questions: dictionary "questionBySubject" has no entry for key 12; default used',
      ],
    });
  });

  it('previews with the version just applied, a long text cut with a warning', async () => {
    await put('directum-rx', TUNED, { 'content-type': 'text/yaml' });
    const longText = { ...sampleAppeal, description: 'Щ'.repeat(300), answerAt: null };
    const response = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth, payload: longText });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { record: { Subject: string; InitialDeadline: string }; warnings: string[] };
    expect(body).toEqual(await engineResult(TUNED, longText));
    expect(body.record.Subject).toHaveLength(250);
    expect(body.warnings).toContain('Subject: text cut to 250 characters (was 300)');
    // statutoryDays 25 of the applied version, not the shipped 30.
    expect(body.record.InitialDeadline).toMatch(/^2024-03-26/);
  });

  it("answers 422 mapping_failed with the engine's reason when the mapping cannot map the appeal", async () => {
    const failing = SHIPPED_DIRECTUM.replace(
      /\n {2}Note: >-\n {4}[^\n]+\n/,
      '\n  Note: \'id = 4101 ? $string(-applicant.surname) : "ok"\'\n',
    );
    expect(failing).not.toBe(SHIPPED_DIRECTUM);
    expect((await put('directum-rx', failing, { 'content-type': 'text/yaml' })).statusCode).toBe(200);
    const response = await app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview', headers: auth, payload: sampleAppeal });
    expect(response.statusCode).toBe(422);
    const body = response.json() as { error: string; message: string; problems: string[] };
    expect(body.error).toBe('mapping_failed');
    expect(body.problems).toEqual([expect.stringMatching(/^mapping "directum-rx" field Note: JSONata D1002/)]);
    expect(body.message).toBe(`the mapping cannot map this appeal: ${body.problems[0]}`);
    expect(JSON.stringify(body)).not.toContain('Иванова');
  });

  it('answers 400 for an appeal ПОС would never send, naming each field', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/mappings/directum-rx/preview',
      headers: auth,
      payload: { id: 'abc', description: 17, createdAt: 'yesterday' },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('validation_failed');
    expect(body.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(['createdAt', 'description', 'id']);
    expect(calls.preview).toBe(0);
  });
});
