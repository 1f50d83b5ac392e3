// Putting register and push jobs on their queues, shared by pull, watch and reconcile. The job ids
// carry the once-only guarantees (queues.ts); these functions decide when an old job of the same id
// must give way to a new one.
import type { EdmsProgress } from '../../adapters/contract.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { PipelineContext } from './context.js';
import { jobOptions, pushJobId, registerJobId } from './queues.js';

export const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed']);

/** True when a register job for this appeal exists (queued, running, waiting or failed). */
export async function registerJobExists(ctx: PipelineContext, posId: number): Promise<boolean> {
  return LIVE_STATES.has(await ctx.queues.register.getJobState(registerJobId(posId)));
}

/** How a caller (a `sync` run) learns of the jobs a pull or watch queues: told each id just before the add. */
export interface EnqueueHooks {
  beforeAdd?(queue: 'register' | 'push', jobId: string): Promise<void>;
}

export async function enqueueRegister(
  ctx: PipelineContext,
  appeal: PosAppeal | { id: number },
  sealed: string,
  reaccept = false,
  hooks: EnqueueHooks = {},
): Promise<void> {
  const jobId = registerJobId(appeal.id);
  await hooks.beforeAdd?.('register', jobId);
  // A finished job would make BullMQ ignore the new one; ПОС listing the appeal again means the
  // finished job's acceptance did not stick, so the old job gives way.
  if ((await ctx.queues.register.getJobState(jobId)) === 'completed') await ctx.queues.register.remove(jobId);
  await ctx.queues.register.add(
    'register',
    { posId: appeal.id, sealedAppeal: sealed, ...(reaccept ? { reaccept } : {}) },
    { ...jobOptions(ctx.settings.retry, ctx.settings.retention), jobId },
  );
}

/** What became of a push reconcile asked for: a new job, or one of the same id already in hand. */
export type PushEnqueued = 'queued' | 'pending' | 'in-failed-list';

/**
 * Queues a push for this progress snapshot. The job id dedups by snapshot, so a watch that reads
 * the same snapshot twice queues it once. `replaceFinished` is for a caller that knows a step is
 * still missing (reconcile): a completed job of the same id sent nothing that is still missing —
 * it ran while the store did not know the appeal (after a state loss, before the adoption), and
 * BullMQ would otherwise ignore the new job for as long as it keeps the old one.
 */
export async function enqueuePush(
  ctx: PipelineContext,
  progress: EdmsProgress,
  hooks: EnqueueHooks = {},
  replaceFinished = false,
): Promise<PushEnqueued> {
  const jobId = pushJobId(progress.posId, progress);
  if (replaceFinished) {
    const state = await ctx.queues.push.getJobState(jobId);
    // A push that ran out of retries is a person's to replay (the failed list), not reconcile's.
    if (state === 'failed') return 'in-failed-list';
    if (LIVE_STATES.has(state)) return 'pending';
    if (state === 'completed') await ctx.queues.push.remove(jobId);
  }
  await hooks.beforeAdd?.('push', jobId);
  await ctx.queues.push.add(
    'push',
    { posId: progress.posId, sealedProgress: ctx.cipher.sealJson(progress, { purpose: 'progress', posId: progress.posId }) },
    { ...jobOptions(ctx.settings.retry, ctx.settings.retention), jobId },
  );
  return 'queued';
}
