// Outbound, per appeal: derive the ПОС steps the EDMS progress implies, send those not delivered
// yet in lifecycle order (answer files uploaded first), and record each one as it lands. One push
// per appeal at a time (a Redis lock shared by all processes); a stale or replayed job derives a
// subset of what was delivered and sends nothing.
import { DelayedError, type Job } from 'bullmq';
import type { EdmsProgress } from '../../adapters/contract.js';
import { PermanentError, bridgeError, sanitizedError } from '../errors.js';
import type { PipelineContext } from './context.js';
import type { PushJobData } from './queues.js';
import { officialName, openExecutor, sealExecutor } from './executor.js';
import { lockAppealOrWait } from './store.js';
import { deriveSteps, missingSteps, type StatusStep } from './status.js';

export interface PushOutcome {
  sent: string[];
  skipped?: 'not-accepted-yet' | 'unknown-appeal';
}

async function uploadFiles(ctx: PipelineContext, step: StatusStep): Promise<(string | number)[]> {
  const ids: (string | number)[] = [];
  for (const ref of step.files) {
    const file = await ctx.adapter.readFile(ref);
    const uploaded = await ctx.pos.uploadFile(file);
    ids.push(uploaded.id);
  }
  return ids;
}

async function send(ctx: PipelineContext, posId: number, step: StatusStep): Promise<void> {
  const body = { ...step.body };
  const attachmentIds = await uploadFiles(ctx, step);
  if (attachmentIds.length > 0) body.attachmentIds = attachmentIds;
  const inFlightBefore = await ctx.store.inFlight(posId);
  await ctx.store.markInFlight(posId, step.key);
  try {
    await ctx.pos.postAnswer(body);
  } catch (error) {
    // ПОС refuses any post after a final answer with 409. If our own earlier try of this final
    // answer was in flight when it was cut off, that 409 means it did land.
    const landedBefore = step.kind === 'final' && inFlightBefore === 'final' && error instanceof PermanentError && error.status === 409;
    if (!landedBefore) throw error;
    ctx.logger.info({ posId, step: step.key }, 'final answer had already landed in ПОС');
  }
  const postponedUntil = step.kind === 'postponed' ? body.postponedDate : undefined;
  await ctx.store.recordDelivered(
    posId,
    { step: step.key, status: body.status ?? '', statusText: body.statusText, at: new Date().toISOString() },
    postponedUntil,
  );
  ctx.metrics.pushes.inc({ organisation: ctx.organisation, status: step.kind, outcome: 'sent' });
}

/** Personal values of a progress snapshot: the officials, the answer, refusal and postponement texts. */
function progressValues(progress: EdmsProgress | undefined): string[] {
  if (!progress) return [];
  const officials = [progress.executor, progress.manager].flatMap((official): unknown[] => (official ? Object.values(official) : []));
  const texts = [progress.answer?.text, progress.rejection?.reason, ...progress.postponements.map((p) => p.reason)];
  return [...officials, ...texts].filter((value): value is string => typeof value === 'string');
}

export async function processPush(ctx: PipelineContext, job: Job<PushJobData>, token?: string): Promise<PushOutcome> {
  const { posId } = job.data;
  const { release, known } = await lockAppealOrWait(ctx.store, job, token, 'push', ctx.settings.appealLockMs);
  let progress: EdmsProgress | undefined;
  try {
    if (!known) return { sent: [], skipped: 'unknown-appeal' };
    if (known.state !== 'accepted' && known.state !== 'answered') {
      // ПОС takes statuses only for accepted appeals; the register job will get there first.
      await job.moveToDelayed(Date.now() + ctx.settings.durablePollMs, token);
      throw new DelayedError();
    }
    progress = ctx.cipher.openJson<EdmsProgress>(job.data.sealedProgress, { purpose: 'progress', posId });
    if (progress?.posId !== posId) throw bridgeError('PAYLOAD_INVALID', { kind: 'progress', posId }, { posId });
    if (progress.registration && progress.registration.number !== known.regNumber) {
      await ctx.store.updateRegistration(posId, progress.registration);
    }
    // Registration reports no executor (adapters/contract.ts): the progress is where the EDMS names one.
    // Sealed again when the name changed or it was sealed with an older key (a rotation).
    const executor = officialName(progress.executor);
    const sealed = known.executorSealed;
    if (executor && (executor !== openExecutor(ctx.cipher, posId, sealed) || ctx.cipher.isStale(sealed!))) {
      await ctx.store.updateExecutor(posId, sealExecutor(ctx.cipher, posId, executor));
    }
    const mapping = await ctx.mappings.forTarget(ctx.adapter.kind);
    const delivered = new Set((await ctx.store.delivered(posId)).keys());
    const sent: string[] = [];
    for (const step of missingSteps(deriveSteps(progress, mapping.statusMap), delivered)) {
      try {
        await send(ctx, posId, step);
      } catch (error) {
        ctx.metrics.pushes.inc({ organisation: ctx.organisation, status: step.kind, outcome: 'failed' });
        throw error;
      }
      sent.push(step.key);
      await ctx.runs.credit('push', job.id, 'pushed');
    }
    if (sent.length > 0) ctx.logger.info({ posId, sent }, 'statuses delivered to ПОС');
    return { sent };
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    // Officials' names and the answer text are cut out of whatever ПОС echoed back (BullMQ keeps it).
    throw sanitizedError(error, { known: progressValues(progress) });
  } finally {
    await release();
  }
}
