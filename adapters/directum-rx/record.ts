// The IRequests record the mapping produces for Directum RX. Names follow the Integration Service's
// properties where one exists; FullText and CoApplicants are the bridge's own (the adapter stores
// them as a text version and as further persons). Limits follow Directum's string lengths.
import { z } from 'zod';
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
    DeliveryMethod: optionalText(250),
    DocumentKind: optionalText(250),
    Department: optionalText(250),
    BusinessUnit: optionalText(250),
    RequestType: z.enum(['Individual', 'Collective', 'Anonymous']).optional(),
    NotifyByEmail: z.boolean().optional(),
    /** Question classifier codes (IQuestions.FullCode), at least one. */
    Questions: z.array(z.object({ Code: z.string().min(1) }).strict()).min(1),
    /** The applicant; absent for anonymous appeals. */
    Correspondent: directumPersonSchema.optional(),
    CoApplicants: z.array(directumPersonSchema).optional(),
    /** Where the problem is (ПОС address), for the clerk. */
    ProblemAddress: optionalText(1000),
    FastTrack: z.boolean().optional(),
  })
  .strict();

export type DirectumRecord = z.infer<typeof directumRecordSchema>;
export type DirectumPerson = z.infer<typeof directumPersonSchema>;
