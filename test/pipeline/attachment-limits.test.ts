// An appeal whose attachment lies outside POS_ATTACHMENT_ORIGINS, or which brings more attachments
// than POS_MAX_ATTACHMENTS, is set aside with a reason an operator can act on: nothing fetched,
// nothing registered, never accepted in ПОС. The other appeals go through.
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { installSchedules } from '../../src/pipeline/runtime.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

describe('attachment origins and caps in the pipeline', () => {
  let world: World | undefined;
  let bridge: InProcessBridge | undefined;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  it('sets aside the appeals over the limits and registers the rest', async () => {
    world = await startWorld('directum-rx', testRedisUrl(), { POS_MAX_ATTACHMENTS: '3' });
    const pos = world.sandbox.pos.control;
    const appeals = generateAppeals(4, { seed: 31 });
    await pos.seed(appeals);
    const [foreign, crowded] = generateAppeals(2, { seed: 32, startId: 900_001 }).map(({ attachments: _a, ...rest }) => rest);
    const file = `${world.sandbox.pos.url}/file-storage-service/filestorage/none`;
    await pos.seedRaw([
      { ...foreign!, attachments: ['http://127.0.0.1:9/files/passport-ivanov.pdf?fio=Ivanov'] },
      { ...crowded!, attachments: [file, file, file, file] },
    ]);

    bridge = await startBridge(world);
    await installSchedules(bridge.ctx, { pull: parseSchedule('300ms')!, watch: parseSchedule('1h')!, reconcile: parseSchedule('1h')! });
    const store = bridge.ctx.store;
    await waitFor(
      'both set aside and the rest accepted',
      async () => {
        const states = await Promise.all([foreign!.id, crowded!.id].map(async (id) => (await store.get(id))?.state));
        return states.every((state) => state === 'set_aside') && (await pos.stats()).acceptedTotal === appeals.length;
      },
      30_000,
      200,
    );

    expect((await store.get(foreign!.id))!.lastError).toMatchObject({
      code: 'ATTACHMENT_ORIGIN_NOT_ALLOWED',
      message: 'attachment origin http://127.0.0.1:9 is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal',
    });
    expect((await store.get(crowded!.id))!.lastError).toMatchObject({
      code: 'APPEAL_TOO_LARGE',
      message: 'the appeal has 4 attachments, more than POS_MAX_ATTACHMENTS (3)',
    });
    for (const id of [foreign!.id, crowded!.id]) expect((await pos.appeal(id)).acceptCount).toBe(0);
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    expect(edms.directum.state.count('IRequests')).toBe(appeals.length);
  }, 60_000);
});
