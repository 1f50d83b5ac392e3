// Registration against the Directum emulator while it fails: errors arrive coded, and retrying
// `register` until it succeeds leaves exactly one card, one link and one version per file, with
// byte-identical bodies — whichever write lost its answer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FULL_TEXT_NOTE, posMarker } from '../../../adapters/directum-rx/adapter.js';
import { fullTextOf } from '../../../adapters/directum-rx/card.js';
import type { FaultRule } from '../../../adapters/directum-rx/emulator/faults.js';
import type { AppealFile, RegistrationResult } from '../../../adapters/contract.js';
import type { Row } from '../../../adapters/directum-rx/emulator/model.js';
import { AuthError, BridgeError, MalformedResponseError, RateLimitedError, TransientError } from '../../../src/errors.js';
import { directumRecordFor, startDirectumRig, type DirectumTestRig } from '../../conformance/directum-harness.js';
import { sampleAppeal, sampleFiles } from '../../conformance/sample-appeals.js';

let rig: DirectumTestRig;

beforeEach(async () => {
  rig = await startDirectumRig({}, 400);
});
afterEach(async () => {
  await rig.close();
});

function input(files?: AppealFile[]) {
  const appeal = sampleAppeal();
  return { posId: appeal.id, record: rig.adapter.recordSchema.parse(directumRecordFor(appeal)), files: files ?? sampleFiles(appeal.id) };
}

