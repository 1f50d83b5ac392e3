// Days left to a deadline: working days by the mapping's calendar, both dates in the agency's time zone.
import { describe, expect, it } from 'vitest';
import { daysLeft, formatWindow, isTimeZone, parseWindow, zonedDayNumber } from '../../src/pipeline/deadline-days.js';
import { plainCalendar, type WorkingCalendar } from '../../src/mapping/working-days.js';

const MOSCOW = 'Europe/Moscow';
const at = (iso: string) => Date.parse(iso);
// 8 March 2026 is a Sunday: the holiday moves to Monday the 9th.
const calendar: WorkingCalendar = { holidays: new Set(['2026-03-09']), workingWeekends: new Set() };

describe('daysLeft', () => {
  it('is 0 when due today and counts working days ahead', () => {
    const now = new Date('2026-03-03T09:00:00+03:00'); // Tuesday
    expect(daysLeft(at('2026-03-03T18:00:00+03:00'), now, MOSCOW, plainCalendar)).toBe(0);
    expect(daysLeft(at('2026-03-04T09:00:00+03:00'), now, MOSCOW, plainCalendar)).toBe(1);
    expect(daysLeft(at('2026-03-05T09:00:00+03:00'), now, MOSCOW, plainCalendar)).toBe(2);
  });

  it('skips the weekend: Friday to Monday is one working day', () => {
    const friday = new Date('2026-03-13T10:00:00+03:00');
    expect(daysLeft(at('2026-03-16T10:00:00+03:00'), friday, MOSCOW, plainCalendar)).toBe(1);
    // Due on Saturday, seen on Friday: no working day is left between, it is due now.
    expect(daysLeft(at('2026-03-14T10:00:00+03:00'), friday, MOSCOW, plainCalendar)).toBe(0);
  });

  it("skips a holiday of the mapping's calendar", () => {
    const friday = new Date('2026-03-06T10:00:00+03:00');
    expect(daysLeft(at('2026-03-10T10:00:00+03:00'), friday, MOSCOW, plainCalendar)).toBe(2);
    expect(daysLeft(at('2026-03-10T10:00:00+03:00'), friday, MOSCOW, calendar)).toBe(1);
    // A working Saturday by decree counts.
    const transfer: WorkingCalendar = { holidays: new Set(), workingWeekends: new Set(['2026-03-07']) };
    expect(daysLeft(at('2026-03-10T10:00:00+03:00'), friday, MOSCOW, transfer)).toBe(3);
  });

  it('is negative when overdue, counting the working days since', () => {
    const monday = new Date('2026-03-16T10:00:00+03:00');
    expect(daysLeft(at('2026-03-13T10:00:00+03:00'), monday, MOSCOW, plainCalendar)).toBe(-1); // Friday
    expect(daysLeft(at('2026-03-11T10:00:00+03:00'), monday, MOSCOW, plainCalendar)).toBe(-3);
    const tuesday = new Date('2026-03-10T10:00:00+03:00');
    expect(daysLeft(at('2026-03-06T10:00:00+03:00'), tuesday, MOSCOW, calendar)).toBe(-1); // the 9th was a holiday
  });

  it('counts in the configured zone: 23:30 UTC is already the next day in Moscow', () => {
    const lateUtc = new Date('2026-03-03T23:30:00Z'); // 02:30 on Wednesday the 4th in Moscow
    const deadline = at('2026-03-04T12:00:00+03:00');
    expect(zonedDayNumber(lateUtc.getTime(), MOSCOW)).toBe(Date.UTC(2026, 2, 4) / 86_400_000);
    expect(daysLeft(deadline, lateUtc, MOSCOW, plainCalendar)).toBe(0);
    expect(daysLeft(deadline, lateUtc, 'UTC', plainCalendar)).toBe(1);
    // A deadline at 00:30 Moscow time is that day's, though it is still the day before in UTC.
    const earlyMoscow = at('2026-03-05T00:30:00+03:00');
    expect(daysLeft(earlyMoscow, lateUtc, MOSCOW, plainCalendar)).toBe(1);
  });
});

describe('deadline settings', () => {
  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Europe/Moscow')).toBe(true);
    expect(isTimeZone('Asia/Yekaterinburg')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('parses windows of whole minutes, hours and days', () => {
    expect(parseWindow('90m')).toBe(90 * 60_000);
    expect(parseWindow('12h')).toBe(12 * 3_600_000);
    expect(parseWindow('3d')).toBe(3 * 86_400_000);
    for (const bad of ['abc', '', '3', '0d', '-1d', '1.5d', '367d', '3w']) expect(parseWindow(bad), bad).toBeUndefined();
    expect(formatWindow(72 * 3_600_000)).toBe('3d');
    expect(formatWindow(90 * 60_000)).toBe('90m');
  });
});
