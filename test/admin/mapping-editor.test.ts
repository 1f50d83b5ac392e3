// The console's mapping editor routes over the product's MappingRegistry, started on a copy of the
// shipped mappings: check (compiler problems at their line and column, fixtures mapped in the
// bounded thread), diff, apply with a comment, rollback, preview of drafts with masking, and the
// audit records they write.
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadEdgeCaseFixtures } from '../../fixtures/index.js';
import { buildAdminApp } from '../../src/admin/app.js';
import type { AdminDeps } from '../../src/admin/deps.js';
import { maskAppeal } from '../../src/admin/mask.js';
import type { MemoryAuditLog } from '../../src/admin/memory-audit.js';
import { compileMapping, mappingVersion } from '../../src/mapping/compile.js';
import { appealSchema } from '../../src/pos/schemas.js';
import { testRedis } from '../helpers/redis.js';
import { auth, makeFakes, sampleAppeal } from './fakes.js';
import { SHIPPED_DIRECTUM, shippedMappings, type ShippedMappings } from './shipped-mappings.js';

const TUNED = SHIPPED_DIRECTUM.replace('statutoryDays: 30', 'statutoryDays: 25');
const lineOf = (source: string, text: string) => source.split('\n').findIndex((line) => line.startsWith(text)) + 1;
const NOTE_EXPRESSION = '$truncate("Получено из ПОС, № " & id & ($clean(regionName) ? ", " & $clean(regionName)), 1000)';
const withNote = (expression: string) => SHIPPED_DIRECTUM.replace(NOTE_EXPRESSION, expression);
const fixture = (name: string) => appealSchema.parse(loadEdgeCaseFixtures().find((candidate) => candidate.name === name)!.appeal);

let mappings: ShippedMappings;
let app: FastifyInstance;
let deps: AdminDeps;
let audit: MemoryAuditLog;

async function start(overrides: Partial<AdminDeps> = {}, evaluationTimeoutMs?: number) {
  mappings = await shippedMappings(evaluationTimeoutMs === undefined ? {} : { evaluationTimeoutMs });
  deps = makeFakes({ mappings: mappings.registry, ...overrides }).deps;
  audit = deps.audit as MemoryAuditLog;
  app = await buildAdminApp(deps);
}
afterEach(async () => {
  await app.close();
  await mappings.close();
});

const post = (url: string, payload: object) => app.inject({ method: 'POST', url, headers: auth, payload });

/** What the engine makes of an appeal with this source, for comparison with the route's answer. */
async function engineRecord(source: string, appeal: unknown) {
  const { mapping } = compileMapping(source, 'directum-rx.yaml');
  const { record, warnings } = await mapping!.map(appealSchema.parse(appeal));
  return { record, warnings };
}

