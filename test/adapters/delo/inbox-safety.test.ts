// The «Дело» inbox reads regular files only, within caps: a symbolic link (to `.env`, say), a FIFO
// or a device file in the inbox or in an answer package is quarantined with its reason and never
// read, and a state file that is not a regular file is a PERMANENT error. Real adapter and folder
// transport on temp folders.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { buildAnswerDocInfo } from '../../../adapters/delo/sev/docinfo.js';
import { documentIdFor, messageIdFor, uuidV5 } from '../../../adapters/delo/sev/ids.js';
import { buildReportXml, type ReportNotification } from '../../../adapters/delo/sev/report.js';
import { deloDirs, sampleRecord, type DeloDirs } from './helpers.js';

const party = { organization: 'Канцелярия', system: 'ЭОС «Дело»' };
const bridge = { organization: 'ПОС', system: 'pos-bridge' };
const SECRET = 'DATA_KEY=c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==\nADMIN_TOKEN=do-not-upload-me\n';

let dirs: DeloDirs;
let secretPath: string;
const adapters: DeloAdapter[] = [];
const adapterWith = (extra: Partial<DeloAdapterOptions> = {}): DeloAdapter => {
  const adapter = new DeloAdapter({
    outboxDir: dirs.outboxDir,
    inboxDir: dirs.inboxDir,
    stateDir: dirs.stateDir,
    partialGraceMs: 0,
    answerGraceMs: 0,
    ...extra,
  });
  adapters.push(adapter);
  return adapter;
};
const list = (dir: string) => readdir(dir).catch(() => [] as string[]);
const reasonOf = (name: string) => readFile(join(dirs.quarantineDir, `${name}.reason.txt`), 'utf8');
const progressOf = async (adapter: DeloAdapter, posId: number) => (await adapter.readProgress([posId]))[0];

function reportXml(posId: number, notification: ReportNotification): string {
  return buildReportXml({
    messageId: randomUUID(),
    initialMessageId: messageIdFor(posId),
    time: new Date().toISOString(),
    notification,
    sender: party,
    recipient: bridge,
  });
}

/** An answer package for `posId` whose one file has `size` bytes on the card. */
function answerDocInfo(posId: number, size: number): { documentId: string; xml: string } {
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
    files: [{ resourceId: uuidV5('f', documentId), uniqueName: 'file-001.pdf', description: 'Ответ.pdf', extension: 'pdf', size }],
    sender: party,
    recipient: bridge,
  });
  return { documentId, xml };
}

async function dropReport(posId: number, notification: ReportNotification): Promise<string> {
  const name = `Report-${randomUUID()}.xml`;
  await writeFile(join(dirs.inboxDir, name), reportXml(posId, notification));
  return name;
}

/** Every byte the bridge keeps of answers, to show a secret never reached it. */
async function keptAnswerBytes(): Promise<string> {
  const root = join(dirs.stateDir, 'files');
  const files = (await readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());
  return (await Promise.all(files.map((e) => readFile(join(e.parentPath, e.name), 'utf8')))).join('');
}

beforeEach(async () => {
  dirs = await deloDirs('safety');
  secretPath = join(dirs.root, '.env');
  await writeFile(secretPath, SECRET);
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  await dirs.remove();
});

