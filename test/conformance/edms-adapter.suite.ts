// The behaviour every EDMS adapter owes the pipeline, checked against the adapter's emulator through
// the two shared contracts only (EdmsAdapter, EdmsControl). Each EDMS's test file calls
// describeEdmsAdapterConformance with a harness factory; a fresh harness (empty EDMS) per case.
//
// What the suite assumes of `control.inspect(edmsId)` (its shape is emulator-specific): somewhere
// inside the returned value it holds the record's stored texts as strings (or UTF-8 Buffers) and each
// stored file's body as a Buffer (or a base64 string), and each file's name as a string. The suite
// searches the value, so any nesting works.
//
// Progress from an emulator may arrive asynchronously (a file exchange, a clerk's delay): every
// read-back is retried for a few seconds before the case fails.
//
// What an adapter or its emulator cannot do is declared per EDMS (AdapterCapabilities), and the
// cases that need it run only where it is declared: a missing capability shows as a skipped case,
// never as one that passes having checked nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DIRECTORY_KINDS,
  type AppealFile,
  type EdmsAdapter,
  type EdmsControl,
  type EdmsProgress,
  type Official,
  type RegistrationResult,
} from '../../adapters/contract.js';
import { BridgeError } from '../../src/errors.js';
import { checkMappingAgainstEdms } from '../../src/mapping/against-edms.js';
import type { PosAppeal } from '../../src/pos/schemas.js';
import { longText, nextPosId, sampleAppeal, sampleFiles, samplePdf } from './sample-appeals.js';

export interface ConformanceHarness<R> {
  adapter: EdmsAdapter<R>;
  /** Drives the emulator (adapters/contract.ts). */
  control: EdmsControl;
  /** A valid record for the adapter's recordSchema (stand-in for the mapping engine); must carry the appeal's full text. */
  recordFor(appeal: PosAppeal): R;
  /** With `lostWriteResponse`: make the next registration's write commit in the EDMS but lose the response (crash-like). */
  loseNextWriteResponse?(): Promise<void>;
  /** With `countsRecords`: how many appeal records the EDMS holds, linked to ПОС or not (catches duplicates listChanged cannot see). */
  countRecords?(): Promise<number>;
  /** With readable directories: the directory ids the EDMS stored for each reference field of a record. */
  linksOf?(edmsId: string): Promise<Record<string, number | number[] | null>>;
  /** With `unreachable`: cut the adapter off from its EDMS (server gone, share unmounted) for the rest of the case. */
  makeUnreachable?(): Promise<void>;
  /** With `credentials`: a second adapter for the same EDMS whose credentials the EDMS refuses (the case closes it). */
  adapterWithWrongCredentials?(): EdmsAdapter<R>;
  /** With `openConnections`: how many connections between the adapter and its EDMS are open now. */
  openConnections?(): Promise<number>;
  close(): Promise<void>;
}

/** What an adapter, its emulator and its harness can do; each case needing one runs only where it is declared. */
export interface AdapterCapabilities<R> {
  installation: InstallationCapabilities<R>;
  /** The harness makes a write commit and lose its response (loseNextWriteResponse). */
  lostWriteResponse: boolean;
  /** The harness counts every appeal record in the EDMS, linked or not (countRecords). */
  countsRecords: boolean;
  /** Progress names the manager a record was assigned with (EdmsProgress.manager). */
  reportsManager: boolean;
  /** Progress keeps the reason given with each postponement. */
  postponementReasons: boolean;
  /** The harness can cut the adapter off from its EDMS (makeUnreachable). */
  unreachable: boolean;
  /** The EDMS checks credentials, and the harness can offer wrong ones (adapterWithWrongCredentials). */
  credentials: boolean;
  /** The adapter holds connections to its EDMS, and the harness counts them (openConnections). */
  openConnections: boolean;
}

