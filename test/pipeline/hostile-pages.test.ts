// Hostile ПОС pages through the real pipeline: an appeal nested thousands of levels deep, one with a
// 5 MB text, one with too many custom fields and one with lone surrogates in the names, listed
// before the good ones. Intake goes on: every good appeal is registered once, every bad one is set
// aside with its reason, on this pull and on every later one; the dry run says the same beforehand.
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import type { CliIO } from '../../src/cli/io.js';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { processPull } from '../../src/pipeline/control.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { registerJobId } from '../../src/pipeline/queues.js';
import { createPipeline } from '../../src/pipeline/runtime.js';
import type { PosAppeal } from '../../src/pos/schemas.js';
import { runSync } from '../../src/pipeline/sync.js';
import { runSyncCommand } from '../../src/cli/sync.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { startBridge, startWorld, type InProcessBridge, type World } from './harness.js';

/** A valid appeal without seeded files, listed before every generated one (oldest createdAt). */
function hostileBase(id: number, seed: number): Record<string, unknown> {
  const { attachments: _files, ...appeal } = generateAppeals(1, { seed, startId: id })[0]!;
  return { ...appeal, createdAt: new Date(Date.UTC(2020, 0, 1, 0, 0, id % 60)).toISOString(), answerAt: null };
}

function deepJson(base: Record<string, unknown>, depth: number): string {
  return `${JSON.stringify(base).slice(0, -1)},"customFieldValues":[${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}]}`;
}

const DEEP = 990_101;
const HUGE = 990_102;
const FIELDS = 990_103;
const SURROGATE = 990_104;

function capturingIO(): CliIO & { out: () => string } {
  let out = '';
  return { stdout: (text) => void (out += text), stderr: () => undefined, env: {}, isTTY: false, out: () => out };
}

