// The bridge's own JSONata functions ($dict, $controlDate, $truncate, ...). One implementation
// serves both the fast path and JSONata itself, so both see the same values and warnings. Errors
// and warnings name the function and the problem, never the value (values are personal data).
import { addCalendarDays, controlDate, dayNumber, type WorkingCalendar } from './working-days.js';

export interface Dictionary {
  keyType: 'number' | 'string';
  /** Undefined when the admin gave no default: unknown keys then map to nothing (and warn). */
  default?: unknown;
  entries: ReadonlyMap<string, unknown>;
}

/** What a compiled mapping gives every call. */
export interface MappingRuntime {
  constants: Readonly<Record<string, unknown>>;
  dictionaries: ReadonlyMap<string, Dictionary>;
  calendar: WorkingCalendar;
  /** controlDays.workingDays: the default of $controlDate's second argument. */
  controlDays: number;
}

/** One evaluation: the runtime, the moment the mapping runs at, and where warnings go. */
export interface CallContext {
  runtime: MappingRuntime;
  now: Date;
  warn(message: string): void;
  /** Told the dictionary's name whenever a key falls to its default (`mappings coverage`). */
  defaulted?(dictionary: string): void;
}

/** A failure inside one of the bridge's functions; the message is safe to log. */
export class MappingFunctionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingFunctionError';
  }
}

export interface CustomFunction {
  minArgs: number;
  maxArgs: number;
  /** Arguments come one by one (no array per call on the fast path). */
  call(context: CallContext, ...args: unknown[]): unknown;
}

const absent = (value: unknown): value is null | undefined => value === undefined || value === null;
const blank = (value: unknown): boolean => absent(value) || (typeof value === 'string' && value.trim() === '');

function optionalText(value: unknown, fn: string, position: number): string | undefined {
  if (absent(value)) return undefined;
  if (typeof value === 'string') return value;
  throw new MappingFunctionError(`$${fn}: argument ${position} must be text`);
}

/**
 * Ranges of the bridge's numeric arguments: wide enough for any real mapping, narrow enough that
 * no call can loop or allocate for long (10^9 working days would count back for ever).
 */
export const ARGUMENT_RANGES = {
  controlDate: { min: 0, max: 366 },
  addDays: { min: -3660, max: 3660 },
  truncate: { min: 1, max: 1_000_000 },
} as const;

function integer(value: unknown, fn: keyof typeof ARGUMENT_RANGES, position: number): number {
  const { min, max } = ARGUMENT_RANGES[fn];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  throw new MappingFunctionError(`$${fn}: argument ${position} must be a whole number from ${min} to ${max}`);
}

function dictionaryOf(context: CallContext, name: unknown, fn: string): Dictionary {
  const dictionary = typeof name === 'string' ? context.runtime.dictionaries.get(name) : undefined;
  if (!dictionary) throw new MappingFunctionError(`$${fn}: unknown dictionary${typeof name === 'string' ? ` "${name}"` : ''}`);
  return dictionary;
}

function dictionaryKey(key: unknown, fn: string): string | undefined {
  if (absent(key)) return undefined;
  if (typeof key === 'number' || typeof key === 'string' || typeof key === 'boolean') return String(key);
  throw new MappingFunctionError(`$${fn}: the key must be a single number or text`);
}

/** Numeric keys (ПОС category ids) are shown in warnings; text keys might be personal, so not. */
function describeKey(key: unknown): string {
  return typeof key === 'number' ? `key ${key}` : absent(key) ? 'an empty key' : 'a text key';
}

/** Cuts at a code-point boundary so a surrogate pair is never split. */
function cut(text: string, max: number): string {
  const ellipsis = '…';
  let end = Math.max(0, max - ellipsis.length);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return text.slice(0, end) + ellipsis;
}

function dateText(value: unknown, fn: string, position: number): string | undefined {
  const date = optionalText(value, fn, position);
  if (date === undefined) return undefined;
  if (dayNumber(date) === undefined) throw new MappingFunctionError(`$${fn}: argument ${position} is not an ISO 8601 date`);
  return date;
}

/** \s beyond ASCII: no-break space, the U+2000 block, ideographic space and the like. */
const isWideBlank = (code: number): boolean =>
  code < 0x1680
    ? code === 0xa0
    : code === 0x1680 ||
      (code >= 0x2000 && code <= 0x200a) ||
      code === 0x2028 ||
      code === 0x2029 ||
      code === 0x202f ||
      code === 0x205f ||
      code === 0x3000 ||
      code === 0xfeff;

