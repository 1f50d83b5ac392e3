// Which values a mapping can put into an EDMS reference field before any appeal arrives: the
// literals, constants and dictionary entries (and defaults) that can become the field's result,
// each with its place in the file. Found by walking the field's JSONata AST through the positions
// that can yield its result (conditions' branches, a block's last expression, $dict, $coalesce,
// $clean/$truncate/$trim, object and array constructors); anything read from the appeal is
// "computed" and is checked at registration instead. The pre-flight resolves these values against
// the live EDMS; registration echoes a failing value only when it is one of them.
import jsonata from 'jsonata';
import type { ReferenceField, ReferenceValue } from '../../adapters/contract.js';
import type { AstNode } from './fast/compile.js';
import { startOf } from './expression.js';
import { LocatedSource } from './locate.js';

export type ValueOrigin =
  | { kind: 'field'; field: string }
  | { kind: 'constant'; name: string }
  | { kind: 'dictionary'; name: string; key: string }
  | { kind: 'dictionary-default'; name: string };

export interface StaticValue {
  /** The reference field (`DocumentKind`, `Questions[].Code`). */
  field: string;
  value: ReferenceValue;
  origin: ValueOrigin;
  /** Character offset in the mapping source where the value is written. */
  offset: number;
}

type Loose = Record<string, unknown>;
const asMap = (value: unknown): Loose | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;
const PASS_FIRST = new Set(['clean', 'trim', 'truncate', 'string']);

/** JSON leaves of a constant or dictionary value along `subpath` (arrays fan out). */
function leaves(value: unknown, subpath: readonly string[]): ReferenceValue[] {
  if (Array.isArray(value)) return value.flatMap((item) => leaves(item, subpath));
  const object = asMap(value);
  if (subpath.length === 0) {
    if (typeof value === 'string' && value.trim()) return [value];
    if (object && typeof object.Id === 'number' && Object.keys(object).length === 1) return [{ Id: object.Id }];
    return [];
  }
  if (!object) return [];
  if (subpath[0]! in object) return leaves(object[subpath[0]!], subpath.slice(1));
  return typeof object.Id === 'number' ? [{ Id: object.Id }] : [];
}

function objectPairs(node: AstNode): [AstNode, AstNode][] {
  return Array.isArray(node.lhs) ? node.lhs.filter((pair): pair is [AstNode, AstNode] => pair.length === 2) : [];
}

class Walker {
  readonly values: StaticValue[] = [];

  constructor(
    private readonly located: LocatedSource,
    private readonly file: Loose,
    private readonly spec: { field: string; mappedField: string },
  ) {}

  private push(value: ReferenceValue, origin: ValueOrigin, offset: number): void {
    this.values.push({ field: this.spec.field, value, origin, offset });
  }

  private fromConstant(name: string, rest: readonly string[], subpath: readonly string[]): void {
    const value = asMap(this.file.constants)?.[name];
    const offset = this.located.offsetOf(['constants', name]);
    for (const leaf of leaves(value, [...rest, ...subpath])) this.push(leaf, { kind: 'constant', name }, offset);
  }

  private fromDictionary(name: string, subpath: readonly string[]): void {
    const dictionary = asMap(asMap(this.file.dictionaries)?.[name]);
    if (!dictionary) return;
    for (const [key, value] of Object.entries(asMap(dictionary.entries) ?? {})) {
      const offset = this.located.entryValueOffset(['dictionaries', name, 'entries'], key);
      for (const leaf of leaves(value, subpath)) this.push(leaf, { kind: 'dictionary', name, key }, offset);
    }
    if (dictionary.default !== undefined) {
      const offset = this.located.offsetOf(['dictionaries', name, 'default']);
      for (const leaf of leaves(dictionary.default, subpath)) this.push(leaf, { kind: 'dictionary-default', name }, offset);
    }
  }

