// Every error the bridge raises carries a stable code; retry policy, metrics, the failed list and
// the admin API all key on it. `retryable` tells the queue whether another attempt can help.
import { safeMessage, type SafeMessageOptions } from './redact.js';

export type ExternalSystem = 'pos' | 'directum-rx' | 'delo' | 'redis';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'RATE_LIMITED'
  | 'TRANSIENT'
  | 'PERMANENT'
  | 'AUTH_FAILED'
  /** ПОС refused a call with a fresh token (403): the appeal is another organisation's. */
  | 'POS_FORBIDDEN'
  | 'MALFORMED_RESPONSE'
  | 'MALFORMED_APPEAL'
  /** An appeal past one of the intake limits (src/pos/limits.ts): set aside, never retried. */
  | 'APPEAL_TOO_LARGE'
  | 'ANSWER_INVALID'
  | 'FILE_TOO_LARGE'
  /** More attachments, or more bytes of them together, than one appeal may bring. */
  | 'APPEAL_TOO_LARGE'
  /** An attachment URL, or a redirect of one, outside POS_ATTACHMENT_ORIGINS: nothing is fetched there. */
  | 'ATTACHMENT_ORIGIN_NOT_ALLOWED'
  | 'MAPPING_INVALID'
  | 'MAPPING_FAILED'
  /** One appeal's mapping ran past MAPPING_TIMEOUT and was stopped; names the field, never the value. */
  | 'MAPPING_TIMEOUT'
  | 'RECORD_INVALID'
  | 'EDMS_REJECTED'
  /** A mapped value (document kind, department, question, …) the installation's directory lacks. */
  | 'EDMS_REFERENCE_UNKNOWN'
  /** A sealed payload that does not open: tampered, truncated, or sealed for another appeal. */
  | 'PAYLOAD_INVALID'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NOT_DURABLE_YET';

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

  constructor(code: ErrorCode, message: string, retryable: boolean, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.system = options.system;
    this.status = options.status;
    this.posId = options.posId;
    this.details = options.details;
  }

  /** Log- and API-safe view: code, message and ids, never the cause's request body. */
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
    super('RATE_LIMITED', message, true, options);
    this.retryAfterMs = retryAfterMs;
  }
}

/** 408, 5xx, timeouts, dropped connections: another attempt later may succeed. */
export class TransientError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('TRANSIENT', message, true, options);
  }
}

/**
 * Other 4xx: the request itself is wrong; repeating it will not help. `messages` holds only the
 * safe parts of the server's answer (error codes, known phrases: src/http/upstream-details.ts).
 */
export class PermanentError extends BridgeError {
  readonly messages: string[];
  constructor(message: string, messages: string[] = [], options: BridgeErrorOptions = {}) {
    super('PERMANENT', message, false, options);
    this.messages = messages;
  }
}

/** 401/403 that survived one re-authentication: credentials are wrong or revoked. */
export class AuthError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('AUTH_FAILED', message, false, options);
  }
}

/** A response body that does not parse or does not match the expected shape. */
export class MalformedResponseError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('MALFORMED_RESPONSE', message, true, options);
  }
}

/** An appeal from ПОС that misses `id`, `description` or `createdAt`, or has wrong types there. */
export class MalformedAppealError extends BridgeError {
  readonly issues: string[];
  constructor(message: string, issues: string[], options: BridgeErrorOptions = {}) {
    super('MALFORMED_APPEAL', message, false, options);
    this.issues = issues;
  }
}

/** An appeal beyond an intake limit (depth, size, a field's length, attachment count or bytes): the reason names limit and field. */
export class AppealTooLargeError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('APPEAL_TOO_LARGE', message, false, options);
  }
}

export class FileTooLargeError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('FILE_TOO_LARGE', message, false, options);
  }
}

/**
 * An attachment outside the allowed origins. The message names the origin only: the path and
 * query of an attachment URL can hold personal data.
 */
export class AttachmentOriginError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('ATTACHMENT_ORIGIN_NOT_ALLOWED', message, false, options);
  }
}

export function isBridgeError(error: unknown): error is BridgeError {
  return error instanceof BridgeError;
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
    const safe = new BridgeError(error.code, message, error.retryable, { system: error.system, status: error.status, posId: error.posId });
    safe.stack = `BridgeError: ${message}`;
    return safe;
  }
  const safe = new Error(message);
  // The frames say where it broke and hold no data; only the first line carried the message.
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line)) : [];
  safe.stack = [`Error: ${message}`, ...frames].join('\n');
  return safe;
}
