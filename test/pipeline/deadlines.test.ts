// The deadline list end to end: appeals pulled from the ПОС emulator and registered in the Directum
// RX emulator by the real pipeline. One due in two days is listed with its registration number and
// executor until its final answer is pushed; one postponed in the EDMS leaves the window with its
// new date once the bridge has pushed the postponement.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import type { DeadlineItem } from '../../src/admin/deps.js';
import { daysLeft } from '../../src/pipeline/deadline-days.js';
import { runSync } from '../../src/pipeline/sync.js';
import { adminDeps } from '../../src/service/admin-deps.js';
import { dumpPrefix, testRedisUrl } from '../helpers/redis.js';
import { makeFakes } from '../admin/fakes.js';
import { startBridge, startWorld, type InProcessBridge, type World } from './harness.js';

const DAY = 86_400_000;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

describe('deadline list through the pipeline', () => {
  let world: World;
  let bridge: InProcessBridge;

  beforeEach(async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    bridge = await startBridge(world);
  });
  afterEach(async () => {
    await bridge.stop();
    await world.close();
  });

  it('lists the appeal due in two days until its final answer, and follows a pushed postponement', async () => {
    const [due, postponed, later] = generateAppeals(3, { seed: 31 }).map((appeal, i) => ({
      ...appeal,
      answerAt: [inDays(2), inDays(1.5), inDays(20)][i]!,
    }));
    await world.sandbox.pos.control.seed([due!, postponed!, later!]);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });

    const deps = adminDeps({
      ctx: bridge.ctx,
      redis: bridge.redis,
      mappings: makeFakes().deps.mappings,
      adminToken: 'test-admin-token',
      logger: makeFakes().deps.logger,
      posPing: async () => undefined,
    });
    const listed = async (within = 3 * DAY): Promise<DeadlineItem[]> => (await deps.deadlines.list(within)).items;
    expect((await listed()).map((item) => item.posId)).toEqual([postponed!.id, due!.id]);
    await deps.refreshGauges!();
    const gauges = await bridge.ctx.metrics.registry.metrics();
    expect(gauges).toContain('pos_bridge_appeals_due{window="3d"} 2');
    expect(gauges).toMatch(/^pos_bridge_appeals_overdue 0$/m);

    const control = world.sandbox.edms.control;
    const edmsId = async (posId: number) => (await bridge.ctx.store.get(posId))!.edmsId!;
    const registration = await control.registerNow(await edmsId(due!.id));
    await control.assign(await edmsId(due!.id), { surname: 'Орлов', name: 'Денис', phone: '+7 495 000-00-01' });
    await control.registerNow(await edmsId(postponed!.id));
    await control.postpone(await edmsId(postponed!.id), inDays(10), 'экспертиза');
    await runSync(bridge.ctx, { timeoutMs: 30_000 });

    const item = (await listed()).find((entry) => entry.posId === due!.id);
    expect(item).toMatchObject({
      organisation: 'default',
      deadline: due!.answerAt,
      regNumber: registration.number,
      executor: 'Орлов Денис',
      edmsId: await edmsId(due!.id),
    });
    // Two calendar days ahead: 0 to 2 working days, by the shipped mapping's calendar, in Moscow time.
    const now = new Date();
    const calendar = (await bridge.ctx.mappings.forTarget('directum-rx')).calendar;
    const [atNow] = (await deps.deadlines.list(3 * DAY, now)).items.filter((entry) => entry.posId === due!.id);
    expect(atNow!.daysLeft).toBe(daysLeft(Date.parse(due!.answerAt), now, 'Europe/Moscow', calendar));
    expect(await deps.appeals.get(due!.id)).toMatchObject({ deadline: due!.answerAt, executor: 'Орлов Денис' });
    // The name is shown, yet rests sealed in Redis; the executor's phone is not kept at all.
    const dump = await dumpPrefix(world.prefix);
    expect(dump.includes('Орлов')).toBe(false);
    expect(dump.includes('000-00-01')).toBe(false);

    // ПОС moved answerAt to the postponement's date; so did the bridge, out of the 3-day window.
    const moved = (await world.sandbox.pos.control.appeal(postponed!.id)).appeal.answerAt;
    expect((await listed()).map((entry) => entry.posId)).toEqual([due!.id]);
    expect((await listed(30 * DAY)).find((entry) => entry.posId === postponed!.id)?.deadline).toBe(moved);

    await control.answer(await edmsId(due!.id), { text: 'Сделано', resolution: 'ActionsTaken' });
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    expect((await world.sandbox.pos.control.appeal(due!.id)).history.at(-1)!.body).toMatchObject({ answer: true });
    expect(await listed()).toEqual([]);
    expect((await listed(30 * DAY)).map((entry) => entry.posId)).toEqual([postponed!.id, later!.id]);
  });
});
