// Days left to an appeal's deadline, as an operator reads them: working days per the mapping's
// calendar (controlDays: holidays and transfers), from today to the deadline's date, both dates
// taken in DEADLINE_TIME_ZONE (the agency's own day, not the server's nor UTC).
import { plainCalendar, workingDaysBetween, type WorkingCalendar } from '../mapping/working-days.js';

export const DEFAULT_DEADLINE_TIME_ZONE = 'Europe/Moscow';

const DAY_MS = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  return format;
}

/** A zone Intl knows (an IANA name such as Europe/Moscow, Asia/Yekaterinburg, UTC). */
export function isTimeZone(timeZone: string): boolean {
  if (!timeZone.trim()) return false;
  try {
    dayFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Days since the epoch of the calendar day `ms` falls on in `timeZone`. */
export function zonedDayNumber(ms: number, timeZone: string): number {
  const parts = dayFormat(timeZone).formatToParts(new Date(ms));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day')) / DAY_MS;
}

/** Working days from today to the deadline's day: 0 when due today, negative when overdue. */
export function daysLeft(deadlineMs: number, now: Date, timeZone: string, calendar: WorkingCalendar = plainCalendar): number {
  return workingDaysBetween(zonedDayNumber(now.getTime(), timeZone), zonedDayNumber(deadlineMs, timeZone), calendar);
}

const WINDOW = /^(\d{1,6})(m|h|d)$/;
const WINDOW_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS };
/** Longest window asked for: a year ahead lists every open appeal anyway. */
export const MAX_WINDOW_MS = 366 * DAY_MS;

/** A deadline window: whole minutes, hours or days (`90m`, `12h`, `3d`), up to a year; undefined otherwise. */
export function parseWindow(text: string): number | undefined {
  const match = WINDOW.exec(text.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * WINDOW_UNIT_MS[match[2]!]!;
  return ms > 0 && ms <= MAX_WINDOW_MS ? ms : undefined;
}

/** The window in its largest whole unit (`72h` → `3d`). */
export function formatWindow(ms: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % WINDOW_UNIT_MS[unit]! === 0) return `${ms / WINDOW_UNIT_MS[unit]!}${unit}`;
  }
  return `${Math.round(ms / 1000)}s`;
}
