// Shared bits of the «Дело» tests: throwaway exchange folders and cards made from ПОС appeals
// (a stand-in for the mapping engine).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeloRecord } from '../../../adapters/delo/record.js';
import type { PosAppeal } from '../../../src/pos/schemas.js';

export interface DeloDirs {
  root: string;
  outboxDir: string;
  inboxDir: string;
  stateDir: string;
  processedDir: string;
  quarantineDir: string;
  archiveDir: string;
  remove(): Promise<void>;
}

export async function deloDirs(label: string): Promise<DeloDirs> {
  const root = await mkdtemp(join(tmpdir(), `delo-${label}-`));
  return {
    root,
    outboxDir: join(root, 'outbox'),
    inboxDir: join(root, 'inbox'),
    stateDir: join(root, 'state'),
    processedDir: join(root, 'processed'),
    quarantineDir: join(root, 'quarantine'),
    archiveDir: join(root, 'delo-archive'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

type AppealLike = Pick<PosAppeal, 'id' | 'description' | 'createdAt'> &
  Partial<
    Pick<
      PosAppeal,
      'answerAt' | 'subjectId' | 'subjectName' | 'subsubjectId' | 'subsubjectName' | 'regionName' | 'applicant' | 'coApplicants' | 'opaName'
    >
  >;

/** The card a simple mapping would make of a ПОС appeal. */
export function recordForAppeal(appeal: AppealLike): DeloRecord {
  const person = (p: NonNullable<PosAppeal['applicant']>): NonNullable<DeloRecord['Author']> => {
    const out: NonNullable<DeloRecord['Author']> = { Surname: p.surname || 'Не указана' };
    if (p.name) out.Name = p.name;
    if (p.patronymic) out.Patronymic = p.patronymic;
    if (p.email) out.Email = p.email;
    if (p.phone) out.Phone = p.phone;
    if (p.postAddress) out.Address = { Text: p.postAddress };
    return out;
  };
  const record: DeloRecord = {
    Annotation: appeal.description,
    DocumentDate: appeal.createdAt,
    Rubrics: [
      { Code: String(appeal.subsubjectId ?? appeal.subjectId ?? '0'), Name: appeal.subsubjectName ?? appeal.subjectName ?? 'Без рубрики' },
    ],
    DeliveryType: 'Портал Госуслуг (ПОС)',
    AdditionalFields: [{ Name: 'REGION', Value: appeal.regionName ?? '' }],
  };
  if (appeal.answerAt) record.Deadline = appeal.answerAt;
  if (appeal.applicant) record.Author = person(appeal.applicant);
  if (appeal.coApplicants && appeal.coApplicants.length > 0) record.CoAuthors = appeal.coApplicants.map(person);
  if (appeal.opaName) record.Addressee = appeal.opaName;
  return record;
}

export function sampleRecord(overrides: Partial<DeloRecord> = {}): DeloRecord {
  return {
    Annotation: 'Во дворе дома 5 по ул. Ленина третью неделю не вывозят мусор.',
    Consists: 'Обращение, 2 файла',
    DocumentDate: '2025-03-01T09:15:00.000Z',
    Deadline: '2025-03-31T09:15:00.000Z',
    Rubrics: [{ Code: '0003.0009.0097.0685', Name: 'Уборка территории' }, { Code: '0003.0009.0097.0686' }],
    Author: {
      Surname: 'Иванова',
      Name: 'Мария',
      Patronymic: 'Ивановна',
      Address: { ZipCode: '614000', Region: 'Пермский край', Settlement: 'г. Пермь', Text: 'ул. Ленина, д. 5, кв. 12' },
      Email: 'ivanova@example.ru',
      Phone: '+7 (912) 555-12-34',
    },
    CoAuthors: [{ Surname: 'Петров', Name: 'Пётр' }],
    DeliveryType: 'Портал Госуслуг (ПОС)',
    Note: 'Повторное обращение',
    Addressee: 'Администрация города Перми',
    AdditionalFields: [{ Name: 'REGION', Type: 'String', Value: 'Пермский край' }],
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `ready` or the time is up. */
export async function waitFor<T>(read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    await sleep(25);
  }
}
