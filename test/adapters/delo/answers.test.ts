// «Дело» answers found by content: the answer package's name is the transport's choice (its own
// MessageID, anything, a .zip), a Report may come before its package (waited for up to the
// grace, exactly once across two bridges and a restart), and a package that does not answer the
// appeal, or a zip that is unsafe or too big, is quarantined with its reason. Real emulator, real
// adapter and folder transport, temp folders.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { startDeloEmulator, type AnswerPackageNaming, type RunningDeloEmulator } from '../../../adapters/delo/emulator/index.js';
import { buildAnswerDocInfo } from '../../../adapters/delo/sev/docinfo.js';
import { documentIdFor, isUuid, messageIdFor, uuidV5 } from '../../../adapters/delo/sev/ids.js';
import { buildReportXml } from '../../../adapters/delo/sev/report.js';
import { deloDirs, sampleRecord, sleep, waitFor, type DeloDirs } from './helpers.js';

let dirs: DeloDirs;
let emulator: RunningDeloEmulator | undefined;
const adapters: DeloAdapter[] = [];

const adapterWith = (extra: Partial<DeloAdapterOptions> = {}): DeloAdapter => {
  const adapter = new DeloAdapter({
    outboxDir: dirs.outboxDir,
    inboxDir: dirs.inboxDir,
    stateDir: dirs.stateDir,
    partialGraceMs: 300,
    ...extra,
  });
  adapters.push(adapter);
  return adapter;
};
const start = (extra: Partial<Parameters<typeof startDeloEmulator>[0]> = {}) =>
  startDeloEmulator({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, archiveDir: dirs.archiveDir, pollMs: 30, ...extra });
const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
const progressOf = async (adapter: DeloAdapter, posId: number) => (await adapter.readProgress([posId]))[0];
const answerFile = () => ({
  name: 'Ответ заявителю.pdf',
  contentType: 'application/pdf',
  data: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000), Buffer.from('\n%%EOF\n')]),
});

async function register(adapter: DeloAdapter, posId: number): Promise<void> {
  await adapter.register({ posId, record: sampleRecord(), files: [] });
}

beforeEach(async () => {
  dirs = await deloDirs('answers');
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  await emulator?.stop();
  emulator = undefined;
  await dirs.remove();
});

describe('answer packages named as the transport likes', () => {
  it.each<[AnswerPackageNaming, (name: string, ids: { messageId: string; documentId: string }) => void]>([
    ['message-id', (name, ids) => expect(name).toBe(ids.messageId)],
    ['document-id', (name, ids) => expect(name).toBe(ids.documentId)],
    ['arbitrary', (name) => expect(isUuid(name)).toBe(false)],
    ['zip', (name, ids) => expect(name).toBe(`${ids.messageId}.zip`)],
  ])('%s: the answer reaches progress with its file bytes intact', async (naming, checkName) => {
    emulator = await start({ answerPackageNaming: naming });
    const adapter = adapterWith();
    await register(adapter, 101);
    const file = answerFile();
    await emulator.control.answer(messageIdFor(101), { text: 'Двор убран, спасибо за обращение.', file, resolution: 'Supported' });
    const sent = emulator.emulator.card(messageIdFor(101))!.answer!;
    checkName(sent.packageName!, { messageId: sent.messageId!, documentId: sent.documentId });
    expect(sent.messageId).not.toBe(sent.documentId);

    const answered = await waitFor(
      () => progressOf(adapter, 101),
      (p) => p?.state === 'answered',
    );
    expect(answered!.answer).toMatchObject({
      text: 'Двор убран, спасибо за обращение.',
      resolution: 'Supported',
      outgoingNumber: sent.number,
    });
    const read = await adapter.readFile(answered!.answer!.files[0]!);
    expect(read).toMatchObject({ name: file.name, contentType: 'application/pdf' });
    expect(read.data.equals(file.data)).toBe(true);
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect(await list(dirs.processedDir)).toContain(sent.packageName);
    expect(await list(dirs.quarantineDir)).toEqual([]);
  });

  it('switches naming and lateness over the HTTP control API', async () => {
    emulator = await start({ port: 0 });
    const { DeloControlClient } = await import('../../../adapters/delo/emulator/index.js');
    const client = new DeloControlClient(emulator.url!);
    expect(await client.getSettings()).toEqual({ autoRegister: true, answerPackageNaming: 'message-id', answerPackageDelayMs: 0 });
    expect(await client.setSettings({ answerPackageNaming: 'zip', answerPackageDelayMs: 50 })).toEqual({
      autoRegister: true,
      answerPackageNaming: 'zip',
      answerPackageDelayMs: 50,
    });
    await expect(client.setSettings({ answerPackageNaming: 'by-hand' as AnswerPackageNaming })).rejects.toThrow(/HTTP 400/);
    const adapter = adapterWith();
    await register(adapter, 102);
    await client.answer(messageIdFor(102), { text: 'Ответ' });
    expect(
      await waitFor(
        () => progressOf(adapter, 102),
        (p) => p?.state === 'answered',
      ),
    ).toMatchObject({ answer: { text: 'Ответ' } });
    expect((await list(dirs.processedDir)).filter((n) => n.endsWith('.zip'))).toHaveLength(1);
  });
});

