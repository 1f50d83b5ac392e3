// OData v4 $filter: tokenizer, recursive-descent parser and evaluator for the subset Directum's
// clients use — eq ne gt ge lt le, and or not, parentheses, string/number/boolean/null/date-time
// literals, property paths through links (Correspondent/Id, Question/FullCode) and the string
// functions contains, startswith, endswith, tolower, toupper, trim, length. Anything else (lambda
// operators any/all, arithmetic) is refused with 400 rather than silently misread.
import { ODataError } from './model.js';

export type Comparison = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { kind: 'literal'; value: string | number | boolean | null | Date }
  | { kind: 'path'; segments: string[] }
  | { kind: 'call'; name: string; args: FilterNode[] }
  | { kind: 'compare'; op: Comparison; left: FilterNode; right: FilterNode }
  | { kind: 'logical'; op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode };

type Token =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'date'; value: Date }
  | { type: 'ident'; value: string }
  | { type: 'punct'; value: '(' | ')' | ',' | '/' | ':' };

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS: Record<string, number> = { contains: 2, startswith: 2, endswith: 2, tolower: 1, toupper: 1, trim: 1, length: 1 };
const DATE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

const invalid = (message: string) => new ODataError(400, 'BadRequest', `Invalid $filter: ${message}`);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const char = text[i]!;
    if (/\s/.test(char)) {
      i += 1;
    } else if (char === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw invalid('unterminated string literal');
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j += 1;
      }
      tokens.push({ type: 'string', value });
      i = j + 1;
    } else if ('(),/:'.includes(char)) {
      tokens.push({ type: 'punct', value: char as '(' });
      i += 1;
    } else if (DATE.test(rest)) {
      const match = DATE.exec(rest)![0];
      const value = new Date(match);
      if (Number.isNaN(value.getTime())) throw invalid(`bad date-time literal ${match}`);
      tokens.push({ type: 'date', value });
      i += match.length;
    } else if (NUMBER.test(rest)) {
      const match = NUMBER.exec(rest)![0];
      tokens.push({ type: 'number', value: Number(match) });
      i += match.length;
    } else if (IDENT.test(rest)) {
      const match = IDENT.exec(rest)![0];
      tokens.push({ type: 'ident', value: match });
      i += match.length;
    } else {
      throw invalid(`unexpected character '${char}' at position ${i}`);
    }
  }
  return tokens;
}

export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const isIdent = (value: string) => peek()?.type === 'ident' && peek()!.value === value;
  const isPunct = (value: string) => peek()?.type === 'punct' && peek()!.value === value;
  const expectPunct = (value: string) => {
    if (!isPunct(value)) throw invalid(`expected '${value}' at token ${position + 1}`);
    position += 1;
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isIdent('or')) {
      position += 1;
      left = { kind: 'logical', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseNot();
    while (isIdent('and')) {
      position += 1;
      left = { kind: 'logical', op: 'and', left, right: parseNot() };
    }
    return left;
  };
  const parseNot = (): FilterNode => {
    if (isIdent('not')) {
      position += 1;
      return { kind: 'not', operand: parseNot() };
    }
    const left = parseValue();
    const next = peek();
    if (next?.type === 'ident' && COMPARISONS.has(next.value)) {
      position += 1;
      return { kind: 'compare', op: next.value as Comparison, left, right: parseValue() };
    }
    if (next?.type === 'ident' && ['add', 'sub', 'mul', 'div', 'mod', 'has', 'in'].includes(next.value)) {
      throw invalid(`the operator '${next.value}' is not supported`);
    }
    return left;
  };
  const parseValue = (): FilterNode => {
    const token = peek();
    if (!token) throw invalid('unexpected end of expression');
    position += 1;
    if (token.type === 'punct') {
      if (token.value !== '(') throw invalid(`unexpected '${token.value}'`);
      const inner = parseOr();
      expectPunct(')');
      return inner;
    }
    if (token.type !== 'ident') return { kind: 'literal', value: token.value };
    if (token.value === 'true' || token.value === 'false') return { kind: 'literal', value: token.value === 'true' };
    if (token.value === 'null') return { kind: 'literal', value: null };
    if (isPunct('(')) {
      const arity = FUNCTIONS[token.value];
      if (arity === undefined) throw invalid(`the function '${token.value}' is not supported`);
      position += 1;
      const args: FilterNode[] = [];
      if (!isPunct(')')) {
        args.push(parseOr());
        while (isPunct(',')) {
          position += 1;
          args.push(parseOr());
        }
      }
      expectPunct(')');
      if (args.length !== arity) throw invalid(`${token.value}() takes ${arity} argument(s)`);
      return { kind: 'call', name: token.value, args };
    }
    const segments = [token.value];
    while (isPunct('/')) {
      position += 1;
      const segment = peek();
      if (segment?.type !== 'ident') throw invalid('a property name must follow /');
      position += 1;
      if ((segment.value === 'any' || segment.value === 'all') && isPunct('(')) {
        throw invalid(`lambda operator '${segment.value}' is not supported by the emulator`);
      }
      segments.push(segment.value);
    }
    return { kind: 'path', segments };
  };

  if (tokens.length === 0) throw invalid('empty expression');
  const tree = parseOr();
  if (position < tokens.length) throw invalid(`unexpected token at ${position + 1}`);
  return tree;
}

