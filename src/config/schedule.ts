// PULL_EVERY / WATCH_EVERY / RECONCILE_EVERY accept a duration (`30s`, `5m`, `1h`, `500ms`) or a
// cron expression, checked by cron-parser (what BullMQ runs its cron repeats with) at start-up.
import { CronExpressionParser } from 'cron-parser';

export type Schedule = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; pattern: string; text: string };

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000));
}

/** The schedule, or why the text is none (for the config error line). */
export function checkSchedule(text: string): Schedule | { problem: string } {
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  if (ms !== undefined) return ms > 0 ? { kind: 'every', ms, text: trimmed } : { problem: 'a duration must be more than 0' };
  if (/^\d+(?:\.\d+)?\s*[a-z]*$/i.test(trimmed)) return { problem: 'not a duration: the units are ms, s, m, h' };
  // cron-parser fills missing fields in; a schedule that means it names 5 (or 6, with seconds).
  const fields = trimmed.split(/\s+/).length;
  if (!trimmed.startsWith('@') && (fields < 5 || fields > 6)) return { problem: `a cron expression has 5 or 6 fields, this has ${fields}` };
  try {
    CronExpressionParser.parse(trimmed);
  } catch (error) {
    return { problem: `not a cron expression: ${(error as Error).message}` };
  }
  return { kind: 'cron', pattern: trimmed, text: trimmed };
}

export function parseSchedule(text: string): Schedule | undefined {
  const checked = checkSchedule(text);
  return 'problem' in checked ? undefined : checked;
}