describe('symbolic links are quarantined, never followed', () => {
  it('an answer file linked to .env: package and Report quarantined, the secret never read or kept', async () => {
    const adapter = adapterWith();
    await adapter.register({ posId: 201, record: sampleRecord(), files: [] });
    // The card's size matches the secret, so following the link would have "worked".
    const pkg = answerDocInfo(201, Buffer.byteLength(SECRET));
    const folder = join(dirs.inboxDir, 'Ответ 201');
    await mkdir(folder);
    await symlink(secretPath, join(folder, 'file-001.pdf'));
    await writeFile(join(folder, 'DocInfo.xml'), pkg.xml);
    const report = await dropReport(201, { kind: 'answer', documentId: pkg.documentId });

    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, quarantined: 2 });
    expect(await reasonOf(report)).toMatch(/answer file file-001\.pdf is a symbolic link, not a regular file/);
    expect(await reasonOf('Ответ 201')).toMatch(/is a symbolic link/);
    expect(await progressOf(adapter, 201)).not.toMatchObject({ state: 'answered' });
    expect(await keptAnswerBytes()).not.toContain('do-not-upload-me');
    expect(await readFile(secretPath, 'utf8')).toBe(SECRET);
    expect(await list(dirs.inboxDir)).toEqual([]);
  });

  it('a Report, a package folder, a zip and a DocInfo.xml that are symbolic links: quarantined with the reason, their targets never read', async () => {
    const adapter = adapterWith();
    for (const posId of [211, 212, 213, 214]) await adapter.register({ posId, record: sampleRecord(), files: [] });
    const outside = join(dirs.root, 'elsewhere');
    await mkdir(outside);

    // A valid Report outside the inbox, linked in: following it would apply a Reception.
    await writeFile(join(outside, 'report.xml'), reportXml(211, { kind: 'reception' }));
    await symlink(join(outside, 'report.xml'), join(dirs.inboxDir, 'Report-linked.xml'));
    // A Report linked to the secret.
    await symlink(secretPath, join(dirs.inboxDir, 'Report-env.xml'));

    // A complete answer package folder outside, linked in as a folder.
    const folderPkg = answerDocInfo(212, 4);
    await mkdir(join(outside, 'pkg'));
    await writeFile(join(outside, 'pkg', 'file-001.pdf'), 'ansr');
    await writeFile(join(outside, 'pkg', 'DocInfo.xml'), folderPkg.xml);
    await symlink(join(outside, 'pkg'), join(dirs.inboxDir, 'linked-folder'));
    await dropReport(212, { kind: 'answer', documentId: folderPkg.documentId });

    // A good zip outside, linked in.
    const zipPkg = answerDocInfo(213, 4);
    await writeFile(join(outside, 'answer.zip'), zipSync({ 'DocInfo.xml': Buffer.from(zipPkg.xml), 'file-001.pdf': Buffer.from('ansr') }));
    await symlink(join(outside, 'answer.zip'), join(dirs.inboxDir, 'linked.zip'));
    await dropReport(213, { kind: 'answer', documentId: zipPkg.documentId });

    // A real folder whose DocInfo.xml is a link to a valid one outside.
    const docPkg = answerDocInfo(214, 4);
    await writeFile(join(outside, 'DocInfo.xml'), docPkg.xml);
    await mkdir(join(dirs.inboxDir, 'linked-docinfo'));
    await writeFile(join(dirs.inboxDir, 'linked-docinfo', 'file-001.pdf'), 'ansr');
    await symlink(join(outside, 'DocInfo.xml'), join(dirs.inboxDir, 'linked-docinfo', 'DocInfo.xml'));
    await dropReport(214, { kind: 'answer', documentId: docPkg.documentId });

    await adapter.pollInbox();
    for (const name of ['Report-linked.xml', 'Report-env.xml', 'linked-folder', 'linked.zip']) {
      expect(await reasonOf(name)).toMatch(new RegExp(`^${name.replace('.', '\\.')} is a symbolic link, not a regular file or folder`));
    }
    expect(await reasonOf('Report-env.xml')).not.toContain('do-not-upload-me');
    expect(await reasonOf('linked-docinfo')).toMatch(/its DocInfo\.xml is a symbolic link, not a regular file/);
    expect((await adapter.store.read(211))!.events).toEqual([]);
    for (const posId of [212, 213, 214]) expect(await progressOf(adapter, posId)).not.toMatchObject({ state: 'answered' });
    // The links were moved as links; what they point at is untouched.
    expect(await list(join(outside))).toEqual(expect.arrayContaining(['report.xml', 'pkg', 'answer.zip', 'DocInfo.xml']));
    expect(await readFile(secretPath, 'utf8')).toBe(SECRET);
    expect(await list(dirs.inboxDir)).toEqual([]);
  });
});

