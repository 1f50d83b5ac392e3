// The fast path: a JSONata AST turned into plain synchronous closures. Only node shapes whose
// semantics are mirrored exactly are compiled (paths of names, literals, &, comparisons, boolean
// and arithmetic operators, conditions, blocks with := , object and array constructors, calls of
// the bridge's functions and common built-ins). Any other shape makes the whole expression use
// JSONata; at run time a Deopt does the same for one evaluation.
import type { CallContext } from '../functions.js';
import { customFunctions } from '../functions.js';
import { fastBuiltins } from './builtins.js';
import { argumentsOf, arithmetic, compare, customCall, evaluateStep, namesOnly, type FastEnv, type Fn, type Frame } from './runtime.js';
import {
  Deopt,
  FAST_WORK_BUDGET,
  budget,
  createSequence,
  deepEqual,
  isNumeric,
  lookup,
  normalize,
  spend,
  spendOn,
  toBoolean,
  toJsonataString,
} from './semantics.js';

/** The parts of a JSONata AST node the fast path reads. */
export interface AstNode {
  type: string;
  value?: unknown;
  position?: number;
  steps?: AstNode[];
  expressions?: AstNode[];
  arguments?: AstNode[];
  procedure?: AstNode;
  expression?: AstNode;
  condition?: AstNode;
  then?: AstNode;
  else?: AstNode;
  lhs?: AstNode | AstNode[][];
  rhs?: AstNode;
  consarray?: boolean;
  [other: string]: unknown;
}

export interface FastExpression {
  /**
   * Evaluates synchronously; throws Deopt when JSONata must decide instead, or when the work
   * budget (default FAST_WORK_BUDGET; what is left stays in `budget.left`) is spent.
   */
  run(input: unknown, call: CallContext, units?: number): unknown;
}

class Unsupported extends Error {}

const ALLOWED_KEYS: Record<string, readonly string[]> = {
  string: ['value'],
  number: ['value'],
  value: ['value'],
  name: ['value'],
  variable: ['value'],
  path: ['steps'],
  binary: ['value', 'lhs', 'rhs'],
  unary: ['value', 'expression', 'expressions', 'lhs', 'consarray'],
  condition: ['condition', 'then', 'else'],
  block: ['expressions'],
  bind: ['value', 'lhs', 'rhs'],
  function: ['value', 'arguments', 'procedure'],
};

function checkShape(node: AstNode): void {
  const allowed = ALLOWED_KEYS[node.type];
  if (!allowed) throw new Unsupported(`node type "${node.type}"`);
  for (const key of Object.keys(node)) {
    // Some nodes carry keys set to undefined (e.g. `name` on calls); only present ones matter.
    if (node[key] === undefined) continue;
    if (key !== 'type' && key !== 'position' && !allowed.includes(key)) throw new Unsupported(`"${key}" on ${node.type}`);
  }
}

/** Names assigned with := anywhere in the expression; they are looked up in frames at run time. */
function collectBound(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) collectBound(item, into);
  else if (node && typeof node === 'object') {
    const ast = node as AstNode;
    if (ast.type === 'bind' && ast.lhs && !Array.isArray(ast.lhs) && typeof ast.lhs.value === 'string') into.add(ast.lhs.value);
    for (const value of Object.values(ast)) if (value && typeof value === 'object') collectBound(value, into);
  }
  return into;
}

/** AST nodes in a subtree: what one evaluation of it may cost besides the data it walks. */
function weightOf(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((sum: number, item) => sum + weightOf(item), 0);
  if (!node || typeof node !== 'object') return 0;
  let weight = 1;
  for (const value of Object.values(node)) if (value && typeof value === 'object') weight += weightOf(value);
  return weight;
}

function containsBind(node: unknown): boolean {
  return collectBound(node, new Set()).size > 0;
}

class Compiler {
  constructor(private readonly bound: ReadonlySet<string>) {}

  node(node: AstNode): Fn {
    checkShape(node);
    const raw = this.raw(node);
    // JSONata normalises every node's result, but only paths (which normalise themselves) and
    // field lookups make sequences; every other node returns a value that is already normal.
    if (node.type !== 'name') return raw;
    return (input, env) => normalize(raw(input, env));
  }