/**
 * What an installation lets the bridge read before any appeal arrives, declared per EDMS: the
 * suite checks what is declared on both sides (readable → resolved and linked; not readable →
 * said so); the cases of the other side show as skipped.
 */
export type InstallationCapabilities<R> =
  | {
      directories: 'readable';
      /** Field → the id(s) the harness's installation holds for the values recordFor writes. */
      expectedLinks: Record<string, number | number[]>;
      /** recordFor's record with one reference the installation lacks. */
      withUnknownReference(record: R): { record: R; field: string; directoryName: string; value: string };
      /** A mapping file for this EDMS with a value the installation lacks, and where it stands. */
      preflight: { source: string; problems: { line: number; column: number; includes: string }[] };
      /** A record field the installation's type does not declare (its $metadata), which recordFor fills. */
      undeclaredField: string;
    }
  | { directories: 'unreadable'; reason: RegExp };

const EXECUTOR: Official = {
  surname: 'Петрова',
  name: 'Анна',
  patronymic: 'Сергеевна',
  email: 'petrova@adm.example.ru',
  phone: '+7 342 200-10-20',
};
const MANAGER: Official = { surname: 'Смирнов', name: 'Олег', patronymic: 'Викторович', email: 'smirnov@adm.example.ru' };
const EVENTUALLY_MS = 10_000;

