// Every error the bridge raises carries a stable code; retry policy, metrics, the failed list and
// the admin API all key on it. `retryable` tells the queue whether another attempt can help.

export type ExternalSystem = 'pos' | 'directum-rx' | 'delo' | 'redis';

export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'RATE_LIMITED'
  | 'TRANSIENT'
  | 'PERMANENT'
  | 'AUTH_FAILED'
  | 'MALFORMED_RESPONSE'
  | 'MALFORMED_APPEAL'
  | 'ANSWER_INVALID'
  | 'FILE_TOO_LARGE'
  | 'MAPPING_INVALID'
  | 'MAPPING_FAILED'
  /** One appeal's mapping ran past MAPPING_TIMEOUT and was stopped; names the field, never the value. */
  | 'MAPPING_TIMEOUT'
  | 'RECORD_INVALID'
  | 'EDMS_REJECTED'
  /** A mapped value (document kind, department, question, …) the installation's directory lacks. */
  | 'EDMS_REFERENCE_UNKNOWN'
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

/** Other 4xx: the request itself is wrong; repeating it will not help. Keeps the server's messages. */
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

export class FileTooLargeError extends BridgeError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super('FILE_TOO_LARGE', message, false, options);
  }
}

export function isBridgeError(error: unknown): error is BridgeError {
  return error instanceof BridgeError;
}

/** Short, personal-data-free description of any thrown value, for logs and the failed list. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof BridgeError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}
