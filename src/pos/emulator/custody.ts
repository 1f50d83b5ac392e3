// Which organisation holds an appeal, and the record of every organisation that held it before:
// forwarding between organisations of one emulator moves the appeal, acceptance starts afresh.
import type { CustodyRecord, EmulatorOrganisation, StoredAppeal } from './types.js';

/** The organisation's opaId/opaName, when it has them, for the appeals it owns. */
export function opaFields(organisation: EmulatorOrganisation): { opaId?: number; opaName?: string } {
  return {
    ...(organisation.opaId === undefined ? {} : { opaId: organisation.opaId }),
    ...(organisation.opaName === undefined ? {} : { opaName: organisation.opaName }),
  };
}

/** Every organisation's handling of the appeal, oldest first; the last is the current owner's. */
export function custodyOf(appeal: StoredAppeal): CustodyRecord[] {
  const current: CustodyRecord = {
    organisation: appeal.owner,
    since: appeal.ownedSince,
    until: null,
    accepted: appeal.accepted,
    acceptCount: appeal.acceptCount,
    acceptedAt: appeal.acceptedAt,
    firstServedAt: appeal.firstServedAt,
    finalAnswerAt: appeal.finalAnswerAt,
    forwardedTo: null,
  };
  return [...appeal.previousOwners, current];
}

/**
 * Moves the appeal to another organisation: same id and history, but for the new owner it is a
 * fresh appeal (in its pull list, not accepted, no final answer, no registration number of the old
 * owner's EDMS) showing the new owner in opaId/opaName. Raw records stay exactly as given.
 */
export function forwardAppeal(appeal: StoredAppeal, to: EmulatorOrganisation, now: Date): void {
  const [current] = custodyOf(appeal).slice(-1);
  appeal.previousOwners.push({ ...current!, until: now.toISOString(), forwardedTo: to.clientId });
  appeal.owner = to.clientId;
  appeal.ownedSince = now.toISOString();
  appeal.ownerHistoryStart = appeal.history.length;
  appeal.accepted = false;
  appeal.acceptCount = 0;
  appeal.acceptedAt = null;
  appeal.firstServedAt = null;
  appeal.finalAnswerAt = null;
  if (appeal.raw) return;
  // An organisation without opaId/opaName set shows none rather than the old owner's.
  appeal.record.opaId = to.opaId ?? null;
  appeal.record.opaName = to.opaName ?? null;
  delete appeal.record.regNumber;
  delete appeal.record.regNumberSetAt;
}
