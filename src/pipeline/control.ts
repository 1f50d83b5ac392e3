// The scheduled jobs: pull (ПОС list → one register job per appeal), watch (EDMS changes → push
// jobs) and reconcile (repair what drifted, e.g. after Redis lost data).
import { describeError, MalformedAppealError } from '../errors.js';
import { drainAppeals } from '../pos/pull.js';
import { safeMessage } from '../redact.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { MalformedAppealReport, PipelineContext } from './context.js';
import { DEFAULT_ORGANISATION } from './organisation.js';
import { jobOptions, pushJobId, registerJobId } from './queues.js';
import { deriveSteps, missingSteps } from './status.js';
import type { EdmsProgress } from '../../adapters/contract.js';
import type { StatusMap } from '../mapping/types.js';

export interface PullReport {
  handedOn: number;
  pages: number;
  passes: number;
  malformed: number;
}

const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed']);

/** ПОС may list an appeal a moment after it was accepted (a page read before the acceptance). */
const ACCEPTANCE_SETTLE_MS = 10 * 60_000;

/** True when a register job for this appeal exists (queued, running, waiting or failed). */
async function registerJobExists(ctx: PipelineContext, posId: number): Promise<boolean> {
  return LIVE_STATES.has(await ctx.queues.register.getJobState(registerJobId(posId)));
}

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

/** How a caller (a `sync` run) learns of the jobs a pull or watch queues: told each id just before the add. */
export interface EnqueueHooks {
  beforeAdd?(queue: 'register' | 'push', jobId: string): Promise<void>;
}

export async function enqueueRegister(ctx: PipelineContext, appeal: PosAppeal | { id: number }, sealed: string, reaccept = false, hooks: EnqueueHooks = {}): Promise<void> {
  const jobId = registerJobId(appeal.id);
  await hooks.beforeAdd?.('register', jobId);
  // A finished job would make BullMQ ignore the new one; ПОС listing the appeal again means the
  // finished job's acceptance did not stick, so the old job gives way.
  if ((await ctx.queues.register.getJobState(jobId)) === 'completed') await ctx.queues.register.remove(jobId);
  await ctx.queues.register.add('register', { posId: appeal.id, sealedAppeal: sealed, ...(reaccept ? { reaccept } : {}) }, { ...jobOptions(ctx.settings.retry), jobId });
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
  const pulled = { handedOn: report.handedOn - setAside, pages: report.pages, passes: report.passes, malformed: report.malformed.length + setAside };
  if (pulled.handedOn > 0 || pulled.malformed > 0) ctx.logger.info(pulled, 'pull finished');
  return pulled;
}

export async function enqueuePush(ctx: PipelineContext, progress: EdmsProgress, hooks: EnqueueHooks = {}): Promise<void> {
  const jobId = pushJobId(progress.posId, progress);
  await hooks.beforeAdd?.('push', jobId);
  await ctx.queues.push.add('push', { posId: progress.posId, sealedProgress: ctx.cipher.sealJson(progress, { purpose: 'progress', posId: progress.posId }) }, { ...jobOptions(ctx.settings.retry), jobId });
}

/** An EDMS shared by several organisations reports every one's records; each pipeline takes its own. */
function isOurs(ctx: PipelineContext, progress: EdmsProgress): boolean {
  return (progress.organisation ?? DEFAULT_ORGANISATION) === ctx.organisation;
}

export async function processWatch(ctx: PipelineContext, hooks: EnqueueHooks = {}): Promise<{ changed: number }> {
  let checkpoint = await ctx.store.checkpoint();
  let changed = 0;
  for (;;) {
    const batch = await ctx.adapter.listChanged(checkpoint, ctx.settings.watchBatch);
    const ours = batch.items.filter((progress) => isOurs(ctx, progress));
    for (const progress of ours) await enqueuePush(ctx, progress, hooks);
    changed += ours.length;
    // Saved only after the pushes are queued: a crash here re-reads the batch, never skips it.
    if (batch.checkpoint !== checkpoint) await ctx.store.saveCheckpoint(batch.checkpoint);
    checkpoint = batch.checkpoint;
    if (batch.done || batch.items.length === 0) break;
  }
  return { changed };
}

