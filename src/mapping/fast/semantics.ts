// JSONata's value rules, re-implemented synchronously for the fast path. Each helper mirrors the
// function of the same name in jsonata 2.x (jsonata.js) so both paths agree on sequences, boolean
// casts and string casts. Where JSONata would raise an error, the fast path gives up (Deopt) and
// lets JSONata itself evaluate the expression, so errors always come from one place.

/** Thrown when the fast path meets a case it does not reproduce exactly; the caller falls back. */
export class Deopt extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Deopt';
  }
}

/** JSONata's sequence: an array flagged `sequence`, unwrapped when it holds one item. */
export type Sequence = unknown[] & { sequence: true; keepSingleton?: boolean; cons?: boolean };

export function createSequence(...items: unknown[]): Sequence {
  const sequence = [] as unknown[] as Sequence;
  sequence.sequence = true;
  if (items.length === 1) sequence.push(items[0]);
  return sequence;
}

export function isSequence(value: unknown): value is Sequence {
  return Array.isArray(value) && (value as Partial<Sequence>).sequence === true;
}

export function isCons(value: unknown[]): boolean {
  return (value as Partial<Sequence>).cons === true;
}

/** The post-processing JSONata applies to every node's result: empty → undefined, singleton → item. */
export function normalize(result: unknown): unknown {
  if (result && isSequence(result)) {
    if (result.length === 0) return undefined;
    if (result.length === 1) return result.keepSingleton ? result : result[0];
  }
  return result;
}

export function isNumeric(value: unknown): value is number {
  if (typeof value !== 'number' || Number.isNaN(value)) return false;
  if (!Number.isFinite(value)) throw new Deopt('number out of range');
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** fn.lookup: field access, mapping over arrays and flattening array results one level. */
export function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = createSequence();
    for (const item of input) {
      const found = lookup(item, key);
      if (found === undefined) continue;
      if (Array.isArray(found)) for (const value of found) result.push(value);
      else result.push(found);
    }
    return result;
  }
  if (isPlainObject(input) && Object.prototype.hasOwnProperty.call(input, key)) return input[key];
  return undefined;
}

/** fn.boolean: JSONata's effective boolean value (undefined stays undefined). */
export function toBoolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1) return toBoolean(value[0]);
    if (value.length > 1) return value.some((item) => toBoolean(item) === true);
    return false;
  }
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'boolean') return value;
  if (isNumeric(value)) return value !== 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return false;
}

/** fn.string: strings as they are, everything else as JSON with numbers at 15 significant digits. */
export function toJsonataString(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'function') return '';
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Deopt('string of Infinity or NaN');
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item !== undefined && item !== null && isNumeric(item)) {
      return Number.isInteger(item) ? item : Number(item.toPrecision(15));
    }
    return typeof item === 'function' ? '' : item;
  });
}

/** isDeepEqual from JSONata's utils. */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) return false;
    return left.every((item, index) => deepEqual(item, right[index]));
  }
  const leftKeys = Object.getOwnPropertyNames(left).sort();
  const rightKeys = Object.getOwnPropertyNames(right).sort();
  if (leftKeys.length !== rightKeys.length) return false;
  if (leftKeys.some((key, index) => key !== rightKeys[index])) return false;
  const l = left as Record<string, unknown>;
  const r = right as Record<string, unknown>;
  return leftKeys.every((key) => deepEqual(l[key], r[key]));
}

/** Number of Unicode code points, as JSONata counts string length. */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _char of text) count++;
  return count;
}
