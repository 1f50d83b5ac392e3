// The Integration Service's $metadata (CSDL XML): which properties and navigation properties each
// entity set's type declares in THIS installation. A real OData v4 service refuses a property its
// type does not declare, and installations customise their types, so the adapter writes only what
// is declared and the pre-flight reports mapped fields the type lacks.
import { parseStringPromise, processors } from 'xml2js';
import { MalformedResponseError } from '../../src/errors.js';

export interface EntityTypeInfo {
  /** Qualified type name, e.g. `Sungero.Domain.IRequest`. */
  name: string;
  /** Structural property → EDM type (`Edm.String`). */
  properties: ReadonlyMap<string, string>;
  /** Navigation property → target type (`Collection(...)` for collections). */
  navigations: ReadonlyMap<string, string>;
}

interface XmlNode {
  $?: Record<string, string>;
  [child: string]: unknown;
}

const children = (node: XmlNode | undefined, name: string): XmlNode[] => (Array.isArray(node?.[name]) ? (node[name] as XmlNode[]) : []);
const attr = (node: XmlNode, name: string): string | undefined => node.$?.[name];

export class ServiceMetadata {
  constructor(private readonly sets: ReadonlyMap<string, EntityTypeInfo>) {}

  entitySet(set: string): EntityTypeInfo | undefined {
    return this.sets.get(set);
  }

  /** True when the set's type declares `member` as a property or navigation property. */
  declares(set: string, member: string): boolean {
    const type = this.sets.get(set);
    return Boolean(type && (type.properties.has(member) || type.navigations.has(member)));
  }

  get setNames(): string[] {
    return [...this.sets.keys()];
  }
}

/** Parses CSDL (EDMX 4.0); BaseType chains are followed, so inherited properties count as declared. */
export async function parseMetadata(xml: string): Promise<ServiceMetadata> {
  let root: XmlNode;
  try {
    root = (await parseStringPromise(xml, { tagNameProcessors: [processors.stripPrefix], explicitArray: true })) as XmlNode;
  } catch {
    throw new MalformedResponseError('Directum $metadata is not XML', { system: 'directum-rx' });
  }
  // The document element is an object; explicitArray makes every child a list.
  const edmx = root.Edmx as XmlNode | undefined;
  const schemas = children(children(edmx, 'DataServices')[0], 'Schema');
  if (!edmx || schemas.length === 0) throw new MalformedResponseError('Directum $metadata has no CSDL schema', { system: 'directum-rx' });

  const types = new Map<string, { node: XmlNode; namespace: string }>();
  const aliases = new Map<string, string>();
  for (const schema of schemas) {
    const namespace = attr(schema, 'Namespace') ?? '';
    const alias = attr(schema, 'Alias');
    if (alias) aliases.set(alias, namespace);
    for (const type of children(schema, 'EntityType')) types.set(`${namespace}.${attr(type, 'Name') ?? ''}`, { node: type, namespace });
  }
  const qualify = (name: string) => {
    const dot = name.lastIndexOf('.');
    const prefix = name.slice(0, dot);
    return aliases.has(prefix) ? `${aliases.get(prefix)}.${name.slice(dot + 1)}` : name;
  };
  const resolved = new Map<string, EntityTypeInfo>();
  const resolve = (qualified: string, seen = new Set<string>()): EntityTypeInfo | undefined => {
    const known = resolved.get(qualified);
    if (known) return known;
    const entry = types.get(qualified);
    if (!entry || seen.has(qualified)) return undefined;
    seen.add(qualified);
    const base = attr(entry.node, 'BaseType');
    const inherited = base ? resolve(qualify(base), seen) : undefined;
    const properties = new Map(inherited?.properties ?? []);
    const navigations = new Map(inherited?.navigations ?? []);
    for (const property of children(entry.node, 'Property')) properties.set(attr(property, 'Name') ?? '', attr(property, 'Type') ?? '');
    for (const nav of children(entry.node, 'NavigationProperty')) navigations.set(attr(nav, 'Name') ?? '', attr(nav, 'Type') ?? '');
    const info = { name: qualified, properties, navigations };
    resolved.set(qualified, info);
    return info;
  };

  const sets = new Map<string, EntityTypeInfo>();
  for (const schema of schemas) {
    for (const container of children(schema, 'EntityContainer')) {
      for (const set of children(container, 'EntitySet')) {
        const name = attr(set, 'Name');
        const typeName = attr(set, 'EntityType');
        const info = typeName ? resolve(qualify(typeName)) : undefined;
        if (name && info) sets.set(name, info);
      }
    }
  }
  if (sets.size === 0) throw new MalformedResponseError('Directum $metadata declares no entity sets', { system: 'directum-rx' });
  return new ServiceMetadata(sets);
}
