// ПОС wire shapes (see pos-edms-api.md). The appeal schema is lenient: unknown fields pass through
// and every field but id/description/createdAt may be null or missing. PosAnswer is strict about
// what ПОС would reject, so a bad body is refused before it is sent.
import { z } from 'zod';

const nullish = <T extends z.ZodType>(schema: T) => schema.nullable().optional();
const isoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date');

export const personSchema = z
  .object({
    surname: nullish(z.string()),
    name: nullish(z.string()),
    patronymic: nullish(z.string()),
    email: nullish(z.string()),
    phone: nullish(z.string()),
    postAddress: nullish(z.string()),
    sendWithRussiaPost: nullish(z.boolean()),
  })
  .passthrough();

export const appealSchema = z
  .object({
    id: z.number().int().positive(),
    description: z.string(),
    createdAt: isoDate,
    subjectId: nullish(z.number()),
    subjectName: nullish(z.string()),
    subsubjectId: nullish(z.number()),
    subsubjectName: nullish(z.string()),
    factId: nullish(z.number()),
    factName: nullish(z.string()),
    answerAt: nullish(isoDate),
    fastTrack: nullish(z.boolean()),
    regionId: nullish(z.number()),
    regionName: nullish(z.string()),
    address: nullish(z.string()),
    coordinates: nullish(z.unknown()),
    locationAddress: nullish(z.record(z.string(), z.unknown())),
    opaId: nullish(z.number()),
    opaName: nullish(z.string()),
    shared: nullish(z.boolean()),
    applicant: nullish(personSchema),
    coApplicants: nullish(z.array(personSchema)),
    attachments: nullish(z.array(z.string())),
    customFieldValues: nullish(z.array(z.unknown())),
    regNumber: nullish(z.string()),
    regNumberSetAt: nullish(isoDate),
  })
  .passthrough();

export type PosAppeal = z.infer<typeof appealSchema>;
export type PosPerson = z.infer<typeof personSchema>;

export const pageSchema = z
  .object({
    content: z.array(z.unknown()),
    totalElements: z.number().optional(),
    totalPages: z.number().optional(),
    number: z.number().optional(),
    size: z.number().optional(),
    last: z.boolean().optional(),
    empty: z.boolean().optional(),
  })
  .passthrough();

export const tokenResponseSchema = z
  .object({
    access_token: z.string().min(1),
    token_type: z.string().optional(),
    expires_in: z.number().positive().optional(),
    scope: z.string().optional(),
    jti: z.string().optional(),
  })
  .passthrough();

export const officialSchema = z
  .object({
    surname: z.string().optional(),
    name: z.string().optional(),
    patronymic: z.string().optional(),
    email: z.string().optional(),
    phone: z.string().optional(),
  })
  .strict();

export const answerTypes = ['SOLVED', 'FORWARDED', 'REJECTED', 'POSTPONED'] as const;
export type AppealAnswerType = (typeof answerTypes)[number];

/** The status/answer body ("PosAnswer") with the emulator's documented validation rules. */
export const posAnswerSchema = z
  .object({
    id: z.number().int().positive(),
    answer: z.boolean(),
    status: z.string().min(1).optional(),
    statusText: z.string().optional(),
    regNumber: z.string().optional(),
    regNumberSetAt: isoDate.optional(),
    outgoingNumber: z.string().optional(),
    outgoingNumberSetAt: isoDate.optional(),
    executorInfo: officialSchema.optional(),
    managerInfo: officialSchema.optional(),
    answerText: z.string().optional(),
    appealAnswerType: z.enum(answerTypes).optional(),
    attachmentIds: z.array(z.union([z.string(), z.number()])).optional(),
    postponedDate: isoDate.optional(),
    reassignmentInfo: z.string().optional(),
    appealIssueType: z.string().optional(),
    comment: z.string().optional(),
    opaId: z.number().optional(),
    opaName: z.string().optional(),
    notifyApplicant: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (body.answer) {
      if (!body.appealAnswerType) problem('appealAnswerType', 'a final answer needs appealAnswerType');
      if (!body.answerText && !(body.attachmentIds && body.attachmentIds.length > 0)) {
        problem('answerText', 'a final answer needs answerText or attachmentIds');
      }
    }
    if (body.appealAnswerType === 'POSTPONED' && !body.postponedDate) problem('postponedDate', 'POSTPONED needs postponedDate');
    if (body.appealAnswerType === 'FORWARDED' && !body.reassignmentInfo) problem('reassignmentInfo', 'FORWARDED needs reassignmentInfo');
    if (body.appealAnswerType === 'REJECTED' && !body.answerText) problem('answerText', 'REJECTED needs answerText');
  });

export type PosAnswer = z.infer<typeof posAnswerSchema>;

export const uploadedFileSchema = z
  .object({
    id: z.union([z.string(), z.number()]),
    name: z.string().optional(),
    size: z.number().optional(),
    contentType: z.string().optional(),
  })
  .passthrough();
export type UploadedFile = z.infer<typeof uploadedFileSchema>;
