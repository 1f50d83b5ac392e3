// The «Дело» inbox reader: every Report kind, duplicates, partial files, quarantine, unknown
// packages, racing readers and stale claims — always checked through the adapter's own answers
// (findByPosId, readProgress, listChanged, readFile) and the files left on disk.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, utimes, writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { buildAnswerDocInfo } from '../../../adapters/delo/sev/docinfo.js';
import { documentIdFor, messageIdFor, uuidV5 } from '../../../adapters/delo/sev/ids.js';
import { buildReportXml, type ReportNotification } from '../../../adapters/delo/sev/report.js';
import { deloDirs, sampleRecord, sleep, type DeloDirs } from './helpers.js';

const party = { organization: 'Канцелярия', system: 'ЭОС «Дело»' };
const bridge = { organization: 'ПОС', system: 'pos-bridge' };

let dirs: DeloDirs;
let adapter: DeloAdapter;
const options = (extra: Partial<DeloAdapterOptions> = {}): DeloAdapterOptions => ({
  outboxDir: dirs.outboxDir,
  inboxDir: dirs.inboxDir,
  stateDir: dirs.stateDir,
  partialGraceMs: 400,
  ...extra,
});

function reportXml(
  posId: number,
  notification: ReportNotification,
  extra: { time?: string; messageId?: string; initial?: string } = {},
): string {
  return buildReportXml({
    messageId: extra.messageId ?? randomUUID(),
    initialMessageId: extra.initial ?? messageIdFor(posId),
    time: extra.time ?? new Date().toISOString(),
    notification,
    sender: party,
    recipient: bridge,
  });
}

async function drop(xml: string, name = `Report-${randomUUID()}.xml`): Promise<string> {
  await writeFile(join(dirs.inboxDir, name), xml);
  return name;
}

const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
const progress = async (posId: number) => (await adapter.readProgress([posId]))[0];

async function registerPackage(posId: number): Promise<void> {
  await adapter.register({ posId, record: sampleRecord(), files: [] });
}

async function dropAnswer(posId: number, text: string, file: { name: string; data: Buffer }): Promise<string> {
  const documentId = randomUUID();
  const xml = buildAnswerDocInfo({
    messageId: documentId,
    documentId,
    time: new Date(),
    initialMessageId: messageIdFor(posId),
    initialDocumentId: documentIdFor(posId),
    number: 'Исх-7/25',
    date: '2025-04-01T10:00:00.000Z',
    text,
    resolution: 'Supported',
    files: [
      { resourceId: uuidV5('f', documentId), uniqueName: 'file-001.pdf', description: file.name, extension: 'pdf', size: file.data.length },
    ],
    sender: party,
    recipient: bridge,
  });
  const folder = join(dirs.inboxDir, documentId);
  await mkdir(folder);
  await writeFile(join(folder, 'file-001.pdf'), file.data);
  await writeFile(join(folder, 'DocInfo.xml'), xml);
  return documentId;
}

beforeEach(async () => {
  dirs = await deloDirs('reader');
  adapter = new DeloAdapter(options());
});
afterEach(async () => {
  await adapter.close();
  await dirs.remove();
});

