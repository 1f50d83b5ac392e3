// The emulator's entity model: which properties each Integration Service set has, their types, the
// links (navigation properties) and child collections. The OData layer validates writes and
// resolves $filter/$expand/$select/$metadata against it, so an adapter that sends a misspelt or
// undeclared property, or a text where a link belongs, fails here as it would against Directum.
// Where directum-rx.md stops, the choices are ours:
// - DocumentKind, DeliveryMethod, Department, BusinessUnit, Addressee, Assignee, PreparedBy,
//   OurSignatory, Correspondent and AnswerLetter are links into the installation's directories.
// - TransferredTo is a text (where the request went), DenialReason a text (why it was denied).
// - IEmployees (executors and managers): Name ("Фамилия Имя Отчество"), a link to the IPersons
//   entry holding the name parts, work Email and Phone, JobTitle, a link to its IDepartments entry.
//   The request's Assignee is the executor, its Addressee the responsible manager.
// - The answer letter (IOutgoingLetters) keeps the whole answer text in Note, its first 250
//   characters in Subject; its last version's body is the answer document.
// - Created/Modified on IRequests and IOutgoingLetters; Modified moves on every change (any write
//   through OData, a version or body upload, any clerk action) and never repeats or goes back.
// - Every type lives in one $metadata namespace, NAMESPACE (the real service splits them by module).
// Installations customise their types: `buildModel({ undeclare })` gives a model without some
// declared properties, and each emulator validates against its own model.

export type ScalarType = 'string' | 'int' | 'datetime' | 'boolean' | 'enum';

export interface PropDef {
  type: ScalarType;
  values?: readonly string[];
  maxLength?: number;
  /** Set by the system (Id, timestamps, registration): writes are refused. */
  readOnly?: boolean;
}

export interface EntityTypeDef {
  /** The type's name in $metadata (qualified with NAMESPACE) and in error messages. */
  typeName: string;
  scalars: Record<string, PropDef>;
  /** Navigation property → target entity set. */
  navs: Record<string, string>;
  /** Child collections (rows with their own Id), e.g. Versions, Questions. */
  collections: Record<string, EntityTypeDef>;
  required: string[];
}

/** Entity set → its type: one installation's model. */
export type EntityModel = Record<string, EntityTypeDef>;

export const NAMESPACE = 'Sungero.Domain';
export const qualifiedName = (def: EntityTypeDef): string => `${NAMESPACE}.${def.typeName}`;

export const EXECUTION_STATES = [
  'OnReview',
  'OnExecution',
  'Executed',
  'WithoutExecut',
  'Aborted',
  'Sending',
  'OnControl',
  'ControlRemoved',
] as const;
export const REVIEW_RESULTS = [
  'Draft',
  'Active',
  'InWorkExtended',
  'Supported',
  'NotSupported',
  'Explained',
  'ActionsTaken',
  'Transferred',
  'Denied',
  'Obsolete',
  'Outdated',
] as const;
export const REQUEST_TYPES = ['Individual', 'Collective', 'Anonymous'] as const;
export const REGISTRATION_STATES = ['NotRegistered', 'Registered', 'Reserved'] as const;
export const STATUSES = ['Active', 'Closed'] as const;

const id: PropDef = { type: 'int', readOnly: true };
const text = (maxLength?: number): PropDef => ({ type: 'string', maxLength });
const date: PropDef = { type: 'datetime' };
const systemDate: PropDef = { type: 'datetime', readOnly: true };
const oneOf = (values: readonly string[], readOnly = false): PropDef => ({ type: 'enum', values, readOnly });
const status = oneOf(STATUSES);

const versionType: EntityTypeDef = {
  typeName: 'IElectronicDocumentVersions',
  scalars: { Id: id, Number: { type: 'int', readOnly: true }, Note: text(1000), Created: systemDate },
  navs: { AssociatedApplication: 'IAssociatedApplications' },
  collections: {},
  required: ['AssociatedApplication'],
};

const documentDates = { Created: systemDate, Modified: systemDate };

/** A directory entry with a name, an optional code and a status (document kinds, delivery methods). */
const namedDirectory = (typeName: string): EntityTypeDef => ({
  typeName,
  scalars: { Id: id, Name: text(250), Code: text(10), Status: status },
  navs: {},
  collections: {},
  required: ['Name'],
});

