// Turns the stored Report facts into the contract's EdmsProgress. Reports can arrive out of order
// (several readers, slow copies), so the state is derived from all facts ordered by the Report's
// own time, never from arrival order.
import type { EdmsProgress, Official, ProgressState, Registration, RegistrationResult } from '../../contract.js';
import type { ReportNotification } from '../sev/report.js';
import type { AppliedEvent, DeloRecordState, DeloStatus, StoredNotification } from './types.js';

const RANK: Record<StoredNotification['kind'], number> = {
  reception: 0,
  registration: 1,
  consideration: 2,
  forwarding: 3,
  answer: 4,
  failure: 5,
};

export function orderedEvents(events: AppliedEvent[]): AppliedEvent[] {
  return [...events].sort(
    (a, b) =>
      Date.parse(a.time) - Date.parse(b.time) ||
      RANK[a.notification.kind] - RANK[b.notification.kind] ||
      a.reportId.localeCompare(b.reportId),
  );
}

export function fingerprintOf(n: ReportNotification | StoredNotification): string {
  switch (n.kind) {
    case 'reception':
      return 'reception';
    case 'registration':
      return `registration:${n.number}:${n.date}`;
    case 'failure':
      return `failure:${n.code}:${n.text}`;
    case 'forwarding':
      return `forwarding:${n.redirection}:${n.to}:${n.comment ?? ''}`;
    case 'consideration':
      return `consideration:${JSON.stringify([n.executor ?? null, n.manager ?? null, n.deadline ?? null, n.comment ?? null])}`;
    case 'answer':
      return `answer:${n.documentId}`;
  }
}

/**
 * A Report is a duplicate when its MessageID was applied, or when it repeats a fact that can only
 * happen once: reception, registration (same number), the same answer package, the same failure,
 * a postponement to the same date. An assignment or a forwarding can legitimately repeat (back to
 * an earlier executor), so for those only the same fact with the same Report time counts (a re-send
 * under a new MessageID). Arrival order never matters: the rule looks at facts, not at what came last.
 */
export function isDuplicate(
  state: DeloRecordState,
  report: { messageId: string; time: string; notification: ReportNotification },
  fingerprint: string,
): boolean {
  if (state.events.some((e) => e.reportId === report.messageId)) return true;
  const same = state.events.filter((e) => e.fingerprint === fingerprint);
  if (same.length === 0) return false;
  const n = report.notification;
  const repeatable = n.kind === 'forwarding' || (n.kind === 'consideration' && n.deadline === undefined);
  return !repeatable || same.some((e) => Date.parse(e.time) === Date.parse(report.time));
}

function stateOf(n: StoredNotification): ProgressState {
  switch (n.kind) {
    case 'reception':
      return 'received';
    case 'registration':
      return 'registered';
    case 'consideration':
      return n.deadline !== undefined ? 'postponed' : 'in_work';
    case 'forwarding':
      return 'forwarded';
    case 'answer':
      return 'answered';
    case 'failure':
      return 'rejected';
  }
}

export function registrationOf(events: AppliedEvent[]): Registration | undefined {
  const last = orderedEvents(events)
    .filter((e) => e.notification.kind === 'registration')
    .at(-1)?.notification;
  return last?.kind === 'registration' ? { number: last.number, date: last.date } : undefined;
}

export function statusOf(state: Pick<DeloRecordState, 'delivery' | 'events'>): DeloStatus {
  const last = orderedEvents(state.events).at(-1);
  return last ? stateOf(last.notification) : state.delivery;
}

function withoutEmpty(official: Official | undefined): Official | undefined {
  if (!official) return undefined;
  const entries = Object.entries(official).filter(([, v]) => typeof v === 'string' && v !== '');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The contract's view of one appeal. A package not yet reported on counts as `received`. */
export function progressOf(state: DeloRecordState): EdmsProgress {
  const events = orderedEvents(state.events);
  const progress: EdmsProgress = {
    posId: state.posId,
    ...(state.organisation ? { organisation: state.organisation } : {}),
    edmsId: state.messageId,
    state: 'received',
    postponements: [],
    // When «Дело» last changed it: the newest Report's own time, else when the package was handed over.
    updatedAt: events.at(-1)?.time ?? state.writtenAt ?? state.createdAt,
  };
  for (const { notification: n } of events) {
    progress.state = stateOf(n);
    switch (n.kind) {
      case 'registration':
        progress.registration = { number: n.number, date: n.date };
        break;
      case 'consideration': {
        const executor = withoutEmpty(n.executor);
        const manager = withoutEmpty(n.manager);
        if (executor) progress.executor = executor;
        if (manager) progress.manager = manager;
        if (n.deadline !== undefined)
          progress.postponements.push(n.comment !== undefined ? { until: n.deadline, reason: n.comment } : { until: n.deadline });
        break;
      }
      case 'forwarding':
        progress.forwardedTo = n.to;
        break;
      case 'answer': {
        const answer: NonNullable<EdmsProgress['answer']> = { files: n.files };
        if (n.text !== undefined) answer.text = n.text;
        if (n.resolution !== undefined) answer.resolution = n.resolution;
        if (n.outgoingNumber !== undefined) answer.outgoingNumber = n.outgoingNumber;
        if (n.outgoingDate !== undefined) answer.outgoingDate = n.outgoingDate;
        progress.answer = answer;
        break;
      }
      case 'failure':
        progress.rejection = { reason: n.text.trim() !== '' ? n.text : `«Дело» failure ${n.code}` };
        break;
      case 'reception':
        break;
    }
  }
  return progress;
}

/** What register/findByPosId report for a record, per the configured durability rule. */
export function registrationResultOf(state: DeloRecordState, durableWhen: 'registered' | 'written', created: boolean): RegistrationResult {
  const registration = registrationOf(state.events);
  const handedOver = state.delivery === 'written' || state.events.length > 0;
  const result: RegistrationResult = {
    posId: state.posId,
    edmsId: state.messageId,
    durable: durableWhen === 'written' ? handedOver : registration !== undefined,
    created,
  };
  if (registration) result.registration = registration;
  return result;
}

/** The failure «Дело» sent before it ever registered the package, if any. */
export function failureBeforeRegistration(state: DeloRecordState): { code: string; text: string } | undefined {
  if (registrationOf(state.events)) return undefined;
  const failure = state.events.find((e) => e.notification.kind === 'failure')?.notification;
  return failure?.kind === 'failure' ? { code: failure.code, text: failure.text } : undefined;
}