  private raw(node: AstNode): Fn {
    switch (node.type) {
      case 'string':
      case 'number':
      case 'value': {
        const literal = node.value;
        return () => literal;
      }
      case 'name': {
        const key = String(node.value);
        return (input) => lookup(input, key);
      }
      case 'variable':
        return this.variable(String(node.value));
      case 'path':
        return this.path(node);
      case 'binary':
        return this.binary(node);
      case 'unary':
        return this.unary(node);
      case 'condition':
        return this.condition(node);
      case 'block':
        return this.block(node);
      case 'bind':
        return this.bind(node);
      case 'function':
        return this.call(node);
      default:
        throw new Unsupported(`node type "${node.type}"`);
    }
  }

  private variable(name: string): Fn {
    if (name === '') return (input) => input;
    if (name === '$') return (_input, env) => env.root;
    if (name in customFunctions || name in fastBuiltins) throw new Unsupported(`function $${name} used as a value`);
    const global = name === 'const' ? (env: FastEnv) => env.call.runtime.constants : () => undefined;
    if (!this.bound.has(name)) return (_input, env) => global(env);
    return (_input, env) => {
      for (let frame: Frame | undefined = env.frame; frame; frame = frame.parent) {
        if (frame.vars?.has(name)) return frame.vars.get(name);
      }
      return global(env);
    };
  }

  private path(node: AstNode): Fn {
    const stepNodes = node.steps ?? [];
    if (stepNodes.length === 0) throw new Unsupported('empty path');
    const steps = stepNodes.map((step) => this.node(step));
    const weights = stepNodes.map(weightOf);
    const absolute = stepNodes[0]?.type === 'variable';
    if (stepNodes[0]?.consarray) throw new Unsupported('path starting with an array constructor');
    const general: Fn = (input, env) => {
      let sequence: unknown[] = Array.isArray(input) && !absolute ? input : createSequence(input);
      let result: unknown[] = sequence;
      for (let index = 0; index < steps.length; index++) {
        result = evaluateStep(steps[index] as Fn, weights[index] as number, sequence, env, index === steps.length - 1);
        if (result.length === 0) break;
        sequence = result;
      }
      return result;
    };
    const normalized: Fn = (input, env) => normalize(general(input, env));
    // `a.b.c` and `$var.b.c` (e.g. $const.name) get the shortcut over plain objects.
    const [head, ...rest] = stepNodes;
    const keysOf = (nodes: AstNode[]) =>
      nodes.every((step) => step.type === 'name') ? nodes.map((step) => String(step.value)) : undefined;
    const keys = keysOf(stepNodes);
    if (keys) return namesOnly(keys, normalized);
    const restKeys = keysOf(rest);
    if (head?.type === 'variable' && restKeys && restKeys.length > 0) return namesOnly(restKeys, normalized, steps[0]);
    return normalized;
  }

