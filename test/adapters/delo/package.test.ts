// The «Дело» package writer: DocInfo content and escaping, the structural check, byte-identical
// files, the atomic outbox write and its crash/replay behaviour.
import { readFile, readdir, rename, stat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppealFile } from '../../../adapters/contract.js';
import { DEFAULT_ORGANISATION, DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { FolderTransport } from '../../../adapters/delo/folder/transport.js';
import { buildAppealDocInfo, type AppealPackageInput } from '../../../adapters/delo/sev/docinfo.js';
import { DEFAULT_ID_NAMESPACE, documentIdFor, messageIdFor, uuidV5 } from '../../../adapters/delo/sev/ids.js';
import { checkDocInfo } from '../../../adapters/delo/sev/schema.js';
import { SEV_NAMESPACE, attr, child, childText, children, parseXml, textOf, type XmlElement } from '../../../adapters/delo/sev/xml.js';
import type { DeloTransport, OutgoingPackage } from '../../../adapters/delo/transport.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging.js';
import { createAdapter } from '../../../src/service/edms.js';
import { deloDirs, sampleRecord, type DeloDirs } from './helpers.js';

const party = { organization: 'Отправитель', system: 'pos-bridge' };

function packageInput(overrides: Partial<AppealPackageInput> = {}): AppealPackageInput {
  return {
    messageId: messageIdFor(101),
    documentId: documentIdFor(101),
    posId: 101,
    time: new Date('2025-03-02T10:00:00.000Z'),
    record: sampleRecord(),
    files: [
      {
        resourceId: uuidV5('file:0', messageIdFor(101)),
        uniqueName: 'file-001.pdf',
        description: 'Фото двора.pdf',
        extension: 'pdf',
        size: 42,
      },
    ],
    sender: party,
    recipient: { organization: 'Администрация', system: 'ЭОС «Дело»' },
    ...overrides,
  };
}

async function documentOf(xml: string): Promise<XmlElement> {
  const checked = await checkDocInfo(xml);
  if (!checked.ok) throw new Error(checked.issues.join('\n'));
  return child(child(checked.root, 'DocumentList'), 'Document') as XmlElement;
}

const files = (): AppealFile[] => [
  { name: 'Фото двора.jpg', contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x0a, 0x0d, 0xfe, 0xff, 0xd9]) },
  { name: '../../etc/passwd', contentType: 'application/octet-stream', data: Buffer.alloc(70_000, 0xab) },
  { name: 'Заявление «копия».PDF', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4\n%âãÏÓ\n%%EOF\n', 'latin1') },
];

