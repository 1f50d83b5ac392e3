// Working-day arithmetic for control dates. Dates are calendar days as the sender wrote them
// (the YYYY-MM-DD part of an ISO string, i.e. in the sender's own offset, Moscow time for ПОС), so
// a deadline of "2025-03-12T09:15+03:00" is the 12th whatever the server's time zone.

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})/;

export interface WorkingCalendar {
  /** Non-working weekdays (public holidays and bridge days), YYYY-MM-DD. */
  holidays: ReadonlySet<string>;
  /** Saturdays or Sundays declared working days by a transfer decree, YYYY-MM-DD. */
  workingWeekends: ReadonlySet<string>;
}

export const plainCalendar: WorkingCalendar = { holidays: new Set(), workingWeekends: new Set() };

// Appeals of one period share their dates: small caches spare the parsing and formatting that
// would otherwise run several times for every appeal.
const CACHE_LIMIT = 4096;
const parsedDays = new Map<string, number | undefined>();
const formattedDays = new Map<number, string>();

function remember<K, V>(cache: Map<K, V>, key: K, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/** Days since the epoch of the date part of an ISO 8601 string; undefined when there is none. */
export function dayNumber(iso: string): number | undefined {
  const day = iso.slice(0, 10);
  if (parsedDays.has(day)) return parsedDays.get(day);
  return remember(parsedDays, day, parseDay(day));
}

function parseDay(iso: string): number | undefined {
  const match = ISO_DAY.exec(iso);
  if (!match) return undefined;
  const [, year, month, day] = match;
  const ms = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const check = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March; such a date is invalid, not a different one.
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) return undefined;
  return ms / DAY_MS;
}

export function isoDay(dayNo: number): string {
  return formattedDays.get(dayNo) ?? remember(formattedDays, dayNo, new Date(dayNo * DAY_MS).toISOString().slice(0, 10));
}

/** The calendar's dates as day numbers, computed once per calendar (this runs for every appeal). */
const indexed = new WeakMap<WorkingCalendar, { holidays: Set<number>; working: Set<number> }>();
function dayNumbers(calendar: WorkingCalendar): { holidays: Set<number>; working: Set<number> } {
  let index = indexed.get(calendar);
  if (!index) {
    const numbers = (days: ReadonlySet<string>) => new Set([...days].flatMap((day) => dayNumber(day) ?? []));
    index = { holidays: numbers(calendar.holidays), working: numbers(calendar.workingWeekends) };
    indexed.set(calendar, index);
  }
  return index;
}

function isWorking(dayNo: number, { holidays, working }: { holidays: Set<number>; working: Set<number> }): boolean {
  if (working.has(dayNo)) return true;
  if (holidays.has(dayNo)) return false;
  const weekday = (((dayNo + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4); 0 is Sunday
  return weekday !== 0 && weekday !== 6;
}

/**
 * Working days from `from` to `to` (day numbers): those after `from` up to and including `to`;
 * negative, counted the other way, when `to` is earlier. 0 for the same day (due today).
 */
export function workingDaysBetween(from: number, to: number, calendar: WorkingCalendar): number {
  const days = dayNumbers(calendar);
  const [low, high, sign] = to >= from ? [from, to, 1] : [to, from, -1];
  let count = 0;
  for (let day = low + 1; day <= high; day++) if (isWorking(day, days)) count++;
  return sign * count;
}

/**
 * The date `workingDays` working days before `deadline` (YYYY-MM-DD). With 0 it is the deadline
 * itself, or the last working day before it when the deadline falls on a day off.
 */
export function controlDate(deadline: string, workingDays: number, calendar: WorkingCalendar): string | undefined {
  let day = dayNumber(deadline);
  if (day === undefined) return undefined;
  const days = dayNumbers(calendar);
  while (!isWorking(day, days)) day--;
  for (let left = workingDays; left > 0; left--) {
    day--;
    while (!isWorking(day, days)) day--;
  }
  return isoDay(day);
}

/** `date` moved by `days` calendar days, keeping its time of day and offset as written. */
export function addCalendarDays(date: string, days: number): string | undefined {
  const day = dayNumber(date);
  if (day === undefined) return undefined;
  return isoDay(day + days) + date.slice(10);
}