describe('Report kinds', () => {
  it('moves an appeal through every kind and keeps each Report in processed', async () => {
    await registerPackage(11);
    const t = (s: number) => new Date(Date.UTC(2025, 3, 1, 10, 0, s)).toISOString();
    await drop(reportXml(11, { kind: 'reception' }, { time: t(1) }));
    expect(await adapter.pollInbox()).toEqual({ applied: 1, duplicates: 0, quarantined: 0, deferred: 0 });
    expect(await progress(11)).toMatchObject({ state: 'received', edmsId: messageIdFor(11) });
    expect(await adapter.findByPosId(11)).toMatchObject({ durable: false });

    await drop(
      reportXml(
        11,
        { kind: 'registration', documentId: documentIdFor(11), number: 'ОГ-101/25', date: '2025-04-01T10:00:02.000Z' },
        { time: t(2) },
      ),
    );
    expect(await adapter.findByPosId(11)).toEqual({
      posId: 11,
      edmsId: messageIdFor(11),
      durable: true,
      created: false,
      registration: { number: 'ОГ-101/25', date: '2025-04-01T10:00:02.000Z' },
    });
    expect(await progress(11)).toMatchObject({ state: 'registered', registration: { number: 'ОГ-101/25' }, updatedAt: t(2) });

    const executor = { surname: 'Петрова', name: 'Анна', patronymic: 'Сергеевна', email: 'petrova@adm.ru', phone: '+7 342 200-10-20' };
    await drop(reportXml(11, { kind: 'consideration', executor, manager: { surname: 'Смирнов', name: 'Олег' } }, { time: t(3) }));
    expect(await progress(11)).toMatchObject({ state: 'in_work', executor, manager: { surname: 'Смирнов', name: 'Олег' } });

    await drop(reportXml(11, { kind: 'consideration', deadline: '2025-05-20', comment: 'Запрос в подрядную организацию' }, { time: t(4) }));
    expect(await progress(11)).toMatchObject({
      state: 'postponed',
      executor,
      postponements: [{ until: '2025-05-20', reason: 'Запрос в подрядную организацию' }],
    });

    await drop(reportXml(11, { kind: 'forwarding', to: 'Министерство транспорта', redirection: false }, { time: t(5) }));
    expect(await progress(11)).toMatchObject({ state: 'forwarded', forwardedTo: 'Министерство транспорта' });
    await drop(reportXml(11, { kind: 'forwarding', to: 'Прокуратура', redirection: true }, { time: t(6) }));
    expect(await progress(11)).toMatchObject({ state: 'forwarded', forwardedTo: 'Прокуратура' });

    const pdf = Buffer.from('%PDF-1.4\nответ\n%%EOF\n');
    const answerId = await dropAnswer(11, 'Уважаемая Мария Ивановна! Двор убран.', { name: 'Ответ заявителю.pdf', data: pdf });
    await drop(reportXml(11, { kind: 'answer', documentId: answerId, date: '2025-04-01T10:00:07.000Z' }, { time: t(7) }));
    const answered = await progress(11);
    expect(answered).toMatchObject({
      state: 'answered',
      answer: {
        text: 'Уважаемая Мария Ивановна! Двор убран.',
        resolution: 'Supported',
        outgoingNumber: 'Исх-7/25',
        outgoingDate: '2025-04-01T10:00:00.000Z',
      },
      postponements: [{ until: '2025-05-20' }],
    });
    expect(answered!.answer!.files).toHaveLength(1);
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect(await list(dirs.processedDir)).toContain(answerId);
    const read = await adapter.readFile(answered!.answer!.files[0]!);
    expect(read).toMatchObject({ name: 'Ответ заявителю.pdf', contentType: 'application/pdf' });
    expect(read.data.equals(pdf)).toBe(true);

    await drop(reportXml(11, { kind: 'failure', code: 'DECLINED', text: 'Отозвано заявителем' }, { time: t(8) }));
    expect(await progress(11)).toMatchObject({
      state: 'rejected',
      rejection: { reason: 'Отозвано заявителем' },
      registration: { number: 'ОГ-101/25' },
    });
    expect(await adapter.findByPosId(11)).toMatchObject({ durable: true });
    expect((await list(dirs.processedDir)).filter((n) => n.startsWith('Report-'))).toHaveLength(8);
    await expect(adapter.readFile({ ref: '../../etc/passwd', name: 'x', contentType: 'text/plain' })).rejects.toMatchObject({
      code: 'PERMANENT',
    });
  });

  it('a Failure before registration keeps the result non-durable and is visible', async () => {
    await registerPackage(12);
    await drop(reportXml(12, { kind: 'reception' }));
    await drop(
      reportXml(
        12,
        { kind: 'failure', code: 'INVALID_PACKAGE', text: 'Пакет не прошёл проверку' },
        { time: new Date(Date.now() + 5).toISOString() },
      ),
    );
    expect(await adapter.findByPosId(12)).toEqual({ posId: 12, edmsId: messageIdFor(12), durable: false, created: false });
    expect(await progress(12)).toMatchObject({ state: 'rejected', rejection: { reason: 'Пакет не прошёл проверку' } });
    await expect(adapter.register({ posId: 12, record: sampleRecord(), files: [] })).rejects.toMatchObject({
      code: 'EDMS_REJECTED',
      retryable: false,
      posId: 12,
      details: { code: 'INVALID_PACKAGE' },
    });
    const written = new DeloAdapter(options({ durableWhen: 'written' }));
    expect(await written.register({ posId: 12, record: sampleRecord(), files: [] })).toMatchObject({ durable: true, created: false });
  });

  it('orders facts by the Report time, not by arrival', async () => {
    await registerPackage(13);
    await drop(reportXml(13, { kind: 'registration', number: 'ОГ-5/25', date: '2025-04-01' }, { time: '2025-04-01T10:00:02Z' }));
    await adapter.pollInbox();
    await drop(reportXml(13, { kind: 'reception' }, { time: '2025-04-01T10:00:01Z' }));
    await adapter.pollInbox();
    expect(await progress(13)).toMatchObject({ state: 'registered', registration: { number: 'ОГ-5/25' } });
  });
});