/** Every property path in the expression, for validation against the model before evaluating. */
export function filterPaths(node: FilterNode): string[][] {
  switch (node.kind) {
    case 'path':
      return [node.segments];
    case 'call':
      return node.args.flatMap(filterPaths);
    case 'compare':
    case 'logical':
      return [...filterPaths(node.left), ...filterPaths(node.right)];
    case 'not':
      return filterPaths(node.operand);
    case 'literal':
      return [];
  }
}

/** Orders two values as OData does: null first, dates by time, strings ordinally, numbers numerically. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  if (a instanceof Date || b instanceof Date) {
    const x = a instanceof Date ? a.getTime() : Date.parse(orderingText(a));
    const y = b instanceof Date ? b.getTime() : Date.parse(orderingText(b));
    return x === y ? 0 : x < y ? -1 : 1;
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = orderingText(a);
  const y = orderingText(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A JSON value's text for ordering: scalars as themselves, anything else by its JSON, never "[object Object]". */
function orderingText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

export function evaluateFilter(node: FilterNode, resolve: (segments: string[]) => unknown): unknown {
  const value = (n: FilterNode) => evaluateFilter(n, resolve);
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return resolve(node.segments);
    case 'not':
      return value(node.operand) !== true;
    case 'logical':
      return node.op === 'and'
        ? value(node.left) === true && value(node.right) === true
        : value(node.left) === true || value(node.right) === true;
    case 'compare': {
      const left = value(node.left);
      const right = value(node.right);
      const isNull = (v: unknown) => v === null || v === undefined;
      if (node.op === 'eq') return isNull(left) || isNull(right) ? isNull(left) && isNull(right) : compareValues(left, right) === 0;
      if (node.op === 'ne') return isNull(left) || isNull(right) ? isNull(left) !== isNull(right) : compareValues(left, right) !== 0;
      if (isNull(left) || isNull(right)) return false;
      const order = compareValues(left, right);
      return node.op === 'gt' ? order > 0 : node.op === 'ge' ? order >= 0 : node.op === 'lt' ? order < 0 : order <= 0;
    }
    case 'call': {
      const args = node.args.map(value);
      const [first, second] = args;
      if (typeof first !== 'string') return node.name === 'contains' || node.name.endsWith('with') ? false : null;
      switch (node.name) {
        case 'contains':
          return typeof second === 'string' && first.includes(second);
        case 'startswith':
          return typeof second === 'string' && first.startsWith(second);
        case 'endswith':
          return typeof second === 'string' && first.endsWith(second);
        case 'tolower':
          return first.toLowerCase();
        case 'toupper':
          return first.toUpperCase();
        case 'trim':
          return first.trim();
        default:
          return first.length;
      }
    }
  }
}
