// 152-ФЗ at rest: after a full cycle (with a failed job and statuses), nothing in Redis under the
// bridge's prefix holds an applicant's name, phone, e-mail, address or the appeal text in the clear.
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { runSync } from '../../src/pipeline/sync.js';
import { dumpPrefix, testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, type InProcessBridge, type World } from './harness.js';

describe('personal data at rest in Redis', () => {
  let world: World;
  let bridge: InProcessBridge;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  it('is sealed: no applicant data or appeal text in the clear under the prefix', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const appeals = generateAppeals(20, { seed: 101 });
    const pos = world.sandbox.pos.control;
    await pos.seed(appeals);
    const { attachments: _none, ...poison } = { ...generateAppeals(1, { seed: 102, startId: 990_001 })[0]!, attachments: undefined };
    await pos.seedRaw([{ ...poison, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/gone`] }]);
    bridge = await startBridge(world);
    await runSync(bridge.ctx, { timeoutMs: 30_000 });
    const edmsId = (await bridge.ctx.store.get(appeals[0]!.id))!.edmsId!;
    await world.sandbox.edms.control.assign(edmsId, { surname: 'Исполнителева', name: 'Ирина', phone: '+7 495 111-22-33' });
    await runSync(bridge.ctx, { timeoutMs: 30_000 });

    const dump = await dumpPrefix(world.prefix);
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).toContain(String(appeals[0]!.id)); // ids are there: the check reads real data
    for (const appeal of [...appeals, poison]) {
      const people = [appeal.applicant, ...(appeal.coApplicants ?? [])];
      for (const person of people) {
        for (const value of [person?.surname, person?.phone, person?.email, person?.postAddress]) {
          if (value) expect(dump.includes(value), `Redis holds personal data in the clear (${value.length} chars)`).toBe(false);
        }
      }
      expect(dump.includes(appeal.description.slice(0, 40))).toBe(false);
      if (appeal.address) expect(dump.includes(appeal.address)).toBe(false);
    }
    expect(dump.includes('Исполнителева')).toBe(false);
  }, 60_000);
});
