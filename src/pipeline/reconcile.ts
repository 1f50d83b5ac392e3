// Reconcile (RECONCILE_EVERY): repairs what drifted between Redis and the two systems — an appeal
// registered but never accepted, a push that is missing, an EDMS record the bridge forgot (Redis
// lost data: FLUSHALL, a failover that dropped acknowledged writes), an accepted appeal the EDMS
// does not have.
import type { EdmsProgress } from '../../adapters/contract.js';
import type { StatusMap } from '../mapping/types.js';
import type { PipelineContext } from './context.js';
import { enqueuePush, enqueueRegister, registerJobExists } from './enqueue.js';
import { deriveSteps, missingSteps } from './status.js';
import { ourProgress } from './organisation.js';

export interface ReconcileReport {
  reaccepted: number;
  adopted: number;
  /** Push jobs queued because a step is missing. */
  pushesQueued: number;
  /** Appeals with a missing step whose push job already waits or runs: nothing new was queued. */
  pushesPending: number;
  missingInEdms: number[];
}

/**
 * The bridge lost what it knew of an appeal but the EDMS has it. What ПОС was already told is
 * unknown: interim statuses the progress implies are taken as delivered (a citizen may miss one,
 * but never sees one twice), and the final answer is marked in doubt, so it is sent and a 409
 * ("already answered") counts as delivered. Written in one step (store.ts), so a push running
 * meanwhile cannot see the appeal half adopted.
 */
async function adopt(ctx: PipelineContext, progress: EdmsProgress, statusMap: StatusMap): Promise<boolean> {
  const at = new Date().toISOString();
  const steps = deriveSteps(progress, statusMap);
  const assumedDelivered = steps
    .filter((step) => step.kind !== 'final')
    .map((step) => ({ step: step.key, status: step.body.status ?? '', statusText: 'assumed delivered (reconciled after state loss)', at }));
  const finalInDoubt = steps.some((step) => step.kind === 'final');
  // ПОС answerAt is not in the EDMS progress (the adapter contract has no deadline): only a
  // postponement tells it, its date being what ПОС moves answerAt to (a past one: overdue). Without
  // one the adopted appeal stays out of the deadline list (README "Deadlines").
  const deadline = progress.postponements.at(-1)?.until;
  const adopted = await ctx.store.adoptFromEdms(progress.posId, {
    edmsId: progress.edmsId,
    registration: progress.registration,
    assumedDelivered,
    finalInDoubt,
    ...(deadline ? { deadline } : {}),
  });
  if (adopted) ctx.logger.warn({ posId: progress.posId, finalInDoubt }, 'appeal adopted from the EDMS after the bridge lost its state');
  return adopted;
}

/** Every record the EDMS holds for ПОС: known to the store, and every status delivered or on its way. */
async function reconcileEdms(ctx: PipelineContext, report: ReconcileReport): Promise<void> {
  const mapping = await ctx.mappings.forTarget(ctx.adapter.kind);
  let checkpoint: string | null = null;
  for (;;) {
    const batch = await ctx.adapter.listChanged(checkpoint, ctx.settings.watchBatch);
    for (const progress of ourProgress(ctx.organisation, batch.items)) {
      if (!(await ctx.store.has(progress.posId)) && (await adopt(ctx, progress, mapping.statusMap))) report.adopted += 1;
      const delivered = new Set((await ctx.store.delivered(progress.posId)).keys());
      if (missingSteps(deriveSteps(progress, mapping.statusMap), delivered).length === 0) continue;
      const outcome = await enqueuePush(ctx, progress, {}, true);
      if (outcome === 'queued') report.pushesQueued += 1;
      else if (outcome === 'pending') report.pushesPending += 1;
    }
    checkpoint = batch.checkpoint;
    if (batch.done || batch.items.length === 0) break;
  }
}

export async function processReconcile(ctx: PipelineContext): Promise<ReconcileReport> {
  const report: ReconcileReport = { reaccepted: 0, adopted: 0, pushesQueued: 0, pushesPending: 0, missingInEdms: [] };
  // Registered durably but never marked accepted (its job was lost): accept it now.
  for (const posId of await ctx.store.unacceptedAppeals()) {
    if (await registerJobExists(ctx, posId)) continue;
    await enqueueRegister(ctx, { id: posId }, '');
    report.reaccepted += 1;
  }
  await reconcileEdms(ctx, report);
  // Accepted in ПОС but unknown to the EDMS: a citizen who would never get an answer. Tell people.
  const open = await ctx.store.openAppeals();
  for (let i = 0; i < open.length; i += 50) {
    const ids = open.slice(i, i + 50);
    const found = new Set(ourProgress(ctx.organisation, await ctx.adapter.readProgress(ids)).map((p) => p.posId));
    for (const posId of ids) if (!found.has(posId)) report.missingInEdms.push(posId);
  }
  for (const posId of report.missingInEdms) {
    await ctx.store.recordError(posId, 'NOT_FOUND', 'accepted in ПОС but the EDMS has no record of it');
    ctx.logger.error({ posId }, 'accepted appeal has no EDMS record: register it by hand');
  }
  // Pending pushes are not drift to report: they are already on their way.
  if (report.reaccepted + report.adopted + report.pushesQueued + report.missingInEdms.length > 0) {
    ctx.logger.warn({ ...report, missingInEdms: report.missingInEdms.length }, 'reconcile repaired drift');
  }
  return report;
}