describe('a Report that comes before its answer package', () => {
  it('is waited for, and applied exactly once by two bridges and a restarted one', async () => {
    emulator = await start({ answerPackageDelayMs: 1500 });
    const first = adapterWith({ answerGraceMs: 30_000 });
    const second = adapterWith({ answerGraceMs: 30_000 });
    await register(first, 111);
    await waitFor(
      () => first.findByPosId(111),
      (r) => r?.durable === true,
    );
    await emulator.control.answer(messageIdFor(111), { text: 'Ответ по существу', file: answerFile() });
    const card = emulator.emulator.card(messageIdFor(111))!;
    const reportFile = card.reports.at(-1)!.file;
    expect(await list(dirs.inboxDir)).toEqual([reportFile]);

    expect(await first.pollInbox()).toMatchObject({ applied: 0, quarantined: 0, deferred: 1 });
    expect(await list(dirs.inboxDir)).toEqual([reportFile]);
    const restarted = adapterWith({ answerGraceMs: 30_000 });
    const readers = [first, second, restarted];
    const totals = { applied: 0, duplicates: 0, quarantined: 0 };
    await waitFor(
      async () => {
        const results = await Promise.all(readers.map((r) => r.pollInbox()));
        for (const r of results) {
          totals.applied += r.applied;
          totals.duplicates += r.duplicates;
          totals.quarantined += r.quarantined;
        }
        // Read the state directly: progressOf would poll once more, outside the counted polls.
        return restarted.store.read(111);
      },
      (state) => state?.events.some((e) => e.notification.kind === 'answer') === true,
    );
    expect(await progressOf(restarted, 111)).toMatchObject({ state: 'answered' });
    expect(totals).toEqual({ applied: 1, duplicates: 0, quarantined: 0 });
    const events = (await first.store.read(111))!.events.filter((e) => e.notification.kind === 'answer');
    expect(events).toHaveLength(1);
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect((await list(dirs.processedDir)).sort()).toEqual(expect.arrayContaining([reportFile, card.answer!.packageName!]));
    expect((await list(dirs.processedDir)).filter((n) => n.startsWith(card.answer!.packageName!))).toEqual([card.answer!.packageName]);
    expect(await list(dirs.quarantineDir)).toEqual([]);
    expect(await list(join(dirs.stateDir, 'waiting'))).toEqual([]);
  });

  it('is quarantined after the grace, measured from the first wait even across a restart, naming the Report and the DocumentID', async () => {
    emulator = await start({ answerPackageDelayMs: 60_000 });
    const before = adapterWith({ answerGraceMs: 400 });
    await register(before, 112);
    await waitFor(
      () => before.findByPosId(112),
      (r) => r?.durable === true,
    );
    await emulator.control.answer(messageIdFor(112), { text: 'Ответ' });
    const card = emulator.emulator.card(messageIdFor(112))!;
    const reportFile = card.reports.at(-1)!.file;
    expect(await before.pollInbox()).toMatchObject({ deferred: 1, quarantined: 0 });
    await sleep(450);
    // A fresh process: the wait began with the first reader, so the grace is over now.
    const after = adapterWith({ answerGraceMs: 400 });
    expect(await after.pollInbox()).toMatchObject({ applied: 0, deferred: 0, quarantined: 1 });
    const reason = await readFile(join(dirs.quarantineDir, `${reportFile}.reason.txt`), 'utf8');
    expect(reason).toContain(reportFile);
    expect(reason).toContain(card.answer!.documentId);
    expect(reason).toMatch(/not found in the inbox within 400 ms/);
    expect(await progressOf(after, 112)).toMatchObject({ state: 'registered' });
    expect(await list(join(dirs.stateDir, 'waiting'))).toEqual([]);
  });
});