async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + EVENTUALLY_MS;
  let last: T = await read();
  while (!ready(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}

function* leaves(value: unknown, seen = new Set<unknown>()): Generator<string | Buffer> {
  if (typeof value === 'string') {
    yield value;
    if (value.length >= 8 && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) yield Buffer.from(value, 'base64');
    return;
  }
  if (Buffer.isBuffer(value)) return void (yield value);
  if (value instanceof Uint8Array) return void (yield Buffer.from(value));
  if (!value || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  if (record.type === 'Buffer' && Array.isArray(record.data)) return void (yield Buffer.from(record.data as number[]));
  for (const child of Array.isArray(value) ? value : Object.values(record)) yield* leaves(child, seen);
}

const holdsText = (inspected: unknown, text: string) =>
  [...leaves(inspected)].some((leaf) => (typeof leaf === 'string' ? leaf : leaf.toString('utf8')).includes(text));
const holdsBytes = (inspected: unknown, data: Buffer) => [...leaves(inspected)].some((leaf) => Buffer.isBuffer(leaf) && leaf.equals(data));

const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);

/** A harness method a declared capability promises; its absence fails the case instead of skipping it. */
function declared<T>(method: T | undefined, capability: string): T {
  if (method === undefined) throw new Error(`the harness declares the capability ${capability} but does not provide it`);
  return method;
}

/** The coded error a call failed with (or a failure of the case when it did not fail). */
async function failureOf(call: Promise<unknown>): Promise<BridgeError> {
  const outcome = await call.then(
    () => new Error('expected the call to fail'),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(BridgeError);
  return outcome as BridgeError;
}

export function describeEdmsAdapterConformance<R>(
  name: string,
  makeHarness: () => Promise<ConformanceHarness<R>>,
  capabilities: AdapterCapabilities<R>,
): void {
  const { installation } = capabilities;
  describe(`EDMS adapter conformance: ${name}`, () => {
    let h: ConformanceHarness<R>;

    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h?.close();
    });

    const register = (appeal: PosAppeal, files: AppealFile[] = [], firstAttempt?: boolean) =>
      h.adapter.register({
        posId: appeal.id,
        record: h.adapter.recordSchema.parse(h.recordFor(appeal)),
        files,
        ...(firstAttempt !== undefined ? { firstAttempt } : {}),
      });
    const countRecords = () => declared(h.countRecords, 'countsRecords').call(h);

    /** Registers and waits until the clerk has registered it and the adapter reports it durable. */
    const registerDurably = async (appeal: PosAppeal, files: AppealFile[] = []) => {
      const result = await register(appeal, files);
      const registration = await h.control.registerNow(result.edmsId);
      const found = await eventually(
        () => h.adapter.findByPosId(appeal.id),
        (f) => f?.durable === true && f.registration !== undefined,
        `posId ${appeal.id} durable`,
      );
      return { result, registration, found: found as RegistrationResult };
    };

    const progressOf = (posId: number, ready: (p: EdmsProgress) => boolean, what: string) =>
      eventually(
        async () => (await h.adapter.readProgress([posId]))[0],
        (p) => p !== undefined && ready(p),
        `posId ${posId} ${what}`,
      ) as Promise<EdmsProgress>;

    /** Reads listChanged from `checkpoint` to the end; fails on a batch over the limit or a stuck checkpoint. */
    const drainChanges = async (checkpoint: string | null, limit: number) => {
      const items: EdmsProgress[] = [];
      let current = checkpoint;
      for (let round = 0; round < 50; round += 1) {
        const batch = await h.adapter.listChanged(current, limit);
        expect(batch.items.length).toBeLessThanOrEqual(limit);
        if (batch.items.length > 0) expect(batch.checkpoint).not.toBe(current);
        items.push(...batch.items);
        current = batch.checkpoint;
        if (batch.done) return { items, checkpoint: current };
      }
      throw new Error('listChanged never reported done');
    };

    const occurrences = (items: EdmsProgress[], posId: number) => items.filter((item) => item.posId === posId).length;

    it('registers an appeal with two files (Cyrillic names), durable with a registration number and date', async () => {
      const appeal = sampleAppeal();
      const files = sampleFiles(appeal.id);
      const { result, registration, found } = await registerDurably(appeal, files);

      expect(result).toMatchObject({ posId: appeal.id, created: true });
      expect(result.edmsId).toMatch(/\S/);
      expect(registration.number).toMatch(/\S/);
      expect(Number.isNaN(Date.parse(registration.date))).toBe(false);
      expect(found).toMatchObject({
        posId: appeal.id,
        edmsId: result.edmsId,
        durable: true,
        registration: { number: registration.number },
      });
      expect(Date.parse(found.registration!.date)).toBe(Date.parse(registration.date));

      const inspected = await h.control.inspect(result.edmsId);
      expect(holdsText(inspected, appeal.description)).toBe(true);
      for (const file of files) {
        expect(holdsBytes(inspected, file.data), `body of ${file.name}`).toBe(true);
        expect(holdsText(inspected, file.name), `name ${file.name}`).toBe(true);
      }
    });

    it('finds a record by posId and answers null for an unknown posId', async () => {
      const appeal = sampleAppeal();
      const { result } = await registerDurably(appeal);
      const found = await h.adapter.findByPosId(appeal.id);
      expect(found).toMatchObject({ posId: appeal.id, edmsId: result.edmsId, durable: true, created: false });
      expect(await h.adapter.findByPosId(nextPosId())).toBeNull();
    });

    /** Registers one appeal three times (twice before the EDMS registered it, once after). */
    const registerThrice = async (appeal: PosAppeal) => {
      const files = sampleFiles(appeal.id);
      const first = await register(appeal, files);
      const second = await register(appeal, files);
      expect(second).toMatchObject({ posId: appeal.id, edmsId: first.edmsId, created: false });
      await h.control.registerNow(first.edmsId);
      const third = await register(appeal, files);
      expect(third).toMatchObject({ edmsId: first.edmsId, created: false });
    };

    it('registering the same posId again yields the same record and makes no second one', async () => {
      const appeal = sampleAppeal();
      await registerThrice(appeal);
      const { items } = await drainChanges(null, 100);
      expect(occurrences(items, appeal.id)).toBe(1);
    });

    it.runIf(capabilities.countsRecords)('registering the same posId again leaves one record in the EDMS, linked or not', async () => {
      await registerThrice(sampleAppeal());
      expect(await countRecords()).toBe(1);
    });

    it('firstAttempt: a fresh appeal registers as without it, and posId stays the idempotency key', async () => {
      const appeal = sampleAppeal();
      const files = sampleFiles(appeal.id);
      const first = await register(appeal, files, true);
      expect(first).toMatchObject({ posId: appeal.id, created: true });
      const registration = await h.control.registerNow(first.edmsId);
      await eventually(
        () => h.adapter.findByPosId(appeal.id),
        (found) => found?.durable === true,
        `posId ${appeal.id} durable`,
      );
      // firstAttempt speaks of interrupted attempts only: a record that exists is still found.
      expect(await register(appeal, files, true)).toMatchObject({ posId: appeal.id, edmsId: first.edmsId, created: false });
      expect(await progressOf(appeal.id, (p) => p.state === 'registered', 'registered')).toMatchObject({
        edmsId: first.edmsId,
        registration: { number: registration.number },
      });
      const { items } = await drainChanges(null, 100);
      expect(occurrences(items, appeal.id)).toBe(1);
      const inspected = await h.control.inspect(first.edmsId);
      for (const file of files) expect(holdsBytes(inspected, file.data), `body of ${file.name}`).toBe(true);
    });

    it('follows a record through registered → in_work → postponed → answered, answer file byte-identical', async () => {
      const appeal = sampleAppeal();
      const { result, registration } = await registerDurably(appeal, sampleFiles(appeal.id));

      const registered = await progressOf(appeal.id, (p) => p.state === 'registered', 'registered');
      expect(registered).toMatchObject({
        posId: appeal.id,
        edmsId: result.edmsId,
        registration: { number: registration.number },
        postponements: [],
      });
      expect(Number.isNaN(Date.parse(registered.updatedAt))).toBe(false);

      await h.control.assign(result.edmsId, EXECUTOR, MANAGER);
      const inWork = await progressOf(appeal.id, (p) => p.state === 'in_work', 'in_work');
      expect(inWork.executor).toMatchObject({ surname: EXECUTOR.surname, name: EXECUTOR.name, patronymic: EXECUTOR.patronymic });

      const until = '2030-05-20T12:00:00.000Z';
      const reason = 'Запрошены дополнительные материалы у подрядчика';
      await h.control.postpone(result.edmsId, until, reason);
      const postponed = await progressOf(appeal.id, (p) => p.state === 'postponed', 'postponed');
      expect(postponed.postponements).toHaveLength(1);
      expect(dayOf(postponed.postponements[0]!.until)).toBe(dayOf(until));

      const text = 'Уважаемая Мария Ивановна! Двор убран 12.03.2025, подрядчику выставлено предписание.';
      const pdf = samplePdf(`Answer ${appeal.id}`);
      await h.control.answer(result.edmsId, { text, file: { name: 'Ответ заявителю.pdf', contentType: 'application/pdf', data: pdf } });
      const answered = await progressOf(appeal.id, (p) => p.state === 'answered', 'answered');
      expect(answered.answer?.text).toBe(text);
      expect(answered.postponements).toHaveLength(1);
      expect(answered.answer!.files.length).toBeGreaterThanOrEqual(1);
      const read = await Promise.all(answered.answer!.files.map((ref) => h.adapter.readFile(ref)));
      const answerFile = read.find((file) => file.data.equals(pdf));
      expect(answerFile, 'an answer file with the PDF bytes').toBeDefined();
      expect(answerFile!.name).toMatch(/\.pdf$/i);
    });

    it.runIf(capabilities.reportsManager)('reports the manager a record was assigned with', async () => {
      const appeal = sampleAppeal();
      const { result } = await registerDurably(appeal);
      await h.control.assign(result.edmsId, EXECUTOR, MANAGER);
      const inWork = await progressOf(appeal.id, (p) => p.state === 'in_work', 'in_work');
      expect(inWork.manager).toMatchObject({ surname: MANAGER.surname, name: MANAGER.name });
    });

    it.runIf(capabilities.postponementReasons)('keeps the reason given with each postponement', async () => {
      const appeal = sampleAppeal();
      const { result } = await registerDurably(appeal);
      const reasons = ['Запрошены документы у управляющей компании', 'Выезд на место назначен на следующую неделю'];
      await h.control.postpone(result.edmsId, '2030-05-20T12:00:00.000Z', reasons[0]!);
      await progressOf(appeal.id, (p) => p.postponements.length === 1, 'one postponement');
      await h.control.postpone(result.edmsId, '2030-06-10T12:00:00.000Z', reasons[1]!);
      const postponed = await progressOf(appeal.id, (p) => p.postponements.length === 2, 'two postponements');
      expect(postponed.postponements.map((p) => p.reason)).toEqual(reasons);
    });

    it('reports a forwarded record with where it went', async () => {
      const appeal = sampleAppeal();
      const { result } = await registerDurably(appeal);
      const to = 'Министерство транспорта и автомобильных дорог Пермского края';
      await h.control.forward(result.edmsId, to);
      const progress = await progressOf(appeal.id, (p) => p.state === 'forwarded', 'forwarded');
      expect(progress.forwardedTo).toBe(to);
    });

    it('reports a rejected record with the reason', async () => {
      const appeal = sampleAppeal();
      const { result } = await registerDurably(appeal);
      const reason = 'Обращение не содержит сути предложения, заявления или жалобы (ст. 11 59-ФЗ)';
      await h.control.reject(result.edmsId, reason);
      const progress = await progressOf(appeal.id, (p) => p.state === 'rejected', 'rejected');
      expect(progress.rejection?.reason).toBe(reason);
    });

    it('reads the progress of several records in one call and leaves unknown ids out', async () => {
      const appeals = [sampleAppeal(), sampleAppeal(), sampleAppeal()];
      const ids = new Map<number, string>();
      for (const appeal of appeals) ids.set(appeal.id, (await registerDurably(appeal)).result.edmsId);
      const unknown = nextPosId();
      const progress = await h.adapter.readProgress([appeals[0]!.id, unknown, appeals[1]!.id, appeals[2]!.id]);
      expect(progress.map((p) => p.posId).sort()).toEqual(appeals.map((a) => a.id).sort());
      for (const p of progress) {
        expect(p.edmsId).toBe(ids.get(p.posId));
        expect(p.state).toBe('registered');
      }
      expect(await h.adapter.readProgress([])).toEqual([]);
    });

    it('lists changed records in batches: every record once, advancing checkpoints, later changes after the last one', async () => {
      const appeals = Array.from({ length: 5 }, () => sampleAppeal());
      const edmsIds = new Map<number, string>();
      for (const appeal of appeals) edmsIds.set(appeal.id, (await registerDurably(appeal)).result.edmsId);

      const first = await drainChanges(null, 2);
      for (const appeal of appeals) expect(occurrences(first.items, appeal.id), `posId ${appeal.id}`).toBe(1);

      const idle = await h.adapter.listChanged(first.checkpoint, 2);
      expect(idle.items).toEqual([]);
      expect(idle.done).toBe(true);

      const touched = appeals[2]!;
      await h.control.assign(edmsIds.get(touched.id)!, EXECUTOR);
      const later = await eventually(
        () => drainChanges(first.checkpoint, 2),
        (batch) => batch.items.some((item) => item.posId === touched.id && item.state === 'in_work'),
        'the assignment to show up in listChanged',
      );
      for (const appeal of appeals) expect(occurrences(later.items, appeal.id)).toBe(appeal === touched ? 1 : 0);

      const afterwards = await h.adapter.listChanged(later.checkpoint, 2);
      expect(afterwards.items).toEqual([]);
      expect(afterwards.done).toBe(true);
    });

    it('keeps a 60,000-character appeal text whole', async () => {
      const appeal = sampleAppeal({ description: longText(60_000) });
      expect(appeal.description).toHaveLength(60_000);
      const { result } = await registerDurably(appeal);
      expect(holdsText(await h.control.inspect(result.edmsId), appeal.description)).toBe(true);
    });

    // The bridge's first attempt says firstAttempt: true; every retry after a failure may follow an
    // interrupted write, so it says false or nothing, and the adapter must search for what the write left.
    it.runIf(capabilities.lostWriteResponse && capabilities.countsRecords).each([
      { retry: 'firstAttempt false', firstAttempt: false },
      { retry: 'firstAttempt absent', firstAttempt: undefined },
    ])('a response lost after the write committed does not produce a second record (retries with $retry)', async ({ firstAttempt }) => {
      const appeal = sampleAppeal();
      const files = sampleFiles(appeal.id);
      await declared(h.loseNextWriteResponse, 'lostWriteResponse').call(h);
      let result: RegistrationResult | undefined;
      let failures = 0;
      for (let attempt = 0; attempt < 5 && !result; attempt += 1) {
        try {
          result = await register(appeal, files, attempt === 0 ? true : firstAttempt);
        } catch {
          failures += 1;
        }
      }
      expect(failures, 'the lost response surfaced as a failure').toBeGreaterThanOrEqual(1);
      expect(result).toBeDefined();
      await h.control.registerNow(result!.edmsId);
      expect(await h.adapter.findByPosId(appeal.id)).toMatchObject({ edmsId: result!.edmsId, durable: true });
      const { items } = await drainChanges(null, 100);
      expect(occurrences(items, appeal.id)).toBe(1);
      expect(await countRecords()).toBe(1);
      const inspected = await h.control.inspect(result!.edmsId);
      for (const file of files) expect(holdsBytes(inspected, file.data)).toBe(true);
    });

    it('ping answers while the EDMS is reachable', async () => {
      await expect(h.adapter.ping()).resolves.toBeUndefined();
      await registerDurably(sampleAppeal());
      await expect(h.adapter.ping()).resolves.toBeUndefined();
    });

    it.runIf(capabilities.unreachable)('ping fails with TRANSIENT (retryable) while the EDMS cannot be reached', async () => {
      await h.adapter.ping();
      await declared(h.makeUnreachable, 'unreachable').call(h);
      const error = await failureOf(h.adapter.ping());
      expect(error).toMatchObject({ code: 'TRANSIENT', retryable: true });
    });

    it.runIf(capabilities.credentials)('ping fails with AUTH_FAILED (not retryable) when the EDMS refuses the credentials', async () => {
      const refused = declared(h.adapterWithWrongCredentials, 'credentials').call(h);
      try {
        const error = await failureOf(refused.ping());
        expect(error).toMatchObject({ code: 'AUTH_FAILED', retryable: false });
        expect(error.message, 'the password is never echoed').not.toContain('bridge-secret');
      } finally {
        await refused.close();
      }
    });

    it("close may be called again, and after a case's work as well as before any", async () => {
      await registerDurably(sampleAppeal());
      await h.adapter.close();
      await expect(h.adapter.close()).resolves.toBeUndefined();
      const fresh = await makeHarness();
      try {
        await expect(fresh.adapter.close()).resolves.toBeUndefined();
        await expect(fresh.adapter.close()).resolves.toBeUndefined();
      } finally {
        await fresh.close();
      }
    });

    it.runIf(capabilities.openConnections)('close releases every connection to the EDMS', async () => {
      const openConnections = () => declared(h.openConnections, 'openConnections').call(h);
      await registerDurably(sampleAppeal());
      expect(await openConnections(), 'kept-alive connections before close').toBeGreaterThan(0);
      await h.adapter.close();
      await eventually(openConnections, (open) => open === 0, 'every connection closed');
      await h.adapter.close();
    });

    /** The declarations of readable directories (only called inside the cases that need them). */
    const readableInstallation = () => {
      if (installation.directories !== 'readable') throw new Error('the installation does not declare readable directories');
      return installation;
    };
    const unreadableInstallation = () => {
      if (installation.directories !== 'unreadable') throw new Error('the installation does not declare unreadable directories');
      return installation;
    };

    describe.runIf(installation.directories === 'readable')('directories readable', () => {
      it('lists every directory of the installation', async () => {
        for (const kind of DIRECTORY_KINDS) {
          expect(await h.adapter.listDirectory(kind), kind).toMatchObject({
            available: true,
            directory: expect.stringMatching(/\S/),
            entries: expect.arrayContaining([expect.objectContaining({ id: expect.any(Number), name: expect.any(String) })]),
          });
        }
      });

      it("writes directory references as links to the installation's own entries", async () => {
        const appeal = sampleAppeal();
        const { result } = await registerDurably(appeal);
        expect(await declared(h.linksOf, 'directories: readable').call(h, result.edmsId)).toMatchObject(
          readableInstallation().expectedLinks,
        );
      });

      it('sets an appeal with a reference the installation lacks aside before writing anything', async () => {
        const appeal = sampleAppeal();
        const unknown = readableInstallation().withUnknownReference(h.recordFor(appeal));
        const attempt = h.adapter.register({
          posId: appeal.id,
          record: h.adapter.recordSchema.parse(unknown.record),
          files: sampleFiles(appeal.id),
        });
        const error = (await attempt.catch((caught: unknown) => caught)) as { code?: string; retryable?: boolean; message: string };
        expect(error.code).toBe('EDMS_REFERENCE_UNKNOWN');
        expect(error.retryable).toBe(false);
        expect(error.message).toContain(unknown.field);
        expect(error.message).toContain(unknown.directoryName);
        expect(error.message, 'a value from the appeal is never echoed').not.toContain(unknown.value);
        expect(await h.adapter.findByPosId(appeal.id)).toBeNull();
        expect(await countRecords()).toBe(0);
      });

      it('points the pre-flight at the lines that hold the missing values', async () => {
        const readable = readableInstallation();
        const report = await checkMappingAgainstEdms(readable.preflight.source, 'mapping.yaml', h.adapter);
        expect(report.problems.map(({ line, column }) => ({ line, column }))).toEqual(
          readable.preflight.problems.map(({ line, column }) => ({ line, column })),
        );
        readable.preflight.problems.forEach((expected, index) => expect(report.problems[index]!.message).toContain(expected.includes));
      });

      it('never sends a property the installation does not declare, and reports it', async () => {
        const readable = readableInstallation();
        const undeclared = await h.adapter.undeclaredFields([readable.undeclaredField, 'Subject']);
        expect(undeclared).toMatchObject({ available: true, undeclared: [{ field: readable.undeclaredField }] });
        const appeal = sampleAppeal();
        // The emulator refuses an undeclared property with 400, as OData v4 does: registering proves it was left out.
        const { result } = await registerDurably(appeal);
        expect(result.created).toBe(true);
      });
    });

    describe.runIf(installation.directories === 'unreadable')('directories unreadable', () => {
      it('declares that its directories cannot be read, and says what checks them', async () => {
        for (const kind of DIRECTORY_KINDS) {
          expect(await h.adapter.listDirectory(kind)).toEqual({
            available: false,
            reason: expect.stringMatching(unreadableInstallation().reason),
          });
        }
        expect(h.adapter.referenceFields).toEqual([]);
        expect(await h.adapter.checkReferences([])).toEqual([]);
        expect(await h.adapter.undeclaredFields(['Annotation'])).toMatchObject({ available: false });
      });

      it('its pre-flight finds nothing to resolve and says why', async () => {
        const report = await checkMappingAgainstEdms('target: delo\nfields:\n  Annotation: description\n', 'mapping.yaml', h.adapter);
        expect(report.problems).toEqual([]);
        expect(report.notes.join('\n')).toMatch(unreadableInstallation().reason);
      });
    });
  });
}