  visit(node: AstNode | undefined, subpath: readonly string[]): void {
    if (!node) return;
    switch (node.type) {
      case 'string':
        if (subpath.length === 0 && typeof node.value === 'string' && node.value.trim()) {
          this.push(
            node.value,
            { kind: 'field', field: this.spec.mappedField },
            this.located.offsetInScalar(['fields', this.spec.mappedField], startOf(node)),
          );
        }
        return;
      case 'condition':
        this.visit(node.then, subpath);
        this.visit(node.else, subpath);
        return;
      case 'block':
        this.visit(node.expressions?.at(-1), subpath);
        return;
      case 'unary':
        if (node.value === '[') for (const item of node.expressions ?? []) this.visit(item, subpath);
        if (node.value === '{') this.visitObject(node, subpath);
        return;
      case 'function':
        this.visitCall(node, subpath);
        return;
      case 'path': {
        const [head, ...rest] = node.steps ?? [];
        const names = rest.map((step) => (step.type === 'name' ? String(step.value) : undefined));
        if (head?.type === 'variable' && head.value === 'const' && names.length > 0 && names.every((name) => name !== undefined)) {
          this.fromConstant(names[0]!, names.slice(1), subpath);
        }
        return;
      }
      default:
        return;
    }
  }

  private visitObject(node: AstNode, subpath: readonly string[]): void {
    const pairs = objectPairs(node);
    const idPair = pairs.find(([key]) => key.type === 'string' && key.value === 'Id');
    const keyed = subpath.length > 0 ? pairs.find(([key]) => key.type === 'string' && key.value === subpath[0]) : undefined;
    if (keyed) return this.visit(keyed[1], subpath.slice(1));
    if (idPair?.[1].type === 'number' && typeof idPair[1].value === 'number') {
      this.push(
        { Id: idPair[1].value },
        { kind: 'field', field: this.spec.mappedField },
        this.located.offsetInScalar(['fields', this.spec.mappedField], startOf(idPair[1])),
      );
    }
  }

  private visitCall(node: AstNode, subpath: readonly string[]): void {
    const name = node.procedure?.type === 'variable' ? String(node.procedure.value) : '';
    const args = node.arguments ?? [];
    if (name === 'dict' && args[0]?.type === 'string') this.fromDictionary(String(args[0].value), subpath);
    else if (name === 'coalesce') for (const arg of args) this.visit(arg, subpath);
    else if (PASS_FIRST.has(name)) this.visit(args[0], subpath);
  }
}

/** `Questions[].Code` → the mapped field `Questions` and the path inside each element. */
export function splitReferenceField(field: string): { mappedField: string; subpath: string[] } {
  const [mappedField, inner] = field.split('[].');
  return { mappedField: mappedField!, subpath: inner ? inner.split('.') : [] };
}

/** Every value the mapping can write into the given reference fields, located; a broken file yields none. */
export function staticReferenceValues(
  source: string,
  file: string,
  fields: readonly ReferenceField[],
): { located: LocatedSource; values: StaticValue[] } {
  const located = new LocatedSource(source, file);
  let top: Loose | undefined;
  try {
    top = asMap(located.doc.toJS());
  } catch {
    top = undefined;
  }
  const values: StaticValue[] = [];
  const mapped = asMap(top?.fields);
  if (!top || !mapped) return { located, values };
  for (const reference of fields) {
    const { mappedField, subpath } = splitReferenceField(reference.field);
    const expression = mapped[mappedField];
    if (typeof expression !== 'string') continue;
    let ast: AstNode;
    try {
      ast = jsonata(expression).ast() as unknown as AstNode;
    } catch {
      continue; // reported by the ordinary check
    }
    const walker = new Walker(located, top, { field: reference.field, mappedField });
    walker.visit(ast, subpath);
    values.push(...walker.values);
  }
  return { located, values };
}

export const referenceKey = (value: ReferenceValue): string => (typeof value === 'string' ? `s:${value}` : `id:${value.Id}`);