describe('duplicates', () => {
  it('applies a Report once whether it comes twice, under a new MessageID, or after a crash before the move', async () => {
    await registerPackage(21);
    const xml = reportXml(21, { kind: 'registration', number: 'ОГ-9/25', date: '2025-04-01' });
    await drop(xml);
    await drop(xml);
    const time = new Date().toISOString();
    await drop(reportXml(21, { kind: 'forwarding', to: 'Минстрой', redirection: false }, { time }));
    await drop(reportXml(21, { kind: 'forwarding', to: 'Минстрой', redirection: false }, { time }));
    expect(await adapter.pollInbox()).toEqual({ applied: 2, duplicates: 2, quarantined: 0, deferred: 0 });

    // A reader died after applying but before moving: the file comes back as a stale claim.
    const processed = (await list(dirs.processedDir)).filter((n) => n.startsWith('Report-'));
    await copyFile(
      join(dirs.processedDir, processed[0]!),
      join(dirs.inboxDir, `.claimed-1.deadbeef-${(Date.now() - 3_600_000).toString(36)}-${processed[0]}`),
    );
    expect(await adapter.pollInbox()).toEqual({ applied: 0, duplicates: 1, quarantined: 0, deferred: 0 });

    const changes = await adapter.listChanged(null, 100);
    expect(changes.items).toHaveLength(1);
    const state = await adapter.store.read(21);
    expect(state!.events.map((e) => e.notification.kind).sort()).toEqual(['forwarding', 'registration']);
  });

  it('keeps two different postponements and a re-assignment back to an earlier executor', async () => {
    await registerPackage(22);
    const a = { surname: 'Ан' },
      b = { surname: 'Бе' };
    const at = (s: number) => new Date(Date.UTC(2025, 3, 1, 10, 0, s)).toISOString();
    await drop(reportXml(22, { kind: 'consideration', executor: a }, { time: at(1) }));
    await drop(reportXml(22, { kind: 'consideration', executor: b }, { time: at(2) }));
    await drop(reportXml(22, { kind: 'consideration', executor: a }, { time: at(3) }));
    await drop(reportXml(22, { kind: 'consideration', deadline: '2025-05-01', comment: 'x' }, { time: at(4) }));
    await drop(reportXml(22, { kind: 'consideration', deadline: '2025-06-01', comment: 'y' }, { time: at(5) }));
    await adapter.pollInbox();
    expect(await progress(22)).toMatchObject({
      state: 'postponed',
      executor: a,
      postponements: [{ until: '2025-05-01' }, { until: '2025-06-01' }],
    });
  });
  it('a re-assignment arriving before the assignment it replaced still wins by time', async () => {
    await registerPackage(23);
    const a = { surname: 'Ан' },
      b = { surname: 'Бе' };
    const at = (s: number) => new Date(Date.UTC(2025, 3, 1, 10, 0, s)).toISOString();
    for (const [executor, second] of [
      [a, 1],
      [a, 3],
      [b, 2],
    ] as const) {
      await drop(reportXml(23, { kind: 'consideration', executor }, { time: at(second) }));
      await adapter.pollInbox();
    }
    expect(await progress(23)).toMatchObject({ state: 'in_work', executor: a });
    expect((await adapter.store.read(23))!.events).toHaveLength(3);
  });
});

