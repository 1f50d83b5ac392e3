import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../fixtures/catalogue.js';
import { generateAppeals, toPosAppeal } from '../fixtures/generator.js';
import {
  findPackageRoot, loadAttachmentNames, loadBrokenAppeals, loadBrokenFixtures, loadEdgeCaseAppeals,
  loadEdgeCaseFixtures, loadEdgeCaseSeeds, packageRoot,
} from '../fixtures/index.js';
import { appealSchema } from '../src/pos/schemas.js';

const NOW = new Date('2025-03-01T09:00:00Z');
const DAY = 86_400_000;
const url = (_file: unknown, index: number) => `https://pos.example/file-storage-service/filestorage/${index}`;

describe('generateAppeals', () => {
  const appeals = generateAppeals(400, { seed: 42, now: NOW });

  it('is deterministic for a seed, attachments included, and differs between seeds', () => {
    expect(generateAppeals(400, { seed: 42, now: NOW })).toEqual(appeals);
    const other = generateAppeals(400, { seed: 43, now: NOW });
    expect(other.map((a) => a.description)).not.toEqual(appeals.map((a) => a.description));
  });

  it('numbers ids consecutively from startId, newer ids created later', () => {
    const batch = generateAppeals(20, { seed: 1, startId: 5000, now: NOW });
    expect(batch.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, i) => 5000 + i));
    const created = batch.map((a) => Date.parse(a.createdAt));
    expect([...created].sort((a, b) => a - b)).toEqual(created);
  });

  it('produces appeals that pass the ПОС appeal schema once attachments become URLs', () => {
    for (const seed of appeals) {
      const wire = toPosAppeal(seed, url);
      expect(appealSchema.safeParse(JSON.parse(JSON.stringify(wire))).success).toBe(true);
      expect(wire.attachments).toHaveLength(seed.attachments?.length ?? 0);
    }
  });

  it('dates: created within six weeks before now, answerAt 30 days later (shorter on fast track)', () => {
    for (const appeal of appeals) {
      const created = Date.parse(appeal.createdAt);
      expect(created).toBeLessThan(NOW.getTime());
      expect(created).toBeGreaterThan(NOW.getTime() - 43 * DAY);
      expect(appeal.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+03:00$/);
      const days = (Date.parse(appeal.answerAt!) - created) / DAY;
      if (appeal.fastTrack) expect(days).toBeLessThan(30);
      else expect(days).toBe(30);
    }
    expect(appeals.some((a) => a.fastTrack)).toBe(true);
  });

  it('uses the fixed category catalogue with stable ids', () => {
    const known = new Map(TOPICS.map((t) => [t.subsubjectId, t]));
    expect(new Set(TOPICS.map((t) => t.subjectId)).size).toBeGreaterThanOrEqual(15);
    for (const appeal of appeals) {
      const topic = known.get(appeal.subsubjectId!);
      expect(topic?.subjectId).toBe(appeal.subjectId);
      expect(topic?.subjectName).toBe(appeal.subjectName);
      expect(topic?.factId).toBe(appeal.factId);
    }
    expect(appeals.find((a) => a.subsubjectId === 10101)?.subsubjectName).toBe('Ямы и выбоины на дорогах');
  });

  it('applicants look real: gendered ФИО, +7 9xx phones, e-mails, postal addresses with index', () => {
    for (const { applicant } of appeals) {
      expect(applicant?.surname).toMatch(/^[А-ЯЁ][а-яё]+$/);
      if (applicant?.patronymic?.endsWith('на')) expect(applicant.surname).toMatch(/(а|ая)$/);
      if (applicant?.patronymic?.endsWith('ич')) expect(applicant.surname).not.toMatch(/(ова|ева|ина|ская)$/);
      if (applicant?.phone) expect(applicant.phone).toMatch(/^\+7 9\d\d \d{3}-\d\d-\d\d$/);
      if (applicant?.email) expect(applicant.email).toMatch(/^[a-z.]+\d*@[a-z]+\.(ru|com)$/);
      if (applicant?.postAddress) expect(applicant.postAddress).toMatch(/^\d{6}, /);
    }
    expect(appeals.filter((a) => a.applicant?.phone === null).length).toBeGreaterThan(0);
    expect(appeals.filter((a) => a.applicant?.email === null).length).toBeGreaterThan(0);
  });

  it('mixes in collective appeals, attachments, locations and custom fields in plausible shares', () => {
    const share = (pred: (a: (typeof appeals)[number]) => boolean) => appeals.filter(pred).length / appeals.length;
    expect(share((a) => a.shared === true)).toBeGreaterThan(0.05);
    expect(share((a) => a.shared === true)).toBeLessThan(0.16);
    for (const a of appeals.filter((x) => x.shared)) expect(a.coApplicants?.length).toBeGreaterThan(0);
    expect(share((a) => (a.attachments?.length ?? 0) > 0)).toBeGreaterThan(0.22);
    expect(share((a) => (a.attachments?.length ?? 0) > 0)).toBeLessThan(0.38);
    expect(share((a) => a.locationAddress != null)).toBeGreaterThan(0.25);
    expect(share((a) => Array.isArray(a.customFieldValues))).toBeGreaterThan(0.1);
    expect(share((a) => a.factId === null)).toBeGreaterThan(0);
    const located = appeals.find((a) => a.locationAddress)!;
    expect(located.locationAddress).toMatchObject({ houseFiasId: expect.stringMatching(/^[0-9a-f-]{36}$/), oktmo: expect.any(String) });
    expect(located.coordinates).toMatchObject({ latitude: expect.any(Number), longitude: expect.any(Number) });
  });

  it('attachments have Cyrillic names and payloads whose magic bytes match the type', () => {
    const files = appeals.flatMap((a) => a.attachments ?? []);
    expect(files.some((f) => /[А-Яа-яЁё]/.test(f.name))).toBe(true);
    for (const file of files) {
      expect(file.data.length).toBeGreaterThan(100);
      if (file.contentType === 'image/jpeg') expect([...file.data.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      if (file.contentType === 'application/pdf') expect(file.data.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      if (file.contentType === 'image/png') expect(file.data.subarray(1, 4).toString('latin1')).toBe('PNG');
    }
    for (const a of appeals) expect(a.attachments?.length ?? 0).toBeLessThanOrEqual(3);
  });
});

describe('JSON fixtures', () => {
  it('edge cases are valid appeals', () => {
    const fixtures = loadEdgeCaseFixtures();
    expect(fixtures.map((f) => f.name)).toEqual(expect.arrayContaining([
      'unicode-emoji-combining', 'very-long-text', 'all-optional-null', 'optional-missing', 'anonymous', 'collective-many', 'cyrillic-attachments',
    ]));
    for (const { name, appeal } of fixtures) expect(appealSchema.safeParse(appeal).success, name).toBe(true);
    expect(loadEdgeCaseAppeals()).toHaveLength(fixtures.length);
  });

  it('edge cases carry what their names promise', () => {
    const byName = new Map(loadEdgeCaseFixtures().map((f) => [f.name, appealSchema.parse(f.appeal)]));
    expect(byName.get('very-long-text')!.description.length).toBe(60_000);
    const unicode = byName.get('unicode-emoji-combining')!;
    expect(unicode.description).toContain('и\u0306');
    expect(unicode.description).toContain('🇷🇺');
    expect(unicode.description).toContain('\u200d');
    expect(unicode.applicant?.name).not.toBe(unicode.applicant?.name?.normalize('NFC'));
    expect(byName.get('anonymous')!.applicant).toBeNull();
    expect(Object.keys(loadEdgeCaseAppeals().find((a) => (a as { id: number }).id === 900004)!)).toEqual(['id', 'description', 'createdAt']);
    expect(byName.get('collective-many')!.coApplicants!.length).toBeGreaterThanOrEqual(30);
    const names = loadAttachmentNames();
    for (const link of byName.get('cyrillic-attachments')!.attachments!) expect(names[link]).toBeTruthy();
  });

  it('edge-case seeds turn attachment URLs into named files', () => {
    const seeds = loadEdgeCaseSeeds();
    const withFiles = seeds.find((s) => s.id === 900007)!;
    expect(withFiles.attachments?.map((f) => f.name)).toContain('Фото ямы.jpg');
    expect(withFiles.attachments?.every((f) => f.data.length > 0)).toBe(true);
    expect(loadEdgeCaseSeeds()).toEqual(seeds);
  });

  it('broken records fail the appeal schema, each for its own reason', () => {
    const broken = loadBrokenFixtures();
    expect(broken.length).toBeGreaterThanOrEqual(5);
    for (const { name, appeal } of broken) expect(appealSchema.safeParse(appeal).success, name).toBe(false);
    expect(loadBrokenAppeals()).toContainEqual(expect.objectContaining({ id: 'abc' }));
  });
});

describe('package root', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'fixtures-root-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is the repository root from the sources', () => {
    expect(packageRoot()).toBe(resolve(import.meta.dirname, '..'));
  });

  it('is found from a compiled dist/fixtures folder', () => {
    mkdirSync(join(scratch, 'dist', 'fixtures'), { recursive: true });
    mkdirSync(join(scratch, 'fixtures'));
    writeFileSync(join(scratch, 'package.json'), '{}');
    expect(findPackageRoot(join(scratch, 'dist', 'fixtures'))).toBe(scratch);
  });
});
