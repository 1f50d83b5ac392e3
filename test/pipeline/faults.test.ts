// 30% of ПОС calls failing with 5xx, plus 429s with Retry-After, and each EDMS failing its own way
// (Directum RX: 30% 5xx and 429s; «Дело»: a slow exchange and duplicated, half-written, malformed
// and stray Reports): everything lands, each appeal registered and accepted once, each status
// delivered once and in order; the poison appeal waits in the failed list with its reason.
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { answerPdf } from '../../src/demo/clerk.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { installSchedules } from '../../src/pipeline/runtime.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { testRedisUrl } from '../helpers/redis.js';
import { PIPELINE_EDMS, sized } from './edms-worlds.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

const CLOCK_SLACK_MS = 50;

describe.each(PIPELINE_EDMS)('pipeline under faults ($kind)', (edms) => {
  let world: World | undefined;
  let bridge: InProcessBridge | undefined;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  it("lands everything through 30% 5xx and 429s in ПОС and the EDMS's own faults", async () => {
    world = await startWorld(edms.kind, testRedisUrl());
    const pos = world.sandbox.pos.control;
    const appeals = generateAppeals(sized(edms, 60), { seed: 21 });
    await pos.seed(appeals);
    const { attachments: _a, ...poison } = { ...generateAppeals(1, { seed: 22, startId: 800_001 })[0]!, attachments: undefined };
    await pos.seedRaw([{ ...poison, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/gone`] }]);

    await pos.addFault({ route: '*', kind: 'status', status: 503, rate: 0.3, seed: 7 });
    await pos.addFault({ route: 'accept', kind: 'status', status: 429, retryAfter: 1, times: 3 });
    await pos.addFault({ route: 'answer', kind: 'status', status: 429, retryAfter: 1, times: 3 });
    const edmsFaults = edms.injectFaults(world);

    bridge = await startBridge(world, { concurrency: 8 });
    const schedules = { pull: parseSchedule('300ms')!, watch: parseSchedule('300ms')!, reconcile: parseSchedule('1h')! };
    await installSchedules(bridge.ctx, schedules);
    const ctx = bridge.ctx;

    await waitFor('all appeals accepted', async () => (await pos.stats()).acceptedTotal === appeals.length, 60_000, 250);
    // Clerks answer every appeal; statuses must land through the same faults.
    for (const appeal of appeals) {
      const edmsId = (await ctx.store.get(appeal.id))!.edmsId!;
      await world.sandbox.edms.control.assign(edmsId, { surname: 'Белова', name: 'Анна' });
      await world.sandbox.edms.control.answer(edmsId, { text: 'Ответ', file: answerPdf(appeal.id) });
    }
    await waitFor(
      'every final answer in ПОС',
      async () => (await pos.appeals()).filter((a) => a.answered).length === appeals.length,
      90_000,
      500,
    );

    const stats = await pos.stats();
    expect(stats.faultsInjected.accept + stats.faultsInjected.answer + stats.faultsInjected.pull).toBeGreaterThan(sized(edms, 10));
    expect(edmsFaults.fired(), 'EDMS faults injected').toBeGreaterThan(sized(edms, 10));
    expect(stats.duplicatesAccepted).toBe(0);
    for (const appeal of appeals) {
      const view = await pos.appeal(appeal.id);
      expect(view.acceptCount).toBe(1);
      // Two emulators' clocks: the EDMS stamps a write when it is applied, which a slow write can put a
      // few milliseconds after the answer left; 50 ms is far below any accept that came too early.
      expect(Date.parse(view.acceptedAt!) + CLOCK_SLACK_MS, 'accepted after the durable registration').toBeGreaterThanOrEqual(
        (await edms.durableAt(world, appeal.id)) ?? Infinity,
      );
      const kinds = view.history.map((h) => (h.body.answer ? 'final' : h.body.executorInfo ? 'in_work' : 'registered'));
      expect(kinds).toEqual(['registered', 'in_work', 'final']);
    }
    for (const count of await edms.recordCounts(world)) expect(count).toBe(appeals.length);
    const failed = await new FailedJobs(ctx.queues, ctx.store).list();
    expect(failed.map((f) => f.posId)).toEqual([poison.id]);
    expect(failed[0]!.error.code).toBe('PERMANENT');
  }, 180_000);
});
