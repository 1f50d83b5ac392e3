// Inbound, per appeal: map → download attachments → register in the EDMS (idempotent by ПОС id)
// → remember the durable registration → mark accepted in ПОС. Every step can be replayed: the
// adapter looks up before it creates, the store remembers durability before ПОС is told, and
// mark-accepted is idempotent. ПОС hears "accepted" only after the EDMS holds the record.
import { DelayedError, type Job } from 'bullmq';
import type { AppealFile, ReferenceProblem } from '../../adapters/contract.js';
import { BridgeError, PermanentError, bridgeError, describeError, sanitizedError } from '../errors.js';
import { explainReferenceProblems } from '../mapping/against-edms.js';
import type { CompiledMapping } from '../mapping/types.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { PipelineContext } from './context.js';
import { DEFAULT_ORGANISATION } from './organisation.js';
import { failureReason } from './job-errors.js';
import type { RegisterJobData } from './queues.js';
import { lockAppealOrWait } from './store.js';

export type RegisterOutcome = 'accepted' | 're-accepted' | 'already-accepted' | 'awaiting-registration';

const SET_ASIDE_CODES = new Set([
  'MAPPING_FAILED',
  'MAPPING_TIMEOUT',
  'RECORD_INVALID',
  'MALFORMED_APPEAL',
  'EDMS_REJECTED',
  'EDMS_REFERENCE_UNKNOWN',
  'ATTACHMENT_ORIGIN_NOT_ALLOWED',
  'APPEAL_TOO_LARGE',
]);

const PERSON_FIELDS = ['surname', 'name', 'patronymic', 'email', 'phone', 'postAddress'] as const;
/** Intake bounds an appeal's nesting well below this (src/pos/limits.ts); the walk stops here anyway. */
const MAX_WALK_DEPTH = 64;

/**
 * The appeal's personal values (applicants' names and contacts, addresses, the text, custom field
 * texts), cut out of error messages a server may echo them in (src/redact.ts, rule 1).
 */
function personalValues(appeal: PosAppeal | undefined): string[] {
  if (!appeal) return [];
  const values: string[] = [];
  const add = (value: unknown, depth = 0): void => {
    if (typeof value === 'string') {
      if (value.trim()) values.push(value);
    } else if (value && typeof value === 'object' && depth < MAX_WALK_DEPTH) {
      for (const item of Object.values(value)) add(item, depth + 1);
    }
  };
  for (const person of [appeal.applicant, ...(appeal.coApplicants ?? [])]) {
    for (const field of PERSON_FIELDS) add(person?.[field]);
  }
  for (const value of [appeal.description, appeal.address, appeal.locationAddress, appeal.customFieldValues]) add(value);
  return values;
}

/** An unknown reference, told with the mapping's own values and what to do next. */
function explainReferences(ctx: PipelineContext, mapping: CompiledMapping, error: BridgeError): BridgeError {
  const problems = error.details?.problems as ReferenceProblem[] | undefined;
  if (!problems?.length) return error;
  const message = explainReferenceProblems(problems, mapping, ctx.adapter);
  return new BridgeError(error.code, `${message} (mapping ${mapping.name}; fix it, then: pos-bridge failed retry --all)`, {
    system: error.system,
    posId: error.posId,
  });
}

async function downloadAttachments(ctx: PipelineContext, appeal: PosAppeal): Promise<AppealFile[]> {
  return ctx.pos.downloadAttachments(appeal.attachments ?? []); // origins and per-appeal caps checked there
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
  ctx.metrics.appealsAccepted.inc({ organisation: ctx.organisation });
}

