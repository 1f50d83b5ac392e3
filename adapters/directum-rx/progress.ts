// What an IRequests card says about an appeal's progress, normalised to EdmsProgress. The query
// parts (PROGRESS_SELECT / PROGRESS_EXPAND) and the mapping live together so they cannot drift.
import { z } from 'zod';
import type { EdmsFileRef, EdmsProgress, Official, ProgressState } from '../contract.js';

const text = z.string().nullish();
const personSchema = z.looseObject({ LastName: text, FirstName: text, MiddleName: text, Email: text, Phones: text }).nullish();
const employeeSchema = z.looseObject({ Id: z.number(), Email: text, Phone: text, Person: personSchema }).nullish();

export const progressRequestSchema = z.looseObject({
  Id: z.number().int(),
  RegistrationNumber: text,
  RegistrationDate: text,
  ExecutionState: text,
  TransferredTo: text,
  DenialReason: text,
  Modified: z.string(),
  Assignee: employeeSchema,
  Addressee: employeeSchema,
  Questions: z.array(z.looseObject({ ReviewResult: text })).default([]),
  ProlongationDeadline: z
    .array(z.looseObject({ Number: z.number().nullish(), NewDeadline: z.string(), ReasonChangeDeadline: text }))
    .default([]),
  AnswerLetter: z
    .looseObject({
      Id: z.number().int(),
      Subject: text,
      Note: text,
      RegistrationNumber: text,
      RegistrationDate: text,
      Versions: z
        .array(
          z.looseObject({
            Id: z.number().int(),
            Number: z.number().nullish(),
            Note: text,
            AssociatedApplication: z.looseObject({ Extension: text }).nullish(),
          }),
        )
        .default([]),
    })
    .nullish(),
});
export type ProgressRequest = z.infer<typeof progressRequestSchema>;

export const PROGRESS_SELECT = 'Id,RegistrationNumber,RegistrationDate,ExecutionState,TransferredTo,DenialReason,Modified';
const PERSON = 'Person($select=Id,LastName,FirstName,MiddleName,Email,Phones)';
export const PROGRESS_EXPAND = [
  `Assignee($select=Id,Email,Phone;$expand=${PERSON})`,
  `Addressee($select=Id,Email,Phone;$expand=${PERSON})`,
  'Questions($select=Id,ReviewResult)',
  'ProlongationDeadline($select=Id,Number,NewDeadline,ReasonChangeDeadline)',
  'AnswerLetter($select=Id,Subject,Note,RegistrationNumber,RegistrationDate;$expand=Versions($select=Id,Number,Note;$expand=AssociatedApplication($select=Id,Extension)))',
].join(',');

const CONTENT_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  doc: 'application/msword',
  rtf: 'application/rtf',
  odt: 'application/vnd.oasis.opendocument.text',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  zip: 'application/zip',
  xml: 'application/xml',
  html: 'text/html',
  mp4: 'video/mp4',
};

export function contentTypeFor(extension: string | null | undefined): string {
  return CONTENT_TYPES[(extension ?? '').toLowerCase()] ?? 'application/octet-stream';
}

/** Defined fields only: the progress objects are compared and stored, `undefined` would be noise. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null && v !== '')) as T;
}

function official(employee: z.infer<typeof employeeSchema>): Official | undefined {
  if (!employee) return undefined;
  const person = employee.Person;
  return compact({
    surname: person?.LastName ?? undefined,
    name: person?.FirstName ?? undefined,
    patronymic: person?.MiddleName ?? undefined,
    email: employee.Email ?? person?.Email ?? undefined,
    phone: employee.Phone ?? person?.Phones ?? undefined,
  });
}

/** The answer document is the last version of the answer letter (directum-rx.md). */
function answerFiles(letter: NonNullable<ProgressRequest['AnswerLetter']>): EdmsFileRef[] {
  const last = [...letter.Versions].sort((a, b) => (a.Number ?? a.Id) - (b.Number ?? b.Id)).at(-1);
  if (!last) return [];
  const extension = last.AssociatedApplication?.Extension ?? /\.([^.]+)$/.exec(last.Note ?? '')?.[1] ?? 'bin';
  const named = last.Note && /\.[^.]+$/.test(last.Note) ? last.Note : `Ответ ${letter.RegistrationNumber ?? letter.Id}.${extension}`;
  return [{ ref: `IOutgoingLetters(${letter.Id})/Versions(${last.Id})`, name: named, contentType: contentTypeFor(extension) }];
}

export function deriveState(request: ProgressRequest): ProgressState {
  const results = request.Questions.map((q) => q.ReviewResult ?? '');
  const execution = request.ExecutionState ?? '';
  if (execution === 'Aborted' || results.includes('Denied')) return 'rejected';
  if (request.TransferredTo || (results.length > 0 && results.every((r) => r === 'Transferred'))) return 'forwarded';
  if (request.AnswerLetter || execution === 'Executed') return 'answered';
  if (execution === 'WithoutExecut') return 'rejected';
  if (request.ProlongationDeadline.length > 0) return 'postponed';
  if (request.Assignee || execution === 'OnExecution') return 'in_work';
  if (request.RegistrationNumber) return 'registered';
  return 'received';
}

export function toProgress(posId: number, request: ProgressRequest): EdmsProgress {
  const state = deriveState(request);
  const letter = request.AnswerLetter;
  const postponements = [...request.ProlongationDeadline]
    .sort((a, b) => (a.Number ?? 0) - (b.Number ?? 0))
    .map((row) => compact({ until: row.NewDeadline, reason: row.ReasonChangeDeadline ?? undefined }));
  const resolution = request.Questions.map((q) => q.ReviewResult).find((r) => r && r !== 'Draft' && r !== 'Active');
  return compact({
    posId,
    edmsId: String(request.Id),
    state,
    registration:
      request.RegistrationNumber && request.RegistrationDate
        ? { number: request.RegistrationNumber, date: request.RegistrationDate }
        : undefined,
    executor: official(request.Assignee),
    manager: official(request.Addressee),
    postponements,
    forwardedTo: state === 'forwarded' ? (request.TransferredTo ?? undefined) : undefined,
    answer:
      state === 'answered' && letter
        ? compact({
            text: letter.Note ?? letter.Subject ?? undefined,
            resolution: resolution ?? undefined,
            outgoingNumber: letter.RegistrationNumber ?? undefined,
            outgoingDate: letter.RegistrationDate ?? undefined,
            files: answerFiles(letter),
          })
        : state === 'answered'
          ? compact({ resolution: resolution ?? undefined, files: [] })
          : undefined,
    rejection: state === 'rejected' ? { reason: request.DenialReason || 'Оставлено без исполнения' } : undefined,
    updatedAt: request.Modified,
  });
}
