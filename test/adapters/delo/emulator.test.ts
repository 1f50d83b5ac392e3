// The «Дело» emulator as a product: refuses bad packages with Failure, registers on command,
// injects faults the reader must survive, serves its control API over HTTP, and carries on after
// a restart with the same cards and numbering.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import {
  DeloControlClient,
  startDeloEmulator,
  type DeloInspection,
  type RunningDeloEmulator,
} from '../../../adapters/delo/emulator/index.js';
import { FolderTransport } from '../../../adapters/delo/folder/transport.js';
import { messageIdFor } from '../../../adapters/delo/sev/ids.js';
import type { OutgoingPackage } from '../../../adapters/delo/transport.js';
import type { PollCounts } from '../../../adapters/delo/transport.js';
import { deloDirs, sampleRecord, sleep, waitFor, type DeloDirs } from './helpers.js';

let dirs: DeloDirs;
let emulator: RunningDeloEmulator;
let adapter: DeloAdapter;
const options = (extra: Partial<DeloAdapterOptions> = {}): DeloAdapterOptions => ({
  outboxDir: dirs.outboxDir,
  inboxDir: dirs.inboxDir,
  stateDir: dirs.stateDir,
  partialGraceMs: 300,
  ...extra,
});
const start = (extra: Partial<Parameters<typeof startDeloEmulator>[0]> = {}) =>
  startDeloEmulator({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, archiveDir: dirs.archiveDir, pollMs: 30, ...extra });
const register = (posId: number, a = adapter) =>
  a.register({
    posId,
    record: sampleRecord(),
    files: [{ name: 'скан.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') }],
  });
const progress = async (posId: number) => (await adapter.readProgress([posId]))[0];

beforeEach(async () => {
  dirs = await deloDirs('emulator');
  adapter = new DeloAdapter(options());
});
afterEach(async () => {
  await adapter.close();
  await emulator?.stop();
  await dirs.remove();
});