/** Retries like the queue would, a little apart; returns the result and the errors seen on the way. */
async function registerUntilDone(
  data: ReturnType<typeof input>,
  pauseMs = 50,
): Promise<{ result: RegistrationResult; errors: BridgeError[] }> {
  const errors: BridgeError[] = [];
  for (let attempt = 0; attempt < 8; attempt += 1) {
    try {
      return { result: await rig.adapter.register(data), errors };
    } catch (error) {
      expect(error).toBeInstanceOf(BridgeError);
      errors.push(error as BridgeError);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  throw new Error(`never registered: ${errors.map((e) => e.message).join('; ')}`);
}

/** Exactly one card for the posId, one link to it, one version per expected file with its bytes. */
function expectSingleRegistration(data: ReturnType<typeof input>, result: RegistrationResult): void {
  const { state } = rig.emulator;
  const cards = state.rows('IRequests').filter((row) => String(row.Note ?? '').includes(posMarker(data.posId)));
  expect(cards.map((card) => card.Id)).toEqual([Number(result.edmsId)]);
  const links = state.rows('IExternalEntityLinks').filter((link) => link.ExtEntityId === String(data.posId));
  expect(links.map((link) => link.EntityId)).toEqual([Number(result.edmsId)]);
  const versions = cards[0]!.Versions as Row[];
  const expected = [{ name: FULL_TEXT_NOTE, data: Buffer.from(fullTextOf(data.record), 'utf8') }, ...data.files];
  expect(versions.map((version) => version.Note)).toEqual(expected.map((file) => file.name));
  versions.forEach((version, index) => {
    expect(state.body('IRequests', cards[0]!.Id, version.Id)?.equals(expected[index]!.data), `body of ${String(version.Note)}`).toBe(true);
  });
  expect(result).toMatchObject({ posId: data.posId, durable: true, registration: { number: expect.stringMatching(/^ОГ-/) } });
}

describe('coded errors while Directum fails', () => {
  it('5xx at the card create → TransientError; the retry registers once', async () => {
    rig.emulator.faults.add({ route: 'create', set: 'IRequests', kind: '5xx', count: 2 });
    const data = input();
    const { result, errors } = await registerUntilDone(data);
    // Both injected 503s arrive as TransientError; on a loaded machine a call may also pass the
    // rig's 400 ms timeout, which is a TransientError too (seen on CI).
    expect(errors.filter((error) => error.status === 503)).toHaveLength(2);
    expect(errors.every((error) => error instanceof TransientError)).toBe(true);
    expectSingleRegistration(data, result);
  });

  it('401 → AuthError (not retryable); 429 → RateLimitedError with the wait', async () => {
    rig.emulator.faults.add({ route: 'read', kind: '401', count: 1 });
    await expect(rig.adapter.register(input())).rejects.toBeInstanceOf(AuthError);
    rig.emulator.faults.add({ route: 'read', kind: '429', retryAfterSeconds: 3, count: 1 });
    const limited = await rig.adapter.findByPosId(1).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(3000);
  });

  it('a slow card create times out (TransientError) but commits; the later retry finds it', async () => {
    rig.emulator.faults.add({ route: 'create', set: 'IRequests', kind: 'slow', delayMs: 700, count: 1 });
    const data = input();
    await expect(rig.adapter.register(data)).rejects.toThrow(/timed out/);
    // The queue retries seconds later; by then the slow create has landed.
    await new Promise((resolve) => setTimeout(resolve, 900));
    const { result } = await registerUntilDone(data);
    expectSingleRegistration(data, result);
  });

  it('a garbled answer to the card create → MalformedResponseError; the retry completes the card', async () => {
    rig.emulator.faults.add({ route: 'create', set: 'IRequests', kind: 'malformed', count: 1 });
    const data = input();
    const { result, errors } = await registerUntilDone(data);
    expect(errors.map((error) => error.constructor)).toEqual([MalformedResponseError]);
    expectSingleRegistration(data, result);
  });
});

describe('lost responses after the write committed', () => {
  /** Only the `nth` matching request loses its answer: the earlier ones pass (zero-delay "slow" rules). */
  const nth = (rule: FaultRule, n: number): FaultRule[] => [
    ...Array.from({ length: n - 1 }, () => ({ ...rule, kind: 'slow' as const, delayMs: 0 })),
    rule,
  ];
  const cases: [string, FaultRule[]][] = [
    ['the card create', [{ route: 'create', set: 'IRequests', kind: 'drop-after', count: 1 }]],
    ['the applicant create', [{ route: 'create', set: 'IPersons', kind: 'drop-after', count: 1 }]],
    ['the first version create', [{ route: 'version', kind: 'drop-after', count: 1 }]],
    ['the last version create', nth({ route: 'version', kind: 'drop-after', count: 1 }, 3)],
    ['a body upload', nth({ route: 'body', kind: 'drop-after', count: 1 }, 2)],
    ['the link create', [{ route: 'create', set: 'IExternalEntityLinks', kind: 'drop-after', count: 1 }]],
    [
      'a version, then a body, then the link',
      [
        ...nth({ route: 'version', kind: 'drop-after', count: 1 }, 2),
        { route: 'body', kind: 'drop-after', count: 1 },
        { route: 'create', set: 'IExternalEntityLinks', kind: 'drop-after', count: 1 },
      ],
    ],
  ];

  it.each(cases)('at %s: one card, one link, versions not duplicated', async (where, rules) => {
    const persons = rig.emulator.state.count('IPersons');
    for (const rule of rules) rig.emulator.faults.add(rule);
    const data = input();
    if (rules.some((rule) => rule.set === 'IPersons')) expect(data.record.Correspondent, 'an appeal with an applicant').toBeDefined();
    const { result, errors } = await registerUntilDone(data, 0).finally(() => rig.emulator.faults.clear());
    expect(errors.length, where).toBeGreaterThanOrEqual(1);
    expect(errors.every((error) => error instanceof TransientError)).toBe(true);
    expectSingleRegistration(data, result);
    // One IPersons entry for the applicant; co-applicants travel in the full-text version (IRequests has no collection for them).
    expect(rig.emulator.state.count('IPersons') - persons).toBe(data.record.Correspondent ? 1 : 0);
    const again = await rig.adapter.register(data);
    expect(again).toMatchObject({ edmsId: result.edmsId, created: false });
  });
});
