// EDMS progress → the ПОС posts that describe it, in lifecycle order. Pure and level-triggered:
// the same progress always yields the same steps with the same keys, so the pusher only has to
// send the steps whose keys it has not recorded yet, in this order, and a replayed or stale job
// can neither repeat nor reorder a status.
import type { EdmsFileRef, EdmsProgress } from '../../adapters/contract.js';
import type { PosAnswer } from '../pos/schemas.js';
import type { StatusMap, StatusRule } from '../mapping/types.js';

export type StepKind = 'registered' | 'in_work' | 'postponed' | 'final';

export interface StatusStep {
  /** Stable identity of this step for this appeal: `registered`, `in_work`, `postponed:<date>`, `final`. */
  key: string;
  kind: StepKind;
  /** The body to post, without attachmentIds (those come from uploading `files` first). */
  body: PosAnswer;
  files: EdmsFileRef[];
}

function official(person: EdmsProgress['executor']): PosAnswer['executorInfo'] {
  if (!person) return undefined;
  const entries = Object.entries(person).filter(([, value]) => typeof value === 'string' && value.length > 0);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

function base(progress: EdmsProgress, rule: StatusRule, answer: boolean): PosAnswer {
  const body: PosAnswer = { id: progress.posId, answer, status: rule.status, statusText: rule.statusText };
  if (progress.registration) {
    body.regNumber = progress.registration.number;
    body.regNumberSetAt = progress.registration.date;
  }
  if (rule.notifyApplicant !== undefined) body.notifyApplicant = rule.notifyApplicant;
  return body;
}

function withOfficials(body: PosAnswer, progress: EdmsProgress): PosAnswer {
  const executorInfo = official(progress.executor);
  const managerInfo = official(progress.manager);
  if (executorInfo) body.executorInfo = executorInfo;
  if (managerInfo) body.managerInfo = managerInfo;
  return body;
}

function finalStep(progress: EdmsProgress, map: StatusMap): StatusStep | undefined {
  if (progress.state === 'answered' && progress.answer) {
    const rule = map.answered;
    const resolution = progress.answer.resolution;
    const body = withOfficials(base(progress, rule, true), progress);
    body.appealAnswerType = (resolution && map.answerTypeByResolution?.[resolution]) || rule.appealAnswerType || 'SOLVED';
    if (progress.answer.text) body.answerText = progress.answer.text;
    if (progress.answer.outgoingNumber) body.outgoingNumber = progress.answer.outgoingNumber;
    if (progress.answer.outgoingDate) body.outgoingNumberSetAt = progress.answer.outgoingDate;
    if (body.appealAnswerType === 'FORWARDED') body.reassignmentInfo = progress.forwardedTo ?? progress.answer.text ?? rule.statusText;
    return { key: 'final', kind: 'final', body, files: progress.answer.files };
  }
  if (progress.state === 'forwarded') {
    const rule = map.forwarded;
    const body = withOfficials(base(progress, rule, true), progress);
    body.appealAnswerType = rule.appealAnswerType ?? 'FORWARDED';
    body.reassignmentInfo = progress.forwardedTo ?? rule.statusText;
    body.answerText = progress.answer?.text ?? `${rule.statusText}: ${body.reassignmentInfo}`;
    return { key: 'final', kind: 'final', body, files: progress.answer?.files ?? [] };
  }
  if (progress.state === 'rejected') {
    const rule = map.rejected;
    const body = withOfficials(base(progress, rule, true), progress);
    body.appealAnswerType = rule.appealAnswerType ?? 'REJECTED';
    body.answerText = progress.rejection?.reason || rule.statusText;
    return { key: 'final', kind: 'final', body, files: progress.answer?.files ?? [] };
  }
  return undefined;
}

/**
 * Every step the progress implies, oldest first. Postponements whose new date has already passed
 * are left out: ПОС refuses a POSTPONED with a past date, and the citizen gains nothing from it.
 */
export function deriveSteps(progress: EdmsProgress, map: StatusMap, now: Date = new Date()): StatusStep[] {
  const steps: StatusStep[] = [];
  if (progress.state === 'received') return steps;
  if (progress.registration) {
    steps.push({ key: 'registered', kind: 'registered', body: base(progress, map.registered, false), files: [] });
  }
  if (progress.executor) {
    steps.push({ key: 'in_work', kind: 'in_work', body: withOfficials(base(progress, map.in_work, false), progress), files: [] });
  }
  for (const postponement of progress.postponements) {
    const until = new Date(postponement.until);
    if (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime()) continue;
    const body = withOfficials(base(progress, map.postponed, false), progress);
    body.appealAnswerType = 'POSTPONED';
    body.postponedDate = postponement.until;
    if (postponement.reason) body.comment = postponement.reason;
    steps.push({ key: `postponed:${postponement.until}`, kind: 'postponed', body, files: [] });
  }
  const last = finalStep(progress, map);
  if (last) steps.push(last);
  return steps;
}

/** The steps still to send, given the keys already delivered; nothing once a final answer went out. */
export function missingSteps(steps: StatusStep[], delivered: ReadonlySet<string>): StatusStep[] {
  if (delivered.has('final')) return [];
  return steps.filter((step) => !delivered.has(step.key));
}
