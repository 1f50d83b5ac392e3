// The IRequests record the mapping produces for Directum RX. Names follow the Integration Service's
// properties where one exists; FullText and CoApplicants are the bridge's own (the adapter stores
// them as a text version). Directory references (document kind, delivery method, department,
// business unit, employees, classifier questions) carry human values — a name, a code, or an
// explicit {Id} — which the adapter resolves in the installation's own directories before it
// writes anything. Limits follow Directum's string lengths.
import { z } from 'zod';
import type { ReferenceField } from '../contract.js';
import { isoDateField, optionalText } from '../record-fields.js';

export const directumPersonSchema = z
  .object({
    LastName: z.string().min(1).max(250),
    FirstName: z.string().min(1).max(250),
    MiddleName: optionalText(250),
    Email: optionalText(250),
    Phones: optionalText(250),
    PostalAddress: optionalText(1000),
  })
  .strict();

/** A directory entry named by the mapping: its name or code, or its Id when the admin knows it. */
export const referenceValueSchema = z.union([z.string().trim().min(1).max(500), z.object({ Id: z.number().int().positive() }).strict()]);

export const directumRecordSchema = z
  .object({
    /** Short subject of the request (the card's «Содержание»), up to 250 characters. */
    Subject: z.string().min(1).max(250),
    /** Complete appeal text; kept whole as a text version whatever its length. */
    FullText: z.string(),
    Note: optionalText(1000),
    RequestDate: isoDateField,
    /** Internal control date (a few working days before answerAt). */
    Deadline: isoDateField.optional(),
    /** ПОС answerAt: the deadline promised to the citizen. */
    InitialDeadline: isoDateField.optional(),
    DeliveryMethod: referenceValueSchema.optional(),
    DocumentKind: referenceValueSchema.optional(),
    Department: referenceValueSchema.optional(),
    BusinessUnit: referenceValueSchema.optional(),
    /** Employees: by full name («Фамилия Имя Отчество») or {Id}. */
    Addressee: referenceValueSchema.optional(),
    Assignee: referenceValueSchema.optional(),
    PreparedBy: referenceValueSchema.optional(),
    OurSignatory: referenceValueSchema.optional(),
    RequestType: z.enum(['Individual', 'Collective', 'Anonymous']).optional(),
    NotifyByEmail: z.boolean().optional(),
    /** Classifier questions (IQuestions): by FullCode or name, or {Id}; at least one. */
    Questions: z
      .array(z.union([z.object({ Code: z.string().trim().min(1) }).strict(), z.object({ Id: z.number().int().positive() }).strict()]))
      .min(1),
    /** The applicant; absent for anonymous appeals. Found or created by the person rule (lookups.ts). */
    Correspondent: directumPersonSchema.optional(),
    /** Co-applicants of a collective appeal: written into the full-text version (IRequests has no such collection). */
    CoApplicants: z.array(directumPersonSchema).optional(),
    /** Where the problem is (ПОС address): a property where the installation declares one, else a line of Note. */
    ProblemAddress: optionalText(1000),
    /** ПОС fast track: a property where the installation declares one, else a line of Note. */
    FastTrack: z.boolean().optional(),
  })
  .strict();

export type DirectumRecord = z.infer<typeof directumRecordSchema>;
export type DirectumPerson = z.infer<typeof directumPersonSchema>;

/** Record fields resolved in a directory; IEmployees never offers closest names (they are people). */
export const DIRECTUM_REFERENCE_FIELDS: readonly ReferenceField[] = [
  { field: 'DocumentKind', directory: 'document-kinds', directoryName: 'IDocumentKinds', suggest: true },
  { field: 'DeliveryMethod', directory: 'delivery-methods', directoryName: 'IMailDeliveryMethods', suggest: true },
  { field: 'Department', directory: 'departments', directoryName: 'IDepartments', suggest: true },
  { field: 'BusinessUnit', directory: 'business-units', directoryName: 'IBusinessUnits', suggest: true },
  { field: 'Addressee', directory: 'employees', directoryName: 'IEmployees', suggest: false },
  { field: 'Assignee', directory: 'employees', directoryName: 'IEmployees', suggest: false },
  { field: 'PreparedBy', directory: 'employees', directoryName: 'IEmployees', suggest: false },
  { field: 'OurSignatory', directory: 'employees', directoryName: 'IEmployees', suggest: false },
  { field: 'Questions[].Code', directory: 'questions', directoryName: 'IQuestions', suggest: true },
];

/**
 * Record field → the IRequests property it is written to. null: not a property (a version, or text).
 * `optional`: written only where the installation declares it, else folded into Note (not an error).
 */
export const DIRECTUM_PROPERTY_OF: Readonly<Record<keyof DirectumRecord, { property: string | null; optional?: boolean }>> = {
  Subject: { property: 'Subject' },
  FullText: { property: null },
  Note: { property: 'Note' },
  RequestDate: { property: 'RequestDate' },
  Deadline: { property: 'Deadline' },
  InitialDeadline: { property: 'InitialDeadline' },
  DeliveryMethod: { property: 'DeliveryMethod' },
  DocumentKind: { property: 'DocumentKind' },
  Department: { property: 'Department' },
  BusinessUnit: { property: 'BusinessUnit' },
  Addressee: { property: 'Addressee' },
  Assignee: { property: 'Assignee' },
  PreparedBy: { property: 'PreparedBy' },
  OurSignatory: { property: 'OurSignatory' },
  RequestType: { property: 'RequestType' },
  NotifyByEmail: { property: 'NotifyByEmail' },
  Questions: { property: 'Questions' },
  Correspondent: { property: 'Correspondent' },
  CoApplicants: { property: null },
  ProblemAddress: { property: 'ProblemAddress', optional: true },
  FastTrack: { property: 'FastTrack', optional: true },
};
