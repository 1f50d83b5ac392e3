// A term index over a few properties of the emulator's store, so the lookups a registration makes
// (a link by ПОС id, a person by name, a card by its "[POS:n]" marker, an entity by Id) read a
// handful of rows instead of every row: with a backlog of tens of thousands of appeals, scanning
// made the emulator, not the bridge, the slowest part of a drain. The index only narrows the rows;
// the full $filter still decides, so results are exactly those of a scan.
//
// Indexed properties are written only through DirectumStore.create/patch/remove (the clerk never
// writes them), which keep the index current.
import type { FilterNode } from './filter.js';
import type { Row } from './model.js';

export const INDEXED_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  IExternalEntityLinks: ['ExtEntityId', 'EntityId'],
  IPersons: ['LastName', 'FirstName'],
  IRequests: ['Note'],
};

/** A bracketed tag like "[POS:100001]": what `contains(Note,'[POS:100001]')` looks for. */
const TAG = /\[[^[\]]+\]/g;
const WHOLE_TAG = /^\[[^[\]]+\]$/;

/** Terms a value is found under: the whole value, lower-cased, and, for texts, each bracketed tag in it. */
function termsOf(value: unknown): string[] {
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (typeof value !== 'string') return [];
  const lower = value.toLowerCase();
  const tags = lower.match(TAG) ?? [];
  return tags.length ? [lower, ...new Set(tags)] : [lower];
}

type Lookup = { property: string; term: string };

const literalText = (node: FilterNode): string | undefined =>
  node.kind === 'literal' && (typeof node.value === 'string' || typeof node.value === 'number')
    ? String(node.value).toLowerCase()
    : undefined;

const propertyOf = (node: FilterNode): string | undefined =>
  node.kind === 'path' && node.segments.length === 1 ? node.segments[0] : undefined;

/** `P eq v`, `tolower(P) eq v` (either way round): the rows whose P has the term v. */
function comparison(left: FilterNode, right: FilterNode): Lookup | undefined {
  const term = literalText(right);
  if (term === undefined) return undefined;
  const direct = propertyOf(left);
  if (direct) return { property: direct, term };
  if (left.kind === 'call' && left.name === 'tolower' && left.args[0]) {
    const property = propertyOf(left.args[0]);
    if (property) return { property, term };
  }
  return undefined;
}

/**
 * The lookups whose union holds every row the filter can match, or undefined when the filter
 * pins no property this way (then every row is a candidate).
 */
export function lookupsFor(node: FilterNode, indexed: (property: string) => boolean): Lookup[] | undefined {
  switch (node.kind) {
    case 'compare': {
      if (node.op !== 'eq') return undefined;
      const found = comparison(node.left, node.right) ?? comparison(node.right, node.left);
      return found && indexed(found.property) ? [found] : undefined;
    }
    case 'call': {
      if (node.name !== 'contains') return undefined;
      const [where, what] = node.args;
      const property = where && propertyOf(where);
      const tag = what && literalText(what);
      return property && tag && WHOLE_TAG.test(tag) && indexed(property) ? [{ property, term: tag }] : undefined;
    }
    case 'logical': {
      const left = lookupsFor(node.left, indexed);
      const right = lookupsFor(node.right, indexed);
      if (node.op === 'or') return left && right ? [...left, ...right] : undefined;
      if (!left || !right) return left ?? right;
      return left.length <= right.length ? left : right;
    }
    default:
      return undefined;
  }
}

export class TermIndex {
  /** `${set}.${property}` → term → rows. */
  private readonly entries = new Map<string, Map<string, Set<Row>>>();
  /** What each row is indexed under, so a rewrite or removal can take it out again. */
  private readonly held = new WeakMap<Row, { key: string; term: string }[]>();

  add(set: string, row: Row): void {
    const placed: { key: string; term: string }[] = [];
    for (const property of INDEXED_PROPERTIES[set] ?? []) {
      const key = `${set}.${property}`;
      let byTerm = this.entries.get(key);
      if (!byTerm) this.entries.set(key, (byTerm = new Map<string, Set<Row>>()));
      for (const term of termsOf(row[property])) {
        let rows = byTerm.get(term);
        if (!rows) byTerm.set(term, (rows = new Set()));
        rows.add(row);
        placed.push({ key, term });
      }
    }
    if (placed.length) this.held.set(row, placed);
  }

  remove(row: Row): void {
    for (const { key, term } of this.held.get(row) ?? []) {
      const byTerm = this.entries.get(key);
      const rows = byTerm?.get(term);
      rows?.delete(row);
      if (rows?.size === 0) byTerm!.delete(term);
    }
    this.held.delete(row);
  }

  update(set: string, row: Row): void {
    this.remove(row);
    this.add(set, row);
  }

  /** Rows that may match `filter` (a superset of the matches), or undefined when all rows may. */
  candidates(set: string, filter: FilterNode | undefined, byId: (id: number) => Row | undefined): Row[] | undefined {
    if (!filter) return undefined;
    const indexed = (property: string) => property === 'Id' || (INDEXED_PROPERTIES[set] ?? []).includes(property);
    const lookups = lookupsFor(filter, indexed);
    if (!lookups) return undefined;
    const found = new Set<Row>();
    for (const { property, term } of lookups) {
      if (property === 'Id') {
        const row = /^\d+$/.test(term) ? byId(Number(term)) : undefined;
        if (row) found.add(row);
        continue;
      }
      for (const row of this.entries.get(`${set}.${property}`)?.get(term) ?? []) found.add(row);
    }
    return [...found];
  }
}