  private binary(node: AstNode): Fn {
    if (!node.lhs || Array.isArray(node.lhs) || !node.rhs) throw new Unsupported('malformed binary node');
    const left = this.node(node.lhs);
    const right = this.node(node.rhs);
    const op = String(node.value);
    switch (op) {
      case 'and':
        return (input, env) => toBoolean(left(input, env)) === true && toBoolean(right(input, env)) === true;
      case 'or':
        return (input, env) => toBoolean(left(input, env)) === true || toBoolean(right(input, env)) === true;
      case '&':
        return (input, env) => {
          const l = left(input, env);
          const r = right(input, env);
          const joined = (l === undefined ? '' : (toJsonataString(l) as string)) + (r === undefined ? '' : (toJsonataString(r) as string));
          // Joining is cheap (V8 links the parts), but whoever reads the text pays its length.
          spend(joined.length);
          return joined;
        };
      case '=':
      case '!=': {
        const equal = op === '=';
        return (input, env) => {
          const l = left(input, env);
          const r = right(input, env);
          if (l === undefined || r === undefined) return false;
          return deepEqual(l, r) === equal;
        };
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return (input, env) => compare(left(input, env), right(input, env), op);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return (input, env) => arithmetic(left(input, env), right(input, env), op);
      case 'in':
        return (input, env) => {
          const l = left(input, env);
          const r = right(input, env);
          if (l === undefined || r === undefined) return false;
          spendOn(r);
          return (Array.isArray(r) ? r : [r]).some((item) => item === l);
        };
      default:
        throw new Unsupported(`operator "${op}"`);
    }
  }

  private unary(node: AstNode): Fn {
    if (node.value === '-') {
      if (!node.expression) throw new Unsupported('malformed negation');
      const operand = this.node(node.expression);
      return (input, env) => {
        const value = operand(input, env);
        if (value === undefined) return undefined;
        if (isNumeric(value)) return -value;
        throw new Deopt('negation of a non-number');
      };
    }
    if (node.value === '[') return this.arrayConstructor(node);
    if (node.value === '{') return this.objectConstructor(node);
    throw new Unsupported(`unary "${String(node.value)}"`);
  }

  private arrayConstructor(node: AstNode): Fn {
    const items = (node.expressions ?? []).map((item) => ({ nested: item.value === '[', fn: this.node(item) }));
    const cons = node.consarray === true;
    return (input, env) => {
      const result: unknown[] = [];
      for (const item of items) {
        const value = item.fn(input, env);
        if (value === undefined) continue;
        // fn.append(result, value), in place: arrays add their items, anything else itself.
        if (item.nested || !Array.isArray(value)) result.push(value);
        else {
          spend(value.length);
          for (const element of value) result.push(element);
        }
      }
      if (cons) Object.defineProperty(result, 'cons', { enumerable: false, configurable: false, value: true });
      return result;
    };
  }

  private objectConstructor(node: AstNode): Fn {
    if (!Array.isArray(node.lhs)) throw new Unsupported('malformed object constructor');
    const seen = new Set<string>();
    const pairs = node.lhs.map((pair) => {
      const [key, value] = pair;
      if (!key || !value || key.type !== 'string' || typeof key.value !== 'string') throw new Unsupported('computed object key');
      if (seen.has(key.value) || key.value === '__proto__') throw new Unsupported('repeated object key');
      seen.add(key.value);
      return { key: key.value, fn: this.node(value) };
    });
    return (input, env) => {
      // Over an array JSONata groups items by key; the fast path only builds single objects.
      if (Array.isArray(input)) throw new Deopt('object constructor over a sequence');
      const result: Record<string, unknown> = {};
      for (const pair of pairs) {
        const value = pair.fn(input, env);
        if (value !== undefined) result[pair.key] = value;
      }
      return result;
    };
  }

  private condition(node: AstNode): Fn {
    if (!node.condition || !node.then) throw new Unsupported('malformed condition');
    const test = this.node(node.condition);
    const then = this.node(node.then);
    const otherwise = node.else ? this.node(node.else) : undefined;
    return (input, env) => {
      if (toBoolean(test(input, env))) return then(input, env);
      return otherwise ? otherwise(input, env) : undefined;
    };
  }

  private block(node: AstNode): Fn {
    const expressions = (node.expressions ?? []).map((item) => this.node(item));
    const scoped = containsBind(node.expressions);
    return (input, outer) => {
      const env: FastEnv = scoped ? { root: outer.root, call: outer.call, frame: { parent: outer.frame } } : outer;
      let result: unknown;
      for (const expression of expressions) result = expression(input, env);
      return result;
    };
  }

  private bind(node: AstNode): Fn {
    if (!node.lhs || Array.isArray(node.lhs) || !node.rhs) throw new Unsupported('malformed binding');
    const name = String(node.lhs.value);
    if (name in customFunctions || name in fastBuiltins) throw new Unsupported(`function $${name} re-bound`);
    const value = this.node(node.rhs);
    return (input, env) => {
      const result = value(input, env);
      (env.frame.vars ??= new Map()).set(name, result);
      return result;
    };
  }

  private call(node: AstNode): Fn {
    const procedure = node.procedure;
    if (!procedure || procedure.type !== 'variable') throw new Unsupported('call of a computed function');
    const name = String(procedure.value);
    if (this.bound.has(name)) throw new Unsupported(`call of the bound variable $${name}`);
    const args = (node.arguments ?? []).map((arg) => this.node(arg));
    const custom = customFunctions[name];
    const builtin = fastBuiltins[name];
    const fn = custom ?? builtin;
    if (!fn) throw new Unsupported(`function $${name}`);
    if (args.length < fn.minArgs || args.length > fn.maxArgs) throw new Unsupported(`$${name} with ${args.length} arguments`);
    if (custom) return customCall(custom, args);
    const evaluateArgs = argumentsOf(args);
    const native = builtin as NonNullable<typeof builtin>;
    return (input, env) => native.call(evaluateArgs(input, env));
  }
}

/** Compiles an expression's AST; `reason` says why it stays with JSONata when it must. */
export function compileFast(ast: AstNode): { fast?: FastExpression; reason?: string } {
  try {
    const fn = new Compiler(collectBound(ast, new Set())).node(ast);
    return {
      fast: {
        run: (input, call, units = FAST_WORK_BUDGET) => {
          budget.left = units;
          return fn(input, { root: input, call, frame: {} });
        },
      },
    };
  } catch (error) {
    if (error instanceof Unsupported) return { reason: error.message };
    throw error;
  }
}
