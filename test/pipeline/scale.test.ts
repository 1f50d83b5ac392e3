// Scale-out: two worker processes and one scheduler process of the real CLI on one Redis, 300
// appeals, clerks answering in the EDMS: no duplicate record, acceptance or status push.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { answerPdf } from '../../src/demo/clerk.js';
import { AppealStore } from '../../src/pipeline/store.js';
import { testRedis, testRedisUrl } from '../helpers/redis.js';
import { spawnBridgeProcess, startWorld, waitFor, type World } from './harness.js';

describe('scale-out', () => {
  const children: ChildProcess[] = [];
  let world: World | undefined;
  afterEach(async () => {
    await Promise.all(
      children.splice(0).map(
        (child) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    await world?.close();
  });

  it('two workers and a scheduler on 300 appeals: no duplicate records, acceptances or pushes', async () => {
    world = await startWorld('directum-rx', testRedisUrl(), { PULL_EVERY: '500ms', WATCH_EVERY: '500ms', POS_PAGE_SIZE: '20' });
    const appeals = generateAppeals(300, { seed: 41 });
    await world.sandbox.pos.control.seed(appeals);
    children.push(spawnBridgeProcess(world, 'worker'), spawnBridgeProcess(world, 'worker'), spawnBridgeProcess(world, 'scheduler'));

    const pos = world.sandbox.pos.control;
    await waitFor('all accepted', async () => (await pos.stats()).acceptedTotal === appeals.length, 120_000, 250);
    const redis = testRedis();
    const store = new AppealStore(redis, world.prefix);
    for (const appeal of appeals) {
      const edmsId = (await store.get(appeal.id))!.edmsId!;
      if (appeal.id % 2 === 0) await world.sandbox.edms.control.assign(edmsId, { surname: 'Орлов', name: 'Денис' });
      await world.sandbox.edms.control.answer(edmsId, { text: 'Ответ по существу', file: answerPdf(appeal.id) });
    }
    redis.disconnect();
    await waitFor('all answered', async () => (await pos.appeals()).filter((a) => a.answered).length === appeals.length, 120_000, 250);

    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    expect(edms.directum.state.count('IRequests')).toBe(appeals.length);
    expect(edms.directum.state.count('IExternalEntityLinks')).toBe(appeals.length);
    expect((await pos.stats()).duplicatesAccepted).toBe(0);
    for (const appeal of appeals) {
      const view = await pos.appeal(appeal.id);
      expect(view.acceptCount).toBe(1);
      const steps = view.history.map((h) => (h.body.answer ? 'final' : h.body.executorInfo ? 'in_work' : 'registered'));
      expect(steps).toEqual(appeal.id % 2 === 0 ? ['registered', 'in_work', 'final'] : ['registered', 'final']);
      expect(view.answerFiles).toHaveLength(1);
    }
  }, 300_000);
});
