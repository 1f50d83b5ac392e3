// pino logger that scrubs personal data (152-ФЗ) and secrets: by key name at any depth of a logged
// object, and by value in every string (e-mails, phone numbers, СНИЛС/ИНН-like digit runs: the rules
// of src/redact.ts), in the message itself and in child-logger bindings. Code logs ids (`posId`),
// never appeals; the scrubber is the safety net for mistakes.
// (pino's path-based `redact` needs a path per depth and mutates-then-restores the logged object,
// which overlapping wildcards get wrong; a copying scrubber has neither problem.)
import { pino, type DestinationStream, type Logger } from 'pino';
import { safeMessage, scrubText } from './redact.js';

const SENSITIVE_KEYS = new Set(
  [
    // citizens' personal data (ПОС appeal, Directum persons, «Дело» private persons)
    'surname',
    'name',
    'patronymic',
    'email',
    'emails',
    'mail',
    'phone',
    'phones',
    'tel',
    'telephone',
    'mobile',
    'phonenumber',
    'postaddress',
    'address',
    'locationaddress',
    'coordinates',
    'lastname',
    'firstname',
    'middlename',
    'fullname',
    'postaladdress',
    'fio',
    'applicant',
    'coapplicants',
    'correspondent',
    'coauthors',
    'econtact',
    'inn',
    'snils',
    'passport',
    'birthdate',
    'dateofbirth',
    // what citizens and officials wrote
    'description',
    'text',
    'subject',
    'comment',
    'customfieldvalues',
    'fulltext',
    'annotation',
    'answertext',
    'executorinfo',
    'managerinfo',
    'executor',
    'manager',
    'problemaddress',
    // secrets
    'password',
    'access_token',
    'accesstoken',
    'token',
    'authorization',
    'secret',
    'clientsecret',
    'platformclientsecret',
    'datakey',
    'data_key',
    'admin_token',
    'cookie',
    'set-cookie',
    'sealedappeal',
    'sealedprogress',
  ].map((key) => key.toLowerCase()),
);
// Not here on purpose: `author` (an admin's user name in mapping history, wanted in those lines) and
// `reason` (the bridge's own sanitized error text, which operators read); both are value-scrubbed.

/** Keys holding ids (posId, edmsId, jobId, …): their strings are never value-scrubbed. */
const ID_KEY = /(?:^id|Id|_id)$/;

const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(key.toLowerCase());
}

/**
 * A copy of `value` with every sensitive key's value replaced and every other string scrubbed by
 * value; errors reduced to type, sanitized message and code; buffers summarised by size.
 */
export function scrub(value: unknown, depth = 0, seen = new WeakSet<object>(), key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && ID_KEY.test(key) ? value : scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, seen, key));
  if (value instanceof Error) {
    return { type: value.name, message: safeMessage(value), code: scrub((value as { code?: unknown }).code, depth + 1, seen, 'code') };
  }
  const copy: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    copy[name] = isSensitiveKey(name) && item !== null && item !== undefined ? CENSOR : scrub(item, depth + 1, seen, name);
  }
  return copy;
}

/** Child loggers get their bindings scrubbed too (pino applies `formatters.bindings` to the root only). */
function scrubChildBindings(logger: Logger): Logger {
  // pino's own methods stay on the prototype; the overrides below call them with the caller's `this`.
  const proto = Object.getPrototypeOf(logger) as Logger;
  // Own properties of the root: every child (made with Object.create) inherits them.
  Object.assign(logger, {
    child(this: Logger, bindings: Record<string, unknown>, options?: unknown) {
      return proto.child.call(this, scrub(bindings) as Record<string, unknown>, options as never);
    },
    setBindings(this: Logger, bindings: Record<string, unknown>) {
      proto.setBindings.call(this, scrub(bindings) as Record<string, unknown>);
    },
  });
  return logger;
}

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'pos-bridge', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => scrub(bindings) as Record<string, unknown>,
        log: (object) => scrub(object) as Record<string, unknown>,
      },
      // The message, also when pino takes it from an error's message or formats arguments into it.
      serializers: { msg: (message: unknown) => (typeof message === 'string' ? scrubText(message) : message) },
      hooks: {
        logMethod(args, method) {
          // Objects formatted into the message (%o, %j) are scrubbed by key like logged objects.
          const [first, ...rest] = args as unknown[];
          const scrubbed = rest.map((arg) => (arg !== null && typeof arg === 'object' ? scrub(arg) : arg));
          return method.apply(this, [first, ...scrubbed] as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
  return scrubChildBindings(logger);
}

export type { Logger };
