// What one ПОС appeal may hold before the bridge refuses to handle it (README "Security notes").
// An appeal is valid JSON of any shape past its known fields, so without bounds one hostile appeal
// (nested thousands of levels deep, megabytes of text) breaks sealing, mapping or the EDMS call and,
// listed first, stops the intake of every appeal behind it. The bounds sit far above what citizens
// send through the ПОС forms; an appeal past one is set aside (APPEAL_TOO_LARGE) with a reason that
// names the limit and the field, never the value, and the rest of the list flows on.
import { AppealTooLargeError } from '../errors.js';
import { hasLoneSurrogate, wellFormed } from '../redact.js';
import type { MalformedAppeal } from './client.js';
import { appealSchema, type PosAppeal } from './schemas.js';
import { describeIssues } from './wire.js';

export const APPEAL_LIMITS = Object.freeze({
  /** Nesting of objects and arrays, the appeal object itself being level 1. */
  maxDepth: 64,
  /** One appeal as UTF-8 JSON. */
  maxAppealBytes: 1024 * 1024,
  /** The citizen's text. */
  maxDescriptionChars: 100_000,
  /** Any other string (and any object key), at any depth. */
  maxStringChars: 10_000,
  /** Entries of `customFieldValues`. */
  maxCustomFields: 200,
  /** Entries of `attachments` (URLs). */
  maxAttachments: 50,
  /** Entries of `coApplicants`. */
  maxCoApplicants: 100,
  /** Entries of any other array, and keys of any object. */
  maxEntries: 1000,
});

export type AppealLimits = typeof APPEAL_LIMITS;

const FIELD_ARRAY_LIMITS: Record<string, { limit: keyof AppealLimits; label: string }> = {
  customFieldValues: { limit: 'maxCustomFields', label: 'entries' },
  attachments: { limit: 'maxAttachments', label: 'URLs' },
  coApplicants: { limit: 'maxCoApplicants', label: 'entries' },
};

const SAFE_KEY = /^[A-Za-z_$][\w$]{0,63}$/;

/** A field path for reasons: array indexes and plain keys; any other key (hostile text) as `[key]`. */
function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(appeal)';
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${SAFE_KEY.test(part) ? part : '[key]'}`))
    .join('');
}

const format = (value: number) => value.toLocaleString('en-US');

function tooLarge(path: readonly (string | number)[], what: string): AppealTooLargeError {
  return new AppealTooLargeError(`${pathText(path)}: ${what}`);
}

interface Frame {
  value: unknown;
  path: (string | number)[];
  depth: number;
}

/**
 * Checks a list element against APPEAL_LIMITS without recursion (a deep value must not overflow the
 * stack here either). Returns the first limit passed, as an error naming limit and field; none: fits.
 */
export function checkAppealLimits(element: unknown, limits: AppealLimits = APPEAL_LIMITS): AppealTooLargeError | undefined {
  const stack: Frame[] = [{ value: element, path: [], depth: 1 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const topLevelDescription = path.length === 1 && path[0] === 'description';
      const max = topLevelDescription ? limits.maxDescriptionChars : limits.maxStringChars;
      if (value.length > max) return tooLarge(path, `text longer than ${format(max)} characters`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) return tooLarge(path.slice(0, 1), `nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(value)) {
      const named = path.length === 1 ? FIELD_ARRAY_LIMITS[String(path[0])] : undefined;
      const max = named ? limits[named.limit] : limits.maxEntries;
      if (value.length > max) return tooLarge(path, `more than ${format(max)} ${named?.label ?? 'entries'}`);
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push({ value: value[i], path: [...path, i], depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > limits.maxEntries) return tooLarge(path, `more than ${format(limits.maxEntries)} keys`);
    for (let i = entries.length - 1; i >= 0; i -= 1) {
      const [key, item] = entries[i]!;
      if (key.length > limits.maxStringChars) return tooLarge(path, `a key longer than ${format(limits.maxStringChars)} characters`);
      stack.push({ value: item, path: [...path, key], depth: depth + 1 });
    }
  }
  // Depth is bounded now, so measuring the JSON cannot overflow the stack.
  const bytes = Buffer.byteLength(JSON.stringify(element) ?? '', 'utf8');
  if (bytes > limits.maxAppealBytes) return tooLarge([], `larger than ${format(limits.maxAppealBytes)} bytes of JSON`);
  return undefined;
}

/**
 * Lone surrogates (half of a UTF-16 pair, e.g. "\ud800" in the JSON) cannot be written as UTF-8 or
 * percent-encoded, so the EDMS calls would throw on them. They are repaired at intake to U+FFFD: the
 * appeal is registered with one visible replacement character instead of waiting for an operator who
 * cannot change what ПОС sends. Returns the repaired copy and the paths of the repaired fields.
 */
export function repairText<T>(value: T): { value: T; repaired: string[] } {
  const repaired: string[] = [];
  const walk = (item: unknown, path: (string | number)[]): unknown => {
    if (typeof item === 'string') {
      if (!hasLoneSurrogate(item)) return item;
      repaired.push(pathText(path));
      return wellFormed(item);
    }
    if (item === null || typeof item !== 'object') return item;
    if (Array.isArray(item)) return item.map((entry, i) => walk(entry, [...path, i]));
    const copy: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(item)) {
      const safeKey = hasLoneSurrogate(key) ? wellFormed(key) : key;
      if (safeKey !== key) repaired.push(`${pathText(path)} (a key)`);
      // defineProperty: a "__proto__" key from JSON stays a plain key of the copy.
      Object.defineProperty(copy, safeKey, {
        value: walk(entry, [...path, safeKey]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };
  const result = walk(value, []) as T;
  return { value: repaired.length > 0 ? result : value, repaired };
}

function idOf(element: unknown): number | string | undefined {
  const rawId = element && typeof element === 'object' && !Array.isArray(element) ? (element as Record<string, unknown>).id : undefined;
  if (typeof rawId === 'number') return rawId;
  // A string id is kept only when it is a short plain token (it names the entry in the failed list).
  return typeof rawId === 'string' && /^[\w.-]{1,64}$/.test(rawId) ? rawId : undefined;
}

export type AdmittedElement = { appeal: PosAppeal; repaired: string[] } | { malformed: MalformedAppeal };

/**
 * One list element on its own: limits, then the ПОС schema, then text repair. Whatever it holds, the
 * answer is a value (never a throw), so one element cannot stop the page it came on.
 */
export function admitAppeal(element: unknown): AdmittedElement {
  const id = idOf(element);
  const withId = (entry: Omit<MalformedAppeal, 'id'>): { malformed: MalformedAppeal } => ({
    malformed: id === undefined ? entry : { id, ...entry },
  });
  try {
    const tooLarge = checkAppealLimits(element);
    if (tooLarge) return withId({ code: 'APPEAL_TOO_LARGE', issues: [tooLarge.message] });
    const parsed = appealSchema.safeParse(element);
    if (!parsed.success) return withId({ code: 'MALFORMED_APPEAL', issues: describeIssues(parsed.error) });
    const { value, repaired } = repairText(parsed.data);
    return { appeal: value, repaired };
  } catch (error) {
    return withId({ code: 'MALFORMED_APPEAL', issues: [`(appeal): could not be read (${error instanceof Error ? error.name : 'error'})`] });
  }
}