describe('partial, malformed and unknown files', () => {
  it('leaves a file still being written for the next poll, then applies it', async () => {
    await registerPackage(31);
    const xml = reportXml(31, { kind: 'registration', number: 'ОГ-1/25', date: '2025-04-01' });
    const name = await drop(xml.slice(0, 200));
    await drop(xml, 'Report-next.xml.part');
    await drop(xml, '.Report-hidden.xml');
    expect(await adapter.pollInbox()).toEqual({ applied: 0, duplicates: 0, quarantined: 0, deferred: 3 });
    expect((await list(dirs.inboxDir)).sort()).toEqual(['.Report-hidden.xml', name, 'Report-next.xml.part'].sort());
    await writeFile(join(dirs.inboxDir, name), xml);
    expect(await adapter.pollInbox()).toMatchObject({ applied: 1, quarantined: 0 });
    expect(await adapter.findByPosId(31)).toMatchObject({ durable: true, registration: { number: 'ОГ-1/25' } });
  });

  it('quarantines malformed, invalid and unexpected files with a reason, never losing one', async () => {
    await registerPackage(32);
    const garbage = await drop('<?xml version="1.0"?><Report><Header MessageID=');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dirs.inboxDir, garbage), old, old);
    const invalid = await drop(reportXml(32, { kind: 'reception' }).replace('MessageType="Report"', 'MessageType="Receipt"'));
    const mismatched = await drop(reportXml(32, { kind: 'reception' }).replace(/ReturnID="[^"]+"/, `ReturnID="${randomUUID()}"`));
    await drop('hello', 'notes.txt');
    const freshGarbage = await drop('not xml at all');
    expect(await adapter.pollInbox()).toEqual({ applied: 0, duplicates: 0, quarantined: 4, deferred: 1 });
    await sleep(450);
    expect(await adapter.pollInbox()).toEqual({ applied: 0, duplicates: 0, quarantined: 1, deferred: 0 });
    const quarantined = await list(dirs.quarantineDir);
    for (const name of [garbage, invalid, mismatched, 'notes.txt', freshGarbage]) {
      expect(quarantined).toContain(name);
      expect(quarantined).toContain(`${name}.reason.txt`);
    }
    expect(await readFile(join(dirs.quarantineDir, `${garbage}.reason.txt`), 'utf8')).toMatch(/not well-formed/);
    expect(await readFile(join(dirs.quarantineDir, `${invalid}.reason.txt`), 'utf8')).toMatch(/MessageType/);
    expect(await readFile(join(dirs.quarantineDir, `${mismatched}.reason.txt`), 'utf8')).toMatch(/ReturnID/);
    expect(await readFile(join(dirs.quarantineDir, 'notes.txt.reason.txt'), 'utf8')).toMatch(/unexpected file/);
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect(await progress(32)).toMatchObject({ state: 'received', postponements: [] });
  });

  it('quarantines a Report about a package this bridge never sent at once, and an answer whose package is missing after the grace', async () => {
    await registerPackage(33);
    const stranger = await drop(reportXml(0, { kind: 'reception' }, { initial: randomUUID() }));
    const lost = await drop(reportXml(33, { kind: 'answer', documentId: randomUUID() }));
    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, quarantined: 1, deferred: 1 });
    expect(await readFile(join(dirs.quarantineDir, `${stranger}.reason.txt`), 'utf8')).toMatch(/unknown InitialDoc/);
    const impatient = new DeloAdapter(options({ answerGraceMs: 0 }));
    expect(await impatient.pollInbox()).toMatchObject({ applied: 0, quarantined: 1, deferred: 0 });
    expect(await readFile(join(dirs.quarantineDir, `${lost}.reason.txt`), 'utf8')).toMatch(/answer package .* not found/);
  });

  it('waits for an answer package still being written', async () => {
    await registerPackage(34);
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const answerId = await dropAnswer(34, 'Ответ', { name: 'a.pdf', data: pdf });
    await rename(join(dirs.inboxDir, answerId), join(dirs.inboxDir, `.tmp-${answerId}`));
    await drop(reportXml(34, { kind: 'answer', documentId: answerId }));
    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, deferred: 1 });
    await rename(join(dirs.inboxDir, `.tmp-${answerId}`), join(dirs.inboxDir, answerId));
    expect(await adapter.pollInbox()).toMatchObject({ applied: 1 });
    expect(await progress(34)).toMatchObject({ state: 'answered', answer: { text: 'Ответ' } });
  });
});

