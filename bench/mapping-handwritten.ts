// What an engineer would write by hand instead of the shipped mappings: plain TypeScript making
// the same records from the same tables (read from the mapping files once, as a hand-written
// integration would keep them in code). The benchmark compares the mapping engine against these;
// a test proves both make deep-equal records, so the comparison is fair.
import { parse } from 'yaml';
import type { DeloRecord } from '../adapters/delo/record.js';
import type { DirectumPerson, DirectumRecord } from '../adapters/directum-rx/record.js';
import type { PosAppeal, PosPerson } from '../src/pos/schemas.js';
import { cleanText } from '../src/mapping/functions.js';
import { addCalendarDays, controlDate, type WorkingCalendar } from '../src/mapping/working-days.js';

interface Table {
  default?: string;
  entries: Map<string, string>;
}

export interface HandTables {
  constants: Record<string, string | number>;
  tables: Map<string, Table>;
  calendar: WorkingCalendar;
  workingDays: number;
}

interface RawFile {
  constants?: Record<string, string | number>;
  dictionaries?: Record<string, { default?: string; entries: Record<string, string> }>;
  controlDays?: { workingDays: number; holidays?: string[]; workingWeekends?: string[] };
}

export function handTables(yamlSource: string): HandTables {
  const file = parse(yamlSource) as RawFile;
  const tables = new Map<string, Table>();
  for (const [name, spec] of Object.entries(file.dictionaries ?? {})) {
    tables.set(name, { default: spec.default, entries: new Map(Object.entries(spec.entries)) });
  }
  return {
    constants: file.constants ?? {},
    tables,
    calendar: { holidays: new Set(file.controlDays?.holidays ?? []), workingWeekends: new Set(file.controlDays?.workingWeekends ?? []) },
    workingDays: file.controlDays?.workingDays ?? 0,
  };
}

const blank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

// The same text helper as the engine's $clean, so the comparison measures the engine, not it.
const clean = (value: string | null | undefined): string | undefined =>
  value === undefined || value === null ? undefined : cleanText(value);