/** The model as directum-rx.md describes it; an installation's own is `buildModel(...)`. */
export const ENTITY_SETS: EntityModel = {
  IRequests: {
    typeName: 'IRequest',
    scalars: {
      Id: id,
      Name: text(500),
      Subject: text(250),
      Note: text(),
      RequestType: oneOf(REQUEST_TYPES),
      NotifyByEmail: { type: 'boolean' },
      RequestDate: date,
      Deadline: date,
      InitialDeadline: date,
      ResponseDate: date,
      RegistrationNumber: { type: 'string', readOnly: true },
      RegistrationDate: systemDate,
      RegistrationState: oneOf(REGISTRATION_STATES, true),
      ExecutionState: oneOf(EXECUTION_STATES),
      TransferredTo: text(500),
      DenialReason: text(2000),
      ...documentDates,
    },
    navs: {
      Correspondent: 'IPersons',
      DocumentKind: 'IDocumentKinds',
      DeliveryMethod: 'IMailDeliveryMethods',
      Department: 'IDepartments',
      BusinessUnit: 'IBusinessUnits',
      Addressee: 'IEmployees',
      Assignee: 'IEmployees',
      PreparedBy: 'IEmployees',
      OurSignatory: 'IEmployees',
      AnswerLetter: 'IOutgoingLetters',
    },
    collections: {
      Questions: {
        typeName: 'IRequestQuestions',
        scalars: { Id: id, ReviewResult: oneOf(REVIEW_RESULTS) },
        navs: { Question: 'IQuestions' },
        collections: {},
        required: ['Question'],
      },
      ProlongationDeadline: {
        typeName: 'IRequestProlongationDeadline',
        scalars: { Id: id, Number: { type: 'int' }, NewDeadline: date, OldDeadline: date, ReasonChangeDeadline: text(1000) },
        navs: {},
        collections: {},
        required: ['NewDeadline'],
      },
      Versions: versionType,
    },
    required: ['Subject'],
  },
  IOutgoingLetters: {
    typeName: 'IOutgoingLetter',
    scalars: {
      Id: id,
      Name: text(500),
      Subject: text(250),
      Note: text(),
      RegistrationNumber: { type: 'string', readOnly: true },
      RegistrationDate: systemDate,
      ...documentDates,
    },
    navs: { Correspondent: 'IPersons', InResponseTo: 'IRequests' },
    collections: { Versions: versionType },
    required: ['Subject'],
  },
  IPersons: {
    typeName: 'IPerson',
    scalars: {
      Id: id,
      Name: { type: 'string', readOnly: true },
      LastName: text(250),
      FirstName: text(250),
      MiddleName: text(250),
      Email: text(250),
      Phones: text(250),
      PostalAddress: text(1000),
      DateOfBirth: date,
      INILA: text(14),
      Sex: oneOf(['Male', 'Female']),
      Status: status,
    },
    navs: {},
    collections: {},
    required: ['LastName', 'FirstName'],
  },
  IEmployees: {
    typeName: 'IEmployee',
    scalars: { Id: id, Name: text(500), JobTitle: text(250), Email: text(250), Phone: text(250), Status: status },
    navs: { Person: 'IPersons', Department: 'IDepartments' },
    collections: {},
    required: ['Person'],
  },
  IDepartments: {
    typeName: 'IDepartment',
    scalars: { Id: id, Name: text(250), ShortName: text(250), Code: text(10), Status: status },
    navs: { BusinessUnit: 'IBusinessUnits' },
    collections: {},
    required: ['Name'],
  },
  IBusinessUnits: {
    typeName: 'IBusinessUnit',
    scalars: { Id: id, Name: text(250), LegalName: text(500), Code: text(10), TIN: text(12), Status: status },
    navs: {},
    collections: {},
    required: ['Name'],
  },
  IDocumentKinds: namedDirectory('IDocumentKind'),
  IMailDeliveryMethods: namedDirectory('IMailDeliveryMethod'),
  IAssociatedApplications: {
    typeName: 'IAssociatedApplication',
    scalars: { Id: id, Name: text(250), Extension: text(20), Status: status },
    navs: {},
    collections: {},
    required: ['Name', 'Extension'],
  },
  IExternalEntityLinks: {
    typeName: 'IExternalEntityLink',
    scalars: {
      Id: id,
      EntityId: { type: 'int' },
      EntityType: text(100),
      ExtEntityId: text(250),
      ExtEntityType: text(250),
      ExtSystemId: text(250),
    },
    navs: {},
    collections: {},
    required: ['EntityId', 'EntityType', 'ExtEntityId', 'ExtSystemId'],
  },
  IQuestions: {
    typeName: 'IQuestion',
    scalars: { Id: id, Name: text(1000), FullCode: text(50), Code: text(10), Status: status },
    navs: {},
    collections: {},
    required: ['Name', 'FullCode'],
  },
};

export interface ModelOptions {
  /**
   * Declared properties this installation's types lack: entity set (`IRequests`) or type name
   * (`IRequestQuestions`, for a child collection) → property names (scalars, links or collections).
   */
  undeclare?: Readonly<Record<string, readonly string[]>>;
}

/** An installation's model: ENTITY_SETS less the undeclared properties (a copy; unknown names throw). */
export function buildModel(options: ModelOptions = {}): EntityModel {
  const model: EntityModel = structuredClone(ENTITY_SETS);
  // Versions is one type shared by two sets: a Set per name keeps it once.
  const types = new Map<string, Set<EntityTypeDef>>();
  const register = (key: string, def: EntityTypeDef) => {
    if (!types.has(key)) types.set(key, new Set());
    types.get(key)!.add(def);
  };
  const visit = (def: EntityTypeDef) => {
    register(def.typeName, def);
    for (const child of Object.values(def.collections)) visit(child);
  };
  for (const [set, def] of Object.entries(model)) {
    register(set, def);
    visit(def);
  }
  for (const [key, names] of Object.entries(options.undeclare ?? {})) {
    const defs = types.get(key);
    if (!defs) throw new Error(`undeclare: no entity set or type named '${key}'`);
    for (const def of defs) {
      for (const name of names) {
        if (name === 'Id') throw new Error(`undeclare: '${key}.Id' is the key and cannot be removed`);
        if (!(name in def.scalars) && !(name in def.navs) && !(name in def.collections))
          throw new Error(`undeclare: '${key}' declares no property '${name}'`);
        delete def.scalars[name];
        delete def.navs[name];
        delete def.collections[name];
        def.required = def.required.filter((required) => required !== name);
      }
    }
  }
  return model;
}

/** Sets whose rows carry Created/Modified and version bodies (documents). */
export const DOCUMENT_SETS = new Set(['IRequests', 'IOutgoingLetters']);

/** One stored row: scalars by name, links as the target Id (or null), child collections as rows. */
export interface Row {
  Id: number;
  [property: string]: unknown;
}

export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
