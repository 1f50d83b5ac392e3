// Work bounded by a deadline, for the one-shot `sync`: a call that may be repeated (a retryable coded
// error: 5xx, dropped connection, timeout, 429) is tried again with backoff — a 429 after its
// Retry-After — until the deadline; any other error goes to the caller at once.
import { BridgeError, RateLimitedError, TransientError } from '../errors.js';

/** The deadline came first; `last` is the error of the last try (or the wait that did not end). */
export class OutOfTime extends Error {
  constructor(readonly last: unknown) {
    super(last instanceof Error ? last.message : String(last));
    this.name = 'OutOfTime';
  }
}

export interface RetryWithinOptions {
  /** First wait after a failure; doubled each time (with jitter) up to maxMs. */
  baseMs?: number;
  maxMs?: number;
  onRetry?: (error: BridgeError, waitMs: number) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function isRetryable(error: unknown): error is BridgeError {
  return error instanceof BridgeError && error.retryable;
}

export async function retryWithin<T>(deadline: number, attempt: () => Promise<T>, options: RetryWithinOptions = {}): Promise<T> {
  let delay = options.baseMs ?? 250;
  let last: BridgeError | undefined;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      // A try cut short by the deadline says less than the failure before it.
      if (error instanceof OutOfTime) throw last ? new OutOfTime(last) : error;
      if (!isRetryable(error)) throw error;
      last = error;
      const wait =
        error instanceof RateLimitedError ? Math.max(1, error.retryAfterMs) : Math.round(delay / 2 + Math.random() * (delay / 2));
      if (Date.now() + wait >= deadline) throw new OutOfTime(error);
      options.onRetry?.(error, wait);
      await sleep(wait);
      delay = Math.min(options.maxMs ?? 10_000, delay * 2);
    }
  }
}

/** `work`, or OutOfTime when the deadline passes first (the work itself is left to finish or fail). */
export async function withDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const remaining = Math.max(0, deadline - Date.now());
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new OutOfTime(new TransientError(`${what}: no answer within ${Math.round(remaining / 100) / 10} s`))),
      remaining,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
