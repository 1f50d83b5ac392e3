// Request and response shapes of the mapping editor's routes (check, preview of drafts, diff,
// rollback, fixtures) and of the failed list's retry by error code.
import { z } from 'zod';
import { changeComment, errorSchema, failedQuerySchema, mappingProblemSchema, posIdParams } from './schemas.js';

const draftSource = z.string().min(1, 'must not be empty').describe('The mapping file (YAML) as edited, not applied');

export const draftBody = z.object({ source: draftSource }).strict();

export const checkResultSchema = z.object({
  ok: z.boolean(),
  problems: z.array(mappingProblemSchema).describe('file:line:column message, as `pos-bridge mappings check` prints them'),
  warnings: z.array(z.string()).describe('What mapping the shipped fixtures showed that is not an error of the file'),
});

export const edmsCheckResultSchema = z.object({
  ok: z.boolean(),
  problems: z.array(mappingProblemSchema),
  notes: z.array(z.string()).describe('What could not be checked here, and why'),
  checked: z.boolean().describe('false: the EDMS could not be asked'),
});

export const FIXTURE_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const fixtureSchema = z.object({
  id: z.string().describe('The file name without .json, as `appeal: {fixture: id}` takes it'),
  title: z.string().describe('The topic of the appeal (ПОС category and fact) and the case it shows'),
  organisation: z.string().optional(),
});

const appealChoice = z.union([
  z.object({ fixture: z.string().regex(FIXTURE_ID, 'must be a fixture id as listed by GET /api/fixtures') }).strict(),
  z.object({ pasted: z.unknown().describe('A ПОС appeal as the ПОС API returns it') }).strict(),
  z.object({ posId: posIdParams.shape.posId.describe('An appeal the bridge holds (decrypted on the server)') }).strict(),
]);

export const previewDraftBody = z
  .object({
    source: draftSource.optional().describe('The draft; without it the applied version is used'),
    appeal: appealChoice,
    unmask: z.boolean().optional().describe('Show names, phones, e-mails and addresses (mapping-editor role; audited)'),
  })
  .strict();

export const previewDraftSchema = z.object({
  record: z.unknown(),
  warnings: z.array(z.string()),
  masked: z.boolean(),
  appeal: z.unknown().describe('The ПОС appeal the record was made from, masked the same way'),
});

export const diffSchema = z.object({
  version: z.string().describe('The applied version the draft is compared with'),
  diff: z.string().describe('Unified diff, empty when the draft is the applied version'),
});

export const rollbackBody = z
  .object({
    version: z.string().regex(/^[0-9a-f]{16}$/, 'must be a version as listed in the history'),
    comment: changeComment.optional(),
  })
  .strict();

export const versionSchema = z.object({ version: z.string() });

export const retryCodeBody = z
  .object({
    code: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an error code as GET /api/failed shows it (e.g. MAPPING_FAILED)'),
    organisation: failedQuerySchema.shape.organisation,
  })
  .strict();

export const retriedCodeSchema = z.object({ code: z.string(), retried: z.number().int(), ids: z.array(z.string()) });

export const problemsErrorSchema = errorSchema.extend({ problems: z.array(mappingProblemSchema) });
