// Every error the bridge raises carries a stable code; retry policy, metrics, the failed list and
// the admin API all key on it, through the one table below.
import { safeMessage, type SafeMessageOptions } from './redact.js';

export type ExternalSystem = 'pos' | 'directum-rx' | 'delo' | 'redis';

interface ErrorSpec {
  /** Whether another attempt can help: the queue retries these, `sync` repeats them within its deadline. */
  retryable: boolean;
  /** The admin API's answer when the error reaches a route: upstream trouble is 5xx, the caller's is 4xx. */
  httpStatus: number;
  /** Default message for `bridgeError`; `{name}` is replaced by `details.name`. */
  message?: string;
}

/**
 * The one table of error codes (in the spirit of fastify's FST_ERR_*): retry policy and HTTP status
 * come from here, never from the place that raises the error.
 */
export const ERRORS = {
  CONFIG_INVALID: { retryable: false, httpStatus: 500 },
  /** 429: wait for Retry-After; not counted as a failure. */
  RATE_LIMITED: { retryable: true, httpStatus: 429 },
  /** 408, 5xx, timeouts, dropped connections. */
  TRANSIENT: { retryable: true, httpStatus: 503 },
  /** Other 4xx, or state the bridge refuses to read: repeating it will not help. */
  PERMANENT: { retryable: false, httpStatus: 500 },
  AUTH_FAILED: { retryable: false, httpStatus: 502 },
  /** ПОС refused a call with a fresh token (403): the appeal is another organisation's. */
  POS_FORBIDDEN: { retryable: false, httpStatus: 502 },
  MALFORMED_RESPONSE: { retryable: true, httpStatus: 500 },
  MALFORMED_APPEAL: { retryable: false, httpStatus: 400 },
  /** An appeal past an intake limit (src/pos/limits.ts) or with too many attachments or bytes of them. */
  APPEAL_TOO_LARGE: { retryable: false, httpStatus: 413 },
  ANSWER_INVALID: { retryable: false, httpStatus: 500 },
  FILE_TOO_LARGE: { retryable: false, httpStatus: 500 },
  /** An attachment URL, or a redirect of one, outside POS_ATTACHMENT_ORIGINS: nothing is fetched there. */
  ATTACHMENT_ORIGIN_NOT_ALLOWED: { retryable: false, httpStatus: 500 },
  MAPPING_INVALID: { retryable: false, httpStatus: 400 },
  MAPPING_FAILED: { retryable: false, httpStatus: 422 },
  /** One appeal's mapping ran past MAPPING_TIMEOUT and was stopped; names the field, never the value. */
  MAPPING_TIMEOUT: { retryable: false, httpStatus: 422 },
  RECORD_INVALID: { retryable: false, httpStatus: 422 },
  EDMS_REJECTED: { retryable: false, httpStatus: 500 },
  /** A mapped value (document kind, department, question, …) the installation's directory lacks. */
  EDMS_REFERENCE_UNKNOWN: { retryable: false, httpStatus: 500 },
  /** A sealed payload that does not open: tampered, truncated, or sealed for another appeal. */
  PAYLOAD_INVALID: { retryable: false, httpStatus: 500, message: "the sealed {kind} in the job of appeal {posId} is another appeal's" },
  NOT_FOUND: { retryable: false, httpStatus: 404 },
  /** The thing is held elsewhere (another organisation's package, a concurrent save). */
  CONFLICT: { retryable: false, httpStatus: 409 },
  /** The caller's role does not allow the action (admin API, console), or a console write without its CSRF token. */
  FORBIDDEN: { retryable: false, httpStatus: 403 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface BridgeErrorOptions {
  system?: ExternalSystem;
  status?: number;
  cause?: unknown;
  /** ПОС id (or another safe identifier) of the appeal the error is about; never personal data. */
  posId?: number;
  details?: Record<string, unknown>;
}

export class BridgeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly system?: ExternalSystem;
  readonly status?: number;
  readonly posId?: number;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = ERRORS[code].retryable;
    this.system = options.system;
    this.status = options.status;
    this.posId = options.posId;
    this.details = options.details;
  }

  /** Log- and API-safe view: code, message and ids, never the cause's request body. */
  get httpStatus(): number {
    return ERRORS[this.code].httpStatus;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      system: this.system,
      status: this.status,
      posId: this.posId,
      retryable: this.retryable,
    };
  }
}

