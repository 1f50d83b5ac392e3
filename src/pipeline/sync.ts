// `pos-bridge sync`: one full cycle through the same processors and queues the service uses —
// pull everything waiting, let the workers register and accept it, then read EDMS changes and let
// them push every pending status — and wait until the queues are quiet or the time budget ends.
import type { Job } from 'bullmq';
import type { PipelineContext } from './context.js';
import { processPull, processWatch, type PullReport } from './control.js';
import type { FailedEntry } from './failed.js';
import { FailedJobs } from './failed.js';
import type { BridgeWorkers } from './workers.js';

export interface SyncSummary {
  pulled: PullReport;
  accepted: number;
  changesRead: number;
  pushesSent: number;
  awaitingRegistration: number;
  stillRetrying: number;
  newFailures: FailedEntry[];
  olderFailures: number;
  timedOut: boolean;
}

export interface SyncOptions {
  timeoutMs: number;
  onProgress?: (phase: 'pull' | 'register' | 'watch' | 'push', counts: { waiting: number; active: number; delayed: number }) => void;
  pollMs?: number;
}

interface QueueSnapshot {
  waiting: number;
  active: number;
  delayed: number;
  retrying: number;
}

async function snapshot(ctx: PipelineContext, queueName: 'register' | 'push'): Promise<QueueSnapshot> {
  const queue = queueName === 'register' ? ctx.queues.register : ctx.queues.push;
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  let retrying = 0;
  if ((counts.delayed ?? 0) > 0) {
    const delayed = (await queue.getDelayed(0, -1)) as Job<{ durabilityChecks?: number }>[];
    retrying = delayed.filter((job) => !job.data.durabilityChecks).length;
  }
  return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0, retrying };
}

/** Waits until nothing is waiting, running or retrying; jobs that only wait for the EDMS's registration do not hold it up. */
async function settle(ctx: PipelineContext, queueName: 'register' | 'push', deadline: number, options: SyncOptions): Promise<QueueSnapshot & { timedOut: boolean }> {
  for (;;) {
    const now = await snapshot(ctx, queueName);
    options.onProgress?.(queueName, now);
    if (now.waiting === 0 && now.active === 0 && now.retrying === 0) return { ...now, timedOut: false };
    if (Date.now() >= deadline) return { ...now, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 200));
  }
}

export async function runSync(ctx: PipelineContext, options: SyncOptions): Promise<SyncSummary> {
  const failed = new FailedJobs(ctx.queues, ctx.store);
  const failedBefore = new Set((await failed.list(100_000)).map((entry) => `${entry.id}@${entry.failedAt}`));
  const deadline = Date.now() + options.timeoutMs;
  const acceptedBefore = (await ctx.metrics.appealsAccepted.get()).values[0]?.value ?? 0;
  const pushesBefore = await pushesSent(ctx);

  options.onProgress?.('pull', { waiting: 0, active: 1, delayed: 0 });
  const pulled = await processPull(ctx);
  const registered = await settle(ctx, 'register', deadline, options);
  options.onProgress?.('watch', { waiting: 0, active: 1, delayed: 0 });
  const watched = await processWatch(ctx);
  const pushed = await settle(ctx, 'push', deadline, options);

  const after = await failed.list(100_000);
  const newFailures = after.filter((entry) => !failedBefore.has(`${entry.id}@${entry.failedAt}`));
  return {
    pulled,
    accepted: ((await ctx.metrics.appealsAccepted.get()).values[0]?.value ?? 0) - acceptedBefore,
    changesRead: watched.changed,
    pushesSent: (await pushesSent(ctx)) - pushesBefore,
    awaitingRegistration: registered.delayed - registered.retrying,
    stillRetrying: registered.retrying + pushed.retrying + registered.waiting + pushed.waiting + registered.active + pushed.active,
    newFailures,
    olderFailures: after.length - newFailures.length,
    timedOut: registered.timedOut || pushed.timedOut,
  };
}

async function pushesSent(ctx: PipelineContext): Promise<number> {
  const metric = await ctx.metrics.pushes.get();
  return metric.values.filter((v) => v.labels.outcome === 'sent').reduce((sum, v) => sum + v.value, 0);
}

/** 0 when everything landed; 1 when anything failed or is still retrying. */
export function syncExitCode(summary: SyncSummary): 0 | 1 {
  return summary.newFailures.length > 0 || summary.stillRetrying > 0 ? 1 : 0;
}
