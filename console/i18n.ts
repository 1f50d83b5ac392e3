// Every visible string comes from here. Russian first (the operators' language), English second;
// the choice is kept in localStorage. `{name}` placeholders are filled by t().
import { en } from './messages-en.js';
import { ru, type MessageKey } from './messages-ru.js';

export type { MessageKey };
export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
const dictionaries: Record<Language, Record<MessageKey, string>> = { ru, en };
const STORAGE_KEY = 'pos-bridge.console.lang';

function stored(): Language {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === 'en' ? 'en' : 'ru';
  } catch {
    return 'ru';
  }
}

let current: Language = stored();

export function language(): Language {
  return current;
}

export function setLanguage(next: Language): void {
  current = next;
  document.documentElement.lang = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage may be disabled; the choice then lasts until reload.
  }
}

export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return dictionaries[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

/** A date-time in the chosen language's format. */
/** Date and time of `iso`: in `timeZone` when given (the bridge's, shown beside it), else the browser's. */
export function formatTime(iso: string | undefined, timeZone?: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = current === 'ru' ? 'ru-RU' : 'en-GB';
  try {
    return date.toLocaleString(locale, timeZone ? { timeZone } : {});
  } catch {
    return date.toLocaleString(locale); // a zone this browser does not know
  }
}

/** The calendar date of `iso` in `timeZone` (a deadline is a day, counted where the agency is). */
export function formatDate(iso: string | undefined, timeZone: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const locale = current === 'ru' ? 'ru-RU' : 'en-GB';
  try {
    return date.toLocaleDateString(locale, { timeZone });
  } catch {
    return date.toLocaleDateString(locale); // a zone this browser does not know
  }
}
