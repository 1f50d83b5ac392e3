// File modes: the bridge's own «Дело» state is private (0700 folders, 0600 files, tightened on
// start when an earlier version left it open); what it writes into the shared exchange folders
// has DELO_FILE_MODE exactly, whatever the umask, or the umask's result when unset.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { buildAnswerDocInfo } from '../../../adapters/delo/sev/docinfo.js';
import { documentIdFor, messageIdFor, uuidV5 } from '../../../adapters/delo/sev/ids.js';
import { buildReportXml } from '../../../adapters/delo/sev/report.js';
import { deloDirs, sampleRecord, type DeloDirs } from './helpers.js';

const party = { organization: 'Канцелярия', system: 'ЭОС «Дело»' };
const bridge = { organization: 'ПОС', system: 'pos-bridge' };
const files = [{ name: 'обращение.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4\n%%EOF\n') }];

let dirs: DeloDirs;
let umask: number;
const adapters: DeloAdapter[] = [];
const adapterWith = (extra: Partial<DeloAdapterOptions> = {}): DeloAdapter => {
  const adapter = new DeloAdapter({
    outboxDir: dirs.outboxDir,
    inboxDir: dirs.inboxDir,
    stateDir: dirs.stateDir,
    partialGraceMs: 0,
    ...extra,
  });
  adapters.push(adapter);
  return adapter;
};
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** Mode of every entry under `root` (itself included), by path relative to it. */
async function modesUnder(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { '.': (await modeOf(root)).toString(8) };
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path.slice(root.length + 1)] = (await modeOf(path)).toString(8);
  }
  return out;
}

async function answer(posId: number): Promise<void> {
  const documentId = randomUUID();
  const xml = buildAnswerDocInfo({
    messageId: randomUUID(),
    documentId,
    time: new Date(),
    initialMessageId: messageIdFor(posId),
    initialDocumentId: documentIdFor(posId),
    number: 'Исх-1/26',
    date: '2026-04-01T10:00:00.000Z',
    text: 'Ответ',
    files: [{ resourceId: uuidV5('f', documentId), uniqueName: 'file-001.pdf', description: 'Ответ.pdf', extension: 'pdf', size: 4 }],
    sender: party,
    recipient: bridge,
  });
  await mkdir(join(dirs.inboxDir, documentId), { recursive: true });
  await writeFile(join(dirs.inboxDir, documentId, 'file-001.pdf'), 'ansr');
  await writeFile(join(dirs.inboxDir, documentId, 'DocInfo.xml'), xml);
  await writeFile(
    join(dirs.inboxDir, `Report-${randomUUID()}.xml`),
    buildReportXml({
      messageId: randomUUID(),
      initialMessageId: messageIdFor(posId),
      time: new Date().toISOString(),
      notification: { kind: 'answer', documentId },
      sender: party,
      recipient: bridge,
    }),
  );
}

beforeAll(() => {
  umask = process.umask(0o022);
});
afterAll(() => {
  process.umask(umask);
});
beforeEach(async () => {
  process.umask(0o022);
  dirs = await deloDirs('modes');
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  await dirs.remove();
});

describe("the bridge's own state", () => {
  it('is 0700 folders and 0600 files, records, index, log, waits and kept answers alike', async () => {
    const adapter = adapterWith({ answerGraceMs: 60_000 });
    await adapter.register({ posId: 301, record: sampleRecord(), files });
    // A Report whose package has not come yet: a wait record is written.
    await writeFile(
      join(dirs.inboxDir, `Report-${randomUUID()}.xml`),
      buildReportXml({
        messageId: randomUUID(),
        initialMessageId: messageIdFor(301),
        time: new Date().toISOString(),
        notification: { kind: 'answer', documentId: randomUUID() },
        sender: party,
        recipient: bridge,
      }),
    );
    await adapter.pollInbox();
    await adapter.register({ posId: 302, record: sampleRecord(), files: [] });
    await answer(302);
    await adapter.pollInbox();
    expect((await adapter.readProgress([302]))[0]).toMatchObject({ state: 'answered' });

    const modes = await modesUnder(dirs.stateDir);
    expect(Object.keys(modes)).toEqual(expect.arrayContaining(['records/301.json', 'changes.log', `by-message/${messageIdFor(301)}`]));
    expect(Object.keys(modes).some((p) => p.startsWith('waiting/'))).toBe(true);
    expect(Object.keys(modes).some((p) => p.endsWith('file-001.pdf'))).toBe(true);
    const dirsInState = new Set(
      (await readdir(dirs.stateDir, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => join(e.parentPath, e.name).slice(dirs.stateDir.length + 1)),
    );
    for (const [path, mode] of Object.entries(modes))
      expect([path, mode]).toEqual([path, path === '.' || dirsInState.has(path) ? '700' : '600']);
  });

  it('left 0755/0644 by an earlier version, is made private on start', async () => {
    for (const sub of ['records', 'by-message', 'files', 'locks', 'waiting'])
      await mkdir(join(dirs.stateDir, sub), { recursive: true, mode: 0o755 });
    await chmod(dirs.stateDir, 0o755);
    await writeFile(join(dirs.stateDir, 'changes.log'), '', { mode: 0o644 });
    const adapter = adapterWith();
    await adapter.ping();
    for (const sub of ['.', 'records', 'by-message', 'files', 'locks', 'waiting'])
      expect([sub, (await modeOf(join(dirs.stateDir, sub))).toString(8)]).toEqual([sub, '700']);
    expect(await modeOf(join(dirs.stateDir, 'changes.log'))).toBe(0o600);
  });
});

describe('the exchange folders', () => {
  it('DELO_FILE_MODE 0640: package files 0640 and folders 0750 in the outbox, quarantine and processed, whatever the umask', async () => {
    process.umask(0o077);
    const adapter = adapterWith({ fileMode: 0o640 });
    await adapter.register({ posId: 311, record: sampleRecord(), files });
    const pkg = join(dirs.outboxDir, messageIdFor(311));
    expect(await modeOf(pkg)).toBe(0o750);
    for (const name of await readdir(pkg)) expect([name, (await modeOf(join(pkg, name))).toString(8)]).toEqual([name, '640']);
    for (const dir of [dirs.outboxDir, dirs.processedDir, dirs.quarantineDir]) expect(await modeOf(dir)).toBe(0o750);

    await writeFile(join(dirs.inboxDir, 'stray.txt'), 'not a Report');
    await adapter.pollInbox();
    expect(await modeOf(join(dirs.quarantineDir, 'stray.txt.reason.txt'))).toBe(0o640);
  });

  it('unset, what the bridge writes gets the umask result, as before (0644, 0755 with umask 022)', async () => {
    const adapter = adapterWith();
    await adapter.register({ posId: 321, record: sampleRecord(), files });
    const pkg = join(dirs.outboxDir, messageIdFor(321));
    expect(await modeOf(pkg)).toBe(0o755);
    for (const name of await readdir(pkg)) expect(await modeOf(join(pkg, name))).toBe(0o644);
  });
});
