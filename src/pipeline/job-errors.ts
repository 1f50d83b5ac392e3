// Translates the bridge's coded errors into what BullMQ understands: a 429 pauses the queue for
// Retry-After without spending an attempt; a permanent error fails the job at once; anything else
// is retried with backoff. The job's failure reason starts with the code, so the failed list,
// the API and metrics can show it.
import { RateLimitError, UnrecoverableError, type Queue } from 'bullmq';
import { BridgeError, RateLimitedError, describeError } from '../errors.js';

export function failureReason(error: unknown): string {
  const { code, message } = describeError(error);
  return `${code}: ${message}`;
}

/** Splits a failure reason written by failureReason back into code and message. */
export function parseFailureReason(reason: string | undefined): { code: string; message: string } {
  const match = /^([A-Z_]+): ([\s\S]*)$/.exec(reason ?? '');
  return match ? { code: match[1]!, message: match[2]! } : { code: 'INTERNAL', message: reason ?? 'unknown' };
}

/**
 * BullMQ keeps the thrown error's message (failedReason) and stack (stacktrace) in Redis, so what
 * it gets is built here from the sanitized reason only. A coded error's frames say nothing an
 * operator needs and are left out; an unexpected one keeps its frames (code locations, no data).
 */
export async function toJobError(error: unknown, queue: Queue): Promise<Error> {
  if (error instanceof RateLimitedError) {
    await queue.rateLimit(Math.max(error.retryAfterMs, 1));
    return new RateLimitError();
  }
  const reason = failureReason(error);
  const jobError = error instanceof BridgeError && !error.retryable ? new UnrecoverableError(reason) : new Error(reason);
  const frames =
    error instanceof BridgeError || !(error instanceof Error) ? [] : (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  jobError.stack = [`${jobError.name}: ${reason}`, ...frames].join('\n');
  return jobError;
}
