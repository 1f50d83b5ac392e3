// End to end through the real processors and queues on a real Redis: pull → register → accept,
// then EDMS progress → statuses in ПОС, in lifecycle order, each once, across repeated syncs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EdmsKind } from '../../adapters/contract.js';
import { generateAppeals } from '../../fixtures/generator.js';
import { loadBrokenAppeals } from '../../fixtures/index.js';
import { answerPdf } from '../../src/demo/clerk.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { runSync } from '../../src/pipeline/sync.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, type InProcessBridge, type World } from './harness.js';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe.each<EdmsKind>(['directum-rx', 'delo'])('pipeline flow with %s', (kind) => {
  let world: World;
  let bridge: InProcessBridge;

  beforeEach(async () => {
    world = await startWorld(kind, testRedisUrl());
    bridge = await startBridge(world);
  });
  afterEach(async () => {
    await bridge.stop();
    await world.close();
  });

  it('registers and accepts every appeal once, sets aside the poison ones, and pushes statuses in order, each once', async () => {
    const appeals = generateAppeals(25, { seed: 11 });
    // Poison: a valid appeal whose attachment ПОС no longer has (404 on download, every time).
    const { attachments: _none, ...poison } = { ...generateAppeals(1, { seed: 12, startId: 900_001 })[0]!, attachments: undefined };
    await world.sandbox.pos.control.seed(appeals);
    await world.sandbox.pos.control.seedRaw([
      { ...poison, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/removed-file`] },
      ...(loadBrokenAppeals().slice(0, 2) as Record<string, unknown>[]),
    ]);

    const first = await runSync(bridge.ctx, { timeoutMs: 30_000 });
    expect(first.accepted).toBe(25);
    for (const appeal of appeals) {
      const view = await world.sandbox.pos.control.appeal(appeal.id);
      expect(view.accepted).toBe(true);
      expect(view.acceptCount).toBe(1);
    }
    // The poison appeal is not accepted (ПОС keeps it) and waits in the failed list with its reason.
    expect((await world.sandbox.pos.control.appeal(poison.id)).accepted).toBe(false);
    const failed = await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list();
    expect(failed.find((f) => f.posId === poison.id)?.error).toMatchObject({ code: 'PERMANENT', message: expect.stringContaining('404') });
    expect(failed.filter((f) => f.error.code === 'MALFORMED_APPEAL')).toHaveLength(2);
    expect(first.newFailures.length).toBeGreaterThanOrEqual(1);

    // The EDMS side moves: one answered after a postponement, one forwarded, one rejected.
    const [a, b, c] = appeals;
    const edmsId = async (posId: number) => (await bridge.ctx.store.get(posId))!.edmsId!;
    const control = world.sandbox.edms.control;
    for (const appeal of [a!, b!, c!]) await control.registerNow(await edmsId(appeal.id)).catch(() => undefined);
    await control.assign(await edmsId(a!.id), { surname: 'Орлов', name: 'Денис' });
    await control.postpone(await edmsId(a!.id), inDays(20), 'экспертиза');
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    await control.answer(await edmsId(a!.id), { text: 'Сделано', file: answerPdf(a!.id), resolution: 'ActionsTaken' });
    await control.forward(await edmsId(b!.id), 'Минтранс');
    await control.reject(await edmsId(c!.id), 'Нет сути обращения');
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    const afterTwo = await world.sandbox.pos.control.appeal(a!.id);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    const afterThree = await world.sandbox.pos.control.appeal(a!.id);

    const statuses = afterThree.history.map((h) => h.body.appealAnswerType ?? (h.body.executorInfo ? 'IN_WORK' : 'REGISTERED'));
    expect(statuses).toEqual(['REGISTERED', 'IN_WORK', 'POSTPONED', 'SOLVED']);
    expect(afterThree.history).toHaveLength(afterTwo.history.length);
    expect(afterThree.answerFiles).toHaveLength(1);
    expect(afterThree.answerFiles[0]!.name).toBe(answerPdf(a!.id).name);
    expect((await world.sandbox.pos.control.appeal(b!.id)).history.at(-1)!.body).toMatchObject({
      answer: true,
      appealAnswerType: 'FORWARDED',
    });
    expect((await world.sandbox.pos.control.appeal(c!.id)).history.at(-1)!.body).toMatchObject({
      answer: true,
      appealAnswerType: 'REJECTED',
      answerText: 'Нет сути обращения',
    });
    for (const appeal of appeals) {
      const keys = (await world.sandbox.pos.control.appeal(appeal.id)).history.map((h) => JSON.stringify(h.body));
      expect(new Set(keys).size).toBe(keys.length);
    }
    const record = await bridge.ctx.store.get(a!.id);
    expect(record).toMatchObject({ state: 'answered', regNumber: expect.any(String) });
  });
});
