// One error shape for every admin route: `{"error": "<code>", "message": "..."}` with a fitting
// status. Requests that are malformed in any way end as 4xx; only our own faults answer 500, and
// those are logged (never with the request body) while the client sees a generic message.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isResponseSerializationError } from 'fastify-type-provider-zod';
import { BridgeError, RateLimitedError } from '../errors.js';
import type { Logger } from '../logging.js';
import { redactUrl } from './redact-url.js';
import { safeMessage } from '../redact.js';

export interface ErrorBody {
  error: string;
  message: string;
  [extra: string]: unknown;
}

export interface ValidationIssue {
  /** body, params, querystring or headers */
  in: string;
  /** Dotted path inside that part; empty for the part itself. */
  path: string;
  message: string;
}

interface ValidationDetail {
  instancePath?: string;
  message?: string;
}

function validationIssues(error: FastifyError): ValidationIssue[] {
  const part = error.validationContext ?? 'request';
  const seen = new Set<string>();
  const issues: ValidationIssue[] = [];
  for (const detail of (error.validation ?? []) as ValidationDetail[]) {
    const issue = {
      in: part,
      path: (detail.instancePath ?? '').split('/').filter(Boolean).join('.'),
      message: detail.message ?? 'is invalid',
    };
    const key = `${issue.path}\u0000${issue.message}`;
    if (!seen.has(key)) issues.push(issue);
    seen.add(key);
  }
  return issues;
}

function describeIssues(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${issue.in}${issue.path ? `.${issue.path}` : ''}: ${issue.message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `the request is invalid: ${shown.join('; ')}${more}`;
}

/** Errors fastify raises itself (FST_ERR_*): their statusCode can be trusted, unlike arbitrary ones. */
function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && typeof (error as FastifyError).code === 'string' && (error as FastifyError).code.startsWith('FST_');
}

// fastify's JSON parser refuses `__proto__`/`constructor` keys as invalid JSON, too.
const invalidJson = (): ErrorBody => ({ error: 'invalid_json', message: 'the body is not valid JSON' });

/** Maps a framework-level client error (parsing, media type, size) to our codes. */
function clientError(error: FastifyError, status: number): ErrorBody {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: 'payload_too_large', message: 'the request body is larger than this API accepts' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'unsupported_media_type', message: 'this Content-Type is not accepted on this route' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { error: 'invalid_json', message: 'the body is empty but Content-Type says application/json' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson();
    case 'FST_ERR_NOT_FOUND':
      return { error: 'not_found', message: 'no such route' };
    default:
      break;
  }
  if (error instanceof SyntaxError) return invalidJson();
  if (status === 413) return { error: 'payload_too_large', message: 'the request body is larger than this API accepts' };
  if (status === 415) return { error: 'unsupported_media_type', message: 'this Content-Type is not accepted on this route' };
  if (status === 404) return { error: 'not_found', message: 'not found' };
  if (status === 405) return { error: 'method_not_allowed', message: 'this method is not allowed here' };
  // Framework messages (e.g. a bad Content-Length) never echo the body.
  return { error: 'bad_request', message: error.message };
}

export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof BridgeError) {
    const status = error.httpStatus; // the error table's (src/errors.ts)
    const unexpected = status >= 500 && status !== 503;
    return { status, body: { error: error.code.toLowerCase(), message: safeMessage(error) }, unexpected };
  }
  if (isFastifyError(error) && Array.isArray(error.validation)) {
    const issues = validationIssues(error);
    return { status: 400, body: { error: 'validation_failed', message: describeIssues(issues), issues }, unexpected: false };
  }
  if (isFastifyError(error) && !isResponseSerializationError(error)) {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return { status, body: clientError(error, status), unexpected: false };
  }
  // A custom JSON parser's SyntaxError may carry statusCode 400 without a FST code.
  if (error instanceof SyntaxError && (error as { statusCode?: number }).statusCode === 400) {
    return { status: 400, body: invalidJson(), unexpected: false };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error; the bridge log has the details' }, unexpected: true };
}

/** `secrets`: values never to show in a logged or echoed URL (ADMIN_TOKEN). */
export function installErrorHandling(
  app: FastifyInstance,
  fallbackLogger: Logger,
  useRequestLogger: boolean,
  secrets: readonly string[] = [],
): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, unexpected } = toErrorResponse(error);
    if (unexpected || status >= 500) {
      const log = useRequestLogger ? request.log : fallbackLogger;
      log.error({ err: error, method: request.method, url: redactUrl(request.url, secrets), status }, 'admin API request failed');
    }
    if (error instanceof RateLimitedError) reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    return reply.code(status).send(body);
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = redactUrl(request.url.split(/[?#]/)[0] ?? '', secrets);
    return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${path}` });
  });
}
