// The bridge's three BullMQ queues and the job options that carry its guarantees:
//   control  — scheduled pull / watch / reconcile (job schedulers, one per kind);
//   register — one job per ПОС appeal, job id `register-<posId>`: BullMQ ignores a second add of
//              the same id, so a pulled appeal is handed to registration once however often it is seen;
//   push     — status deliveries, job id `push-<posId>-<progress version>`; a per-appeal lock keeps
//              one push in flight per appeal, and the delivered-steps record makes replays harmless
//              (so reconcile may replace a finished job of the same id, enqueue.ts).
import { createHash } from 'node:crypto';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { EdmsProgress } from '../../adapters/contract.js';
import { DEFAULT_ORGANISATION, queueNameFor, type KeyLayout } from './organisation.js';

/** Sealed payloads: the appeal (personal data) never sits in Redis in the clear. */
export interface RegisterJobData {
  posId: number;
  /** Empty when the job only has to (re)mark an already registered appeal accepted. */
  sealedAppeal: string;
  /** How many times the job waited for the EDMS to confirm a registration («Дело»). */
  durabilityChecks?: number;
  /** How many times the job waited for an unavailable EDMS (edms-gate.ts). */
  edmsWaits?: number;
  /** ПОС still lists an appeal the bridge accepted long ago: say "accepted" to ПОС once more. */
  reaccept?: boolean;
}
export interface PushJobData {
  posId: number;
  /** Sealed EdmsProgress snapshot read by the watch (officials' names are personal data too). */
  sealedProgress: string;
}
export interface ControlJobData {
  kind: 'pull' | 'watch' | 'reconcile';
}

export interface RetryPolicy {
  maxAttempts: number;
  /** First retry delay; each next one doubles, with jitter, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 };

/** How long, and how many, finished jobs BullMQ keeps (JOB_KEEP_*): `age` in seconds, as BullMQ takes it. */
export interface JobRetention {
  completed: { age: number; count: number };
  /** Control jobs only: failed register and push jobs are the failed list and stay until replayed or deleted. */
  failed: { age: number; count: number };
}

export const DEFAULT_RETENTION: JobRetention = {
  completed: { age: 24 * 3600, count: 50_000 },
  failed: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Retention of control (pull / watch / reconcile) jobs: their failures are in the logs, not the failed list. */
export function controlJobRetention(retention: JobRetention): Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> {
  return { removeOnComplete: { ...retention.completed }, removeOnFail: { ...retention.failed } };
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries spread out. */
export function backoffDelay(attemptsMade: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export function registerJobId(posId: number): string {
  return `register-${posId}`;
}

export function progressVersion(progress: EdmsProgress): string {
  const facts = JSON.stringify([
    progress.state,
    progress.registration,
    progress.executor,
    progress.postponements,
    progress.forwardedTo,
    progress.answer?.text,
    progress.answer?.files.length,
    progress.rejection,
    progress.updatedAt,
  ]);
  return createHash('sha1').update(facts).digest('hex').slice(0, 16);
}

export function pushJobId(posId: number, progress: EdmsProgress): string {
  return `push-${posId}-${progressVersion(progress)}`;
}

export function jobOptions(policy: RetryPolicy, retention: JobRetention = DEFAULT_RETENTION): JobsOptions {
  return {
    attempts: policy.maxAttempts,
    backoff: { type: 'bridge' },
    // A completed job's id also keeps the same appeal or snapshot from being queued again meanwhile.
    removeOnComplete: { ...retention.completed },
    // Failed jobs are the failed list (failed.ts reads BullMQ's failed set): removing them by age
    // would drop appeals from it, so they stay until an operator retries or deletes them.
    removeOnFail: false,
  };
}

export class BridgeQueues {
  readonly control: Queue<ControlJobData>;
  readonly register: Queue<RegisterJobData>;
  readonly push: Queue<PushJobData>;

  constructor(
    connection: ConnectionOptions,
    readonly prefix: string,
    readonly organisation: string = DEFAULT_ORGANISATION,
    readonly layout: KeyLayout = 'one-slot',
  ) {
    this.control = new Queue<ControlJobData>(queueNameFor('control', organisation, layout), { connection, prefix });
    this.register = new Queue<RegisterJobData>(queueNameFor('register', organisation, layout), { connection, prefix });
    this.push = new Queue<PushJobData>(queueNameFor('push', organisation, layout), { connection, prefix });
  }

  all(): Queue[] {
    return [this.control, this.register, this.push] as Queue[];
  }

  byName(name: string): Queue | undefined {
    return this.all().find((queue) => queue.name === name);
  }

  async counts(): Promise<Record<string, Record<string, number>>> {
    const result: Record<string, Record<string, number>> = {};
    for (const queue of this.all()) {
      result[queue.name] = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'prioritized',
        'completed',
        'failed',
        'waiting-children',
      );
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((queue) => queue.close()));
  }
}
