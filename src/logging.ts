// pino logger that scrubs personal data (152-ФЗ) and secrets by key name at any depth of a logged
// object. Code logs ids (`posId`), never appeals; the scrubber is the safety net for mistakes.
// (pino's path-based `redact` needs a path per depth and mutates-then-restores the logged object,
// which overlapping wildcards get wrong; a copying scrubber has neither problem.)
import { pino, type DestinationStream, type Logger } from 'pino';

const SENSITIVE_KEYS = new Set(
  [
    // citizens' personal data (ПОС appeal, Directum persons, «Дело» private persons)
    'surname', 'name', 'patronymic', 'email', 'phone', 'phones', 'postaddress', 'address', 'locationaddress',
    'coordinates', 'lastname', 'firstname', 'middlename', 'postaladdress', 'fio', 'applicant', 'coapplicants',
    'correspondent', 'coauthors', 'author', 'econtact', 'description', 'fulltext', 'annotation', 'answertext',
    'executorinfo', 'managerinfo', 'executor', 'manager', 'problemaddress',
    // secrets
    'password', 'access_token', 'accesstoken', 'token', 'authorization', 'secret', 'clientsecret',
    'platformclientsecret', 'datakey', 'data_key', 'admin_token', 'cookie', 'set-cookie', 'sealedappeal', 'sealedprogress',
  ].map((key) => key.toLowerCase()),
);

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase());
}

/** A copy of `value` with every sensitive key's value replaced; buffers summarised by size. */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen));
  if (value instanceof Error) {
    return { type: value.name, message: value.message, code: (value as { code?: unknown }).code };
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] = isSensitiveKey(key) && item !== null && item !== undefined ? CENSOR : scrub(item, depth + 1, seen);
  }
  return copy;
}

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'pos-bridge', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object) as Record<string, unknown>,
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Child logger carrying the appeal's correlation field. */
export function appealLogger(logger: Logger, posId: number | string): Logger {
  return logger.child({ posId });
}

export type { Logger };
