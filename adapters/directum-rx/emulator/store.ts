// In-memory Directum data: entity sets, child rows, version bodies. Writes are validated against
// the installation's model (undeclared or read-only properties, wrong types, too long strings, a
// text where a link belongs, links to missing entities → 400) the way the Integration Service
// refuses them. The directories come from an InstallationSeed and can be read, extended, closed
// and reseeded by the control API.
import type { FilterNode } from './filter.js';
import {
  buildModel,
  DOCUMENT_SETS,
  ODataError,
  qualifiedName,
  type EntityModel,
  type EntityTypeDef,
  type ModelOptions,
  type PropDef,
  type Row,
} from './model.js';
import { SHIPPED_INSTALLATION, type InstallationSeed, type SeedDepartmentRef } from './seed.js';
import { TermIndex } from './term-index.js';

type Json = Record<string, unknown>;

export interface StoreOptions extends ModelOptions {
  /** The installation's directories (default SHIPPED_INSTALLATION); false: empty sets. */
  seed?: InstallationSeed | boolean;
}

/** Directory names as the control API and `pos-bridge edms directories` take them → entity set. */
export const DIRECTORY_SETS: Readonly<Record<string, string>> = {
  questions: 'IQuestions',
  'document-kinds': 'IDocumentKinds',
  'delivery-methods': 'IMailDeliveryMethods',
  departments: 'IDepartments',
  'business-units': 'IBusinessUnits',
  employees: 'IEmployees',
  applications: 'IAssociatedApplications',
};

export class DirectumStore {
  readonly model: EntityModel;
  private readonly sets = new Map<string, Map<number, Row>>();
  private readonly sequences = new Map<string, number>();
  private readonly bodies = new Map<string, Buffer>();
  private index = new TermIndex();
  private lastStamp = 0;
  private installationSeed: InstallationSeed | undefined;

  constructor(options: StoreOptions = {}) {
    this.model = buildModel(options);
    for (const name of Object.keys(this.model)) this.sets.set(name, new Map());
    const seed = options.seed ?? true;
    if (seed) this.seed(seed === true ? SHIPPED_INSTALLATION : seed);
  }

  /** Which installation the directories came from (its seed's name), or null for empty sets. */
  get installation(): string | null {
    return this.installationSeed?.name ?? null;
  }

  /** Forgets everything (cards, links, persons, bodies, ids) and loads `seed` (default: the current one) afresh. */
  reseed(seed: InstallationSeed | undefined = this.installationSeed): void {
    for (const rows of this.sets.values()) rows.clear();
    this.sequences.clear();
    this.bodies.clear();
    this.index = new TermIndex();
    this.installationSeed = undefined;
    if (seed) this.seed(seed);
  }

