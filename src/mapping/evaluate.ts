// Evaluating one compiled expression: the fast path first, JSONata when the fast path cannot say
// (or was never possible), and error messages stripped of values before anyone sees them.
import type { CompiledExpression } from './expression.js';
import { Deopt, spend } from './fast/semantics.js';
import { MappingFunctionError, customFunctions, type CallContext } from './functions.js';

/** Variables JSONata gets: $const and the bridge's functions, bound to this call. */
export function jsonataBindings(call: CallContext): Record<string, unknown> {
  const bindings: Record<string, unknown> = { const: call.runtime.constants };
  for (const [name, fn] of Object.entries(customFunctions)) {
    bindings[name] = (...args: unknown[]) => fn.call(call, ...args);
  }
  return bindings;
}

export function evaluateWithJsonata(expression: CompiledExpression, input: unknown, call: CallContext): Promise<unknown> {
  return expression.jsonata.evaluate(input, jsonataBindings(call));
}

/** What runFast returns when JSONata has to evaluate instead. */
export const DEOPTED: unique symbol = Symbol('deopted');

/**
 * The fast path alone, synchronously; DEOPTED when there is none or it gave up. A fast attempt
 * that gives up leaves no warnings behind in `warnings`, so nothing is reported twice.
 */
export function runFast(expression: CompiledExpression, input: unknown, call: CallContext, warnings: string[]): unknown {
  if (!expression.fast) return DEOPTED;
  try {
    return expression.fast.run(input, call);
  } catch (error) {
    if (!(error instanceof Deopt)) throw error;
    if (warnings.length > 0) warnings.length = 0;
    return DEOPTED;
  }
}

/** Evaluates with the fast path when it can, else with JSONata. */
export async function evaluateExpression(
  expression: CompiledExpression,
  input: unknown,
  call: CallContext,
  warnings: string[],
  tryFast = true,
): Promise<unknown> {
  if (tryFast) {
    const value = runFast(expression, input, call, warnings);
    if (value !== DEOPTED) return value;
  }
  return evaluateWithJsonata(expression, input, call);
}

interface JsonataRuntimeError {
  code?: unknown;
  message?: unknown;
  position?: unknown;
  token?: unknown;
  value?: unknown;
  value2?: unknown;
}

/** A log-safe description: JSONata's messages quote the offending value, which is cut out here. */
export function describeExpressionError(error: unknown): string {
  if (error instanceof MappingFunctionError) return error.message;
  if (error && typeof error === 'object' && 'code' in error) {
    const failure = error as JsonataRuntimeError;
    let message = typeof failure.message === 'string' ? failure.message : '';
    for (const value of [failure.value, failure.value2]) {
      if (value === undefined) continue;
      // JSONata quotes a value as JSON; a message may also carry a scalar as plain text.
      const forms =
        typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? [JSON.stringify(value), String(value)]
          : [JSON.stringify(value)];
      for (const shown of forms) {
        if (typeof shown === 'string' && shown.length >= 2) message = message.split(shown).join('…');
      }
    }
    const at = typeof failure.position === 'number' ? ` at position ${failure.position}` : '';
    return `JSONata ${String(failure.code)}${at}: ${message}`;
  }
  return error instanceof Error ? `${error.name}` : 'unexpected failure';
}

function holdsNull(value: unknown, paid: boolean): boolean {
  if (paid) spend(typeof value === 'string' ? value.length + 1 : 1);
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => holdsNull(item, paid));
  return Object.values(value).some((item) => holdsNull(item, paid));
}

/**
 * The result with nulls left out (ПОС sends null for "absent"); copied only when it holds any.
 * `paid`: every node and character is charged to the fast path's work budget (Deopt when spent),
 * so a value built of shared parts cannot unfold unpaid in the record check or the adapter.
 */
export function withoutNulls(value: unknown, paid = false): unknown {
  if (value === undefined || !holdsNull(value, paid)) return value;
  return stripNulls(value, paid);
}

function stripNulls(value: unknown, paid: boolean): unknown {
  if (paid) spend(1);
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const kept = stripNulls(item, paid);
      if (kept !== undefined) items.push(kept);
    }
    return items;
  }
  if (typeof value === 'object') {
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const kept = stripNulls(item, paid);
      if (kept !== undefined) result[key] = kept;
    }
    return result;
  }
  return value;
}
