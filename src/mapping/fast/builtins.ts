// The JSONata built-in functions the fast path runs itself. Each one accepts exactly the argument
// types its JSONata signature accepts without coercion; anything else (wrong types, context
// substitution, regular expressions) gives up with Deopt so JSONata decides, errors included.
import { Deopt, codePointLength, isNumeric, toBoolean, toJsonataString } from './semantics.js';

export interface FastBuiltin {
  minArgs: number;
  maxArgs: number;
  call(args: unknown[]): unknown;
}

function text(value: unknown, fn: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new Deopt(`$${fn}: argument is not a string`);
}

function requireString(value: unknown, fn: string): string {
  if (typeof value === 'string') return value;
  throw new Deopt(`$${fn}: argument is not a string`);
}

function requireNumber(value: unknown, fn: string): number {
  if (isNumeric(value)) return value;
  throw new Deopt(`$${fn}: argument is not a number`);
}

/** JSONata's $trim: runs of space, tab, CR and LF become one space; ends stripped. */
function trim(value: string): string {
  let result = value.replace(/[ \t\n\r]+/gm, ' ');
  if (result.charAt(0) === ' ') result = result.substring(1);
  if (result.charAt(result.length - 1) === ' ') result = result.substring(0, result.length - 1);
  return result;
}

/** JSONata's $substring: code-point based, negative start counts from the end. */
function substring(value: string, start: number, length?: number): string {
  const chars = Array.from(value);
  let from = start;
  if (chars.length + from < 0) from = 0;
  if (length !== undefined) {
    if (length <= 0) return '';
    const end = from >= 0 ? from + length : chars.length + from + length;
    return chars.slice(from, end).join('');
  }
  return chars.slice(from).join('');
}

export const fastBuiltins: Readonly<Record<string, FastBuiltin>> = {
  string: {
    minArgs: 1,
    maxArgs: 2,
    call: ([value, prettify]) => {
      if (prettify !== undefined && typeof prettify !== 'boolean') throw new Deopt('$string: prettify');
      if (prettify === true && value !== undefined && typeof value !== 'string') throw new Deopt('$string: pretty JSON');
      return toJsonataString(value);
    },
  },
  substring: {
    minArgs: 2,
    maxArgs: 3,
    call: (args) => {
      const value = text(args[0], 'substring');
      const start = requireNumber(args[1], 'substring');
      const length = args.length > 2 ? requireNumber(args[2], 'substring') : undefined;
      return value === undefined ? undefined : substring(value, start, length);
    },
  },
  substringBefore: {
    minArgs: 2,
    maxArgs: 2,
    call: ([value, chars]) => {
      const str = text(value, 'substringBefore');
      const token = requireString(chars, 'substringBefore');
      if (str === undefined) return undefined;
      const at = str.indexOf(token);
      return at > -1 ? str.substring(0, at) : str;
    },
  },
  substringAfter: {
    minArgs: 2,
    maxArgs: 2,
    call: ([value, chars]) => {
      const str = text(value, 'substringAfter');
      const token = requireString(chars, 'substringAfter');
      if (str === undefined) return undefined;
      const at = str.indexOf(token);
      return at > -1 ? str.substring(at + token.length) : str;
    },
  },
  uppercase: { minArgs: 1, maxArgs: 1, call: ([value]) => text(value, 'uppercase')?.toUpperCase() },
  lowercase: { minArgs: 1, maxArgs: 1, call: ([value]) => text(value, 'lowercase')?.toLowerCase() },
  trim: {
    minArgs: 1,
    maxArgs: 1,
    call: ([value]) => {
      const str = text(value, 'trim');
      return str === undefined ? undefined : trim(str);
    },
  },
  length: {
    minArgs: 1,
    maxArgs: 1,
    call: ([value]) => {
      const str = text(value, 'length');
      return str === undefined ? undefined : codePointLength(str);
    },
  },
  exists: { minArgs: 1, maxArgs: 1, call: ([value]) => value !== undefined },
  boolean: { minArgs: 1, maxArgs: 1, call: ([value]) => toBoolean(value) },
  not: {
    minArgs: 1,
    maxArgs: 1,
    call: ([value]) => (value === undefined ? undefined : !toBoolean(value)),
  },
  count: {
    minArgs: 1,
    maxArgs: 1,
    call: ([value]) => (value === undefined ? 0 : Array.isArray(value) ? value.length : 1),
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    call: ([value, token]) => {
      const str = text(value, 'contains');
      const needle = requireString(token, 'contains');
      return str === undefined ? undefined : str.includes(needle);
    },
  },
  join: {
    minArgs: 1,
    maxArgs: 2,
    call: (args) => {
      const [values, separator] = args;
      if (separator !== undefined && typeof separator !== 'string') throw new Deopt('$join: separator');
      if (values === undefined) return undefined;
      const items = Array.isArray(values) ? values : typeof values === 'string' ? [values] : undefined;
      if (!items || !items.every((item) => typeof item === 'string')) throw new Deopt('$join: not an array of strings');
      return items.join(separator ?? '');
    },
  },
};