  /** A timestamp strictly after every earlier one, so (Modified, Id) orders changes exactly. */
  stamp(): string {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1);
    return new Date(this.lastStamp).toISOString();
  }

  nextId(key: string): number {
    const next = (this.sequences.get(key) ?? 0) + 1;
    this.sequences.set(key, next);
    return next;
  }

  typeOf(set: string): EntityTypeDef {
    const def = this.model[set];
    if (!def) throw new ODataError(404, 'NotFound', `Entity set '${set}' does not exist`);
    return def;
  }

  rows(set: string): Row[] {
    this.typeOf(set);
    return [...this.sets.get(set)!.values()];
  }

  /** The rows a query with this $filter has to look at: few through the term index, else all. */
  rowsFor(set: string, filter?: FilterNode): Row[] {
    this.typeOf(set);
    return this.index.candidates(set, filter, (id) => this.find(set, id)) ?? this.rows(set);
  }

  count(set: string): number {
    return this.sets.get(set)?.size ?? 0;
  }

  find(set: string, id: number): Row | undefined {
    return this.sets.get(set)?.get(id);
  }

  get(set: string, id: number): Row {
    this.typeOf(set);
    const row = this.find(set, id);
    if (!row) throw new ODataError(404, 'NotFound', `${set}(${id}) does not exist`);
    return row;
  }

  create(set: string, body: Json): Row {
    const def = this.typeOf(set);
    const row: Row = { Id: this.nextId(set) };
    for (const name of Object.keys(def.navs)) row[name] = null;
    for (const name of Object.keys(def.collections)) row[name] = [];
    this.apply(set, def, row, body, 'create');
    derive(set, row);
    if (DOCUMENT_SETS.has(set)) row.Created = row.Modified = this.stamp();
    this.sets.get(set)!.set(row.Id, row);
    this.index.add(set, row);
    return row;
  }

  patch(set: string, id: number, body: Json): Row {
    const def = this.typeOf(set);
    const row = this.get(set, id);
    const draft: Row = structuredClone(row);
    this.apply(set, def, draft, body, 'patch');
    derive(set, draft);
    Object.assign(row, draft);
    this.index.update(set, row);
    this.touch(set, row);
    return row;
  }

  remove(set: string, id: number): void {
    this.index.remove(this.get(set, id));
    this.sets.get(set)!.delete(id);
  }

  /** Marks a document changed now (Modified); other sets have no timestamps. */
  touch(set: string, row: Row): void {
    if (DOCUMENT_SETS.has(set)) row.Modified = this.stamp();
  }

  /** Appends a child row (POST /{Set}({Id})/{Collection}). */
  addChild(set: string, id: number, collection: string, body: Json): Row {
    const parent = this.get(set, id);
    const childDef = this.childType(set, collection);
    const siblings = parent[collection] as Row[];
    const child = this.childRow(set, collection, childDef, body, siblings.length + 1);
    siblings.push(child);
    this.touch(set, parent);
    return child;
  }

  childType(set: string, collection: string): EntityTypeDef {
    const def = this.typeOf(set).collections[collection];
    if (!def) throw new ODataError(404, 'NotFound', `'${collection}' is not a collection of ${this.typeOf(set).typeName}`);
    return def;
  }

  child(set: string, id: number, collection: string, childId: number): Row {
    this.childType(set, collection);
    const found = (this.get(set, id)[collection] as Row[]).find((row) => row.Id === childId);
    if (!found) throw new ODataError(404, 'NotFound', `${set}(${id})/${collection}(${childId}) does not exist`);
    return found;
  }

  setBody(set: string, id: number, versionId: number, data: Buffer): void {
    this.child(set, id, 'Versions', versionId);
    this.bodies.set(`${set}:${id}:${versionId}`, Buffer.from(data));
    this.touch(set, this.get(set, id));
  }

  body(set: string, id: number, versionId: number): Buffer | undefined {
    this.child(set, id, 'Versions', versionId);
    return this.bodies.get(`${set}:${id}:${versionId}`);
  }

  applicationFor(extension: string): Row | undefined {
    const wanted = extension.toLowerCase();
    return this.rows('IAssociatedApplications').find((app) => String(app.Extension).toLowerCase() === wanted);
  }

  /** A new child row; `ordinal` is its position in the collection (a version's Number). */
  private childRow(set: string, collection: string, def: EntityTypeDef, body: Json, ordinal: number): Row {
    const child: Row = { Id: this.nextId(`${set}/${collection}`) };
    for (const name of Object.keys(def.navs)) child[name] = null;
    this.apply(`${set}/${collection}`, def, child, body, 'create');
    if (collection === 'Versions') {
      child.Number = ordinal;
      child.Created = this.stamp();
    }
    if (collection === 'Questions' && child.ReviewResult === undefined) child.ReviewResult = 'Draft';
    return child;
  }

  /** Validates a write body and applies it to `row` (a draft: nothing is kept when this throws). */
  private apply(where: string, def: EntityTypeDef, row: Row, body: Json, mode: 'create' | 'patch'): void {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('The request body must be a JSON object');
    for (const [key, value] of Object.entries(body)) {
      if (key.endsWith('@odata.bind')) {
        const nav = key.slice(0, -'@odata.bind'.length);
        const target = def.navs[nav];
        if (!target) throw undeclared(nav, def);
        row[nav] = this.bindTarget(target, nav, value);
        continue;
      }
      if (key.startsWith('@') || key.includes('@odata.')) continue;
      if (def.navs[key]) {
        row[key] = this.linkTarget(def.navs[key], key, value);
      } else if (def.collections[key]) {
        if (!Array.isArray(value)) throw bad(`The collection '${key}' must be a JSON array`);
        row[key] = value.map((item, index) => this.childRow(where, key, def.collections[key]!, item as Json, index + 1));
      } else if (def.scalars[key]) {
        const prop = def.scalars[key];
        if (prop.readOnly) throw bad(`The property '${key}' of '${def.typeName}' is read-only`);
        row[key] = scalarValue(def.typeName, key, prop, value);
      } else {
        throw undeclared(key, def);
      }
    }
    if (mode === 'create') {
      for (const name of def.required) {
        if (row[name] === undefined || row[name] === null || row[name] === '')
          throw bad(`The property '${name}' of '${def.typeName}' is required`);
      }
    }
  }

  private bindTarget(target: string, nav: string, value: unknown): number | null {
    if (value === null) return null;
    const match = typeof value === 'string' ? /^(?:.*\/)?([A-Za-z]+)\((\d+)\)$/.exec(value) : null;
    if (!match) throw bad(`An @odata.bind value must look like '${target}(1)'`);
    if (match[1] !== target) throw bad(`The link must point into '${target}', not '${match[1]}'`);
    return this.existing(target, nav, Number(match[2]));
  }

  private linkTarget(target: string, nav: string, value: unknown): number | null {
    if (value === null) return null;
    const linkedId = value && typeof value === 'object' && !Array.isArray(value) ? (value as Json).Id : undefined;
    if (typeof linkedId !== 'number' || !Number.isInteger(linkedId))
      throw bad(`Navigation property ${nav} must be an object like {"Id": n}`);
    return this.existing(target, nav, linkedId);
  }

  private existing(set: string, nav: string, id: number): number {
    if (!this.find(set, id)) throw bad(`Navigation property ${nav} links to ${set}(${id}), which does not exist`);
    return id;
  }

  /** A directory's rows as stored (links as Ids); `kind` is a DIRECTORY_SETS name or the set itself. */
  directory(kind: string): Row[] {
    return this.rows(directorySet(kind));
  }

  /** Adds an entry; for employees, LastName/FirstName/MiddleName make the person it links to. */
  addDirectoryEntry(kind: string, body: Json): Row {
    const set = directorySet(kind);
    if (set !== 'IEmployees') return this.create(set, { Status: 'Active', ...body });
    const { LastName, FirstName, MiddleName, ...employee } = body;
    const person = this.createPerson({ LastName, FirstName, MiddleName: MiddleName ?? null });
    return this.create('IEmployees', { Name: person.Name, Status: 'Active', ...employee, Person: { Id: person.Id } });
  }

  /** Changes an entry (renames it, reopens it with Status Active, moves a department). */
  patchDirectoryEntry(kind: string, id: number, body: Json): Row {
    return this.patch(directorySet(kind), id, body);
  }

  /** Status Closed: the entry stays (old cards keep their links) but is no longer to be chosen. */
  closeDirectoryEntry(kind: string, id: number): Row {
    return this.patch(directorySet(kind), id, { Status: 'Closed' });
  }

  /** `body` without what the set's type does not declare: an installation lacking a property has no value for it. */
  declaredOnly(set: string, body: Json): Json {
    const def = this.typeOf(set);
    return Object.fromEntries(
      Object.entries(body).filter(([key, value]) => value !== undefined && (key in def.scalars || key in def.navs)),
    );
  }

  private seed(seed: InstallationSeed): void {
    this.installationSeed = seed;
    for (const [set, first] of Object.entries(seed.firstIds ?? {})) {
      this.typeOf(set);
      if (!Number.isInteger(first) || first < 1) throw new Error(`seed ${seed.name}: firstIds.${set} must be a positive whole number`);
      this.sequences.set(set, first - 1);
    }
    const declared = (set: string, body: Json) => this.declaredOnly(set, body);
    const add = (set: string, body: Json) => {
      const given = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
      return this.create(set, declared(set, { Status: 'Active', ...given }));
    };
    for (const { Code, ...question } of seed.questions)
      add('IQuestions', { ...question, Code: Code ?? question.FullCode.split('.').at(-1) });
    for (const app of seed.applications) add('IAssociatedApplications', { ...app });
    for (const kind of seed.documentKinds) add('IDocumentKinds', { ...kind });
    for (const method of seed.deliveryMethods) add('IMailDeliveryMethods', { ...method });
    const units = new Map<string, number>();
    for (const unit of seed.businessUnits) units.set(unit.Name, add('IBusinessUnits', { ...unit }).Id);
    const unitId = (name: string) => {
      const found = units.get(name);
      if (found === undefined) throw new Error(`seed ${seed.name}: no business unit named '${name}'`);
      return found;
    };
    const departments: { name: string; unit: string | undefined; id: number }[] = [];
    for (const { businessUnit, ...department } of seed.departments) {
      const row = add('IDepartments', { ...department, BusinessUnit: businessUnit === undefined ? null : { Id: unitId(businessUnit) } });
      departments.push({ name: department.Name, unit: businessUnit, id: row.Id });
    }
    const departmentId = (ref: SeedDepartmentRef) => {
      const [name, unit] = typeof ref === 'string' ? [ref, undefined] : [ref.name, ref.businessUnit];
      const found = departments.filter((d) => d.name === name && (unit === undefined || d.unit === unit));
      if (found.length !== 1)
        throw new Error(
          `seed ${seed.name}: ${found.length ? 'more than one department' : 'no department'} named '${name}'${unit ? ` in '${unit}'` : ''}`,
        );
      return found[0]!.id;
    };
    for (const { LastName, FirstName, MiddleName, department, ...employee } of seed.employees) {
      const person = this.createPerson(declared('IPersons', { LastName, FirstName, MiddleName }));
      add('IEmployees', {
        ...employee,
        Name: person.Name,
        Person: { Id: person.Id },
        Department: department === undefined ? null : { Id: departmentId(department) },
      });
    }
  }

  createPerson(body: Json): Row {
    return this.create('IPersons', { Status: 'Active', ...body });
  }
}

