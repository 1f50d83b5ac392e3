// One field's expression: compiled once by JSONata, checked against what the mapping declares
// (dictionaries, constants, functions), and compiled again into the fast path where it can be.
import jsonata from 'jsonata';
import { compileFast, type AstNode, type FastExpression } from './fast/compile.js';
import { MappingFunctionError, customFunctions } from './functions.js';

const JSONATA_FUNCTIONS = new Set(
  (
    'sum count max min average string substring substringBefore substringAfter lowercase uppercase length trim pad match ' +
    'contains replace split join formatNumber formatBase formatInteger parseInteger number floor ceil round abs sqrt power ' +
    'random boolean not map zip filter single reduce sift keys lookup append exists spread merge reverse each error assert ' +
    'type sort shuffle distinct base64encode base64decode encodeUrlComponent encodeUrl decodeUrlComponent decodeUrl ' +
    'toMillis fromMillis clone now millis'
  ).split(' '),
);

/** Built-ins a mapping may not use: `$eval` runs text — possibly the citizen's — as an expression. */
const REFUSED_FUNCTIONS: Readonly<Record<string, string>> = {
  eval: '$eval is not allowed (it would evaluate text as an expression)',
};

/** Widest `$pad`: JSONata would build any string asked for, a billion characters included. */
export const PAD_WIDTH_LIMIT = 1_000_000;

type JsonataFunctionValue = { implementation: (this: jsonata.Focus, ...args: unknown[]) => unknown };
let jsonataPad: Promise<JsonataFunctionValue> | undefined;

/** JSONata's own $pad, once its width is known to be in range. */
async function boundedPad(this: jsonata.Focus, text: unknown, width: unknown, char: unknown): Promise<unknown> {
  if (typeof width === 'number' && Math.abs(Math.trunc(width)) > PAD_WIDTH_LIMIT) {
    throw new MappingFunctionError(`$pad: argument 2 must be from -${PAD_WIDTH_LIMIT} to ${PAD_WIDTH_LIMIT}`);
  }
  jsonataPad ??= jsonata('$pad').evaluate({}) as Promise<JsonataFunctionValue>;
  return (await jsonataPad).implementation.call(this, text, width, char);
}

export interface CompiledExpression {
  source: string;
  jsonata: jsonata.Expression;
  fast?: FastExpression;
  /** Why the expression is left to JSONata, when it is. */
  fallbackReason?: string;
}

/** A problem at a character offset inside the expression text. */
export interface ExpressionProblem {
  offset: number;
  message: string;
}

export interface ExpressionScope {
  dictionaries: ReadonlySet<string>;
  constants: ReadonlySet<string>;
}

interface JsonataSyntaxError {
  position?: number;
  message?: string;
  code?: string;
}

/** Start offset of a node's token (JSONata records where tokens end). */
export function startOf(node: AstNode): number {
  const end = node.position ?? 0;
  const text = typeof node.value === 'string' ? node.value : '';
  if (node.type === 'variable') return Math.max(0, end - text.length - 1);
  if (node.type === 'string') return Math.max(0, end - text.length - 2);
  if (node.type === 'name') return Math.max(0, end - text.length);
  return Math.max(0, end - 1);
}

function boundNames(node: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) boundNames(item, into);
  else if (node && typeof node === 'object') {
    const ast = node as AstNode;
    if (ast.type === 'bind' && ast.lhs && !Array.isArray(ast.lhs)) into.add(String(ast.lhs.value));
    if (ast.type === 'lambda') for (const arg of ast.arguments ?? []) into.add(String(arg.value));
    for (const value of Object.values(ast)) if (value && typeof value === 'object') boundNames(value, into);
  }
  return into;
}

/** Names the admin refers to that the mapping does not define, and wrong numbers of arguments. */
function checkReferences(ast: AstNode, scope: ExpressionScope): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const bound = boundNames(ast, new Set());
  const known = (name: string) =>
    name === '' || name === '$' || name === 'const' || bound.has(name) || name in customFunctions || JSONATA_FUNCTIONS.has(name);
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const ast = node as AstNode;
    if (ast.type === 'function' && ast.procedure?.type === 'variable') {
      const name = String(ast.procedure.value);
      const args = ast.arguments ?? [];
      const custom = customFunctions[name];
      if (custom && !bound.has(name) && (args.length < custom.minArgs || args.length > custom.maxArgs)) {
        const expected = custom.minArgs === custom.maxArgs ? `${custom.minArgs}` : `${custom.minArgs}–${custom.maxArgs}`;
        problems.push({ offset: startOf(ast.procedure), message: `$${name} takes ${expected} argument(s), got ${args.length}` });
      }
      const first = args[0];
      if ((name === 'dict' || name === 'dictHas') && first?.type === 'string' && !scope.dictionaries.has(String(first.value))) {
        problems.push({ offset: startOf(first), message: `unknown dictionary "${String(first.value)}"` });
      }
    }
    if (ast.type === 'variable' && !bound.has(String(ast.value)) && REFUSED_FUNCTIONS[String(ast.value)]) {
      problems.push({ offset: startOf(ast), message: REFUSED_FUNCTIONS[String(ast.value)] as string });
    } else if (ast.type === 'variable' && !known(String(ast.value))) {
      problems.push({ offset: startOf(ast), message: `unknown variable or function $${String(ast.value)}` });
    }
    if (ast.type === 'path') {
      const [head, next] = ast.steps ?? [];
      if (
        head?.type === 'variable' &&
        head.value === 'const' &&
        !bound.has('const') &&
        next?.type === 'name' &&
        !scope.constants.has(String(next.value))
      ) {
        problems.push({ offset: startOf(next), message: `unknown constant "${String(next.value)}"` });
      }
    }
    for (const value of Object.values(ast)) if (value && typeof value === 'object') visit(value);
  };
  visit(ast);
  return problems;
}

/**
 * `fastPath: false` keeps every expression with JSONata (benchmarks, diagnosis). JSONata gets no
 * timeout of its own: it checks one only between steps, so a regular expression or a long
 * built-in ran on regardless; the engine's worker thread and its deadline bound it instead.
 */
export function compileExpression(
  source: string,
  scope: ExpressionScope,
  options: { fastPath?: boolean } = {},
): { expression?: CompiledExpression; problems: ExpressionProblem[] } {
  if (source.trim() === '') return { problems: [{ offset: 0, message: 'empty expression' }] };
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (error) {
    const syntax = error as JsonataSyntaxError;
    const offset = Math.max(0, (syntax.position ?? 1) - 1);
    return {
      problems: [{ offset, message: `expression error${syntax.code ? ` ${syntax.code}` : ''}: ${syntax.message ?? String(error)}` }],
    };
  }
  expression.registerFunction('pad', boundedPad, '<s-ns?:s>');
  const ast = expression.ast() as unknown as AstNode;
  const problems = checkReferences(ast, scope);
  if (problems.length > 0) return { problems };
  const { fast, reason } = options.fastPath === false ? { fast: undefined, reason: 'fast path turned off' } : compileFast(ast);
  return { expression: { source, jsonata: expression, fast, fallbackReason: reason }, problems: [] };
}
