// Where one organisation's jobs and state live in Redis. The organisation `default` (a bridge
// configured with POS_CLIENT_ID) keeps the names single-organisation bridges always used, so its
// failed-job ids, records and queues stay valid when more organisations are added beside it.
// Every other organisation has queues of its own (`register-<key>`): BullMQ has no fair groups,
// and a queue per organisation with its own workers is what keeps one ЛКО's backlog from holding
// up another's appeals.
import type { EdmsProgress } from '../../adapters/contract.js';
import { DEFAULT_ORGANISATION } from '../config/organisations.js';

export { DEFAULT_ORGANISATION };

/** The BullMQ queue name of `base` (control, register, push) for an organisation. */
export function queueNameFor(base: string, organisation: string = DEFAULT_ORGANISATION): string {
  return organisation === DEFAULT_ORGANISATION ? base : `${base}-${organisation}`;
}

/** The key prefix of an organisation's appeal records, run ledger and locks. */
export function statePrefixFor(prefix: string, organisation: string = DEFAULT_ORGANISATION): string {
  return organisation === DEFAULT_ORGANISATION ? prefix : `${prefix}:org:${organisation}`;
}

/** An EDMS shared by several organisations («Дело») reports every one's records; each pipeline takes its own. */
export function ourProgress(organisation: string, items: readonly EdmsProgress[]): EdmsProgress[] {
  return items.filter((progress) => (progress.organisation ?? DEFAULT_ORGANISATION) === organisation);
}