describe('hostile ПОС pages', () => {
  let world: World;
  let bridge: InProcessBridge | undefined;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  it('registers every good appeal once and sets every bad one aside with its reason, pull after pull', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const pos = world.sandbox.pos.control;
    const good = generateAppeals(12, { seed: 301 });
    await pos.seed(good);
    await pos.seedRawJson([deepJson(hostileBase(DEEP, 302), 6000)]);
    const surrogate = hostileBase(SURROGATE, 305);
    await pos.seedRaw([
      { ...hostileBase(HUGE, 303), description: 'я'.repeat(5 * 1024 * 1024) },
      { ...hostileBase(FIELDS, 304), customFieldValues: Array.from({ length: 500 }, (_, i) => ({ name: `f${i}`, value: 'x' })) },
      { ...surrogate, applicant: { ...(surrogate.applicant as object), surname: 'Ив\ud800анов', email: 'ivanov@example.test' } },
    ]);

    // The dry run promises exactly what the real run then does.
    const io = capturingIO();
    expect(await runSyncCommand({ ...world.config, logLevel: 'error' }, { dryRun: true, timeout: '30s', json: true }, io)).toBe(1);
    const dry = JSON.parse(io.out()) as {
      waiting: number;
      wouldRegister: number;
      mappingFailures: unknown[];
      malformed: { id: number; code: string; issues: string[] }[];
    };
    expect(dry).toMatchObject({ waiting: good.length + 1, wouldRegister: good.length + 1, mappingFailures: [] });
    expect(dry.malformed.map(({ id, code, issues }) => ({ id, code, issues })).sort((a, b) => a.id - b.id)).toEqual([
      { id: DEEP, code: 'APPEAL_TOO_LARGE', issues: ['customFieldValues: nested deeper than 64 levels'] },
      { id: HUGE, code: 'APPEAL_TOO_LARGE', issues: ['description: text longer than 100,000 characters'] },
      { id: FIELDS, code: 'APPEAL_TOO_LARGE', issues: ['customFieldValues: more than 200 entries'] },
    ]);

    bridge = await startBridge(world);
    const first = await runSync(bridge.ctx, { timeoutMs: 45_000 });
    expect(first.accepted).toBe(good.length + 1);
    expect(first.pulled.malformed).toBe(3);
    for (const appeal of [...good, { id: SURROGATE }]) {
      const view = await pos.appeal(appeal.id);
      expect(view.accepted, `appeal ${appeal.id}`).toBe(true);
      expect(view.acceptCount).toBe(1);
    }
    // The lone surrogate was repaired at intake: registered at the first attempt, U+FFFD in the name.
    const directum = world.sandbox.edms.kind === 'directum-rx' ? world.sandbox.edms.directum : undefined;
    expect(directum!.state.rows('IPersons').some((person) => person.LastName === 'Ив\ufffdанов')).toBe(true);
    expect(first.newFailures.filter((entry) => entry.queue === 'register')).toEqual([]);

    const failed = await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list();
    const reasons = new Map(failed.map((entry) => [entry.posId, entry.error]));
    expect(reasons.get(DEEP)).toEqual({ code: 'APPEAL_TOO_LARGE', message: 'customFieldValues: nested deeper than 64 levels' });
    expect(reasons.get(HUGE)).toEqual({ code: 'APPEAL_TOO_LARGE', message: 'description: text longer than 100,000 characters' });
    expect(reasons.get(FIELDS)).toEqual({ code: 'APPEAL_TOO_LARGE', message: 'customFieldValues: more than 200 entries' });
    for (const id of [DEEP, HUGE, FIELDS]) expect((await pos.appeal(id)).accepted).toBe(false);
    const metric = await bridge.ctx.metrics.registry.getSingleMetricAsString('pos_bridge_appeals_set_aside_total');
    expect(metric).toMatch(/reason="APPEAL_TOO_LARGE"} 3/);

    // ПОС keeps listing the bad ones: later pulls go past them again, registering nothing twice.
    const later = generateAppeals(3, { seed: 306, startId: 995_001 });
    await pos.seed(later);
    const second = await runSync(bridge.ctx, { timeoutMs: 45_000 });
    expect(second.accepted).toBe(later.length);
    expect((await pos.stats()).duplicatesAccepted).toBe(0);
    expect(await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list()).toHaveLength(failed.length);
  }, 120_000);

  it('an appeal that cannot be sealed is set aside on its own; the appeals around it are queued', async () => {
    const redis = testRedis();
    const cyclic: Record<string, unknown> = { id: 2, description: 'x', createdAt: '2024-05-01T10:00:00Z' };
    cyclic.self = cyclic;
    const appeals = [{ id: 1 }, cyclic, { id: 3 }].map((a) => ({ description: 'x', createdAt: '2024-05-01T10:00:00Z', ...a }) as PosAppeal);
    const pos = {
      fetchPage: async () => ({ appeals, malformed: [], pageNumber: 0, last: true, totalElements: 3, pageSize: 20, elementCount: 3 }),
    } as never;
    const ctx = createPipeline({
      redis,
      prefix: `{${uniquePrefix('seal')}}`,
      pos,
      adapter: {} as never,
      mappings: {} as never,
      dataKey: randomBytes(32),
      logger: pino({ level: 'silent' }),
      settings: { pageSize: 20 },
    });
    try {
      const report = await processPull(ctx);
      expect(report).toMatchObject({ handedOn: 2, malformed: 1 });
      for (const id of [1, 3]) expect(await ctx.queues.register.getJobState(registerJobId(id))).toBe('waiting');
      expect(await ctx.queues.register.getJobState(registerJobId(2))).toBe('unknown');
      const [entry] = await new FailedJobs(ctx.queues, ctx.store).list();
      expect(entry).toMatchObject({
        posId: 2,
        error: {
          code: 'MALFORMED_APPEAL',
          message: expect.stringMatching(/^\(appeal\): could not be sealed for its job \(Converting circular structure to JSON/),
        },
      });
    } finally {
      await ctx.queues.close();
      redis.disconnect();
    }
  });
});
