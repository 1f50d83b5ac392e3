// Request and response shapes of the admin API. They validate requests, serialise responses and
// become the OpenAPI description at /docs, so the three never drift apart.
import { z } from 'zod';
import { AUDIT_ID } from './audit.js';
import { ADMIN_ROLES } from './principal.js';
import { parseWindow } from '../pipeline/deadline-days.js';

export const errorSchema = z
  .object({
    error: z.string().describe('Stable, machine-readable code, e.g. unauthorized, validation_failed, not_found, mapping_invalid'),
    message: z.string().describe('Human-readable explanation'),
  })
  .loose()
  .describe('Every error answer has this shape; some add details (issues, problems)');

export const posIdParams = z
  .object({
    posId: z.coerce
      .number({ error: 'must be a positive whole number' })
      .int('must be a positive whole number')
      .positive('must be a positive whole number')
      .max(Number.MAX_SAFE_INTEGER),
  })
  .strict();

export const MAPPING_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const mappingNameParams = z
  .object({ name: z.string().regex(MAPPING_NAME, 'must be 1-64 lower-case letters, digits or dashes, starting with a letter or digit') })
  .strict();

/**
 * Failed-job ids are opaque and meant to be URL-safe, but one may embed a malformed ПОС id, so any
 * printable text is let through (percent-encoded in the URL) and the pipeline answers "not found".
 */
export const failedIdParams = z
  .object({ id: z.string().regex(/^[^\p{Cc}]{1,512}$/u, 'must be a failed-job id as listed by GET /api/failed') })
  .strict();

/**
 * Bodyless actions still refuse a body with fields, so a typo is not silently ignored. (fastify
 * validates a missing body as null.)
 */
export const emptyBody = z.object({}).strict().nullish();

export const appealViewSchema = z.object({
  posId: z.number().int(),
  organisation: z
    .string()
    .optional()
    .describe('The organisation (ЛКО) whose appeal it is; with several, also the others holding the same ПОС id in `alsoIn`'),
  alsoIn: z.array(z.string()).optional(),
  state: z.string(),
  edmsId: z.string().optional(),
  regNumber: z.string().optional(),
  regDate: z.string().optional(),
  deadline: z.string().optional().describe('ПОС answerAt, or the date of the last postponement the bridge pushed (ISO 8601)'),
  executor: z.string().optional().describe('The official the EDMS assigned (a name, no contacts)'),
  registeredAt: z.string().optional(),
  acceptedAt: z.string().optional(),
  pushed: z.array(z.object({ step: z.string(), status: z.string(), statusText: z.string().optional(), at: z.string() })),
  lastError: z.object({ code: z.string(), message: z.string(), at: z.string() }).optional(),
});

export const syncStartedSchema = z.object({ jobId: z.string() });

export const mappingSummarySchema = z.object({
  name: z.string(),
  version: z.string(),
  target: z.string(),
  updatedAt: z.string().optional(),
  author: z.string().optional(),
});

export const mappingWithSourceSchema = mappingSummarySchema.extend({ source: z.string().describe('The mapping file (YAML) as stored') });

export const ADMIN_USER_HEADER = 'x-admin-user';
export const DEFAULT_AUTHOR = 'admin-api';
const author = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** Why a change was made, shown in the history; lines and tabs allowed, other control characters not. */
export const changeComment = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .regex(/^(?:[^\p{Cc}]|[\n\t])*$/u, 'must not contain control characters other than new lines and tabs');

export const putMappingBody = z
  .object({
    source: z.string().min(1, 'must not be empty').describe('The mapping file (YAML)'),
    author: author.optional().describe('Who makes the change; default: the X-Admin-User header, else admin-api'),
    comment: changeComment.optional().describe('Why (at most 500 characters); shown in the history'),
  })
  .strict()
  .describe('JSON form. The raw YAML may be sent instead with Content-Type text/yaml, application/yaml or text/plain.');

export const adminUserHeaders = z.looseObject({ [ADMIN_USER_HEADER]: author.optional() });

export const mappingSavedSchema = z.object({ version: z.string(), warnings: z.array(z.string()).optional() });

export const putMappingQuery = z
  .object({ force: z.enum(['true', 'false']).optional().describe('true: apply even with values the EDMS lacks') })
  .strict();

export const mappingProblemSchema = z.object({ file: z.string(), line: z.number(), column: z.number(), message: z.string() });

export const mappingInvalidSchema = errorSchema.extend({ problems: z.array(mappingProblemSchema) });

export const previewSchema = z.object({ record: z.unknown(), warnings: z.array(z.string()) });

export const previewFailedSchema = errorSchema.extend({ problems: z.array(z.string()) });

export const historyEntrySchema = z.object({
  version: z.string(),
  author: z.string(),
  at: z.string(),
  diff: z.string(),
  comment: z.string().optional().describe('Why, as the author wrote it on PUT or rollback'),
});

