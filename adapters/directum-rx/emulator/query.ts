// OData system query options over the store: $filter, $orderby, $top, $skip, $count, $expand
// (links and child collections, nested with $expand/$select in parentheses to any depth, as in
// OData v4: `AnswerLetter($select=Id;$expand=Versions($expand=AssociatedApplication))`) and
// $select. Property names are checked against the installation's model, so a typo or an
// undeclared property answers 400 instead of an empty result.
import { ENTITY_SETS, ODataError, qualifiedName, type EntityModel, type EntityTypeDef, type Row } from './model.js';
import { compareValues, evaluateFilter, filterPaths, parseFilter, type FilterNode } from './filter.js';
import type { DirectumStore } from './store.js';

export interface ExpandItem {
  name: string;
  expand: ExpandItem[];
  select?: string[];
}

export interface QueryOptions {
  filter?: FilterNode;
  orderby: { segments: string[]; descending: boolean }[];
  top?: number;
  skip?: number;
  count: boolean;
  expand: ExpandItem[];
  select?: string[];
}

const SUPPORTED = new Set(['$filter', '$orderby', '$top', '$skip', '$count', '$expand', '$select']);
const bad = (message: string) => new ODataError(400, 'BadRequest', message);

/** Splits on `separator` outside parentheses and quotes. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const char of text) {
    if (char === "'") quoted = !quoted;
    if (!quoted && char === '(') depth += 1;
    if (!quoted && char === ')') depth -= 1;
    if (!quoted && depth === 0 && char === separator) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  if (depth !== 0) throw bad('Unbalanced parentheses in a query option');
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function parseSelect(def: EntityTypeDef, text: string): string[] {
  const names = splitTopLevel(text, ',');
  for (const name of names) {
    if (!(name in def.scalars) && !(name in def.navs) && !(name in def.collections)) {
      throw bad(`Could not find a property named '${name}' on type '${qualifiedName(def)}'`);
    }
  }
  return names;
}

export function expandTarget(def: EntityTypeDef, name: string, model: EntityModel = ENTITY_SETS): EntityTypeDef {
  if (def.navs[name]) return model[def.navs[name]]!;
  if (def.collections[name]) return def.collections[name];
  throw bad(`Could not find a navigation property named '${name}' on type '${qualifiedName(def)}'`);
}

function parseExpand(def: EntityTypeDef, text: string, model: EntityModel): ExpandItem[] {
  return splitTopLevel(text, ',').map((part) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(part);
    if (!match) throw bad(`Invalid $expand item '${part}'`);
    const name = match[1]!;
    const target = expandTarget(def, name, model);
    const item: ExpandItem = { name, expand: [] };
    for (const option of match[2] ? splitTopLevel(match[2], ';') : []) {
      const eq = option.indexOf('=');
      if (eq < 0) throw bad(`Invalid option '${option}' inside $expand of '${name}'`);
      const key = option.slice(0, eq).trim();
      const value = option.slice(eq + 1).trim();
      if (key === '$expand') item.expand = parseExpand(target, value, model);
      else if (key === '$select') item.select = parseSelect(target, value);
      else throw bad(`The option '${key}' inside $expand is not supported`);
    }
    return item;
  });
}

/** Checks a property path against the model (scalars, links, or links followed by /Prop). */
export function checkPath(def: EntityTypeDef, segments: string[], model: EntityModel = ENTITY_SETS): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (def.scalars[head]) {
    if (rest.length) throw bad(`'${head}' is not a navigation property of '${def.typeName}'`);
    return;
  }
  if (def.navs[head]) {
    // A bare link compares as its key, which is what `Correspondent eq null` needs.
    if (!rest.length) return;
    return checkPath(model[def.navs[head]]!, rest, model);
  }
  if (def.collections[head]) throw bad(`The collection '${head}' needs a lambda operator, which the emulator does not support`);
  throw bad(`Could not find a property named '${head}' on type '${qualifiedName(def)}'`);
}

