// The status/answer call's rules (pos-edms-api.md §4 [assumed validation]), how each accepted
// post is recorded in the appeal's history with a platform status code (§6), and a FORWARDED final
// answer naming another organisation of the emulator moving the appeal there.
import { posAnswerSchema, type PosAnswer } from '../schemas.js';
import { notYours, type Caller } from './context.js';
import { forwardAppeal } from './custody.js';
import type { PosEmulatorState } from './state.js';
import type { HistoryEntry, StoredAppeal } from './types.js';
import { issueLines } from '../../zod-issues.js';

type RefusalStatus = 400 | 403 | 404 | 409;

export type AnswerOutcome = { ok: true; entry: HistoryEntry } | { ok: false; status: RefusalStatus; messages: string[] };

const refuse = (status: RefusalStatus, ...messages: string[]): AnswerOutcome => ({ ok: false, status, messages });

/** Platform status code for a post: §6's vocabulary, derived from the answer type and what came before. */
export function platformStatus(body: PosAnswer, history: readonly HistoryEntry[]): string {
  if (body.appealAnswerType === 'POSTPONED') return 'POSTPONE';
  if (body.appealAnswerType === 'FORWARDED') {
    return /подвед|subordinate/i.test(body.reassignmentInfo ?? '') ? 'FORWARD_TO_SUBORDINATE' : 'FORWARD_TO_PARENT';
  }
  if (body.answer) return 'SEND_RESPONSE';
  const takenBefore = history.some((entry) => entry.status === 'TAKE_TO_WORK');
  if (!takenBefore) return 'TAKE_TO_WORK';
  const lastExecutor = [...history].reverse().find((entry) => entry.body.executorInfo)?.body.executorInfo;
  const executorChanged = body.executorInfo !== undefined && JSON.stringify(body.executorInfo) !== JSON.stringify(lastExecutor);
  return executorChanged ? 'SET_EXECUTOR' : 'TAKE_TO_WORK';
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string[] {
  return issueLines(error, null);
}

/**
 * Checks and applies one post to the appeal: 404 unknown, 403 held by another organisation, 409 not
 * accepted or already finally answered (by its current owner), 400 for a body that breaks the rules.
 * On success the appeal's history grows by one.
 */
export function applyAnswer(
  state: PosEmulatorState,
  appeal: StoredAppeal | undefined,
  pathId: string,
  rawBody: unknown,
  by: Caller,
  now = new Date(),
): AnswerOutcome {
  if (!appeal) return refuse(404, `Обращение с id ${pathId} не найдено`);
  if (appeal.owner !== by.clientId) return refuse(403, ...notYours(`Обращение ${pathId}`).messages);
  if (!appeal.accepted) return refuse(409, `Обращение ${pathId} не принято в работу (mark-accepted не вызывался)`);
  if (appeal.finalAnswerAt) return refuse(409, `По обращению ${pathId} уже направлен окончательный ответ`);

  const parsed = posAnswerSchema.safeParse(rawBody);
  if (!parsed.success) return refuse(400, ...issuesOf(parsed.error));
  const body = parsed.data;
  const problems: string[] = [];
  if (String(body.id) !== pathId) problems.push(`id: ${body.id} differs from the appeal id ${pathId} in the path`);
  if (body.appealAnswerType === 'POSTPONED' && body.postponedDate && Date.parse(body.postponedDate) <= now.getTime()) {
    problems.push('postponedDate: must be in the future');
  }
  for (const fileId of body.attachmentIds ?? []) {
    // Another organisation's upload (or a citizen's attachment) is as good as absent to this one.
    if (state.files.get(String(fileId))?.uploadedBy !== by.clientId) problems.push(`attachmentIds: file ${fileId} is not in file storage`);
  }
  if (problems.length) return refuse(400, ...problems);

  const entry: HistoryEntry = {
    status: platformStatus(body, appeal.history.slice(appeal.ownerHistoryStart)),
    statusText: body.statusText ?? body.status ?? null,
    createdAt: now.toISOString(),
    createdBy: by,
    body,
  };
  appeal.history.push(entry);
  if (body.appealAnswerType === 'POSTPONED' && body.postponedDate) appeal.record.answerAt = body.postponedDate;
  if (body.regNumber) {
    appeal.record.regNumber = body.regNumber;
    appeal.record.regNumberSetAt = body.regNumberSetAt ?? now.toISOString();
  }
  for (const fileId of body.attachmentIds ?? []) {
    const file = state.files.get(String(fileId));
    if (file) file.temporary = false;
  }
  if (body.answer) appeal.finalAnswerAt = entry.createdAt;
  const target =
    body.answer && body.appealAnswerType === 'FORWARDED'
      ? state.organisations.addressedBy(body.reassignmentInfo ?? '', by.clientId)
      : undefined;
  if (target) {
    entry.forwardedTo = target.clientId;
    forwardAppeal(appeal, target, now);
  }
  return { ok: true, entry };
}