describe('several readers', () => {
  it('two readers racing on one inbox apply each Report exactly once', async () => {
    const other = new DeloAdapter(options());
    const posIds = Array.from({ length: 10 }, (_, i) => 41 + i);
    for (const posId of posIds) await registerPackage(posId);
    let expected = 0;
    for (const posId of posIds) {
      await drop(reportXml(posId, { kind: 'reception' }));
      await drop(reportXml(posId, { kind: 'registration', number: `ОГ-${posId}/25`, date: '2025-04-01' }));
      for (let k = 0; k < 3; k++)
        await drop(
          reportXml(posId, { kind: 'consideration', deadline: `2025-0${5 + k}-01` }, { time: new Date(Date.now() + k).toISOString() }),
        );
      expected += 5;
    }
    const totals = { applied: 0, duplicates: 0, quarantined: 0 };
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([adapter.pollInbox(), other.pollInbox(), adapter.pollInbox(), other.pollInbox()]);
      for (const r of results) {
        totals.applied += r.applied;
        totals.duplicates += r.duplicates;
        totals.quarantined += r.quarantined;
      }
    }
    expect(totals).toEqual({ applied: expected, duplicates: 0, quarantined: 0 });
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect(await list(dirs.processedDir)).toHaveLength(expected);
    for (const posId of posIds) expect((await adapter.store.read(posId))!.events).toHaveLength(5);
    const changes = await other.listChanged(null, 1000);
    expect(changes.items.map((p) => p.posId).sort()).toEqual(posIds);
    expect(changes.items.every((p) => p.state === 'postponed' && p.postponements.length === 3)).toBe(true);
  });

  it('takes over a stale claim of a crashed reader and leaves a live claim alone', async () => {
    await registerPackage(51);
    await registerPackage(52);
    const stale = `.claimed-4242.cafe0001-${(Date.now() - 120_000).toString(36)}-Report-stale.xml`;
    const live = `.claimed-4243.cafe0001-${Date.now().toString(36)}-Report-live.xml`;
    await drop(reportXml(51, { kind: 'registration', number: 'ОГ-51/25', date: '2025-04-01' }), stale);
    await drop(reportXml(52, { kind: 'registration', number: 'ОГ-52/25', date: '2025-04-01' }), live);
    expect(await adapter.pollInbox()).toEqual({ applied: 1, duplicates: 0, quarantined: 0, deferred: 0 });
    expect(await adapter.findByPosId(51)).toMatchObject({ durable: true });
    expect(await adapter.findByPosId(52)).toMatchObject({ durable: false });
    expect(await list(dirs.inboxDir)).toEqual([live]);
    expect(await list(dirs.processedDir)).toEqual(['Report-stale.xml']);
  });
});

describe('listChanged', () => {
  it('pages with checkpoints, lists a record once at its latest change and survives a restart', async () => {
    for (const posId of [61, 62, 63]) await registerPackage(posId);
    const first = await adapter.listChanged(null, 2);
    expect(first.items.map((p) => p.posId)).toEqual([61, 62]);
    expect(first.done).toBe(false);
    await drop(reportXml(61, { kind: 'reception' }));
    const restarted = new DeloAdapter(options());
    const second = await restarted.listChanged(first.checkpoint, 2);
    expect(second.items.map((p) => [p.posId, p.state])).toEqual([
      [63, 'received'],
      [61, 'received'],
    ]);
    expect(second.done).toBe(true);
    const idle = await restarted.listChanged(second.checkpoint, 2);
    expect(idle).toEqual({ items: [], checkpoint: second.checkpoint, done: true });
    await expect(adapter.listChanged('garbage', 2)).rejects.toMatchObject({ code: 'PERMANENT' });
  });
});
