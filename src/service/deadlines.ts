// The deadline list and its gauges across organisations: each organisation's deadline index
// (src/pipeline/deadline-index.ts) read by range, its days counted by its own mapping's calendar.
import type { DeadlineItem, DeadlinesView } from '../admin/deps.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logging.js';
import { plainCalendar, type WorkingCalendar } from '../mapping/working-days.js';
import type { BridgeMetrics } from '../metrics.js';
import type { PipelineContext } from '../pipeline/context.js';
import { daysLeft, formatWindow } from '../pipeline/deadline-days.js';
import { openExecutor } from '../pipeline/executor.js';

const DAY_MS = 86_400_000;
/** The windows of pos_bridge_appeals_due. */
export const DUE_WINDOWS = { '1d': DAY_MS, '3d': 3 * DAY_MS } as const;
/** Records read at once: a long list is read in slices, not in one burst of commands. */
const SLICE = 200;
const OPEN_STATES = new Set(['registered', 'accepted']);

/** What the list reads of an organisation's pipeline. */
export interface DeadlineOrganisation {
  key: string;
  ctx: Pick<PipelineContext, 'store' | 'mappings' | 'cipher'> & { adapter: Pick<PipelineContext['adapter'], 'kind'> };
}

/** The organisation's working calendar: its mapping's controlDays; weekends only when the mapping cannot be had. */
async function calendarOf(org: DeadlineOrganisation, logger: Logger): Promise<WorkingCalendar> {
  try {
    return (await org.ctx.mappings.forTarget(org.ctx.adapter.kind)).calendar ?? plainCalendar;
  } catch (error) {
    logger.warn({ organisation: org.key, code: describeError(error).code }, 'deadline list: no mapping calendar, weekends only');
    return plainCalendar;
  }
}

async function organisationItems(org: DeadlineOrganisation, untilMs: number, now: Date, timeZone: string, logger: Logger) {
  const due = await org.ctx.store.deadlines.dueBy(untilMs);
  if (due.length === 0) return [];
  const calendar = await calendarOf(org, logger);
  const items: DeadlineItem[] = [];
  for (let i = 0; i < due.length; i += SLICE) {
    const slice = due.slice(i, i + SLICE);
    const records = await Promise.all(slice.map((entry) => org.ctx.store.get(entry.posId)));
    slice.forEach(({ posId, deadlineMs }, at) => {
      const record = records[at];
      // A member whose appeal moved on without the index hearing of it (an older version) is not listed.
      if (!record || !OPEN_STATES.has(record.state)) return;
      const executor = openExecutor(org.ctx.cipher, posId, record.executorSealed);
      items.push({
        posId,
        organisation: org.key,
        deadline: record.deadline ?? new Date(deadlineMs).toISOString(),
        daysLeft: daysLeft(deadlineMs, now, timeZone, calendar),
        ...(record.regNumber ? { regNumber: record.regNumber } : {}),
        ...(executor ? { executor } : {}),
        ...(record.edmsId ? { edmsId: record.edmsId } : {}),
      });
    });
  }
  return items;
}

export function deadlineList(organisations: readonly DeadlineOrganisation[], timeZone: string, logger: Logger) {
  return {
    async list(withinMs: number, now = new Date()): Promise<DeadlinesView> {
      const untilMs = now.getTime() + withinMs;
      const groups = await Promise.all(organisations.map((org) => organisationItems(org, untilMs, now, timeZone, logger)));
      // Each index is read in deadline order; the organisation due first comes first (stable: BRIDGE_CONFIG order on ties).
      const first = (items: DeadlineItem[]) => (items[0] ? Date.parse(items[0].deadline) : Infinity);
      const ordered = groups.filter((items) => items.length > 0).sort((a, b) => first(a) - first(b));
      return { within: formatWindow(withinMs), generatedAt: now.toISOString(), timeZone, items: ordered.flat() };
    },
  };
}

/** pos_bridge_appeals_due{window} and pos_bridge_appeals_overdue, from the indexes (ZCOUNT each). */
export async function refreshDeadlineGauges(
  organisations: readonly DeadlineOrganisation[],
  metrics: BridgeMetrics,
  now = new Date(),
): Promise<void> {
  const count = async (untilMs: number) =>
    (await Promise.all(organisations.map((org) => org.ctx.store.deadlines.countDueBy(untilMs)))).reduce((sum, n) => sum + n, 0);
  for (const [window, ms] of Object.entries(DUE_WINDOWS)) metrics.appealsDue.set({ window }, await count(now.getTime() + ms));
  metrics.appealsOverdue.set(await count(now.getTime() - 1));
}