/** Lets a test spoil the package on its way to the outbox. */
class SpoilingTransport extends FolderTransport {
  constructor(
    dirsOf: DeloDirs,
    private readonly spoil: (pkg: OutgoingPackage) => OutgoingPackage,
  ) {
    super({ outboxDir: dirsOf.outboxDir, inboxDir: dirsOf.inboxDir });
  }
  override deliver(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void> {
    return super.deliver(this.spoil(pkg), beforeCommit);
  }
}

describe('intake', () => {
  it('refuses an invalid package with Failure: the bridge sees the reason and register stops retrying', async () => {
    emulator = await start();
    const spoilers: [number, (pkg: OutgoingPackage) => OutgoingPackage, RegExp][] = [
      [71, (pkg) => ({ ...pkg, docInfoXml: pkg.docInfoXml.replace(/<Annotation>[\s\S]*?<\/Annotation>/, '') }), /Annotation/],
      [72, (pkg) => ({ ...pkg, files: pkg.files.map((f) => ({ ...f, data: f.data.subarray(1) })) }), /bytes, File@Size says/],
      [
        73,
        (pkg) => ({ ...pkg, docInfoXml: pkg.docInfoXml.replace(/MessageID="[^"]+"/, `MessageID="${messageIdFor(1)}"`) }),
        /differs from the folder name/,
      ],
    ];
    for (const [posId, spoil, reason] of spoilers) {
      const spoiled = new DeloAdapter(options({ transport: new SpoilingTransport(dirs, spoil) }));
      expect(await register(posId, spoiled)).toMatchObject({ created: true, durable: false });
      const rejected = await waitFor(
        () => progress(posId),
        (p) => p?.state === 'rejected',
      );
      expect(rejected!.rejection!.reason).toMatch(reason);
      expect(await adapter.findByPosId(posId)).toMatchObject({ durable: false });
      await expect(register(posId)).rejects.toMatchObject({ code: 'EDMS_REJECTED', retryable: false });
      await expect(emulator.control.registerNow(messageIdFor(posId))).rejects.toMatchObject({ code: 'EDMS_REJECTED' });
    }
  });

  it('refusePackages answers Failure for a valid package; with autoRegister off only registerNow registers', async () => {
    emulator = await start({ autoRegister: false, faults: { refusePackages: 1 } });
    await register(74);
    expect(
      await waitFor(
        () => progress(74),
        (p) => p?.state === 'rejected',
      ),
    ).toMatchObject({ rejection: { reason: 'Пакет не принят к регистрации' } });
    await register(75);
    await waitFor(
      () => progress(75),
      (p) => p?.state === 'received',
    );
    await sleep(150);
    expect(await adapter.findByPosId(75)).toMatchObject({ durable: false });
    const registration = await emulator.control.registerNow(messageIdFor(75));
    expect(registration.number).toMatch(/^ОГ-\d+\/\d{2}$/);
    expect(
      await waitFor(
        () => adapter.findByPosId(75),
        (r) => r?.durable === true,
      ),
    ).toMatchObject({ registration });
  });

  it('registrationWaitMs lets register answer durable once «Дело» registered it in time', async () => {
    emulator = await start();
    const waiting = new DeloAdapter(options({ registrationWaitMs: 5_000 }));
    const result = await register(78, waiting);
    expect(result).toMatchObject({ created: true, durable: true, registration: { number: expect.stringMatching(/^ОГ-/) } });
  });

  it('slow pickup leaves the package in the outbox until its time; registerNow does not wait for it', async () => {
    // Two package writes are fsync-bound: the delay leaves them ample time on a loaded machine.
    emulator = await start({ pollMs: 10_000, faults: { pickupDelayMs: 2_000 } });
    await register(76);
    await register(77);
    expect(await emulator.pollOnce()).toBe(0);
    expect((await readdir(dirs.outboxDir)).sort()).toEqual([messageIdFor(76), messageIdFor(77)].sort());
    await emulator.control.registerNow(messageIdFor(77));
    expect(await readdir(dirs.outboxDir)).toEqual([messageIdFor(76)]);
    await sleep(2_050);
    expect(await emulator.pollOnce()).toBe(1);
    // Picked up at last and registered by the emulator's own poll: a number of its own.
    expect(
      await waitFor(
        () => adapter.findByPosId(76),
        (r) => r?.durable === true,
      ),
    ).toMatchObject({
      posId: 76,
      edmsId: messageIdFor(76),
      registration: { number: expect.stringMatching(/^ОГ-\d+\/\d{2}$/) },
    });
  });
});

describe('faults the reader must survive', () => {
  it("duplicate, half-written, malformed and strangers' Reports: each real one applied once, the rest quarantined", async () => {
    emulator = await start({
      faults: { duplicateReports: 2, truncatedReports: 2, truncatedForMs: 200, malformedReports: 1, unknownInitialDocReports: 1 },
    });
    for (const posId of [81, 82, 83]) await register(posId);
    await emulator.control.assign(messageIdFor(81), { surname: 'Петрова', name: 'Анна' });
    // Every poll (register and readProgress poll too) is counted on disk: processed and quarantined files.
    const quarantined = async () => (await readdir(dirs.quarantineDir)).filter((n) => n.endsWith('.reason.txt')).length;
    await waitFor(
      async () => ({ items: await adapter.readProgress([81, 82, 83]), quarantined: await quarantined() }),
      ({ items, quarantined: q }) =>
        items.length === 3 && items.every((p) => p.state === (p.posId === 81 ? 'in_work' : 'registered')) && q === 2,
    );
    await sleep(350);
    const last: PollCounts = await adapter.pollInbox();
    expect(last).toEqual({ applied: 0, duplicates: 0, quarantined: 0, deferred: 0 });
    expect((await readdir(dirs.processedDir)).filter((n) => n.startsWith('Report-'))).toHaveLength(7 + 2);
    const reasons = await Promise.all(
      (await readdir(dirs.quarantineDir))
        .filter((n) => n.endsWith('.reason.txt'))
        .map((n) => readFile(join(dirs.quarantineDir, n), 'utf8')),
    );
    expect(reasons.sort()).toEqual([
      expect.stringMatching(/^invalid Report: not well-formed XML/),
      expect.stringMatching(/^unknown InitialDoc/),
    ]);
    expect(await readdir(dirs.inboxDir)).toEqual([]);
    for (const posId of [81, 82, 83]) expect((await adapter.store.read(posId))!.events).toHaveLength(posId === 81 ? 3 : 2);
  });
});

describe('HTTP control API', () => {
  it('drives a card through its life with DeloControlClient and shows it', async () => {
    emulator = await start({ port: 0 });
    const client = new DeloControlClient(emulator.url!);
    await register(91);
    const edmsId = messageIdFor(91);
    const registration = await client.registerNow(edmsId);
    await client.assign(edmsId, { surname: 'Петрова', name: 'Анна', patronymic: 'Сергеевна', email: 'p@adm.ru' }, { surname: 'Смирнов' });
    await client.postpone(edmsId, '2030-01-15', 'Нужна экспертиза');
    await client.forward(edmsId, 'Минприроды');
    await client.answer(edmsId, { text: 'Ответ по существу', resolution: 'Explained' });
    const answered = await waitFor(
      () => progress(91),
      (p) => p?.state === 'answered',
    );
    expect(answered).toMatchObject({
      registration,
      executor: { surname: 'Петрова', email: 'p@adm.ru' },
      manager: { surname: 'Смирнов' },
      forwardedTo: 'Минприроды',
      postponements: [{ until: '2030-01-15', reason: 'Нужна экспертиза' }],
      answer: { text: 'Ответ по существу', resolution: 'Explained' },
    });
    const pdf = await adapter.readFile(answered!.answer!.files[0]!);
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.data.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.data.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);

    const shown = (await client.inspect(edmsId)) as {
      card: { state: string; number: string; reports: unknown[] };
      files: { name: string; data: string }[];
    };
    expect(shown.card).toMatchObject({ state: 'answered', number: registration.number });
    expect(shown.card.reports).toHaveLength(6);
    expect(shown.files).toEqual([expect.objectContaining({ name: 'скан.pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64') })]);

    await client.setFaults({ duplicateReports: 1 });
    expect(emulator.faults.duplicateReports).toBe(1);
    await expect(client.setFaults({ duplicateReports: -1 })).rejects.toThrow(/HTTP 400/);
    await expect(client.reject(messageIdFor(999), 'нет такого')).rejects.toThrow(/HTTP 404/);
  });
});

describe('restart', () => {
  it('a restarted emulator keeps its cards and continues the numbering', async () => {
    emulator = await start();
    await register(95);
    const first = await emulator.control.registerNow(messageIdFor(95));
    await emulator.stop();
    emulator = await start();
    await register(96);
    const second = await emulator.control.registerNow(messageIdFor(96));
    const n = (number: string) => Number(/ОГ-(\d+)\//.exec(number)![1]);
    expect(n(second.number)).toBe(n(first.number) + 1);
    const inspected = (await emulator.control.inspect(messageIdFor(95))) as DeloInspection;
    expect(inspected.card).toMatchObject({ number: first.number, posId: 95, state: 'registered' });
    expect(inspected.docInfoXml).toContain('POS_ID');
  });
});
