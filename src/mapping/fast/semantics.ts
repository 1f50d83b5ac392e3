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

/**
 * Work the fast path may still do in this evaluation before it gives up and leaves the answer to
 * JSONata, which runs in a worker thread under a deadline. A unit is about one closure call, one
 * item of a sequence or one character handled: every loop over data charges what it walks, so a
 * synchronous evaluation is bounded by the budget whatever the expression (see README "Bounds").
 * Module-level: evaluation is synchronous and never nested, and `run` sets it.
 */
export const budget = { left: 0 };

/**
 * Units one fast evaluation (of a whole appeal, in the engine) may spend: at most ~0.1 s however
 * they are spent. The shipped mappings spend ~3 000 on a usual appeal, 0.3 M on 60 000 characters.
 */
export const FAST_WORK_BUDGET = 1_000_000;

export function spend(units: number): void {
  budget.left -= units;
  if (budget.left < 0) throw new Deopt('work budget spent');
}

/** Charges for a value handed to a function: its characters, or its items and theirs, one level deep. */
export function spendOn(value: unknown): void {
  if (typeof value === 'string') spend(value.length + 1);
  else if (Array.isArray(value)) {
    let units = value.length + 1;
    for (const item of value) if (typeof item === 'string') units += item.length;
    spend(units);
  } else spend(1);
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
    spend(input.length);
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
    spend(value.length);
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
    // Called once per node and leaf: a value built of shared parts cannot unfold unpaid.
    spend(typeof item === 'string' ? item.length + 1 : 1);
    if (item !== undefined && item !== null && isNumeric(item)) {
      return Number.isInteger(item) ? item : Number(item.toPrecision(15));
    }
    return typeof item === 'function' ? '' : item;
  });
}

/** isDeepEqual from JSONata's utils. */
export function deepEqual(left: unknown, right: unknown): boolean {
  if (typeof left === 'string' && typeof right === 'string') spend(Math.min(left.length, right.length) + 1);
  else spend(1);
  if (left === right) return true;
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false;
  if (Array.isArray(left) && Array.isArray(right)) {
    if (left.length !== right.length) return false;
    return left.every((item, index) => deepEqual(item, right[index]));
  }
  const leftKeys = Object.getOwnPropertyNames(left).sort();
  const rightKeys = Object.getOwnPropertyNames(right).sort();
  spend(leftKeys.length + rightKeys.length);
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
