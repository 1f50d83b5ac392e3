// The shape of a mapping file (see README.md "Mapping files"). Checked with zod after YAML parsing;
// each issue is then located in the file by its path.
import { z } from 'zod';
import { EDMS_KINDS } from '../../adapters/registry.js';
import { answerTypes } from '../pos/schemas.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a name of letters, digits and _ (used as $const.name)');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD');
const present = z.unknown().refine((value) => value !== null && value !== undefined, 'needs a value');

const statusRuleSchema = z
  .object({
    status: z.string().min(1),
    statusText: z.string(),
    appealAnswerType: z.enum(answerTypes).optional(),
    notifyApplicant: z.boolean().optional(),
  })
  .strict();

const finalRuleSchema = statusRuleSchema.required({ appealAnswerType: true });

export const statusesSchema = z
  .object({
    registered: statusRuleSchema,
    in_work: statusRuleSchema,
    postponed: statusRuleSchema,
    forwarded: statusRuleSchema,
    // A final answer needs appealAnswerType (PosAnswer rule), so these two must say which.
    answered: finalRuleSchema,
    rejected: finalRuleSchema,
    answerTypeByResolution: z.record(z.string(), z.enum(answerTypes)).optional(),
  })
  .strict();

export const dictionarySchema = z
  .object({
    description: z.string().optional(),
    keyType: z.enum(['number', 'string']),
    default: present.optional(),
    entries: z.record(z.string(), present),
  })
  .strict();

export const controlDaysSchema = z
  .object({
    workingDays: z.number().int().min(0).max(60),
    holidays: z.array(isoDay).optional(),
    workingWeekends: z.array(isoDay).optional(),
  })
  .strict();

export const mappingFileSchema = z
  .object({
    target: z.enum(EDMS_KINDS),
    description: z.string().optional(),
    constants: z.record(identifier, present).optional(),
    dictionaries: z.record(identifier, dictionarySchema).optional(),
    controlDays: controlDaysSchema.optional(),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    statuses: statusesSchema,
  })
  .strict();

export type MappingFile = z.infer<typeof mappingFileSchema>;
