// 500 generated appeals registered in the Directum emulator eight at a time: exactly 500 cards and
// links, every file a version with byte-identical body, and progress readable in batches.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FULL_TEXT_NOTE } from '../../../adapters/directum-rx/adapter.js';
import { fullTextOf } from '../../../adapters/directum-rx/card.js';
import type { Row } from '../../../adapters/directum-rx/emulator/model.js';
import { generateAppeals, toPosAppeal, type SeedAppeal } from '../../../fixtures/generator.js';
import { directumRecordFor, startDirectumRig, type DirectumTestRig } from '../../conformance/directum-harness.js';

const COUNT = 500;
const CONCURRENCY = 8;
let rig: DirectumTestRig;

beforeAll(async () => {
  rig = await startDirectumRig({}, 10_000);
});
afterAll(async () => {
  await rig?.close();
});

it(`registers ${COUNT} appeals at concurrency ${CONCURRENCY}: one card, one link and every version each`, { timeout: 60_000 }, async () => {
  const seeds = generateAppeals(COUNT, { seed: 20250301, startId: 500_001, now: new Date('2025-03-20T09:00:00Z') });
  const edmsIds = new Map<number, string>();
  const queue = [...seeds];
  const worker = async () => {
    for (let seed = queue.shift(); seed; seed = queue.shift()) {
      const appeal = toPosAppeal(seed, (_file, index) => `https://pos.test/files/${seed!.id}/${index}`);
      const record = rig.adapter.recordSchema.parse(directumRecordFor(appeal));
      const result = await rig.adapter.register({ posId: seed.id, record, files: seed.attachments ?? [] });
      expect(result).toMatchObject({ posId: seed.id, durable: true, created: true });
      edmsIds.set(seed.id, result.edmsId);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const { state } = rig.emulator;
  expect(state.count('IRequests')).toBe(COUNT);
  expect(state.count('IExternalEntityLinks')).toBe(COUNT);
  expect(new Set(edmsIds.values()).size).toBe(COUNT);
  const bySeed = new Map<number, SeedAppeal>(seeds.map((seed) => [seed.id, seed]));
  let versions = 0;
  for (const link of state.rows('IExternalEntityLinks')) {
    const seed = bySeed.get(Number(link.ExtEntityId))!;
    const card = state.get('IRequests', Number(link.EntityId));
    expect(String(edmsIds.get(seed.id))).toBe(String(card.Id));
    const expected = [
      {
        name: FULL_TEXT_NOTE,
        data: Buffer.from(fullTextOf(directumRecordFor(toPosAppeal(seed, (_file, index) => String(index)))), 'utf8'),
      },
      ...(seed.attachments ?? []),
    ];
    const stored = card.Versions as Row[];
    expect(stored.map((version) => version.Note)).toEqual(expected.map((file) => file.name));
    stored.forEach((version, index) => expect(state.body('IRequests', card.Id, version.Id)?.equals(expected[index]!.data)).toBe(true));
    versions += stored.length;
  }
  const attachments = seeds.reduce((sum, seed) => sum + (seed.attachments?.length ?? 0), 0);
  expect(attachments).toBeGreaterThan(0);
  expect(versions).toBe(COUNT + attachments);

  const progress = await rig.adapter.readProgress(seeds.map((seed) => seed.id));
  expect(progress).toHaveLength(COUNT);
  expect(progress.every((p) => p.state === 'registered' && p.edmsId === edmsIds.get(p.posId))).toBe(true);
  let checkpoint: string | null = null;
  const listed = new Set<number>();
  for (let done = false; !done;) {
    const batch = await rig.adapter.listChanged(checkpoint, 100);
    batch.items.forEach((item) => listed.add(item.posId));
    ({ checkpoint, done } = batch);
  }
  expect(listed.size).toBe(COUNT);
});
