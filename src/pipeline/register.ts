// Inbound, per appeal: map → download attachments → register in the EDMS (idempotent by ПОС id)
// → remember the durable registration → mark accepted in ПОС. Every step can be replayed: the
// adapter looks up before it creates, the store remembers durability before ПОС is told, and
// mark-accepted is idempotent. ПОС hears "accepted" only after the EDMS holds the record.
import { DelayedError, type Job } from 'bullmq';
import type { AppealFile, ReferenceProblem } from '../../adapters/contract.js';
import { BridgeError, describeError } from '../errors.js';
import { explainReferenceProblems } from '../mapping/against-edms.js';
import type { CompiledMapping } from '../mapping/types.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { PipelineContext } from './context.js';
import { failureReason } from './job-errors.js';
import type { RegisterJobData } from './queues.js';

export type RegisterOutcome = 'accepted' | 're-accepted' | 'already-accepted' | 'awaiting-registration';

const SET_ASIDE_CODES = new Set(['MAPPING_FAILED', 'MAPPING_TIMEOUT', 'RECORD_INVALID', 'MALFORMED_APPEAL', 'EDMS_REJECTED', 'EDMS_REFERENCE_UNKNOWN']);

/** An unknown reference, told with the mapping's own values and what to do next. */
function explainReferences(ctx: PipelineContext, mapping: CompiledMapping, error: BridgeError): BridgeError {
  const problems = error.details?.problems as ReferenceProblem[] | undefined;
  if (!problems?.length) return error;
  const message = explainReferenceProblems(problems, mapping, ctx.adapter);
  return new BridgeError(error.code, `${message} (mapping ${mapping.name}; fix it, then: pos-bridge failed retry --all)`, false, { system: error.system, posId: error.posId });
}

async function downloadAttachments(ctx: PipelineContext, appeal: PosAppeal): Promise<AppealFile[]> {
  const files: AppealFile[] = [];
  for (const url of appeal.attachments ?? []) files.push(await ctx.pos.downloadAttachment(url));
  return files;
}

/** Waits (without spending an attempt) before checking again whether the EDMS has registered it. */
async function waitForDurability(job: Job<RegisterJobData>, token: string | undefined, ctx: PipelineContext): Promise<never> {
  const waits = (job.data.durabilityChecks ?? 0) + 1;
  await job.updateData({ ...job.data, durabilityChecks: waits });
  const delay = Math.min(ctx.settings.durablePollMaxMs, ctx.settings.durablePollMs * 2 ** Math.min(waits - 1, 16));
  await job.moveToDelayed(Date.now() + delay, token);
  throw new DelayedError();
}

async function accept(ctx: PipelineContext, posId: number): Promise<void> {
  await ctx.pos.markAccepted(posId);
  await ctx.store.markAccepted(posId);
  ctx.metrics.appealsAccepted.inc();
}

async function registerInEdms(ctx: PipelineContext, job: Job<RegisterJobData>, token: string | undefined): Promise<void> {
  const { posId } = job.data;
  const appeal = ctx.cipher.openJson<PosAppeal>(job.data.sealedAppeal);
  const mapping = await ctx.mappings.forTarget(ctx.adapter.kind);
  const { record, warnings, defaultsUsed: mappingDefaults = [] } = await mapping.map(appeal);
  if (warnings.length > 0) ctx.logger.info({ posId, warnings: warnings.length, mapping: mapping.version }, 'mapping used defaults or truncated fields');
  const files = await downloadAttachments(ctx, appeal);
  const firstAttempt = await ctx.store.markRegisterAttempt(posId);
  let result;
  try {
    result = await ctx.adapter.register({ posId, record, files, firstAttempt });
  } catch (error) {
    throw error instanceof BridgeError && error.code === 'EDMS_REFERENCE_UNKNOWN' ? explainReferences(ctx, mapping, error) : error;
  }
  if (result.created) {
    ctx.metrics.appealsRegistered.inc({ edms: ctx.adapter.kind });
    await ctx.store.coverage.record(appeal, mappingDefaults);
  }
  if (!result.durable) {
    await ctx.store.markAwaitingRegistration(posId, result.edmsId);
    return waitForDurability(job, token, ctx);
  }
  await ctx.store.markRegistered(posId, result.edmsId, result.registration);
}

/** Re-checks a registration that was written but not yet confirmed by the EDMS. */
async function confirmRegistration(ctx: PipelineContext, job: Job<RegisterJobData>, token: string | undefined): Promise<void> {
  const { posId } = job.data;
  const found = await ctx.adapter.findByPosId(posId);
  if (found?.durable) {
    await ctx.store.markRegistered(posId, found.edmsId, found.registration);
    return;
  }
  const [progress] = await ctx.adapter.readProgress([posId]);
  if (progress?.state === 'rejected') {
    throw new BridgeError('EDMS_REJECTED', `the EDMS refused the record: ${progress.rejection?.reason ?? 'no reason given'}`, false, { posId });
  }
  return waitForDurability(job, token, ctx);
}

const LOCK_RETRY_MS = 500;

/** Takes the appeal's register/push lock, or puts the job back for a moment (no attempt spent). */
export async function lockAppealOrWait(ctx: PipelineContext, job: Job<{ posId: number }>, token: string | undefined, kind: 'register' | 'push'): Promise<() => Promise<void>> {
  const release = await ctx.store.lock(job.data.posId, kind, ctx.settings.appealLockMs);
  if (release) return release;
  await job.moveToDelayed(Date.now() + LOCK_RETRY_MS, token);
  throw new DelayedError();
}

export async function processRegister(ctx: PipelineContext, job: Job<RegisterJobData>, token?: string): Promise<RegisterOutcome> {
  const { posId } = job.data;
  const release = await lockAppealOrWait(ctx, job, token, 'register');
  try {
    const known = await ctx.store.get(posId);
    if (known?.state === 'accepted' || known?.state === 'answered') {
      // A replay of a job whose acceptance was already recorded has nothing to do; a pull that
      // found the appeal still listed long after it was accepted says it to ПОС once more.
      if (!job.data.reaccept) return 'already-accepted';
      await ctx.pos.markAccepted(posId);
      return 're-accepted';
    }
    if (known?.state === 'awaiting_registration') await confirmRegistration(ctx, job, token);
    else if (known?.state !== 'registered') {
      if (!job.data.sealedAppeal) throw new BridgeError('PERMANENT', 'no appeal payload to register (it will be pulled again from ПОС)', false, { posId });
      await registerInEdms(ctx, job, token);
    }
    await accept(ctx, posId);
    ctx.logger.info({ posId }, 'appeal registered and accepted');
    return 'accepted';
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    const { code, message } = describeError(error);
    if (SET_ASIDE_CODES.has(code)) {
      await ctx.store.setAside(posId, code, message);
      ctx.metrics.appealsSetAside.inc({ reason: code });
      ctx.logger.warn({ posId, code, reason: message }, 'appeal set aside');
    } else {
      await ctx.store.recordError(posId, code, message);
      ctx.logger.warn({ posId, code, attempt: job.attemptsMade + 1, reason: failureReason(error) }, 'registration attempt failed');
    }
    throw error;
  } finally {
    await release();
  }
}