/** The value at a (checked) path; links resolve through the store, a missing link gives null. */
export function resolvePath(store: DirectumStore, def: EntityTypeDef, row: Row | undefined, segments: string[]): unknown {
  const [head, ...rest] = segments;
  if (!row || head === undefined) return null;
  if (!rest.length) return row[head] ?? null;
  const linked = row[head] as number | null;
  if (linked === null || linked === undefined) return null;
  if (rest.length === 1 && rest[0] === 'Id') return linked;
  const target = def.navs[head]!;
  return resolvePath(store, store.typeOf(target), store.find(target, linked), rest);
}

export function parseQueryOptions(def: EntityTypeDef, params: URLSearchParams, model: EntityModel = ENTITY_SETS): QueryOptions {
  for (const key of params.keys()) {
    if (key.startsWith('$') && !SUPPORTED.has(key)) throw new ODataError(400, 'NotSupported', `The query option '${key}' is not supported`);
  }
  const options: QueryOptions = { orderby: [], count: false, expand: [] };
  const filter = params.get('$filter');
  if (filter !== null) {
    options.filter = parseFilter(filter);
    for (const path of filterPaths(options.filter)) checkPath(def, path, model);
  }
  const orderby = params.get('$orderby');
  if (orderby) {
    options.orderby = splitTopLevel(orderby, ',').map((part) => {
      const [path, direction, extra] = part.split(/\s+/);
      if (extra !== undefined || (direction !== undefined && direction !== 'asc' && direction !== 'desc'))
        throw bad(`Invalid $orderby item '${part}'`);
      const segments = path!.split('/');
      checkPath(def, segments, model);
      return { segments, descending: direction === 'desc' };
    });
  }
  for (const key of ['$top', '$skip'] as const) {
    const raw = params.get(key);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw)) throw bad(`${key} must be a non-negative whole number`);
    options[key === '$top' ? 'top' : 'skip'] = Number(raw);
  }
  const count = params.get('$count');
  if (count !== null) {
    if (count !== 'true' && count !== 'false') throw bad('$count must be true or false');
    options.count = count === 'true';
  }
  const expand = params.get('$expand');
  if (expand) options.expand = parseExpand(def, expand, model);
  const select = params.get('$select');
  if (select) options.select = parseSelect(def, select);
  return options;
}

/** The JSON of one row: scalars (or the $select), expanded links and collections. */
export function serialize(
  store: DirectumStore,
  def: EntityTypeDef,
  row: Row,
  expand: ExpandItem[] = [],
  select?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(def.scalars)) {
    if (!select || name === 'Id' || select.includes(name)) out[name] = row[name] ?? null;
  }
  for (const item of expand) {
    const target = expandTarget(def, item.name, store.model);
    if (def.collections[item.name]) {
      out[item.name] = ((row[item.name] as Row[]) ?? []).map((child) => serialize(store, target, child, item.expand, item.select));
    } else {
      const linked = row[item.name] as number | null;
      const targetRow = linked === null || linked === undefined ? undefined : store.find(def.navs[item.name]!, linked);
      out[item.name] = targetRow ? serialize(store, target, targetRow, item.expand, item.select) : null;
    }
  }
  return out;
}

export function runQuery(
  store: DirectumStore,
  def: EntityTypeDef,
  rows: Row[],
  options: QueryOptions,
): { value: Record<string, unknown>[]; count?: number } {
  let selected = options.filter
    ? rows.filter((row) => evaluateFilter(options.filter!, (path) => resolvePath(store, def, row, path)) === true)
    : [...rows];
  const total = selected.length;
  const keys = options.orderby.length ? options.orderby : [{ segments: ['Id'], descending: false }];
  selected.sort((a, b) => {
    for (const key of keys) {
      const order = compareValues(resolvePath(store, def, a, key.segments), resolvePath(store, def, b, key.segments));
      if (order !== 0) return key.descending ? -order : order;
    }
    return a.Id - b.Id;
  });
  const skip = options.skip ?? 0;
  selected = selected.slice(skip, options.top === undefined ? undefined : skip + options.top);
  return {
    value: selected.map((row) => serialize(store, def, row, options.expand, options.select)),
    ...(options.count ? { count: total } : {}),
  };
}
