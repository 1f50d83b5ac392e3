// The settings of interface.md, by their environment names. Each problem is reported against the
// variable an operator would type, so the start-up error reads as a to-do list.
import { z } from 'zod';
import { EDMS_KINDS } from '../../adapters/registry.js';
import { DEFAULT_DEADLINE_TIME_ZONE, isTimeZone } from '../pipeline/deadline-days.js';
import { checkSchedule, parseDuration, parseSchedule, type Schedule } from './schedule.js';

const nonEmpty = z.string().trim().min(1, 'is required');
const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol);
        } catch {
          return false;
        }
      },
      `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    );
const positiveInt = (max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);
const schedule = z.string().transform((value, ctx): Schedule => {
  const checked = checkSchedule(value);
  if ('problem' in checked) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration like 30s, 5m, 1h or a cron expression; ${checked.problem} (got "${value}")`,
    });
    return z.NEVER;
  }
  return checked;
});
const duration = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 500ms, 10s, 2m (got "${value}")` });
    return z.NEVER;
  }
  return ms;
});

/** JOB_KEEP_*_AGE: days (`7d`) or the usual units, more than zero. */
const keepAge = z.string().transform((value, ctx) => {
  const days = /^(\d+(?:\.\d+)?)\s*d$/.exec(value.trim());
  const ms = days ? Math.round(Number(days[1]) * 86_400_000) : parseDuration(value);
  if (ms === undefined || ms < 1000) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 24h, 7d or 30m, at least 1s (got "${value}")` });
    return z.NEVER;
  }
  return ms;
});

/** A duration that may be zero (`0s`: do not wait). */
const durationOrZero = z.string().transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `must be a duration like 30s, 10m, 1h or 0s (got "${value}")` });
    return z.NEVER;
  }
  return ms;
});
/** DELO_FILE_MODE: octal; the owner (the bridge) reads and writes, no execute bits, not writable by everyone. */
const fileMode = z.string().transform((value, ctx) => {
  const digits = /^(?:0o?)?([0-7]{3})$/i.exec(value.trim())?.[1];
  const mode = digits === undefined ? undefined : parseInt(digits, 8);
  const problem =
    mode === undefined
      ? `must be an octal file mode like 0640 or 0660 (got "${value}")`
      : (mode & 0o600) !== 0o600
        ? `must let the owner read and write (got ${value}; e.g. 0640)`
        : (mode & 0o111) !== 0
          ? `must be a file mode without execute bits (got ${value}; folders get them from it, 0640 → 0750)`
          : (mode & 0o002) !== 0
            ? `must not let every user write (got ${value}; e.g. 0640 or 0660)`
            : null;
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return mode!;
});
/** DELO_RETENTION: a duration in days (`90d`) or the usual units, at least an hour (the sweep's period). */
const retention = z.string().transform((value, ctx) => {
  const days = /^(\d+(?:\.\d+)?)\s*d$/.exec(value.trim());
  const ms = days ? Math.round(Number(days[1]) * 86_400_000) : parseDuration(value);
  if (ms === undefined || ms < 3_600_000) {
    ctx.addIssue({
      code: 'custom',
      message: ms === undefined ? `must be a duration like 90d, 30d or 12h (got "${value}")` : `must be at least 1h (got "${value}")`,
    });
    return z.NEVER;
  }
  return ms;
});
const uuid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID like 6f1c2a9e-3b7d-5e4f-8a21-0c9d4b6e7f10')
  .transform((value) => value.toLowerCase());
/** Defaults of the ПОС limits; the PosClient applies the same ones when built without a config. */
export const POS_LIMIT_DEFAULTS = {
  maxAttachments: 20,
  maxAttachmentsTotalMb: 100,
  maxResponseMb: 16,
  totalTimeoutMs: 5 * 60_000,
} as const;

