// What the adapter keeps per appeal on disk (one JSON file per posId in stateDir): the package's
// identity and delivery step, every Report fact applied so far, and the change sequence number
// that listChanged checkpoints on.
import type { EdmsFileRef, ProgressState, Registration } from '../../contract.js';
import type { ReportNotification } from '../sev/report.js';

export type AnswerFact = {
  kind: 'answer';
  documentId: string;
  text?: string;
  resolution?: string;
  outgoingNumber?: string;
  outgoingDate?: string;
  files: EdmsFileRef[];
};

/** A notification as stored: the answer carries what was read from its DocInfo and where its files are kept. */
export type StoredNotification = Exclude<ReportNotification, { kind: 'answer' }> | AnswerFact;

export interface AppliedEvent {
  /** Report Header@MessageID. */
  reportId: string;
  /** Content key for spotting the same notification re-sent under another MessageID. */
  fingerprint: string;
  /** Report Header@Time: events are ordered by it, not by arrival. */
  time: string;
  appliedAt: string;
  notification: StoredNotification;
}

/** `writing`: package complete in a temp folder, not yet visible; `written`: renamed into the outbox. */
export type DeliveryStep = 'writing' | 'written';

export type DeloStatus = DeliveryStep | ProgressState;

export interface DeloRecordState {
  version: 1;
  posId: number;
  /** The bridge organisation the package was sent for; absent for `default`. */
  organisation?: string;
  messageId: string;
  documentId: string;
  delivery: DeliveryStep;
  /** Derived from delivery and events on every write; kept for operators reading the file. */
  status: DeloStatus;
  registration?: Registration;
  createdAt: string;
  writtenAt?: string;
  events: AppliedEvent[];
  /** Sequence number of the last change (see StateStore.listChanged). */
  changedSeq: number;
  updatedAt: string;
}
