// BullMQ workers for the three queues. Retries, 429 pauses, stalled-job recovery (a worker that
// died mid-job loses its lock; another picks the job up) and graceful close are BullMQ's own.
import { Worker, type ConnectionOptions, type Job, type Processor } from 'bullmq';
import { isRedisLinkError, throttledRedisWarning } from '../redis.js';
import type { PipelineContext } from './context.js';
import { processPull, processReconcile, processWatch } from './control.js';
import { failureReason, toJobError } from './job-errors.js';
import { processPush } from './push.js';
import { backoffDelay, type ControlJobData, type PushJobData, type RegisterJobData } from './queues.js';
import { processRegister } from './register.js';
import { DEFAULT_WATCHDOG, watchWorkers, WorkerSlot, type WatchdogSettings } from './worker-watchdog.js';

export interface WorkerSettings {
  concurrency: number;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** When a worker that takes no job while jobs wait is replaced (worker-watchdog.ts). */
  watchdog?: WatchdogSettings;
}

export interface BridgeWorkers {
  /** The workers running now (the watchdog may have replaced one). */
  readonly all: Worker[];
  close(force?: boolean): Promise<void>;
}

function guarded<T, R>(
  ctx: PipelineContext,
  queueName: 'control' | 'register' | 'push',
  run: (job: Job<T>, token?: string) => Promise<R>,
): Processor<T, R> {
  const queue = ctx.queues[queueName];
  return async (job, token) => {
    try {
      return await run(job, token);
    } catch (error) {
      if (error instanceof Error && error.name === 'DelayedError') throw error;
      throw await toJobError(error, queue);
    }
  };
}

export function startWorkers(ctx: PipelineContext, connection: ConnectionOptions, settings: WorkerSettings): BridgeWorkers {
  const common = {
    connection,
    prefix: ctx.queues.prefix,
    lockDuration: settings.lockDurationMs ?? 60_000,
    stalledInterval: settings.stalledIntervalMs ?? 30_000,
    maxStalledCount: 3,
    settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(attemptsMade, ctx.settings.retry) },
  };
  // A limiter must be set for a 429's queue.rateLimit() pause to hold; it is set high enough never
  // to bind by itself (ПОС's request rate is paced per request in the ПОС client, POS_RATE_LIMIT).
  const posLimiter = { max: 100_000, duration: 1000 };

  /** The handlers every worker of these queues gets, a replacement too. */
  const watched = <T>(worker: Worker<T, unknown>): Worker => {
    worker.on('failed', (job, error) => {
      if (!job || error.name === 'RateLimitError' || error.name === 'DelayedError') return;
      const outOfRetries = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      if (outOfRetries) {
        const posId = (job.data as { posId?: number }).posId;
        ctx.logger.error(
          { queue: worker.name, jobId: job.id, posId, reason: failureReason(error) },
          'job failed for good: see the failed list',
        );
      }
    });
    // A worker's own connections retry Redis many times a second during a failover: one line per 10 s.
    const linkProblem = throttledRedisWarning(ctx.logger, { queue: worker.name });
    worker.on('error', (error) => {
      if (isRedisLinkError(error)) linkProblem(error);
      else ctx.logger.error({ queue: worker.name, err: error.message }, 'worker error');
    });
    return worker as Worker;
  };

  const control = new WorkerSlot(ctx.queues.control, () =>
    watched(
      new Worker<ControlJobData, unknown>(
        ctx.queues.control.name,
        guarded<ControlJobData, unknown>(ctx, 'control', async (job) => {
          // A second pull (or watch) while one runs anywhere would only repeat its work: skip it.
          // Renewed while this process lives; if it dies mid-run, another takes over after the lock time.
          const release = await ctx.store.lockControl(job.data.kind, common.lockDuration);
          if (!release) return { skipped: 'already running' };
          try {
            if (job.data.kind === 'pull') return await processPull(ctx);
            if (job.data.kind === 'watch') return await processWatch(ctx);
            return await processReconcile(ctx);
          } finally {
            await release();
          }
        }),
        // pull, watch and reconcile may run side by side: a long pull must not hold back status pushes.
        { ...common, concurrency: 3 },
      ),
    ),
  );
  const register = new WorkerSlot(ctx.queues.register, () =>
    watched(
      new Worker<RegisterJobData, unknown>(
        ctx.queues.register.name,
        guarded<RegisterJobData, unknown>(ctx, 'register', async (job, token) => {
          const outcome = await processRegister(ctx, job, token);
          // A sync run waiting for this job counts it (run-ledger.ts).
          if (outcome === 'accepted' || outcome === 're-accepted') await ctx.runs.credit('register', job.id, 'accepted');
          return outcome;
        }),
        { ...common, concurrency: settings.concurrency, limiter: posLimiter },
      ),
    ),
  );
  const push = new WorkerSlot(ctx.queues.push, () =>
    watched(
      new Worker<PushJobData, unknown>(
        ctx.queues.push.name,
        guarded<PushJobData, unknown>(ctx, 'push', (job, token) => processPush(ctx, job, token)),
        { ...common, concurrency: settings.concurrency, limiter: posLimiter },
      ),
    ),
  );

  const slots = [control, register, push];
  const watchdog = watchWorkers(slots, ctx.logger, settings.watchdog ?? DEFAULT_WATCHDOG, (queue) =>
    ctx.metrics.workersReplaced.inc({ queue }),
  );
  return {
    get all() {
      return slots.map((slot) => slot.worker);
    },
    close: async (force = false) => {
      watchdog.stop();
      await Promise.all(slots.map((slot) => slot.worker.close(force)));
    },
  };
}
