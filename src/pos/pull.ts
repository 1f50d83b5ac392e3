// Draining the ПОС pull list.
//
// The list is a queue, not a table: accepted appeals leave it, new ones join it, and it is read by
// offset (page × size). Whenever an appeal before the read position leaves between two page reads,
// everything behind it moves one place forward and the next page silently skips one appeal; an
// arrival before the read position moves everything back and one appeal shows up twice.
//
// Algorithm. A drain is a series of passes; each pass reads pages 0, 1, … until the server says
// `last` (or returns an empty page). Every id is handed on at most once per drain (the `seen` set);
// ids the caller already holds (`isInHand`) are remembered but not handed on. A pass is QUIET when
//   (a) it met no id the drain had not seen before, and
//   (b) `totalElements` and the applied page `size` were the same on every page it read.
// The drain ends after the first quiet pass. Why (b) closes the gap the naive rule ("a pass with
// nothing new") leaves when the caller accepts appeals concurrently: a skip needs more removals than
// arrivals before the read position between two reads. With the total unchanged, every such net
// removal is matched by an arrival behind the read position, which the same pass then reads as a
// new id, so (a) fails (assuming an accepted appeal never comes back to the list under its old id).
// Hence a quiet pass has seen every appeal that stayed in the list through it:
// nothing present before the drain's last pass and still unaccepted is missed. Appeals arriving
// during the last pass are left for the next drain, as any arriving after it would be.
// When the server omits `totalElements` on a multi-page list, (b) cannot be checked; the drain then
// wants two quiet passes in a row instead, which is the best available without it.
//
// Cost: with the caller accepting at once, each pass hands on about half of what remains, so page
// reads stay close to the list length divided by the page size plus a few passes; with nothing
// accepted during the drain it takes two passes. `maxPasses` bounds the work under constant inflow.
// Page numbers are counted in the server's own page size, so a server that forces its size (or one
// that changes it mid-pass, which marks the pass disturbed) is read correctly.
import { MalformedResponseError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { MalformedAppeal, PosClient } from './client.js';
import type { PosAppeal } from './schemas.js';

export interface DrainOptions {
  pageSize: number;
  maxPasses?: number;
  signal?: AbortSignal;
}

export interface DrainHooks {
  /** True when the caller already holds the appeal (registered or queued): skip it, do not hand it on. */
  isInHand?: (id: number) => Promise<boolean> | boolean;
  /** Called once per malformed list element per drain. */
  onMalformed?: (malformed: MalformedAppeal) => Promise<void> | void;
  logger?: Logger;
  /** Safety bound on pages read in one pass (a server that never says `last`). */
  maxPagesPerPass?: number;
}

export interface DrainReport {
  /** Appeals given to onAppeal. */
  handedOn: number;
  /** Distinct list elements met (valid, in hand and malformed). */
  seen: number;
  /** Valid appeals skipped because the caller already held them. */
  inHand: number;
  pages: number;
  passes: number;
  malformed: MalformedAppeal[];
  /** False when maxPasses (or maxPagesPerPass) stopped the drain before a quiet pass. */
  complete: boolean;
}

interface PassOutcome {
  sawNew: boolean;
  disturbed: boolean;
  /** The pass read more than one page and some page had no totalElements. */
  unverifiable: boolean;
}

const DEFAULT_MAX_PASSES = 50;
const DEFAULT_MAX_PAGES_PER_PASS = 100_000;

function malformedKey(item: MalformedAppeal): string {
  return item.id === undefined ? `malformed:${item.issues.join('|')}` : `malformed-id:${String(item.id)}`;
}

/**
 * Reads the list until a pass finds nothing new with the list unchanged under it; calls onAppeal
 * once per appeal id per drain (awaited, so backpressure works). Errors from ПОС or from the
 * callbacks end the drain and propagate; so does an abort (`signal.reason`).
 */
export async function drainAppeals(
  client: Pick<PosClient, 'fetchPage'>,
  onAppeal: (appeal: PosAppeal) => Promise<void>,
  options: DrainOptions & DrainHooks,
): Promise<DrainReport> {
  const maxPasses = options.maxPasses ?? DEFAULT_MAX_PASSES;
  const seen = new Set<string>();
  const report: DrainReport = { handedOn: 0, seen: 0, inHand: 0, pages: 0, passes: 0, malformed: [], complete: false };
  let previousQuiet = false;

  const meet = async (appeal: PosAppeal): Promise<boolean> => {
    const key = String(appeal.id);
    if (seen.has(key)) return false;
    seen.add(key);
    if (options.isInHand && (await options.isInHand(appeal.id))) {
      report.inHand += 1;
      return true;
    }
    options.signal?.throwIfAborted();
    await onAppeal(appeal);
    report.handedOn += 1;
    return true;
  };
  const meetMalformed = async (item: MalformedAppeal): Promise<boolean> => {
    const key = malformedKey(item);
    if (seen.has(key)) return false;
    seen.add(key);
    report.malformed.push(item);
    await options.onMalformed?.(item);
    return true;
  };

  while (report.passes < maxPasses) {
    report.passes += 1;
    const outcome = await scanPass(client, options, report, meet, meetMalformed);
    const quiet = !outcome.sawNew && !outcome.disturbed;
    options.logger?.debug({ pass: report.passes, ...outcome, handedOn: report.handedOn, pages: report.pages }, 'pull pass done');
    if (quiet && (!outcome.unverifiable || previousQuiet)) {
      report.complete = true;
      break;
    }
    previousQuiet = quiet;
  }
  report.seen = seen.size;
  if (!report.complete) {
    options.logger?.warn({ passes: report.passes, handedOn: report.handedOn }, 'pull stopped at the pass limit before the list settled');
  }
  return report;
}

async function scanPass(
  client: Pick<PosClient, 'fetchPage'>,
  options: DrainOptions & DrainHooks,
  report: DrainReport,
  meet: (appeal: PosAppeal) => Promise<boolean>,
  meetMalformed: (item: MalformedAppeal) => Promise<boolean>,
): Promise<PassOutcome> {
  const maxPages = options.maxPagesPerPass ?? DEFAULT_MAX_PAGES_PER_PASS;
  const outcome: PassOutcome = { sawNew: false, disturbed: false, unverifiable: false };
  let first: { total?: number; size?: number } | undefined;
  let totalMissing = false;

  for (let page = 0; ; page += 1) {
    if (page >= maxPages) {
      outcome.disturbed = true;
      break;
    }
    options.signal?.throwIfAborted();
    const result = await client.fetchPage(page, options.pageSize);
    report.pages += 1;
    if (result.pageNumber !== page) {
      // A server that ignores `page` would make every pass re-read page 0 and never see the rest.
      throw new MalformedResponseError(`pull: asked for page ${page}, ПОС returned page ${result.pageNumber}`, { system: 'pos' });
    }
    if (result.totalElements === undefined) totalMissing = true;
    if (!first) first = { total: result.totalElements, size: result.pageSize };
    else if (result.totalElements !== first.total || result.pageSize !== first.size) outcome.disturbed = true;

    for (const appeal of result.appeals) {
      if (await meet(appeal)) outcome.sawNew = true;
    }
    for (const item of result.malformed) {
      if (await meetMalformed(item)) outcome.sawNew = true;
    }
    const elementCount = result.elementCount ?? result.appeals.length + result.malformed.length;
    if (result.last || elementCount === 0) {
      outcome.unverifiable = totalMissing && page > 0;
      break;
    }
  }
  return outcome;
}
