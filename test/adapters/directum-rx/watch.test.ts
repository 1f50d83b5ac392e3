// The watch must not pass over a card whose registration is still in progress: Directum links a
// card last, and linking does not change the card's Modified, so a change listing that read the
// card before its link must read it again later instead of moving its checkpoint past it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directumRecordFor, startDirectumRig, type DirectumTestRig } from '../../conformance/directum-harness.js';
import { sampleAppeal, sampleFiles } from '../../conformance/sample-appeals.js';

let rig: DirectumTestRig;
beforeEach(async () => {
  rig = await startDirectumRig({}, 400);
});
afterEach(async () => rig.close());

function input() {
  const appeal = sampleAppeal();
  return { posId: appeal.id, record: rig.adapter.recordSchema.parse(directumRecordFor(appeal)), files: sampleFiles(appeal.id) };
}

describe('Directum change listing and unlinked cards', () => {
  it('ends a batch before a fresh unlinked card and lists it once it is linked', async () => {
    const first = input();
    await rig.adapter.register(first);
    // The second registration dies after its card is made, before the link (the link's answer is lost).
    const second = input();
    rig.emulator.faults.add({ route: 'create', set: 'IExternalEntityLinks', kind: 'drop', count: 1 });
    await expect(rig.adapter.register(second)).rejects.toMatchObject({ code: 'TRANSIENT' });
    const third = input();
    await rig.adapter.register(third);

    const batch = await rig.adapter.listChanged(null, 10);
    expect(batch.items.map((i) => i.posId)).toEqual([first.posId]);
    expect(batch.done).toBe(true);
    // Nothing new while the card stays unlinked: the same checkpoint, nothing skipped.
    expect((await rig.adapter.listChanged(batch.checkpoint, 10)).items).toEqual([]);

    await rig.adapter.register(second); // the retry finds the marked card and links it
    const next = await rig.adapter.listChanged(batch.checkpoint, 10);
    expect(next.items.map((i) => i.posId).sort()).toEqual([second.posId, third.posId].sort());
  });
});
