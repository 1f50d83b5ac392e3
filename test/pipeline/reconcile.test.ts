// Reconcile repairs drift, for each EDMS: after Redis lost the bridge's state, appeals are adopted
// from the EDMS and their final answers reach ПОС without repeating statuses; an accepted appeal
// the EDMS does not have is reported (where the EDMS can lose one: edms-worlds.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { answerPdf } from '../../src/demo/clerk.js';
import { processReconcile, processWatch } from '../../src/pipeline/control.js';
import { runSync } from '../../src/pipeline/sync.js';
import { testRedisUrl, wipePrefix } from '../helpers/redis.js';
import { PIPELINE_EDMS } from './edms-worlds.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

describe.each(PIPELINE_EDMS)('reconcile ($kind)', (edms) => {
  let world: World;
  let bridge: InProcessBridge;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  /** `count` appeals registered and accepted by one sync, with their EDMS ids. */
  async function registered(count: number, seed: number) {
    world = await startWorld(edms.kind, testRedisUrl());
    const appeals = generateAppeals(count, { seed });
    const pos = world.sandbox.pos.control;
    await pos.seed(appeals);
    bridge = await startBridge(world);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    const edmsIds = new Map<number, string>();
    for (const appeal of appeals) edmsIds.set(appeal.id, (await bridge.ctx.store.get(appeal.id))!.edmsId!);
    return { appeals, pos, edmsIds };
  }

  it('adopts appeals after Redis lost its data and delivers pending finals once', async () => {
    const { appeals, pos, edmsIds } = await registered(10, 51);
    const before = new Map<number, number>();
    for (const appeal of appeals) before.set(appeal.id, (await pos.appeal(appeal.id)).history.length);
    expect([...before.values()].every((n) => n === 1)).toBe(true); // "registered" delivered

    // Redis loses everything the bridge knew; meanwhile clerks answer half of the appeals.
    await bridge.stop();
    expect(await wipePrefix(world.prefix)).toBeGreaterThan(0);
    for (const appeal of appeals.slice(0, 5))
      await world.sandbox.edms.control.answer(edmsIds.get(appeal.id)!, { text: 'Ответ', file: answerPdf(appeal.id) });
    bridge = await startBridge(world);
    const report = await processReconcile(bridge.ctx);
    expect(report.adopted).toBe(10);
    expect(report.pushesQueued).toBe(5);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    for (const [index, appeal] of appeals.entries()) {
      const history = (await pos.appeal(appeal.id)).history;
      expect(history.filter((h) => !h.body.answer)).toHaveLength(1); // "registered" not repeated
      expect(history.filter((h) => h.body.answer)).toHaveLength(index < 5 ? 1 : 0);
    }
    // Running it again finds nothing to repair.
    expect(await processReconcile(bridge.ctx)).toMatchObject({ adopted: 0, pushesQueued: 0, missingInEdms: [] });
  }, 90_000);

  it.runIf(edms.capabilities.recordsCanVanish)(
    'reports an accepted appeal whose EDMS record was deleted by hand',
    async () => {
      const { appeals, edmsIds } = await registered(3, 53);
      expect(await processReconcile(bridge.ctx)).toMatchObject({ adopted: 0, missingInEdms: [] });
      const lost = appeals[2]!;
      edms.removeRecord(world, edmsIds.get(lost.id)!);
      const afterLoss = await processReconcile(bridge.ctx);
      expect(afterLoss.missingInEdms).toEqual([lost.id]);
      expect((await bridge.ctx.store.get(lost.id))?.lastError?.code).toBe('NOT_FOUND');
    },
    60_000,
  );

  it('a push the watch ran before the adoption (the appeal unknown then) does not swallow the one reconcile queues', async () => {
    const { appeals, pos, edmsIds } = await registered(6, 52);

    await bridge.stop();
    await wipePrefix(world.prefix);
    const answered = appeals.slice(0, 3);
    for (const appeal of answered)
      await world.sandbox.edms.control.answer(edmsIds.get(appeal.id)!, { text: 'Ответ', file: answerPdf(appeal.id) });
    bridge = await startBridge(world);
    // The watch gets there first (its checkpoint was lost too): each push finds the appeal unknown
    // and completes having sent nothing, under the job id reconcile's push for the same snapshot gets.
    await processWatch(bridge.ctx);
    await waitFor(
      'the watch pushes finished',
      async () => (await bridge.ctx.queues.push.getJobCounts('completed')).completed === appeals.length,
    );
    const report = await processReconcile(bridge.ctx);
    expect(report).toMatchObject({ adopted: appeals.length, pushesQueued: answered.length, pushesPending: 0 });
    await waitFor('the answers in ПОС', async () => {
      for (const appeal of answered) if (!(await pos.appeal(appeal.id)).finalAnswerAt) return false;
      return true;
    });
    for (const appeal of appeals) {
      const history = (await pos.appeal(appeal.id)).history;
      expect(history.filter((h) => h.body.answer)).toHaveLength(answered.includes(appeal) ? 1 : 0);
      expect(history.filter((h) => !h.body.answer)).toHaveLength(1);
    }
    expect(await processReconcile(bridge.ctx)).toMatchObject({ adopted: 0, pushesQueued: 0, pushesPending: 0 });
  }, 90_000);
});