function directorySet(kind: string): string {
  const set = DIRECTORY_SETS[kind] ?? (Object.values(DIRECTORY_SETS).includes(kind) ? kind : undefined);
  if (!set) throw new ODataError(404, 'NotFound', `No directory '${kind}'; known: ${Object.keys(DIRECTORY_SETS).join(', ')}`);
  return set;
}

function undeclared(property: string, def: EntityTypeDef): ODataError {
  return bad(`The property '${property}' does not exist on type '${qualifiedName(def)}'`);
}

/** Properties Directum computes: a person's Name is "Фамилия Имя Отчество", a request's from its subject. */
function derive(set: string, row: Row): void {
  if (set === 'IRequests' && !row.Name)
    row.Name = `Обращение гражданина «${(typeof row.Subject === 'string' ? row.Subject : '').slice(0, 200)}»`;
  if (set !== 'IPersons') return;
  row.Name = [row.LastName, row.FirstName, row.MiddleName].filter(Boolean).join(' ');
  row.Status ??= 'Active';
}

function bad(message: string): ODataError {
  return new ODataError(400, 'BadRequest', message);
}

function scalarValue(typeName: string, key: string, prop: PropDef, value: unknown): unknown {
  if (value === null) return null;
  const wrong = (what: string) => bad(`The value of '${typeName}.${key}' must be ${what}`);
  switch (prop.type) {
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      if (prop.maxLength !== undefined && value.length > prop.maxLength) {
        throw bad(`The value of '${typeName}.${key}' is ${value.length} characters long; at most ${prop.maxLength} are allowed`);
      }
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong('a whole number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('true or false');
      return value;
    case 'datetime': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw wrong('an ISO 8601 date');
      return new Date(value).toISOString();
    }
    case 'enum':
      if (typeof value !== 'string' || !prop.values!.includes(value)) throw wrong(`one of ${prop.values!.join(', ')}`);
      return value;
  }
}