describe('check, diff', () => {
  beforeEach(() => start());

  it("answers the compiler's problems at their line and column, and ok for the fixed file", async () => {
    const badTarget = SHIPPED_DIRECTUM.replace('target: directum-rx', 'target: sharepoint');
    expect((await post('/api/mappings/directum-rx/check', { source: badTarget })).json()).toEqual({
      ok: false,
      problems: [
        {
          file: 'directum-rx.yaml',
          line: lineOf(badTarget, 'target: sharepoint'),
          column: 9,
          message: 'target: Invalid option: expected one of "directum-rx"|"delo"',
        },
      ],
      warnings: [],
    });

    const broken = SHIPPED_DIRECTUM.replace('  RequestDate:', '  RequestDay:');
    const response = await post('/api/mappings/directum-rx/check', { source: broken });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { ok: boolean; problems: { line: number; column: number; message: string }[]; warnings: string[] };
    expect(body.ok).toBe(false);
    // The same problems, in the same words, as `pos-bridge mappings check` prints.
    expect(body.problems).toEqual(compileMapping(broken, 'directum-rx.yaml').problems);
    expect(body.problems).toEqual([
      expect.objectContaining({ line: lineOf(broken, 'fields:'), column: 1, message: expect.stringContaining('"RequestDate" of the') }),
      expect.objectContaining({
        line: lineOf(broken, '  RequestDay:'),
        column: 3,
        message: expect.stringContaining('"RequestDay" is not'),
      }),
    ]);

    const fixed = await post('/api/mappings/directum-rx/check', { source: TUNED });
    expect(fixed.json()).toEqual({ ok: true, problems: [], warnings: [] });
    // Nothing was applied.
    expect((await mappings.registry.get('directum-rx'))?.source).toBe(SHIPPED_DIRECTUM);
  });

  it('reports a field that fails on a fixture at its key', async () => {
    const source = withNote('$number("not a number") & ""');
    const body = (await post('/api/mappings/directum-rx/check', { source })).json() as {
      ok: boolean;
      problems: { line: number; column: number; message: string }[];
    };
    expect(body.ok).toBe(false);
    // Once, though every fixture fails on it.
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatchObject({ line: lineOf(source, '  Note:'), column: 3 });
    expect(body.problems[0]!.message).toMatch(/^mapping "directum-rx" field Note: .*\(fixture [a-z-]+, MAPPING_FAILED\)$/);
  });

  it('diffs a draft against the applied version; 404 for an unknown mapping or an empty body', async () => {
    const response = await post('/api/mappings/directum-rx/diff', { source: TUNED });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { version: string; diff: string };
    expect(body.version).toBe(mappingVersion(SHIPPED_DIRECTUM));
    expect(body.diff).toContain('--- a/directum-rx.yaml\n+++ b/directum-rx.yaml\n');
    expect(body.diff).toContain('\n-  statutoryDays: 30\n+  statutoryDays: 25\n');
    expect((await post('/api/mappings/directum-rx/diff', { source: SHIPPED_DIRECTUM })).json()).toEqual({
      version: body.version,
      diff: '',
    });
    expect((await post('/api/mappings/nope/diff', { source: TUNED })).statusCode).toBe(404);
    expect((await post('/api/mappings/nope/check', { source: TUNED })).statusCode).toBe(404);
    expect((await post('/api/mappings/directum-rx/check', { source: '' })).json()).toMatchObject({ error: 'validation_failed' });
    expect((await post('/api/mappings/directum-rx/check', { source: TUNED, extra: 1 })).statusCode).toBe(400);
  });

  it('says so when no EDMS is wired for check-edms', async () => {
    expect((await post('/api/mappings/directum-rx/check-edms', { source: TUNED })).json()).toEqual({
      ok: true,
      problems: [],
      notes: ['this bridge process has no EDMS to check against'],
      checked: false,
    });
  });

  it('lists the shipped fixtures with their topic', async () => {
    const response = await app.inject({ url: '/api/fixtures', headers: auth });
    expect(response.statusCode).toBe(200);
    const list = response.json() as { id: string; title: string }[];
    expect(list.map((entry) => entry.id)).toEqual(loadEdgeCaseFixtures().map((entry) => entry.name));
    expect(list).toContainEqual({ id: 'anonymous', title: 'Дороги / Яма на проезжей части (anonymous)' });
    expect(list).toContainEqual({ id: 'all-optional-null', title: 'без темы (no topic) (all-optional-null)' });
  });
});

describe('a runaway draft', () => {
  beforeEach(() => start({}, 1_000));

  it('comes back as a located MAPPING_TIMEOUT problem, the API answering other requests meanwhile', async () => {
    const source = withNote('$reduce([1..10000000], function($a, $b) { $a + $b }) & ""');
    const finished: string[] = [];
    const check = post('/api/mappings/directum-rx/check', { source }).then((response) => {
      finished.push('check');
      return response;
    });
    const list = await app.inject({ url: '/api/mappings', headers: auth });
    finished.push('list');
    expect(list.statusCode).toBe(200);
    const response = await check;
    expect(finished).toEqual(['list', 'check']);
    const body = response.json() as { ok: boolean; problems: { line: number; column: number; message: string }[] };
    expect(body.ok).toBe(false);
    expect(body.problems).toHaveLength(1);
    expect(body.problems[0]).toMatchObject({ file: 'directum-rx.yaml', line: lineOf(source, '  Note:'), column: 3 });
    expect(body.problems[0]!.message).toBe(
      'mapping "directum-rx" field Note: stopped after 1000 ms (MAPPING_TIMEOUT) (fixture all-optional-null, MAPPING_TIMEOUT)',
    );
  });
});