describe('name-based MessageIDs', () => {
  it('implements RFC 4122 version 5 (known vector) and is stable per posId', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(messageIdFor(42)).toBe(messageIdFor(42));
    expect(messageIdFor(42)).not.toBe(messageIdFor(43));
    expect(messageIdFor(42)).not.toBe(documentIdFor(42));
    expect(messageIdFor(42, 'c0ffee00-0000-4000-8000-000000000001')).not.toBe(messageIdFor(42, DEFAULT_ID_NAMESPACE));
    expect(messageIdFor(42)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('DocInfo writer', () => {
  it('writes every card field in the СЭВ namespace and passes the structural check', async () => {
    const xml = buildAppealDocInfo(packageInput());
    const { rootName, root } = await parseXml(xml);
    expect(rootName).toBe('DocInfo');
    expect(root.$?.xmlns).toBe(SEV_NAMESPACE);
    const header = child(root, 'Header');
    expect(header && typeof header === 'object' ? header.$ : undefined).toEqual({
      MessageID: messageIdFor(101),
      Version: '1.0',
      Time: '2025-03-02T10:00:00.000Z',
      MessageType: 'MainDoc',
    });
    expect(childText(child(child(header, 'Sender'), 'Contact'), 'Organization')).toBe('Отправитель');
    expect(childText(child(header, 'Sender'), 'EDMS')).toBe('pos-bridge');
    expect(childText(child(child(header, 'Recipient'), 'Contact'), 'Organization')).toBe('Администрация');
    const resource = child(child(header, 'ResourceList'), 'Resource');
    expect(attr(resource, 'UniqueName')).toBe('file-001.pdf');

    const doc = await documentOf(xml);
    expect(doc.$).toEqual({ DocumentID: documentIdFor(101), Type: 'Incoming', MainDocument: 'true' });
    expect(textOf(child(doc, 'RegistrationInfo'))).toBe('');
    expect(childText(child(doc, 'Control'), 'Deadline')).toBe('2025-03-31T09:15:00.000Z');
    expect(childText(doc, 'Consists')).toBe('Обращение, 2 файла');
    expect(childText(doc, 'Annotation')).toBe(sampleRecord().Annotation);
    expect(children(doc, 'Rubric').map((r) => [childText(r, 'Code'), childText(r, 'Name')])).toEqual([
      ['0003.0009.0097.0685', 'Уборка территории'],
      ['0003.0009.0097.0686', undefined],
    ]);
    const [applicant, coApplicant] = children(doc, 'Author');
    expect(attr(applicant, 'Role')).toBe('Applicant');
    const person = child(applicant, 'PrivatePerson');
    expect(childText(person, 'FIO')).toBe('Иванова Мария Ивановна');
    const address = child(person, 'Address');
    expect([
      childText(address, 'ZipCode'),
      childText(address, 'Region'),
      childText(address, 'Settlement'),
      childText(address, 'Text'),
    ]).toEqual(['614000', 'Пермский край', 'г. Пермь', 'ул. Ленина, д. 5, кв. 12']);
    expect(children(person, 'Econtact').map((c) => [attr(c, 'Type'), textOf(c)])).toEqual([
      ['email', 'ivanova@example.ru'],
      ['phone', '+7 (912) 555-12-34'],
    ]);
    expect(attr(coApplicant, 'Role')).toBe('CoApplicant');
    expect(childText(child(coApplicant, 'PrivatePerson'), 'FIO')).toBe('Петров Пётр');
    expect(childText(doc, 'Addressee')).toBe('Администрация города Перми');
    expect(children(doc, 'AdditionalField').map((f) => [attr(f, 'Name'), attr(f, 'Type'), textOf(f)])).toEqual([
      ['POS_ID', 'Integer', '101'],
      ['DOC_DATE', 'Date', '2025-03-01T09:15:00.000Z'],
      ['DELIVERY', 'String', 'Портал Госуслуг (ПОС)'],
      ['NOTE', 'String', 'Повторное обращение'],
      ['REGION', 'String', 'Пермский край'],
    ]);
    const file = child(doc, 'File');
    expect([attr(file, 'ResourceID'), attr(file, 'Size'), childText(file, 'Description'), childText(file, 'Extension')]).toEqual([
      uuidV5('file:0', messageIdFor(101)),
      '42',
      'Фото двора.pdf',
      'pdf',
    ]);
  });

  it('writes an anonymous appeal without files or Author', async () => {
    const record = sampleRecord();
    delete record.Author;
    delete record.CoAuthors;
    const xml = buildAppealDocInfo(packageInput({ record, files: [] }));
    const doc = await documentOf(xml);
    expect(children(doc, 'Author')).toEqual([]);
    expect(children(doc, 'File')).toEqual([]);
    expect(xml).not.toContain('ResourceList');
  });

  it('escapes any Unicode: emoji, combining marks, markup characters, edge whitespace', async () => {
    const text = '  Жалоба 😡👩‍👩‍👧 на «УК» & <ООО "Ромашка"> — e\u0301 ё\u0308 \'кавычки\' ]]> \r\nвторая\tстрока  ';
    const xml = buildAppealDocInfo(
      packageInput({
        record: sampleRecord({ Annotation: text, AdditionalFields: [{ Name: 'Поле <&"\'>', Value: 'a&b<c>"d\'' }] }),
      }),
    );
    expect(xml).toContain('&amp; &lt;ООО');
    const doc = await documentOf(xml);
    expect(textOf(child(doc, 'Annotation'))).toBe(text);
    const custom = children(doc, 'AdditionalField').at(-1);
    expect([attr(custom, 'Name'), textOf(custom)]).toEqual(['Поле <&"\'>', 'a&b<c>"d\'']);
  });

  it('drops characters XML 1.0 forbids and marks a broken surrogate with U+FFFD', async () => {
    const text = 'a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFFg \uD83D h \uDE00 i 😀';
    const doc = await documentOf(buildAppealDocInfo(packageInput({ record: sampleRecord({ Annotation: text }) })));
    expect(textOf(child(doc, 'Annotation'))).toBe('abcdefg \uFFFD h \uFFFD i 😀');
  });

  it('keeps a whitespace-only annotation and a 60,000-character one whole', async () => {
    expect(
      textOf(child(await documentOf(buildAppealDocInfo(packageInput({ record: sampleRecord({ Annotation: '   ' }) }))), 'Annotation')),
    ).toBe('   ');
    const long = 'Текст обращения. '.repeat(3600).slice(0, 60_000);
    expect(
      textOf(child(await documentOf(buildAppealDocInfo(packageInput({ record: sampleRecord({ Annotation: long }) }))), 'Annotation')),
    ).toBe(long);
  });
});

describe('structural check', () => {
  const valid = () => buildAppealDocInfo(packageInput());

  it('accepts the writer output and refuses broken packages with a located reason', async () => {
    expect((await checkDocInfo(valid())).ok).toBe(true);
    const cases: [string, string][] = [
      [valid().replace(SEV_NAMESPACE, 'http://example.com/other'), '$.xmlns'],
      [valid().replace(/<Annotation>[^<]*<\/Annotation>/, ''), 'Annotation'],
      [valid().replace(/MessageID="[^"]+"/, 'MessageID="42"'), 'MessageID'],
      [valid().replace(/<ResourceList>[\s\S]*<\/ResourceList>/, ''), 'File@ResourceID'],
      [valid().replace('MessageType="MainDoc"', 'MessageType="Other"'), 'MessageType'],
      [valid().replace('MainDocument="true"', 'MainDocument="false"'), 'MainDocument'],
      [valid().replace('Size="42"', 'Size="-1"'), 'Size'],
      [valid().replace('UniqueName="file-001.pdf"', 'UniqueName="../x.pdf"'), 'UniqueName'],
      [valid().replace(/(<\/?)DocInfo/g, '$1Report'), 'root element'],
      [valid().slice(0, 400), 'not well-formed'],
    ];
    for (const [xml, expected] of cases) {
      const result = await checkDocInfo(xml);
      expect(result.ok, expected).toBe(false);
      if (!result.ok) expect(result.issues.join('\n'), expected).toContain(expected);
    }
  });
});

/** A folder transport that dies at a chosen step, as a crashed process would. */
class CrashingTransport extends FolderTransport {
  crash: 'before-state' | 'after-state' | 'after-rename' | null = null;
  override async deliver(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void> {
    const crash = this.crash;
    this.crash = null;
    await super.deliver(pkg, async () => {
      if (crash === 'before-state') throw new Error('crash before the writing state');
      await beforeCommit();
      if (crash === 'after-state') throw new Error('crash before the rename');
    });
    if (crash === 'after-rename') throw new Error('crash after the rename');
  }
}

describe('outbox write through the adapter', () => {
  let dirs: DeloDirs;
  let transport: CrashingTransport;
  let adapter: DeloAdapter;
  const options = (): DeloAdapterOptions => ({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, stateDir: dirs.stateDir });
  const outbox = () => readdir(dirs.outboxDir).catch(() => [] as string[]);

  beforeEach(async () => {
    dirs = await deloDirs('package');
    transport = new CrashingTransport({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir });
    adapter = new DeloAdapter({ ...options(), transport });
  });
  afterEach(async () => {
    await adapter.close();
    await dirs.remove();
  });

  it('writes DocInfo.xml and byte-identical files under safe names, original names in the card', async () => {
    const result = await adapter.register({ posId: 501, record: sampleRecord(), files: files() });
    expect(result).toEqual({ posId: 501, edmsId: messageIdFor(501), durable: false, created: true });
    expect(await outbox()).toEqual([messageIdFor(501)]);
    const folder = join(dirs.outboxDir, messageIdFor(501));
    expect((await readdir(folder)).sort()).toEqual(['DocInfo.xml', 'file-001.jpg', 'file-002', 'file-003.pdf']);
    const doc = await documentOf(await readFile(join(folder, 'DocInfo.xml'), 'utf8'));
    const cardFiles = children(doc, 'File');
    for (const [index, file] of files().entries()) {
      const unique = ['file-001.jpg', 'file-002', 'file-003.pdf'][index]!;
      expect((await readFile(join(folder, unique))).equals(file.data), file.name).toBe(true);
      expect(childText(cardFiles[index], 'Description')).toBe(file.name);
      expect(attr(cardFiles[index], 'Size')).toBe(String(file.data.length));
    }
    expect(childText(cardFiles[2], 'Extension')).toBe('pdf');
  });

  it('a second register writes nothing and answers created:false', async () => {
    await adapter.register({ posId: 502, record: sampleRecord(), files: files() });
    const docInfo = join(dirs.outboxDir, messageIdFor(502), 'DocInfo.xml');
    const before = await stat(docInfo);
    const again = await adapter.register({ posId: 502, record: sampleRecord({ Annotation: 'другой текст' }), files: [] });
    expect(again).toMatchObject({ edmsId: messageIdFor(502), created: false, durable: false });
    expect(await outbox()).toEqual([messageIdFor(502)]);
    const after = await stat(docInfo);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  for (const crash of ['before-state', 'after-state'] as const) {
    it(`a crash ${crash === 'before-state' ? 'before the state is recorded' : 'before the rename'} leaves only .tmp-*, which the replay cleans and rewrites`, async () => {
      transport.crash = crash;
      await expect(adapter.register({ posId: 503, record: sampleRecord(), files: files() })).rejects.toThrow(/crash/);
      expect(await outbox()).toEqual([`.tmp-${messageIdFor(503)}`]);
      expect(await adapter.findByPosId(503)).toEqual(
        crash === 'before-state' ? null : { posId: 503, edmsId: messageIdFor(503), durable: false, created: false },
      );
      expect(await adapter.readProgress([503])).toEqual([]);

      const replay = await adapter.register({ posId: 503, record: sampleRecord(), files: files() });
      expect(replay).toMatchObject({ edmsId: messageIdFor(503), created: true });
      expect(await outbox()).toEqual([messageIdFor(503)]);
      const folder = join(dirs.outboxDir, messageIdFor(503));
      expect((await checkDocInfo(await readFile(join(folder, 'DocInfo.xml'), 'utf8'))).ok).toBe(true);
      expect((await readFile(join(folder, 'file-002'))).equals(files()[1]!.data)).toBe(true);
    });
  }

  it('a crash after the rename is settled by the replay without a second package, even once «Дело» took the first', async () => {
    transport.crash = 'after-rename';
    await expect(adapter.register({ posId: 504, record: sampleRecord(), files: files() })).rejects.toThrow(/crash/);
    expect(await outbox()).toEqual([messageIdFor(504)]);
    const replay = await adapter.register({ posId: 504, record: sampleRecord(), files: files() });
    expect(replay).toMatchObject({ edmsId: messageIdFor(504), created: false });
    expect(await outbox()).toEqual([messageIdFor(504)]);

    transport.crash = 'after-rename';
    await expect(adapter.register({ posId: 505, record: sampleRecord(), files: [] })).rejects.toThrow(/crash/);
    await mkdir(dirs.archiveDir, { recursive: true });
    await rename(join(dirs.outboxDir, messageIdFor(505)), join(dirs.archiveDir, messageIdFor(505))); // «Дело» picked it up
    const afterPickup = await adapter.register({ posId: 505, record: sampleRecord(), files: [] });
    expect(afterPickup).toMatchObject({ edmsId: messageIdFor(505), created: false });
    expect(await outbox()).toEqual([messageIdFor(504)]);
  });

  it('durableWhen=written makes the result durable once the package is in the outbox', async () => {
    const written = new DeloAdapter({ ...options(), durableWhen: 'written' });
    expect(await written.register({ posId: 506, record: sampleRecord(), files: [] })).toMatchObject({ durable: true, created: true });
    expect(await adapter.findByPosId(506)).toMatchObject({ durable: false });
    expect(await written.findByPosId(506)).toMatchObject({ durable: true, created: false });
  });

  it('two bridge processes registering one appeal at once write one package', async () => {
    const other = new DeloAdapter(options());
    const results = await Promise.all([
      adapter.register({ posId: 507, record: sampleRecord(), files: files() }),
      other.register({ posId: 507, record: sampleRecord(), files: files() }),
      adapter.register({ posId: 507, record: sampleRecord(), files: files() }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.edmsId))).toEqual(new Set([messageIdFor(507)]));
    expect(await outbox()).toEqual([messageIdFor(507)]);
  });

  it('refuses a card that breaks the schema or uses a reserved AdditionalField', async () => {
    await expect(adapter.register({ posId: 508, record: sampleRecord({ Rubrics: [] }), files: [] })).rejects.toMatchObject({
      code: 'RECORD_INVALID',
      retryable: false,
    });
    await expect(
      adapter.register({ posId: 508, record: sampleRecord({ AdditionalFields: [{ Name: 'POS_ID', Value: '1' }] }), files: [] }),
    ).rejects.toMatchObject({ code: 'RECORD_INVALID' });
    expect(await outbox()).toEqual([]);
  });

  it('ping checks the folders and fails when one is gone', async () => {
    await adapter.ping();
    await rename(dirs.inboxDir, `${dirs.inboxDir}-gone`);
    await expect(adapter.ping()).rejects.toMatchObject({ code: 'TRANSIENT', system: 'delo' });
  });
});

describe('Header and ids from the configuration', () => {
  let dirs: DeloDirs;
  beforeEach(async () => {
    dirs = await deloDirs('settings');
  });
  afterEach(async () => {
    await dirs.remove();
  });
  const headerOf = async (posId: number, namespace?: string) => {
    const xml = await readFile(join(dirs.outboxDir, messageIdFor(posId, namespace), 'DocInfo.xml'), 'utf8');
    const header = child((await parseXml(xml)).root, 'Header');
    return {
      messageId: attr(header, 'MessageID'),
      sender: childText(child(child(header, 'Sender'), 'Contact'), 'Organization'),
      recipient: childText(child(child(header, 'Recipient'), 'Contact'), 'Organization'),
    };
  };
  const configured = (env: Record<string, string>) =>
    loadConfig({
      env: {
        POS_PLATFORM_CLIENT: 'p:s',
        POS_CLIENT_ID: 'org',
        POS_CLIENT_SECRET: 's',
        DATA_KEY: 'a'.repeat(64),
        ADMIN_TOKEN: 'x'.repeat(32),
        EDMS: 'delo',
        DELO_OUTBOX_DIR: dirs.outboxDir,
        DELO_INBOX_DIR: dirs.inboxDir,
        DELO_STATE_DIR: dirs.stateDir,
        ...env,
      },
      command: 'start',
      dotenvPath: false,
    });

  it('unset, the Header names and the namespace are the ones the bridge always used', async () => {
    const adapter = (await createAdapter(configured({}), { logger: createLogger({ level: 'silent' }) })) as DeloAdapter;
    await adapter.register({ posId: 601, record: sampleRecord(), files: [] });
    expect(await headerOf(601)).toEqual({ messageId: messageIdFor(601, DEFAULT_ID_NAMESPACE), ...DEFAULT_ORGANISATION });
    expect(DEFAULT_ORGANISATION).toEqual({ sender: 'Платформа обратной связи (ПОС)', recipient: 'Получатель обращений' });
    await adapter.close();
  });

  it('DELO_SENDER, DELO_RECIPIENT and DELO_ID_NAMESPACE reach the package', async () => {
    const namespace = '0f4a2c1e-9b8d-4e7f-a6b5-c4d3e2f1a0b9';
    const adapter = (await createAdapter(
      configured({ DELO_SENDER: 'Администрация города', DELO_RECIPIENT: 'Общий отдел', DELO_ID_NAMESPACE: namespace }),
      { logger: createLogger({ level: 'silent' }) },
    )) as DeloAdapter;
    const result = await adapter.register({ posId: 602, record: sampleRecord(), files: [] });
    expect(result.edmsId).toBe(messageIdFor(602, namespace));
    expect(result.edmsId).not.toBe(messageIdFor(602));
    expect(await headerOf(602, namespace)).toEqual({
      messageId: messageIdFor(602, namespace),
      sender: 'Администрация города',
      recipient: 'Общий отдел',
    });
    await adapter.close();
    expect(
      () => new DeloAdapter({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, stateDir: dirs.stateDir, idNamespace: 'pos-bridge' }),
    ).toThrow(/must be a UUID/);
  });

  it("an organisation's constants.recipient is its packages' recipient; its record and progress carry it; another organisation cannot send the same appeal", async () => {
    const adapter = (await createAdapter(configured({ DELO_RECIPIENT: 'Общий отдел' }), {
      logger: createLogger({ level: 'silent' }),
    })) as DeloAdapter;
    await adapter.register({
      posId: 603,
      record: sampleRecord(),
      files: [],
      organisation: { key: 'school-7', constants: { recipient: 'МБОУ «Школа № 7»' } },
    });
    expect(await headerOf(603)).toEqual({
      messageId: messageIdFor(603, DEFAULT_ID_NAMESPACE),
      sender: DEFAULT_ORGANISATION.sender,
      recipient: 'МБОУ «Школа № 7»',
    });
    // Without a recipient of its own, the organisation's packages keep DELO_RECIPIENT.
    await adapter.register({ posId: 604, record: sampleRecord(), files: [], organisation: { key: 'city', constants: {} } });
    expect((await headerOf(604)).recipient).toBe('Общий отдел');
    const [progress] = await adapter.readProgress([603]);
    expect(progress?.organisation).toBe('school-7');
    const forwarded = adapter.register({ posId: 603, record: sampleRecord(), files: [], organisation: { key: 'city', constants: {} } });
    await expect(forwarded).rejects.toMatchObject({
      code: 'CONFLICT',
      retryable: false,
      message: expect.stringContaining('for organisation school-7'),
    });
    await adapter.close();
  });
});

export type { DeloTransport };