/**
 * The bridge lost what it knew of an appeal (Redis data loss) but the EDMS has it. What ПОС was
 * already told is unknown: interim statuses the progress implies are taken as delivered (a citizen
 * may miss one, but never sees one twice), and the final answer is marked in doubt, so it is sent
 * and a 409 ("already answered") counts as delivered.
 */
async function adopt(ctx: PipelineContext, progress: EdmsProgress, statusMap: StatusMap): Promise<void> {
  await ctx.store.adoptFromEdms(progress.posId, progress.edmsId, progress.registration);
  const at = new Date().toISOString();
  for (const step of deriveSteps(progress, statusMap)) {
    if (step.kind === 'final') await ctx.store.markInFlight(progress.posId, 'final');
    else await ctx.store.recordDelivered(progress.posId, { step: step.key, status: step.body.status ?? '', statusText: 'assumed delivered (reconciled after state loss)', at });
  }
  ctx.logger.warn({ posId: progress.posId }, 'appeal adopted from the EDMS after the bridge lost its state');
}

export interface ReconcileReport {
  reaccepted: number;
  adopted: number;
  pushesQueued: number;
  missingInEdms: number[];
}

export async function processReconcile(ctx: PipelineContext): Promise<ReconcileReport> {
  const report: ReconcileReport = { reaccepted: 0, adopted: 0, pushesQueued: 0, missingInEdms: [] };
  // Registered durably but never marked accepted (its job was lost): accept it now.
  for (const posId of await ctx.store.unacceptedAppeals()) {
    if (await registerJobExists(ctx, posId)) continue;
    await enqueueRegister(ctx, { id: posId }, '');
    report.reaccepted += 1;
  }
  // Every record the EDMS holds for ПОС: known to the store, and every status delivered.
  const mapping = await ctx.mappings.forTarget(ctx.adapter.kind);
  let checkpoint: string | null = null;
  for (;;) {
    const batch = await ctx.adapter.listChanged(checkpoint, ctx.settings.watchBatch);
    for (const progress of batch.items.filter((item) => isOurs(ctx, item))) {
      if (!(await ctx.store.has(progress.posId))) {
        await adopt(ctx, progress, mapping.statusMap);
        report.adopted += 1;
      }
      const delivered = new Set((await ctx.store.delivered(progress.posId)).keys());
      if (missingSteps(deriveSteps(progress, mapping.statusMap), delivered).length > 0) {
        await enqueuePush(ctx, progress);
        report.pushesQueued += 1;
      }
    }
    checkpoint = batch.checkpoint;
    if (batch.done || batch.items.length === 0) break;
  }
  // Accepted in ПОС but unknown to the EDMS: a citizen who would never get an answer. Tell people.
  const open = await ctx.store.openAppeals();
  for (let i = 0; i < open.length; i += 50) {
    const ids = open.slice(i, i + 50);
    const found = new Set((await ctx.adapter.readProgress(ids)).filter((p) => isOurs(ctx, p)).map((p) => p.posId));
    for (const posId of ids) if (!found.has(posId)) report.missingInEdms.push(posId);
  }
  for (const posId of report.missingInEdms) {
    await ctx.store.recordError(posId, 'NOT_FOUND', 'accepted in ПОС but the EDMS has no record of it');
    ctx.logger.error({ posId }, 'accepted appeal has no EDMS record: register it by hand');
  }
  if (report.reaccepted + report.adopted + report.pushesQueued + report.missingInEdms.length > 0) {
    ctx.logger.warn({ ...report, missingInEdms: report.missingInEdms.length }, 'reconcile repaired drift');
  }
  return report;
}