/** One entry of POS_ATTACHMENT_ORIGINS as an origin (`https://host[:port]`), or why it is not one. */
export function parseOriginEntry(entry: string): { origin: string; protocol: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return { problem: `"${entry}" is not a URL; write an origin like https://files.example` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { problem: `"${entry}" must start with https:// (or http://)` };
  // `new URL` gives a bare origin the path "/"; `?`, `#` or `@` mean a query, fragment or login.
  const bare = url.pathname === '/' && !/[?#@]/.test(entry);
  if (!bare) return { problem: `"${entry}" must be a bare origin scheme://host[:port], without path, query or credentials` };
  return { origin: url.origin, protocol: url.protocol };
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

const originList = z.string().transform((value, ctx): string[] => {
  const entries = splitList(value);
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must name at least one origin, e.g. https://pos.gosuslugi.ru' });
    return z.NEVER;
  }
  const origins: string[] = [];
  for (const entry of entries) {
    const parsed = parseOriginEntry(entry);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    else if (!origins.includes(parsed.origin)) origins.push(parsed.origin);
  }
  return origins;
});

/** Decodes DATA_KEY: exactly 32 bytes, as 64 hex characters or base64. */
export function decodeDataKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === 32) return bytes;
  }
  return undefined;
}

const dataKey = z.string().transform((value, ctx) => {
  const key = decodeDataKey(value);
  if (!key) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a 32-byte key, as 64 hex characters or 44 base64 characters (e.g. `openssl rand -base64 32`)',
    });
    return z.NEVER;
  }
  return key;
});

const platformPair = z.string().transform((value, ctx) => {
  const at = value.indexOf(':');
  if (at <= 0 || at === value.length - 1) {
    ctx.addIssue({ code: 'custom', message: 'must be the platform client pair written as id:secret' });
    return z.NEVER;
  }
  return { id: value.slice(0, at), secret: value.slice(at + 1) };
});

/** TRUST_PROXY: true/false, or the reverse proxies' addresses (IPs or CIDRs, comma-separated). */
const trustProxy = z
  .string()
  .trim()
  .transform((value, ctx): boolean | string => {
    if (value === 'true' || value === 'false') return value === 'true';
    const entries = value.split(',').map((entry) => entry.trim());
    if (entries.every((entry) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry))) return entries.join(',');
    ctx.addIssue({ code: 'custom', message: "must be true, false, or the proxies' addresses (IPs or CIDRs, comma-separated)" });
    return z.NEVER;
  });

/** Most worker processes `start --workers` forks: a sanity bound, not a tuning advice. */
export const MAX_WORKER_PROCESSES = 64;

/** WORKERS / `--workers`: a whole number of worker processes, or `auto` (one per core); undefined when neither. */
export function parseWorkerCount(value: string): number | 'auto' | undefined {
  const text = value.trim().toLowerCase();
  if (text === 'auto') return 'auto';
  if (!/^\d+$/.test(text)) return undefined;
  const count = Number(text);
  return count >= 1 && count <= MAX_WORKER_PROCESSES ? count : undefined;
}

export const WORKER_COUNT_PROBLEM = `must be auto or a whole number from 1 to ${MAX_WORKER_PROCESSES}`;

const workerCount = z.string().transform((value, ctx): number | 'auto' => {
  const count = parseWorkerCount(value);
  if (count === undefined) {
    ctx.addIssue({ code: 'custom', message: `${WORKER_COUNT_PROBLEM} (got "${value}")` });
    return z.NEVER;
  }
  return count;
});

