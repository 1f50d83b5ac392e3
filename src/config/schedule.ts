// PULL_EVERY / WATCH_EVERY accept a duration (`30s`, `5m`, `1h`, `500ms`) or a cron expression.
export type Schedule = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; pattern: string; text: string };

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
// 5 or 6 space-separated cron fields made of the characters cron allows.
const CRON = /^([\d*/,\-?LW#A-Za-z]+\s+){4,5}[\d*/,\-?LW#A-Za-z]+$/;

export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000));
}

export function parseSchedule(text: string): Schedule | undefined {
  const trimmed = text.trim();
  const ms = parseDuration(trimmed);
  if (ms !== undefined) return ms > 0 ? { kind: 'every', ms, text: trimmed } : undefined;
  if (CRON.test(trimmed)) return { kind: 'cron', pattern: trimmed, text: trimmed };
  return undefined;
}