/** True when `text` has no blank at either end, no run of blanks and no blank but the plain space. */
function isTidy(text: string): boolean {
  let afterSpace = true;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 32) {
      if (code >= 0xa0 && isWideBlank(code)) return false;
      afterSpace = false;
    } else if (code === 32) {
      if (afterSpace) return false;
      afterSpace = true;
    } else if (code >= 9 && code <= 13) return false;
    else afterSpace = false;
  }
  return !afterSpace;
}

/** $clean's rule: blanks (as \s) collapse to one space, ends trimmed, nothing left → undefined. */
export function cleanText(text: string): string | undefined {
  // Most names and addresses are already tidy: one scan proves it without building a new string.
  if (isTidy(text)) return text;
  const cleaned = text.replace(/\s+/g, ' ').trim();
  return cleaned === '' ? undefined : cleaned;
}

export const customFunctions: Readonly<Record<string, CustomFunction>> = {
  dict: {
    minArgs: 2,
    maxArgs: 2,
    call(context, name, key) {
      const dictionary = dictionaryOf(context, name, 'dict');
      const lookupKey = dictionaryKey(key, 'dict');
      if (lookupKey !== undefined && dictionary.entries.has(lookupKey)) return dictionary.entries.get(lookupKey);
      const outcome = dictionary.default === undefined ? 'no default, left empty' : 'default used';
      context.defaulted?.(String(name));
      context.warn(`dictionary "${String(name)}" has no entry for ${describeKey(key)}; ${outcome}`);
      return dictionary.default;
    },
  },
  dictHas: {
    minArgs: 2,
    maxArgs: 2,
    call(context, name, key) {
      const dictionary = dictionaryOf(context, name, 'dictHas');
      const lookupKey = dictionaryKey(key, 'dictHas');
      return lookupKey !== undefined && dictionary.entries.has(lookupKey);
    },
  },
  controlDate: {
    minArgs: 1,
    maxArgs: 2,
    call(context, date, workingDays) {
      const deadline = dateText(date, 'controlDate', 1);
      const days = workingDays === undefined ? context.runtime.controlDays : integer(workingDays, 'controlDate', 2);
      return deadline === undefined ? undefined : controlDate(deadline, days, context.runtime.calendar);
    },
  },
  addDays: {
    minArgs: 2,
    maxArgs: 2,
    call(_context, date, days) {
      const start = dateText(date, 'addDays', 1);
      const offset = integer(days, 'addDays', 2);
      return start === undefined ? undefined : addCalendarDays(start, offset);
    },
  },
  truncate: {
    minArgs: 2,
    maxArgs: 2,
    call(context, value, max) {
      const text = optionalText(value, 'truncate', 1);
      const limit = integer(max, 'truncate', 2);
      if (text === undefined || text.length <= limit) return text;
      context.warn(`text cut to ${limit} characters (was ${text.length})`);
      return cut(text, limit);
    },
  },
  clean: {
    minArgs: 1,
    maxArgs: 1,
    call(_context, value) {
      // Like $trim, but ПОС's null and blank strings become "absent" instead of an error or "".
      const text = optionalText(value, 'clean', 1);
      return text === undefined ? undefined : cleanText(text);
    },
  },
  digits: {
    minArgs: 1,
    maxArgs: 1,
    call(_context, value) {
      if (absent(value)) return undefined;
      if (typeof value !== 'string' && typeof value !== 'number')
        throw new MappingFunctionError('$digits: argument 1 must be text or a number');
      return String(value).replace(/\D+/g, '');
    },
  },
  postcode: {
    minArgs: 1,
    maxArgs: 1,
    call(_context, value) {
      const text = optionalText(value, 'postcode', 1);
      return text === undefined ? undefined : /(?:^|\D)(\d{6})(?!\d)/.exec(text)?.[1];
    },
  },
  coalesce: {
    minArgs: 1,
    maxArgs: 16,
    call(_context, ...args) {
      return args.find((value) => !blank(value));
    },
  },
  compact: {
    minArgs: 1,
    maxArgs: 1,
    call(_context, value) {
      if (value === undefined) return [];
      return (Array.isArray(value) ? (value as unknown[]) : [value]).filter((item) => !blank(item));
    },
  },
  now: {
    minArgs: 0,
    maxArgs: 0,
    call: (context) => context.now.toISOString(),
  },
  millis: {
    minArgs: 0,
    maxArgs: 0,
    call: (context) => context.now.getTime(),
  },
};
