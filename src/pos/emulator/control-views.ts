// What the control API shows of a stored appeal: a summary per appeal for lists, the full view for
// one. `accepted`, `acceptCount`, `acceptedAt` are the current owner's; `custody` has every owner's.
import { custodyOf } from './custody.js';
import type { PosEmulatorState } from './state.js';
import type { StoredAppeal, StoredFile } from './types.js';

function fileMeta(file: StoredFile) {
  return {
    id: file.id,
    name: file.name,
    size: file.data.length,
    contentType: file.contentType,
    temporary: file.temporary,
    createdAt: file.createdAt,
    uploadedBy: file.uploadedBy ?? null,
  };
}

export function appealSummary(appeal: StoredAppeal) {
  return {
    key: appeal.key,
    id: appeal.record.id,
    raw: appeal.raw,
    organisation: appeal.owner,
    accepted: appeal.accepted,
    acceptCount: appeal.acceptCount,
    answered: appeal.finalAnswerAt !== null,
    historyLength: appeal.history.length,
    firstServedAt: appeal.firstServedAt,
    acceptedAt: appeal.acceptedAt,
    custody: custodyOf(appeal),
  };
}

export function appealView(state: PosEmulatorState, appeal: StoredAppeal, baseUrl: string) {
  const answerFileIds = new Set(appeal.history.flatMap((entry) => (entry.body.attachmentIds ?? []).map(String)));
  const filesOf = (ids: Iterable<string>) =>
    [...ids]
      .map((id) => state.files.get(id))
      .filter((f): f is StoredFile => f !== undefined)
      .map(fileMeta);
  return {
    appeal: state.render(appeal, baseUrl),
    raw: appeal.raw,
    organisation: appeal.owner,
    accepted: appeal.accepted,
    acceptCount: appeal.acceptCount,
    acceptedAt: appeal.acceptedAt,
    firstServedAt: appeal.firstServedAt,
    finalAnswerAt: appeal.finalAnswerAt,
    custody: custodyOf(appeal),
    history: appeal.history,
    attachments: filesOf(appeal.fileIds ?? []),
    answerFiles: filesOf(answerFileIds),
  };
}
