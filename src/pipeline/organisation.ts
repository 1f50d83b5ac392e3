// Where one organisation's jobs and state live in Redis. The organisation `default` (a bridge
// configured with POS_CLIENT_ID) keeps the names single-organisation bridges always used, so its
// failed-job ids, records and queues stay valid when more organisations are added beside it.
// Every other organisation has queues of its own (`register-<key>`): BullMQ has no fair groups,
// and a queue per organisation with its own workers is what keeps one ЛКО's backlog from holding
// up another's appeals.
import type { EdmsProgress } from '../../adapters/contract.js';
import { DEFAULT_ORGANISATION } from '../config/organisations.js';

export { DEFAULT_ORGANISATION };

/**
 * How keys spread over a Redis Cluster's slots. `one-slot`: everything under QUEUE_PREFIX as
 * written (on a Cluster it carries the hash tag, `{pos-bridge}`, so every key is on one master; off
 * a Cluster there are no slots). `spread`: on a Cluster whose QUEUE_PREFIX has no hash tag, each
 * queue and each organisation's state get a tag of their own (BullMQ's scripts touch one queue's
 * keys, the store's transactions one organisation's), and what the bridge shares (mappings, the
 * ПОС rate budget, the EDMS outage) one more. `pos-bridge redis migrate-layout` moves a one-slot
 * installation's keys over.
 */
export type KeyLayout = 'one-slot' | 'spread';

/** The BullMQ queue name of `base` (control, register, push) for an organisation. */
export function queueNameFor(base: string, organisation: string = DEFAULT_ORGANISATION, layout: KeyLayout = 'one-slot'): string {
  const name = organisation === DEFAULT_ORGANISATION ? base : `${base}-${organisation}`;
  return layout === 'spread' ? `{${name}}` : name;
}

/** The key prefix of an organisation's appeal records, run ledger and locks. */
export function statePrefixFor(prefix: string, organisation: string = DEFAULT_ORGANISATION, layout: KeyLayout = 'one-slot'): string {
  if (layout === 'spread') return organisation === DEFAULT_ORGANISATION ? `${prefix}:{state}` : `${prefix}:{state:${organisation}}`;
  return organisation === DEFAULT_ORGANISATION ? prefix : `${prefix}:org:${organisation}`;
}

/** The key prefix of what every organisation shares: mappings, the ПОС rate budget, the EDMS outage. */
export function sharedPrefixFor(prefix: string, layout: KeyLayout = 'one-slot'): string {
  return layout === 'spread' ? `${prefix}:{shared}` : prefix;
}

/** `spread` on a Cluster whose prefix has no hash tag (it would not work one-slot: keys of one script would cross slots). */
export function keyLayoutFor(prefix: string, onCluster: boolean): KeyLayout {
  return onCluster && !/\{[^{}]+\}/.test(prefix) ? 'spread' : 'one-slot';
}

/** An EDMS shared by several organisations («Дело») reports every one's records; each pipeline takes its own. */
export function ourProgress(organisation: string, items: readonly EdmsProgress[]): EdmsProgress[] {
  return items.filter((progress) => (progress.organisation ?? DEFAULT_ORGANISATION) === organisation);
}