export const failedJobSchema = z.object({
  id: z.string(),
  organisation: z.string().optional(),
  queue: z.string(),
  name: z.string(),
  posId: z.number().int().optional(),
  attemptsMade: z.number().int(),
  failedAt: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string() }),
});

export const retriedSchema = z.object({ id: z.string(), retried: z.literal(true) });

export const queueCountsSchema = z
  .record(z.string(), z.record(z.string(), z.number()))
  .describe('Jobs per queue (key) and state (inner key)');

export const checkResultSchema = z.object({
  ok: z.boolean(),
  code: z
    .string()
    .optional()
    .describe('Why it is not ready: TIMEOUT, UNAVAILABLE, or the error code (AUTH_FAILED, EDMS_REFERENCE_UNKNOWN, …)'),
  ms: z.number(),
});

const checksShape = {
  redis: checkResultSchema,
  pos: checkResultSchema.describe('Every organisation reaches ПОС with its credentials'),
  edms: checkResultSchema,
  mapping: checkResultSchema.optional(),
  organisations: z.record(z.string(), checkResultSchema).optional().describe('ПОС per organisation (ЛКО), when there are several'),
};

export const failedQuerySchema = z
  .object({
    organisation: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, 'must be an organisation key ([a-z0-9-]{1,32})')
      .optional(),
  })
  .strict();

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object(checksShape),
});

const checkDetailSchema = checkResultSchema.extend({ message: z.string().optional() });

export const statusSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    redis: checkDetailSchema,
    pos: checkDetailSchema,
    edms: checkDetailSchema,
    mapping: checkDetailSchema.optional(),
    organisations: z.record(z.string(), checkDetailSchema).optional(),
  }),
  mapping: z
    .object({
      mapping: z.string(),
      version: z.string(),
      checkedAt: z.string(),
      checked: z.boolean().describe('false: the EDMS could not be asked (see error)'),
      problems: z.array(z.object({ file: z.string(), line: z.number(), column: z.number(), message: z.string() })),
      notes: z.array(z.string()),
      error: z.string().optional(),
    })
    .nullable()
    .describe('The mapping in use, checked against the EDMS directories and $metadata'),
});

export const liveSchema = z.object({ status: z.literal('live') });

/** Responses every /api route may give besides its own. */
export const authErrors = { 401: errorSchema, 403: errorSchema, 400: errorSchema, 500: errorSchema } as const;

const roleSchema = z.enum(ADMIN_ROLES);

export const loginBody = z
  .object({ token: z.string().min(1, 'must not be empty').max(1000).describe('ADMIN_TOKEN, or a user token <name>.<secret>') })
  .strict();

export const loginSchema = z.object({
  user: z.string(),
  role: roleSchema,
  csrfToken: z.string().describe('Send it back as X-CSRF-Token on every POST/PUT/PATCH/DELETE of this session'),
  expiresAt: z.string().describe('When the session ends at the latest (UI_SESSION_MAX); UI_SESSION_IDLE without a request ends it sooner'),
});

export const loggedOutSchema = z.object({ status: z.literal('logged_out') });

export const sessionSchema = z.object({
  user: z.string(),
  role: roleSchema,
  via: z.enum(['token', 'session']),
  csrfToken: z.string().optional().describe('Only for a console session'),
});

export const auditQuerySchema = z
  .object({
    limit: z.coerce.number({ error: 'must be a whole number from 1 to 1000' }).int().min(1).max(1000).optional(),
    before: z.string().regex(AUDIT_ID, 'must be an audit entry id from an earlier page').optional(),
    action: z
      .string()
      .regex(/^[a-z][a-z0-9.-]{0,63}$/, 'must be an action such as mapping.apply')
      .optional(),
  })
  .strict();

export const auditEntrySchema = z.object({
  id: z.string().describe('Pass as `before` to get the next (older) page'),
  at: z.string(),
  who: z.string(),
  role: z.string().optional(),
  action: z.string(),
  target: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const deadlinesQuerySchema = z
  .object({
    within: z
      .string()
      .refine(
        (value) => parseWindow(value) !== undefined,
        'must be a duration of whole minutes, hours or days up to 366d, like 90m, 12h, 3d',
      )
      .default('3d')
      .describe('How far ahead to look (overdue appeals are always listed); default 3d'),
  })
  .strict();

export const deadlineItemSchema = z.object({
  posId: z.number().int(),
  organisation: z.string().describe('The organisation (ЛКО) whose appeal it is'),
  deadline: z.string().describe('ПОС answerAt, or the date of the last postponement the bridge pushed (ISO 8601)'),
  daysLeft: z
    .number()
    .int()
    .describe('Working days to the deadline in DEADLINE_TIME_ZONE per the mapping calendar: 0 due today, negative overdue'),
  regNumber: z.string().optional(),
  executor: z.string().optional(),
  edmsId: z.string().optional(),
});

export const deadlinesSchema = z.object({
  within: z.string(),
  generatedAt: z.string(),
  timeZone: z.string(),
  items: z.array(deadlineItemSchema).describe('By deadline within each organisation, organisations consecutive (the one due first first)'),
});
