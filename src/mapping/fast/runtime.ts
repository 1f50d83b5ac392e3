// Run-time pieces of the fast path: the environment closures receive, and the JSONata
// behaviours compiled closures share (path steps, comparisons, arithmetic, calls).
import type { CallContext, CustomFunction } from '../functions.js';
import { Deopt, createSequence, isCons, isNumeric, isSequence, spend, spendOn } from './semantics.js';

export interface Frame {
  vars?: Map<string, unknown>;
  parent?: Frame;
}

export interface FastEnv {
  root: unknown;
  call: CallContext;
  frame: Frame;
}

export type Fn = (input: unknown, env: FastEnv) => unknown;

/** An argument evaluated and paid for: functions do work in proportion to what they are given. */
const paid = (arg: Fn, input: unknown, env: FastEnv): unknown => {
  const value = arg(input, env);
  spendOn(value);
  return value;
};

/** A call of one of the bridge's functions, arguments passed one by one. */
export function customCall(fn: CustomFunction, args: Fn[]): Fn {
  const [a, b, c] = args;
  if (args.length === 0) return (_input, env) => fn.call(env.call);
  if (args.length === 1 && a) return (input, env) => fn.call(env.call, paid(a, input, env));
  if (args.length === 2 && a && b) return (input, env) => fn.call(env.call, paid(a, input, env), paid(b, input, env));
  if (args.length === 3 && a && b && c)
    return (input, env) => fn.call(env.call, paid(a, input, env), paid(b, input, env), paid(c, input, env));
  return (input, env) => fn.call(env.call, ...args.map((arg) => paid(arg, input, env)));
}

/** Argument evaluation (paid for) without a per-call map() for the usual one or two arguments. */
export function argumentsOf(args: Fn[]): (input: unknown, env: FastEnv) => unknown[] {
  const [first, second] = args;
  if (args.length === 1 && first) return (input, env) => [paid(first, input, env)];
  if (args.length === 2 && first && second) return (input, env) => [paid(first, input, env), paid(second, input, env)];
  return (input, env) => args.map((arg) => paid(arg, input, env));
}

/**
 * `a.b.c` (or `$v.b.c`, from `start`) over plain objects, the common case, without building
 * sequences: the same result as the general evaluation as long as no array is met on the way
 * (then the general one runs).
 */
export function namesOnly(keys: string[], general: Fn, start?: Fn): Fn {
  return (input, env) => {
    let value = start ? start(input, env) : input;
    for (const key of keys) {
      if (value === null || typeof value !== 'object') return undefined;
      if (Array.isArray(value)) return general(input, env);
      const next = (value as Record<string, unknown>)[key];
      if (next === undefined) return undefined;
      // Only own fields count; data never holds functions, so only inherited ones need the check.
      if ((typeof next === 'function' || key === '__proto__') && !Object.prototype.hasOwnProperty.call(value, key)) return undefined;
      value = next;
    }
    return value;
  };
}

/** One path step over a sequence; `weight` (the step's size in AST nodes) is paid for every item. */
export function evaluateStep(step: Fn, weight: number, input: unknown[], env: FastEnv, lastStep: boolean): unknown[] {
  spend(input.length * weight);
  const result = createSequence();
  for (const item of input) {
    const value = step(item, env);
    if (value !== undefined) result.push(value);
  }
  const only = result[0];
  if (lastStep && result.length === 1 && Array.isArray(only) && !isSequence(only)) return only;
  const flat = createSequence();
  for (const value of result) {
    if (!Array.isArray(value) || isCons(value)) flat.push(value);
    else {
      spend(value.length);
      for (const item of value) flat.push(item);
    }
  }
  return flat;
}

export function compare(left: unknown, right: unknown, op: string): boolean | undefined {
  const lt = typeof left;
  const rt = typeof right;
  const comparable = (t: string) => t === 'undefined' || t === 'string' || t === 'number';
  if (!comparable(lt) || !comparable(rt)) throw new Deopt('comparison of non-comparable values');
  if (left === undefined || right === undefined) return undefined;
  if (lt !== rt) throw new Deopt('comparison of different types');
  const l = left as string | number;
  const r = right as string | number;
  if (lt === 'string') spend(Math.min((l as string).length, (r as string).length) + 1);
  if (op === '<') return l < r;
  if (op === '<=') return l <= r;
  if (op === '>') return l > r;
  return l >= r;
}

export function arithmetic(left: unknown, right: unknown, op: string): number | undefined {
  if (left !== undefined && !isNumeric(left)) throw new Deopt('arithmetic on a non-number');
  if (right !== undefined && !isNumeric(right)) throw new Deopt('arithmetic on a non-number');
  if (left === undefined || right === undefined) return undefined;
  if (op === '+') return left + right;
  if (op === '-') return left - right;
  if (op === '*') return left * right;
  if (op === '/') return left / right;
  return left % right;
}