describe('FIFOs and oversized files', () => {
  it('a FIFO as a Report or as an answer file is quarantined without being opened (the poll does not hang)', async () => {
    const adapter = adapterWith();
    await adapter.register({ posId: 221, record: sampleRecord(), files: [] });
    execFileSync('mkfifo', [join(dirs.inboxDir, 'Report-fifo.xml')]);
    const pkg = answerDocInfo(221, 4);
    await mkdir(join(dirs.inboxDir, 'fifo-package'));
    execFileSync('mkfifo', [join(dirs.inboxDir, 'fifo-package', 'file-001.pdf')]);
    await writeFile(join(dirs.inboxDir, 'fifo-package', 'DocInfo.xml'), pkg.xml);
    const report = await dropReport(221, { kind: 'answer', documentId: pkg.documentId });

    expect(await adapter.pollInbox()).toMatchObject({ applied: 0, quarantined: 3 });
    expect(await reasonOf('Report-fifo.xml')).toMatch(/is a FIFO, not a regular file or folder/);
    expect(await reasonOf(report)).toMatch(/answer file file-001\.pdf is a FIFO, not a regular file/);
  }, 10_000);

  it('a Report or a DocInfo.xml over its cap is quarantined unparsed', async () => {
    const adapter = adapterWith({ answerLimits: { maxReportBytes: 4096, maxDocInfoBytes: 8192 } });
    await adapter.register({ posId: 231, record: sampleRecord(), files: [] });
    await adapter.register({ posId: 232, record: sampleRecord(), files: [] });
    // A valid Report made big by a comment: read in full, it would apply.
    const big = `Report-${randomUUID()}.xml`;
    await writeFile(join(dirs.inboxDir, big), reportXml(231, { kind: 'reception' }).replace('?>', `?><!-- ${'x'.repeat(5000)} -->`));
    const pkg = answerDocInfo(232, 4);
    await mkdir(join(dirs.inboxDir, 'big-docinfo'));
    await writeFile(join(dirs.inboxDir, 'big-docinfo', 'file-001.pdf'), 'ansr');
    await writeFile(join(dirs.inboxDir, 'big-docinfo', 'DocInfo.xml'), pkg.xml.replace('?>', `?><!-- ${'y'.repeat(9000)} -->`));
    await dropReport(232, { kind: 'answer', documentId: pkg.documentId });

    await adapter.pollInbox();
    expect(await reasonOf(big)).toMatch(/^Report has \d+ bytes, more than the 4096 allowed; it was not read/);
    expect(await reasonOf('big-docinfo')).toMatch(/its DocInfo\.xml has \d+ bytes, more than the 8192 allowed/);
    expect((await adapter.store.read(231))!.events).toEqual([]);
    expect(await progressOf(adapter, 232)).not.toMatchObject({ state: 'answered' });
  });
});

describe("the bridge's own state", () => {
  it('a record, the change log or a kept answer file replaced by a symbolic link is a PERMANENT error, never followed', async () => {
    const adapter = adapterWith();
    await adapter.register({ posId: 241, record: sampleRecord(), files: [] });
    const pkg = answerDocInfo(241, 4);
    await mkdir(join(dirs.inboxDir, 'answer'));
    await writeFile(join(dirs.inboxDir, 'answer', 'file-001.pdf'), 'ansr');
    await writeFile(join(dirs.inboxDir, 'answer', 'DocInfo.xml'), pkg.xml);
    await dropReport(241, { kind: 'answer', documentId: pkg.documentId });
    await adapter.pollInbox();
    const answered = await progressOf(adapter, 241);
    expect(answered).toMatchObject({ state: 'answered' });

    const kept = join(dirs.stateDir, 'files', answered!.answer!.files[0]!.ref);
    await rm(kept);
    await symlink(secretPath, kept);
    await expect(adapter.readFile(answered!.answer!.files[0]!)).rejects.toMatchObject({
      code: 'PERMANENT',
      message: expect.stringMatching(/is a symbolic link, not a regular file; it is not read/),
    });

    const record = join(dirs.stateDir, 'records', '241.json');
    await writeFile(join(dirs.root, 'forged.json'), await readFile(record));
    await rm(record);
    await symlink(join(dirs.root, 'forged.json'), record);
    await expect(adapter.findByPosId(241)).rejects.toMatchObject({
      code: 'PERMANENT',
      posId: 241,
      message: expect.stringMatching(/records\/241\.json is a symbolic link/),
    });

    await rm(join(dirs.stateDir, 'changes.log'));
    await symlink(secretPath, join(dirs.stateDir, 'changes.log'));
    await expect(adapter.store.listChanged(null, 10)).rejects.toMatchObject({
      code: 'PERMANENT',
      message: expect.stringMatching(/changes\.log is a symbolic link/),
    });
    expect(await readFile(secretPath, 'utf8')).toBe(SECRET);
  });
});