describe('packages that do not answer, or cannot be read', () => {
  const party = { organization: 'Канцелярия', system: 'ЭОС «Дело»' };
  const bridge = { organization: 'ПОС', system: 'pos-bridge' };
  const pdf = Buffer.from('%PDF-1.4\nответ\n%%EOF\n');

  function answerPackage(
    linkedTo: number,
    data = pdf,
  ): { documentId: string; messageId: string; xml: string; files: Record<string, Buffer> } {
    const documentId = randomUUID();
    const messageId = randomUUID();
    const xml = buildAnswerDocInfo({
      messageId,
      documentId,
      time: new Date(),
      initialMessageId: messageIdFor(linkedTo),
      initialDocumentId: documentIdFor(linkedTo),
      number: 'Исх-9/26',
      date: '2026-04-01T10:00:00.000Z',
      text: 'Ответ',
      files: [
        { resourceId: uuidV5('f', documentId), uniqueName: 'file-001.pdf', description: 'Ответ.pdf', extension: 'pdf', size: data.length },
      ],
      sender: party,
      recipient: bridge,
    });
    return { documentId, messageId, xml, files: { 'file-001.pdf': data } };
  }

  async function dropFolder(name: string, pkg: ReturnType<typeof answerPackage>): Promise<void> {
    await mkdir(join(dirs.inboxDir, name));
    for (const [file, data] of Object.entries(pkg.files)) await writeFile(join(dirs.inboxDir, name, file), data);
    await writeFile(join(dirs.inboxDir, name, 'DocInfo.xml'), pkg.xml);
  }

  async function dropReport(posId: number, documentId: string): Promise<string> {
    const name = `Report-${randomUUID()}.xml`;
    const xml = buildReportXml({
      messageId: randomUUID(),
      initialMessageId: messageIdFor(posId),
      time: new Date().toISOString(),
      notification: { kind: 'answer', documentId },
      sender: party,
      recipient: bridge,
    });
    await writeFile(join(dirs.inboxDir, name), xml);
    return name;
  }

  const reasonOf = (name: string) => readFile(join(dirs.quarantineDir, `${name}.reason.txt`), 'utf8');

  it('a package whose Link points at another appeal: the Report is quarantined, the package stays for its own Report', async () => {
    const adapter = adapterWith();
    await register(adapter, 121);
    await register(adapter, 122);
    const pkg = answerPackage(122);
    await dropFolder('Ответ на обращение', pkg);
    const wrong = await dropReport(121, pkg.documentId);
    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, quarantined: 1, deferred: 0 });
    const reason = await reasonOf(wrong);
    expect(reason).toMatch(/does not answer this appeal: its Link points at/);
    expect(reason).toContain(messageIdFor(122));
    expect(reason).toContain(messageIdFor(121));
    expect(await list(dirs.inboxDir)).toEqual(['Ответ на обращение']);
    expect(await progressOf(adapter, 121)).not.toMatchObject({ state: 'answered' });

    await dropReport(122, pkg.documentId);
    expect(await adapter.pollInbox()).toMatchObject({ applied: 1, quarantined: 0 });
    expect(await progressOf(adapter, 122)).toMatchObject({ state: 'answered', answer: { text: 'Ответ' } });
    expect(await list(dirs.inboxDir)).toEqual([]);
  });

  it('a reader that crashed holding Report and package: both claims are taken over once stale, the answer applied once', async () => {
    const adapter = adapterWith();
    await register(adapter, 151);
    await register(adapter, 152);
    const stale = (name: string) => `.claimed-4242.cafe0001-${(Date.now() - 120_000).toString(36)}-${name}`;
    // 152: crashed after applying, before moving anything (as if Report and package were never moved).
    const after = answerPackage(152);
    await dropFolder('Ответ 152', after);
    const afterReport = await dropReport(152, after.documentId);
    expect(await adapter.pollInbox()).toMatchObject({ applied: 1 });
    await rename(join(dirs.processedDir, afterReport), join(dirs.inboxDir, stale(afterReport)));
    await rename(join(dirs.processedDir, 'Ответ 152'), join(dirs.inboxDir, stale('Ответ 152')));
    // 151: crashed after claiming both, before applying.
    const before = answerPackage(151);
    await dropFolder(stale('Ответ 151'), before);
    const beforeReport = await dropReport(151, before.documentId);
    await rename(join(dirs.inboxDir, beforeReport), join(dirs.inboxDir, stale(beforeReport)));

    expect(await adapter.pollInbox()).toEqual({ applied: 1, duplicates: 1, quarantined: 0, deferred: 0 });
    expect(await list(dirs.inboxDir)).toEqual([]);
    expect((await list(dirs.processedDir)).sort()).toEqual([afterReport, beforeReport, 'Ответ 151', 'Ответ 152'].sort());
    for (const posId of [151, 152]) {
      expect((await adapter.store.read(posId))!.events.filter((e) => e.notification.kind === 'answer')).toHaveLength(1);
      expect(await progressOf(adapter, posId)).toMatchObject({ state: 'answered' });
    }
  });

  it('a zip with a ../ entry, a symlink, a file over the cap, or too many files: Report and zip quarantined with the reason', async () => {
    const adapter = adapterWith({ answerLimits: { maxFileBytes: 4096, maxFiles: 3 } });
    const cases: [number, (pkg: ReturnType<typeof answerPackage>) => Uint8Array, RegExp][] = [
      [
        131,
        (pkg) => zipSync({ 'DocInfo.xml': Buffer.from(pkg.xml), ...pkg.files, '../evil.txt': Buffer.from('x') }),
        /entry "\.\.\/evil\.txt" points outside the package/,
      ],
      [
        132,
        (pkg) =>
          zipSync({
            'DocInfo.xml': Buffer.from(pkg.xml),
            ...pkg.files,
            link: [Buffer.from('/etc/passwd'), { os: 3, attrs: 0o120777 << 16 }],
          }),
        /entry "link" is a symlink/,
      ],
      [
        133,
        (pkg) => zipSync({ 'DocInfo.xml': Buffer.from(pkg.xml), ...pkg.files }),
        /entry "file-001\.pdf" has 8192 bytes, more than the 4096 allowed/,
      ],
      [
        134,
        (pkg) => zipSync({ 'DocInfo.xml': Buffer.from(pkg.xml), ...pkg.files, a: Buffer.from('a'), b: Buffer.from('b') }),
        /more than 3 files/,
      ],
      [
        135,
        (pkg) => zipSync({ 'DocInfo.xml': Buffer.from(pkg.xml), ...pkg.files, '/abs.txt': Buffer.from('a') }),
        /entry "\/abs\.txt" is an absolute path/,
      ],
    ];
    const dropped: { report: string; zip: string; reason: RegExp; posId: number }[] = [];
    for (const [posId] of cases) await register(adapter, posId);
    for (const [posId, build, reason] of cases) {
      const pkg = answerPackage(posId, posId === 133 ? Buffer.alloc(8192, 7) : pdf);
      const zip = `${pkg.messageId}.zip`;
      await writeFile(join(dirs.inboxDir, zip), build(pkg));
      dropped.push({ report: await dropReport(posId, pkg.documentId), zip, reason, posId });
    }
    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, quarantined: 2 * cases.length, deferred: 0 });
    for (const { report, zip, reason, posId } of dropped) {
      expect(await reasonOf(report)).toMatch(reason);
      expect(await reasonOf(zip)).toMatch(reason);
      expect(await progressOf(adapter, posId)).not.toMatchObject({ state: 'answered' });
    }
    expect(await list(dirs.inboxDir)).toEqual([]);
  });

  it('a .zip that is no zip at all is quarantined once it is no longer fresh; a good zip beside it is read', async () => {
    const adapter = adapterWith();
    await register(adapter, 141);
    await writeFile(join(dirs.inboxDir, 'broken.zip'), 'PK\u0003\u0004 not really');
    const pkg = answerPackage(141);
    await writeFile(join(dirs.inboxDir, 'answer.zip'), zipSync({ 'DocInfo.xml': Buffer.from(pkg.xml), ...pkg.files }));
    await dropReport(141, pkg.documentId);
    // Fresh: perhaps still being copied, so it is left alone.
    expect(await adapter.pollInbox()).toMatchObject({ applied: 1, quarantined: 0 });
    expect(await list(dirs.inboxDir)).toEqual(['broken.zip']);
    const read = await adapter.readFile((await progressOf(adapter, 141))!.answer!.files[0]!);
    expect(read.data.equals(pdf)).toBe(true);

    await register(adapter, 142);
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dirs.inboxDir, 'broken.zip'), old, old);
    await dropReport(142, randomUUID());
    expect(await adapter.pollInbox()).toMatchObject({ quarantined: 1, deferred: 1 });
    expect(await reasonOf('broken.zip')).toMatch(/answer package broken\.zip cannot be read: not a readable zip/);
  });
});