/** Raw settings: every value as the operator wrote it (env or YAML), validated per variable. */
export const settingsSchema = z.object({
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9:{}_-]+$/, 'may hold letters, digits and : { } _ -')
    .default('pos-bridge'),
  POS_BASE_URL: url(['http:', 'https:']).default('https://pos.gosuslugi.ru'),
  POS_PLATFORM_CLIENT: platformPair.optional(),
  POS_CLIENT_ID: nonEmpty.optional(),
  POS_CLIENT_SECRET: nonEmpty.optional(),
  POS_PAGE_SIZE: positiveInt(100).default(20),
  POS_TIMEOUT: duration.default(30_000),
  HTTP_TOTAL_TIMEOUT: duration.default(POS_LIMIT_DEFAULTS.totalTimeoutMs),
  POS_ATTACHMENT_ORIGINS: originList.optional(),
  POS_MAX_ATTACHMENT_MB: positiveInt(1024).default(50),
  POS_MAX_ATTACHMENTS: positiveInt(1000).default(POS_LIMIT_DEFAULTS.maxAttachments),
  POS_MAX_ATTACHMENTS_TOTAL_MB: positiveInt(16_384).default(POS_LIMIT_DEFAULTS.maxAttachmentsTotalMb),
  POS_MAX_RESPONSE_MB: positiveInt(1024).default(POS_LIMIT_DEFAULTS.maxResponseMb),
  HTTPS_PROXY: url(['http:', 'https:']).optional(),
  NO_PROXY: z.string().optional(),
  EDMS: z.enum(EDMS_KINDS, { error: `must be ${EDMS_KINDS.join(' or ')}` }).optional(),
  DIRECTUM_BASE_URL: url(['http:', 'https:']).optional(),
  DIRECTUM_USERNAME: nonEmpty.optional(),
  DIRECTUM_PASSWORD: nonEmpty.optional(),
  DIRECTUM_TIMEOUT: duration.default(30_000),
  DIRECTUM_ENTITY_TYPE: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID like 4c5d5c5b-6c3c-4b8e-9c36-2f6a7a0f5e21')
    .default('4c5d5c5b-6c3c-4b8e-9c36-2f6a7a0f5e21'),
  DIRECTUM_DIRECTORY_TTL: duration.default(10 * 60_000),
  DELO_OUTBOX_DIR: nonEmpty.optional(),
  DELO_INBOX_DIR: nonEmpty.optional(),
  DELO_STATE_DIR: nonEmpty.optional(),
  DELO_DURABLE_WHEN: z.enum(['registered', 'written'], { error: 'must be registered or written' }).default('registered'),
  // Unset: the adapter's defaults (adapters/delo/README.md), the values the bridge always used.
  DELO_SENDER: nonEmpty.optional(),
  DELO_RECIPIENT: nonEmpty.optional(),
  DELO_ID_NAMESPACE: uuid.optional(),
  DELO_ANSWER_GRACE: durationOrZero.optional(),
  DELO_FILE_MODE: fileMode.optional(),
  DELO_RETENTION: retention.optional(),
  MAPPINGS_DIR: nonEmpty.default('./mappings'),
  MAPPING_TIMEOUT: duration.default(2_000),
  HTTP_HOST: nonEmpty.default('127.0.0.1'),
  HTTP_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a port number')
    .min(0)
    .max(65535, 'must be a port number')
    .default(8080),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TRUST_PROXY: trustProxy.default(false),
  QUEUE_UI_WRITABLE: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((value) => value === 'true'),
  UI_SESSION_IDLE: duration.default(30 * 60_000),
  UI_SESSION_MAX: duration.default(8 * 60 * 60_000),
  ADMIN_USERS_FILE: z.string().trim().min(1).optional(),
  AUDIT_KEEP: retention.default(365 * 86_400_000),
  DATA_KEY: dataKey.optional(),
  DATA_KEY_PREVIOUS: dataKey.optional(),
  PULL_EVERY: schedule.default(parseSchedule('60s') as Schedule),
  WATCH_EVERY: schedule.default(parseSchedule('60s') as Schedule),
  RECONCILE_EVERY: schedule.default(parseSchedule('1h') as Schedule),
  WORKER_CONCURRENCY: positiveInt(256).default(8),
  WORKERS: workerCount.default(1),
  POS_RATE_LIMIT: positiveInt(100_000).optional(),
  MAX_ATTEMPTS: positiveInt(100).default(10),
  JOB_LOCK_TIMEOUT: duration.default(30_000),
  JOB_KEEP_COMPLETED_AGE: keepAge.default(24 * 3_600_000),
  JOB_KEEP_COMPLETED_COUNT: positiveInt(10_000_000).default(50_000),
  JOB_KEEP_FAILED_AGE: keepAge.default(7 * 86_400_000),
  JOB_KEEP_FAILED_COUNT: positiveInt(10_000_000).default(10_000),
  DEADLINE_TIME_ZONE: z
    .string()
    .trim()
    .refine(isTimeZone, 'must be an IANA time zone like Europe/Moscow or Asia/Yekaterinburg')
    .default(DEFAULT_DEADLINE_TIME_ZONE),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
});

export type Settings = z.infer<typeof settingsSchema>;
export type SettingName = keyof typeof settingsSchema.shape;
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as SettingName[];