async function registerInEdms(
  ctx: PipelineContext,
  job: Job<RegisterJobData>,
  token: string | undefined,
  opened: { appeal?: PosAppeal },
): Promise<void> {
  const { posId } = job.data;
  const appeal = ctx.cipher.openJson<PosAppeal>(job.data.sealedAppeal, { purpose: 'appeal', posId });
  // v1 payloads carry no associated data: the id inside must still be the job's.
  if (appeal?.id !== posId) throw bridgeError('PAYLOAD_INVALID', { kind: 'appeal', posId }, { posId });
  opened.appeal = appeal;
  const mapping = await ctx.mappings.forTarget(ctx.adapter.kind);
  const { record, warnings, defaultsUsed: mappingDefaults = [] } = await mapping.map(appeal);
  if (warnings.length > 0)
    ctx.logger.info({ posId, warnings: warnings.length, mapping: mapping.version }, 'mapping used defaults or truncated fields');
  const files = await downloadAttachments(ctx, appeal);
  const firstAttempt = await ctx.store.markRegisterAttempt(posId);
  let result;
  try {
    const organisation =
      ctx.organisation === DEFAULT_ORGANISATION ? undefined : { key: ctx.organisation, constants: ctx.organisationConstants };
    result = await ctx.adapter.register({ posId, record, files, firstAttempt, ...(organisation ? { organisation } : {}) });
  } catch (error) {
    throw error instanceof BridgeError && error.code === 'EDMS_REFERENCE_UNKNOWN' ? explainReferences(ctx, mapping, error) : error;
  }
  const coverage = result.created ? { appeal, defaultsUsed: mappingDefaults } : undefined;
  if (result.created) ctx.metrics.appealsRegistered.inc({ organisation: ctx.organisation, edms: ctx.adapter.kind });
  // The deadline promised to the citizen: the deadline list (GET /api/deadlines) counts it down.
  const deadline = appeal.answerAt ?? undefined;
  if (!result.durable) {
    if (coverage) await ctx.store.coverage.record(coverage.appeal, coverage.defaultsUsed);
    await ctx.store.markAwaitingRegistration(posId, result.edmsId, deadline);
    return waitForDurability(job, token, ctx);
  }
  await ctx.store.markRegistered(posId, result.edmsId, result.registration, new Date(), deadline, coverage);
}

/** Re-checks a registration that was written but not yet confirmed by the EDMS. */
async function confirmRegistration(
  ctx: PipelineContext,
  job: Job<RegisterJobData>,
  token: string | undefined,
  deadline: string | undefined,
): Promise<void> {
  const { posId } = job.data;
  const found = await ctx.adapter.findByPosId(posId);
  if (found?.durable) {
    await ctx.store.markRegistered(posId, found.edmsId, found.registration, new Date(), deadline);
    return;
  }
  const [progress] = await ctx.adapter.readProgress([posId]);
  if (progress?.state === 'rejected') {
    throw new BridgeError('EDMS_REJECTED', `the EDMS refused the record: ${progress.rejection?.reason ?? 'no reason given'}`, { posId });
  }
  return waitForDurability(job, token, ctx);
}

export async function processRegister(ctx: PipelineContext, job: Job<RegisterJobData>, token?: string): Promise<RegisterOutcome> {
  const { posId } = job.data;
  const { release, known } = await lockAppealOrWait(ctx.store, job, token, 'register', ctx.settings.appealLockMs);
  const opened: { appeal?: PosAppeal } = {};
  try {
    if (known?.state === 'accepted' || known?.state === 'answered') {
      // A replay of a job whose acceptance was already recorded has nothing to do; a pull that
      // found the appeal still listed long after it was accepted says it to ПОС once more.
      if (!job.data.reaccept) return 'already-accepted';
      await ctx.pos.markAccepted(posId);
      return 're-accepted';
    }
    // EDMS outage (edms-gate.ts): wait, unless this job is the one that probes the EDMS.
    if (known?.state !== 'registered') await ctx.edmsGate.admit(job, token);
    if (known?.state === 'awaiting_registration') await confirmRegistration(ctx, job, token, known.deadline);
    else if (known?.state !== 'registered') {
      if (!job.data.sealedAppeal)
        throw new PermanentError('no appeal payload to register (it will be pulled again from ПОС)', [], { posId });
      await registerInEdms(ctx, job, token, opened);
    }
    if (known?.state !== 'registered') await ctx.edmsGate.answered();
    await accept(ctx, posId);
    ctx.logger.info({ posId }, 'appeal registered and accepted');
    return 'accepted';
  } catch (error) {
    if (error instanceof DelayedError) throw error;
    // From here on only the sanitized error travels (store, log, BullMQ's failedReason and stack),
    // with the appeal's own values cut out of whatever a server echoed back.
    const safe = sanitizedError(error, { known: personalValues(opened.appeal) });
    const { code, message } = describeError(safe);
    if (SET_ASIDE_CODES.has(code)) {
      await ctx.store.setAside(posId, code, message);
      ctx.metrics.appealsSetAside.inc({ organisation: ctx.organisation, reason: code });
      ctx.logger.warn({ posId, code, reason: message }, 'appeal set aside');
    } else {
      await ctx.store.recordError(posId, code, message);
      ctx.logger.warn({ posId, code, attempt: job.attemptsMade + 1, reason: failureReason(safe) }, 'registration attempt failed');
    }
    // EDMS outage (edms-gate.ts): the job waits without spending an attempt instead of failing.
    await ctx.edmsGate.holdIfUnavailable(error, job, token);
    throw safe;
  } finally {
    await release();
  }
}