function truncate(value: string | undefined, max: number, field: string, warnings: string[]): string | undefined {
  if (value === undefined || value.length <= max) return value;
  warnings.push(`${field}: text cut to ${max} characters (was ${value.length})`);
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${value.slice(0, end)}…`;
}

function lookup(tables: HandTables, name: string, key: number | null | undefined, field: string, warnings: string[]): string | undefined {
  const table = tables.tables.get(name) as Table;
  const found = key === undefined || key === null ? undefined : table.entries.get(String(key));
  if (found !== undefined) return found;
  const described = typeof key === 'number' ? `key ${key}` : 'an empty key';
  warnings.push(
    `${field}: dictionary "${name}" has no entry for ${described}; ${table.default === undefined ? 'no default, left empty' : 'default used'}`,
  );
  return table.default;
}

const has = (tables: HandTables, name: string, key: number | null | undefined) =>
  key !== undefined && key !== null && (tables.tables.get(name) as Table).entries.has(String(key));

/** Drops undefined members, as the engine does with absent values. */
function compactObject<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}

function fullText(appeal: PosAppeal, addressLabel: string): string {
  const category = [appeal.subjectName, appeal.subsubjectName, appeal.factName].filter((part) => !blank(part)).join(' / ');
  const address = clean(appeal.address);
  return [category ? `Категория: ${category}` : undefined, appeal.description, address ? `${addressLabel}${address}` : undefined]
    .filter((part) => !blank(part))
    .join('\n\n');
}

function deadlines(appeal: PosAppeal, tables: HandTables): { answerBy: string; control: string | undefined } {
  const answerBy = !blank(appeal.answerAt)
    ? (appeal.answerAt as string)
    : (addCalendarDays(appeal.createdAt, Number(tables.constants.statutoryDays)) as string);
  return { answerBy, control: controlDate(answerBy, tables.workingDays, tables.calendar) };
}

const note = (appeal: PosAppeal) => `Получено из ПОС, № ${appeal.id}${clean(appeal.regionName) ? `, ${clean(appeal.regionName)}` : ''}`;

/** JSONata's truthiness of the coApplicants array: some member is a non-empty object. */
const hasCoApplicants = (appeal: PosAppeal) => (appeal.coApplicants ?? []).some((person) => person && Object.keys(person).length > 0);

function directumPerson(person: PosPerson, tables: HandTables, field: string, warnings: string[]): DirectumPerson {
  return compactObject({
    LastName: truncate(clean(person.surname), 250, field, warnings) as string,
    FirstName: truncate(clean(person.name) ?? String(tables.constants.noFirstName), 250, field, warnings) as string,
    MiddleName: truncate(clean(person.patronymic), 250, field, warnings),
    Email: truncate(clean(person.email), 250, field, warnings),
    Phones: truncate(clean(person.phone), 250, field, warnings),
    PostalAddress: truncate(clean(person.postAddress), 1000, field, warnings),
  });
}

export function directumByHand(appeal: PosAppeal, tables: HandTables, warnings: string[]): DirectumRecord {
  const applicant = appeal.applicant ?? undefined;
  const named = clean(applicant?.surname) !== undefined;
  const { answerBy, control } = deadlines(appeal, tables);
  const subject =
    [clean(appeal.description), appeal.subsubjectName, appeal.subjectName].find((value) => !blank(value)) ??
    `Обращение из ПОС № ${appeal.id}`;
  const question = has(tables, 'questionByFact', appeal.factId)
    ? lookup(tables, 'questionByFact', appeal.factId, 'Questions', warnings)
    : has(tables, 'questionBySubsubject', appeal.subsubjectId)
      ? lookup(tables, 'questionBySubsubject', appeal.subsubjectId, 'Questions', warnings)
      : lookup(tables, 'questionBySubject', appeal.subjectId, 'Questions', warnings);
  return compactObject({
    Subject: truncate(subject, 250, 'Subject', warnings) as string,
    FullText: fullText(appeal, 'Адрес проблемы: '),
    Note: truncate(note(appeal), 1000, 'Note', warnings),
    RequestDate: appeal.createdAt,
    InitialDeadline: answerBy,
    Deadline: control,
    DeliveryMethod: String(tables.constants.deliveryMethod),
    DocumentKind: String(tables.constants.documentKind),
    Department: lookup(tables, 'departmentBySubject', appeal.subjectId, 'Department', warnings),
    RequestType: !named ? 'Anonymous' : appeal.shared === true || hasCoApplicants(appeal) ? 'Collective' : 'Individual',
    NotifyByEmail: clean(applicant?.email) !== undefined && applicant?.sendWithRussiaPost !== true,
    Questions: [{ Code: question as string }],
    Correspondent: named && applicant ? directumPerson(applicant, tables, 'Correspondent', warnings) : undefined,
    CoApplicants: hasCoApplicants(appeal)
      ? (appeal.coApplicants ?? [])
          .filter((person) => clean(person.surname) !== undefined)
          .map((person) => directumPerson(person, tables, 'CoApplicants', warnings))
      : undefined,
    ProblemAddress: truncate(
      clean(appeal.address) ?? clean(appeal.locationAddress?.fullAddress as string | undefined),
      1000,
      'ProblemAddress',
      warnings,
    ),
    FastTrack: appeal.fastTrack === true,
  } satisfies Partial<Record<keyof DirectumRecord, unknown>>) as DirectumRecord;
}

type DeloPerson = NonNullable<DeloRecord['Author']>;

function deloPerson(person: PosPerson, field: string, warnings: string[]): DeloPerson {
  const address = clean(person.postAddress);
  return compactObject({
    Surname: truncate(clean(person.surname), 250, field, warnings) as string,
    Name: truncate(clean(person.name), 250, field, warnings),
    Patronymic: truncate(clean(person.patronymic), 250, field, warnings),
    Address: address
      ? compactObject({
          ZipCode: /(?:^|\D)(\d{6})(?!\d)/.exec(person.postAddress as string)?.[1],
          Text: truncate(address, 1000, field, warnings),
        })
      : undefined,
    Email: truncate(clean(person.email), 250, field, warnings),
    Phone: truncate(clean(person.phone), 100, field, warnings),
  });
}

export function deloByHand(appeal: PosAppeal, tables: HandTables, warnings: string[]): DeloRecord {
  const applicant = appeal.applicant ?? undefined;
  const files = appeal.attachments && appeal.attachments.length > 0 ? `, файлов: ${appeal.attachments.length}` : '';
  const rubric = has(tables, 'rubricBySubsubject', appeal.subsubjectId)
    ? lookup(tables, 'rubricBySubsubject', appeal.subsubjectId, 'Rubrics', warnings)
    : lookup(tables, 'rubricBySubject', appeal.subjectId, 'Rubrics', warnings);
  const extra = [
    !blank(appeal.answerAt) ? { Name: 'Срок ответа по ПОС', Type: 'date', Value: appeal.answerAt as string } : undefined,
    appeal.fastTrack === true ? { Name: 'Ускоренное рассмотрение', Type: 'string', Value: 'да' } : undefined,
  ].filter((field) => field !== undefined);
  return compactObject({
    Annotation: fullText(appeal, 'Адрес проблемы: ') || `Обращение из ПОС № ${appeal.id}`,
    Consists: truncate(`Обращение из ПОС${files}`, 255, 'Consists', warnings),
    DocumentDate: appeal.createdAt,
    Deadline: deadlines(appeal, tables).control,
    Rubrics: [{ Code: rubric as string }],
    Author: clean(applicant?.surname) !== undefined && applicant ? deloPerson(applicant, 'Author', warnings) : undefined,
    CoAuthors: hasCoApplicants(appeal)
      ? (appeal.coApplicants ?? [])
          .filter((person) => clean(person.surname) !== undefined)
          .map((person) => deloPerson(person, 'CoAuthors', warnings))
      : undefined,
    DeliveryType: String(tables.constants.deliveryType),
    Note: truncate(note(appeal), 2000, 'Note', warnings),
    Addressee: lookup(tables, 'addresseeBySubject', appeal.subjectId, 'Addressee', warnings),
    AdditionalFields: extra.length > 0 ? extra : undefined,
  } satisfies Partial<Record<keyof DeloRecord, unknown>>) as DeloRecord;
}
