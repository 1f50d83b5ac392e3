// The scheduled jobs: pull (ПОС list → one register job per appeal), watch (EDMS changes → push
// jobs) and reconcile (reconcile.ts: repair what drifted, e.g. after Redis lost data).
import { describeError, MalformedAppealError } from '../errors.js';
import { drainAppeals } from '../pos/pull.js';
import { safeMessage } from '../redact.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { MalformedAppealReport, PipelineContext } from './context.js';
import { ourProgress } from './organisation.js';
import { enqueuePush, enqueueRegister, registerJobExists, type EnqueueHooks } from './enqueue.js';

export type { EnqueueHooks } from './enqueue.js';
export { processReconcile, type ReconcileReport } from './reconcile.js';

export interface PullReport {
  handedOn: number;
  pages: number;
  passes: number;
  malformed: number;
}

/** ПОС may list an appeal a moment after it was accepted (a page read before the acceptance). */
const ACCEPTANCE_SETTLE_MS = 10 * 60_000;

/**
 * The bridge already holds the appeal: a register job for it is alive, or it was accepted recently
 * (a stale page). An appeal accepted long ago that ПОС still lists lost its acceptance: hand it on,
 * and the register job marks it accepted again.
 */
async function inHand(ctx: PipelineContext, posId: number, now = Date.now()): Promise<boolean> {
  if (await registerJobExists(ctx, posId)) return true;
  const record = await ctx.store.get(posId);
  if (record?.state !== 'accepted' && record?.state !== 'answered') return false;
  return now - Date.parse(record.acceptedAt ?? '') < ACCEPTANCE_SETTLE_MS;
}

async function recordMalformed(ctx: PipelineContext, report: MalformedAppealReport): Promise<void> {
  const code = report.code ?? 'MALFORMED_APPEAL';
  const firstTime = report.id === undefined ? true : await ctx.store.recordMalformed(String(report.id), report.issues, new Date(), code);
  if (firstTime) {
    ctx.metrics.appealsSetAside.inc({ organisation: ctx.organisation, reason: code });
    ctx.logger.warn({ posId: report.id, code, issues: report.issues }, 'appeal from ПОС set aside at intake');
  }
}

/**
 * Seals one appeal for its job. What can fail here is the appeal's own doing (a value JSON cannot
 * write), so it is told as a coded, sanitized error about that appeal alone.
 */
function sealAppeal(ctx: PipelineContext, appeal: PosAppeal): string {
  try {
    return ctx.cipher.sealJson(appeal, { purpose: 'appeal', posId: appeal.id });
  } catch (error) {
    throw new MalformedAppealError(`(appeal): could not be sealed for its job (${safeMessage(error)})`, [], { posId: appeal.id });
  }
}

/**
 * Hands one appeal to registration. An appeal that cannot be handled is set aside on the
 * malformed-appeal path (the failed list) and the pull goes on; Redis failures still end the pull,
 * since then no appeal can be handed on and the next tick repeats it.
 */
async function handOn(ctx: PipelineContext, appeal: PosAppeal, hooks: EnqueueHooks): Promise<boolean> {
  let sealed: string;
  try {
    sealed = sealAppeal(ctx, appeal);
  } catch (error) {
    const { code, message } = describeError(error);
    await recordMalformed(ctx, { id: appeal.id, code: code === 'APPEAL_TOO_LARGE' ? code : 'MALFORMED_APPEAL', issues: [message] });
    return false;
  }
  const firstTime = await ctx.store.markQueued(appeal.id);
  const state = firstTime ? undefined : (await ctx.store.get(appeal.id))?.state;
  await enqueueRegister(ctx, appeal, sealed, state === 'accepted' || state === 'answered', hooks);
  if (firstTime) ctx.metrics.appealsPulled.inc({ organisation: ctx.organisation });
  return true;
}

export async function processPull(ctx: PipelineContext, hooks: EnqueueHooks = {}): Promise<PullReport> {
  let setAside = 0;
  let report: Awaited<ReturnType<typeof drainAppeals>>;
  try {
    report = await drainAppeals(
      ctx.pos,
      async (appeal) => {
        if (!(await handOn(ctx, appeal, hooks))) setAside += 1;
      },
      {
        pageSize: ctx.settings.pageSize,
        isInHand: (posId) => inHand(ctx, posId),
        onMalformed: (malformed) => recordMalformed(ctx, malformed),
      },
    );
  } catch (error) {
    // Per organisation: one ЛКО's refused credentials or ПОС outage shows as its own 0.
    ctx.metrics.organisationUp.set({ organisation: ctx.organisation }, 0);
    throw error;
  }
  ctx.metrics.organisationUp.set({ organisation: ctx.organisation }, 1);
  const pulled = {
    handedOn: report.handedOn - setAside,
    pages: report.pages,
    passes: report.passes,
    malformed: report.malformed.length + setAside,
  };
  if (pulled.handedOn > 0 || pulled.malformed > 0) ctx.logger.info(pulled, 'pull finished');
  return pulled;
}

export async function processWatch(ctx: PipelineContext, hooks: EnqueueHooks = {}): Promise<{ changed: number }> {
  let checkpoint = await ctx.store.checkpoint();
  let changed = 0;
  for (;;) {
    const batch = await ctx.adapter.listChanged(checkpoint, ctx.settings.watchBatch);
    const ours = ourProgress(ctx.organisation, batch.items);
    for (const progress of ours) await enqueuePush(ctx, progress, hooks);
    changed += ours.length;
    // Saved only after the pushes are queued: a crash here re-reads the batch, never skips it.
    if (batch.checkpoint !== checkpoint) await ctx.store.saveCheckpoint(batch.checkpoint);
    checkpoint = batch.checkpoint;
    if (batch.done || batch.items.length === 0) break;
  }
  return { changed };
}