describe('apply with a comment, rollback', () => {
  beforeEach(() => start());

  it('keeps the comment and the author in the history, and audits the change', async () => {
    const saved = await app.inject({
      method: 'PUT',
      url: '/api/mappings/directum-rx',
      headers: auth,
      payload: { source: TUNED, author: 'i.petrov', comment: 'Срок по 59-ФЗ: 25 дней' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const history = (await app.inject({ url: '/api/mappings/directum-rx/history', headers: auth })).json() as Record<string, unknown>[];
    expect(history[0]).toEqual({
      version: mappingVersion(TUNED),
      author: 'i.petrov',
      at: expect.any(String),
      diff: expect.stringContaining('+  statutoryDays: 25'),
      comment: 'Срок по 59-ФЗ: 25 дней',
    });
    expect(history[1]).not.toHaveProperty('comment');
    expect(history[1]).not.toHaveProperty('source');
    expect(audit.entries).toEqual([
      expect.objectContaining({
        who: 'admin',
        role: 'operator',
        action: 'mapping.apply',
        target: 'directum-rx',
        details: { version: mappingVersion(TUNED) },
      }),
    ]);
    const tooLong = await app.inject({
      method: 'PUT',
      url: '/api/mappings/directum-rx',
      headers: auth,
      payload: { source: TUNED, comment: 'x'.repeat(501) },
    });
    expect(tooLong.json()).toMatchObject({ error: 'validation_failed', issues: [expect.objectContaining({ path: 'comment' })] });
  });

  it('rolls back to an earlier version as a new one; 404 for an unknown version', async () => {
    await app.inject({ method: 'PUT', url: '/api/mappings/directum-rx', headers: auth, payload: { source: TUNED } });
    const shipped = mappingVersion(SHIPPED_DIRECTUM);
    const response = await post('/api/mappings/directum-rx/rollback', { version: shipped, comment: 'back to the shipped term' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ version: shipped });
    expect(await mappings.registry.get('directum-rx')).toMatchObject({ version: shipped, source: SHIPPED_DIRECTUM, author: 'admin' });
    const history = await mappings.registry.history('directum-rx');
    expect(history.map((entry) => [entry.version, entry.author, entry.comment])).toEqual([
      [shipped, 'admin', 'back to the shipped term'],
      [mappingVersion(TUNED), expect.any(String), undefined],
      [shipped, 'file:directum-rx', undefined],
    ]);
    expect(history[0]!.diff).toContain('\n-  statutoryDays: 25\n+  statutoryDays: 30\n');
    expect(audit.entries.at(-1)).toMatchObject({
      who: 'admin',
      role: 'operator',
      action: 'mapping.rollback',
      target: 'directum-rx',
      details: { from: mappingVersion(TUNED), to: shipped },
    });

    const unknown = await post('/api/mappings/directum-rx/rollback', { version: '0123456789abcdef' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: 'mapping directum-rx has no version 0123456789abcdef in its history' });
    expect((await post('/api/mappings/nope/rollback', { version: shipped })).statusCode).toBe(404);
    expect((await post('/api/mappings/directum-rx/rollback', { version: 'HEAD~1' })).json()).toMatchObject({ error: 'validation_failed' });
  });
});

describe('rollback to versions saved before the history kept sources', () => {
  beforeEach(() => start());

  /** The history as an older bridge wrote it: diffs only. */
  async function forgetSources(edit: (entry: Record<string, unknown>, index: number) => void = () => undefined) {
    const redis = testRedis();
    const key = `${mappings.prefix}:mapping:history:directum-rx`;
    const entries = (await redis.lrange(key, 0, -1)).map((entry) => JSON.parse(entry) as Record<string, unknown>);
    for (const [index, entry] of entries.entries()) {
      delete entry.source;
      edit(entry, index);
      await redis.lset(key, index, JSON.stringify(entry));
    }
    redis.disconnect();
  }

  it('rebuilds the old source from the diffs after it', async () => {
    const again = `${TUNED}# and a note\n`;
    for (const source of [TUNED, again]) {
      await app.inject({ method: 'PUT', url: '/api/mappings/directum-rx', headers: auth, payload: { source } });
    }
    await forgetSources();
    const shipped = mappingVersion(SHIPPED_DIRECTUM);
    const response = await post('/api/mappings/directum-rx/rollback', { version: shipped });
    expect(response.json()).toEqual({ version: shipped });
    expect((await mappings.registry.get('directum-rx'))?.source).toBe(SHIPPED_DIRECTUM);
    expect((await post('/api/mappings/directum-rx/rollback', { version: mappingVersion(TUNED) })).json()).toEqual({
      version: mappingVersion(TUNED),
    });
    expect((await mappings.registry.get('directum-rx'))?.source).toBe(TUNED);
  });

  it('answers 409 when the diffs do not rebuild it exactly', async () => {
    await app.inject({ method: 'PUT', url: '/api/mappings/directum-rx', headers: auth, payload: { source: TUNED } });
    await forgetSources((entry, index) => {
      if (index === 0) entry.diff = String(entry.diff).replace('+  statutoryDays: 25', '+  statutoryDays: 25 ');
    });
    const response = await post('/api/mappings/directum-rx/rollback', { version: mappingVersion(SHIPPED_DIRECTUM) });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ error: 'conflict' });
    expect((await mappings.registry.get('directum-rx'))?.source).toBe(TUNED);
  });
});

describe('preview-draft', () => {
  const held = new Map<number, unknown>([[4101, sampleAppeal]]);
  beforeEach(() =>
    start({
      appeals: {
        get: async () => null,
        held: async (posId) => {
          if (posId === 4102) return { organisation: 'city', gone: true };
          return held.has(posId) ? { organisation: 'city', appeal: held.get(posId) } : null;
        },
      },
    }),
  );

  it('masks a fixture, and the record made from it, by default', async () => {
    const appeal = fixture('cyrillic-attachments');
    const response = await post('/api/mappings/directum-rx/preview-draft', { appeal: { fixture: 'cyrillic-attachments' } });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { record: { Correspondent: Record<string, string> }; masked: boolean; appeal: typeof appeal };
    expect(body.masked).toBe(true);
    expect(body.appeal).toEqual(maskAppeal(appeal));
    expect(body.appeal.applicant).toMatchObject({ surname: 'К***', name: 'А***', phone: '+7 *** ***-**-67', email: 'k***@***.ru' });
    expect(body.record.Correspondent).toMatchObject({
      LastName: 'К***',
      FirstName: 'А***',
      Phones: '+7 *** ***-**-67',
      PostalAddress: '***',
    });
    expect(JSON.stringify(body)).not.toContain('Кузнецова');
    expect({ record: body.record, warnings: (body as unknown as { warnings: string[] }).warnings }).toEqual(
      await engineRecord(SHIPPED_DIRECTUM, maskAppeal(appeal)),
    );
    expect(audit.entries).toEqual([]);
  });

  it('previews a draft without applying it, and answers its problems', async () => {
    const response = await post('/api/mappings/directum-rx/preview-draft', {
      source: TUNED,
      appeal: { pasted: { ...sampleAppeal, answerAt: null } },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ record: { InitialDeadline: expect.stringMatching(/^2024-03-26/) }, masked: true });
    expect(response.json()).toMatchObject({ appeal: { applicant: { surname: 'И***', email: 'm***@***.ru', phone: '+7 *** ***-**-89' } } });
    expect((await mappings.registry.get('directum-rx'))?.source).toBe(SHIPPED_DIRECTUM);

    const invalid = await post('/api/mappings/directum-rx/preview-draft', {
      source: SHIPPED_DIRECTUM.replace('target: directum-rx', 'target: sharepoint'),
      appeal: { fixture: 'anonymous' },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ error: 'mapping_invalid', problems: [expect.objectContaining({ column: 9 })] });

    const failing = await post('/api/mappings/directum-rx/preview-draft', {
      source: withNote('$number("not a number") & ""'),
      appeal: { fixture: 'anonymous' },
    });
    expect(failing.statusCode).toBe(422);
    expect(failing.json()).toMatchObject({ error: 'mapping_failed', problems: [expect.stringContaining('field Note')] });
  });

  it('refuses what is not a ПОС appeal and unknown sources', async () => {
    const pasted = await post('/api/mappings/directum-rx/preview-draft', { appeal: { pasted: { id: 'abc', description: 'Яма' } } });
    expect(pasted.statusCode).toBe(400);
    expect(pasted.json()).toMatchObject({
      error: 'validation_failed',
      message: expect.stringMatching(/^the pasted appeal is not a ПОС appeal: id: /),
    });
    expect((await post('/api/mappings/directum-rx/preview-draft', { appeal: { fixture: 'nope' } })).json()).toEqual({
      error: 'not_found',
      message: 'no fixture nope (see GET /api/fixtures)',
    });
    expect((await post('/api/mappings/nope/preview-draft', { appeal: { fixture: 'anonymous' } })).statusCode).toBe(404);
    expect((await post('/api/mappings/directum-rx/preview-draft', { appeal: { posId: 999 } })).json()).toEqual({
      error: 'not_found',
      message: 'the bridge knows no appeal 999',
    });
    const gone = await post('/api/mappings/directum-rx/preview-draft', { appeal: { posId: 4102 } });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toMatchObject({ message: expect.stringMatching(/^the bridge no longer holds appeal 4102: /) });
    expect((await post('/api/mappings/directum-rx/preview-draft', { appeal: { fixture: 'anonymous', posId: 1 } })).statusCode).toBe(400);
  });

  it('shows a held appeal unmasked to an operator, with an audit record', async () => {
    const masked = await post('/api/mappings/directum-rx/preview-draft', { appeal: { posId: 4101 } });
    expect(masked.json()).toMatchObject({ masked: true, record: { Correspondent: { LastName: 'И***' } } });
    const response = await post('/api/mappings/directum-rx/preview-draft', { appeal: { posId: 4101 }, unmask: true });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { record: unknown; warnings: string[]; masked: boolean; appeal: unknown };
    expect(body.masked).toBe(false);
    expect(body.appeal).toEqual(appealSchema.parse(sampleAppeal));
    expect({ record: body.record, warnings: body.warnings }).toEqual(await engineRecord(SHIPPED_DIRECTUM, sampleAppeal));
    expect(audit.entries).toEqual([
      expect.objectContaining({
        who: 'admin',
        role: 'operator',
        action: 'appeal.unmask',
        target: '4101',
        details: { mapping: 'directum-rx', source: 'held' },
      }),
    ]);
    expect(JSON.stringify(audit.entries)).not.toContain('Иванова');
  });
});