/** 429: wait `retryAfterMs` and try again without counting it as a failure. */
export class RateLimitedError extends BridgeError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options: BridgeErrorOptions = {}) {
    super('RATE_LIMITED', message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 408, 5xx, timeouts, dropped connections: another attempt later may succeed. */
export class TransientError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('TRANSIENT', message, options);
  }
}

/**
 * Other 4xx: the request itself is wrong; repeating it will not help. `messages` holds only the
 * safe parts of the server's answer (error codes, known phrases: src/http/upstream-details.ts).
 */
export class PermanentError extends BridgeError {
  readonly messages: string[];
  constructor(message: string, messages: string[] = [], options: BridgeErrorOptions = {}) {
    super('PERMANENT', message, options);
    this.messages = messages;
  }
}

/** 401/403 that survived one re-authentication: credentials are wrong or revoked. */
export class AuthError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('AUTH_FAILED', message, options);
  }
}

/** A response body that does not parse or does not match the expected shape. */
export class MalformedResponseError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('MALFORMED_RESPONSE', message, options);
  }
}

/** An appeal from ПОС that misses `id`, `description` or `createdAt`, or has wrong types there. */
export class MalformedAppealError extends BridgeError {
  readonly issues: string[];
  constructor(message: string, issues: string[], options: BridgeErrorOptions = {}) {
    super('MALFORMED_APPEAL', message, options);
    this.issues = issues;
  }
}

/** An appeal beyond an intake limit (depth, size, a field's length, attachment count or bytes): the reason names limit and field. */
export class AppealTooLargeError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('APPEAL_TOO_LARGE', message, options);
  }
}

export class FileTooLargeError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('FILE_TOO_LARGE', message, options);
  }
}

/**
 * An attachment outside the allowed origins. The message names the origin only: the path and
 * query of an attachment URL can hold personal data.
 */
export class AttachmentOriginError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('ATTACHMENT_ORIGIN_NOT_ALLOWED', message, options);
  }
}

/** Placeholders name safe identifiers (ids, kinds): scalars as they are, anything else as `?`. */
function placeholderText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : '?';
}

/** A coded error with the table's default message, `{name}` filled from `details`. */
export function bridgeError(
  code: ErrorCode,
  details: Record<string, unknown> = {},
  options: Omit<BridgeErrorOptions, 'details'> = {},
): BridgeError {
  const spec: ErrorSpec = ERRORS[code];
  const message = (spec.message ?? code.toLowerCase().replaceAll('_', ' ')).replace(/\{(\w+)\}/g, (_, name: string) =>
    placeholderText(details[name]),
  );
  return new BridgeError(code, message, { ...options, details });
}

/**
 * Short, personal-data-free description of any thrown value, for logs, Redis and the failed list:
 * the message goes through the one sanitizer (src/redact.ts), with the appeal's own values when known.
 */
export function describeError(error: unknown, options: SafeMessageOptions = {}): { code: string; message: string } {
  const code = error instanceof BridgeError ? error.code : 'INTERNAL';
  return { code, message: safeMessage(error, options) };
}

/**
 * The error as it may travel on (to BullMQ, which stores message and stack in Redis): same code,
 * retry policy and status, sanitized message, no cause or details. A RateLimitedError is kept as it
 * is (its text is the bridge's own and the queue needs its Retry-After).
 */
export function sanitizedError(error: unknown, options: SafeMessageOptions = {}): Error {
  if (error instanceof RateLimitedError) return error;
  const message = safeMessage(error, options);
  if (error instanceof BridgeError) {
    const safe = new BridgeError(error.code, message, { system: error.system, status: error.status, posId: error.posId });
    safe.stack = `BridgeError: ${message}`;
    return safe;
  }
  const safe = new Error(message);
  // The frames say where it broke and hold no data; only the first line carried the message.
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
  safe.stack = [`Error: ${message}`, ...frames].join('\n');
  return safe;
}
