// The emulator's entity model: which properties each Integration Service set has, their types, the
// links (navigation properties) and child collections. The OData layer validates writes and
// resolves $filter/$expand/$select against it, so an adapter that sends a misspelt property fails
// here as it would against Directum. Where directum-rx.md stops, the choices are ours:
// - DeliveryMethod, DocumentKind, BusinessUnit, Department are plain texts (in Directum they are
//   links to dictionaries; the bridge's mapping writes names).
// - TransferredTo is a text (where the request went), DenialReason a text (why it was denied).
// - CoApplicants is a child collection of persons; ProblemAddress and FastTrack are texts/flags.
// - IEmployees (executors and managers): Name ("Фамилия Имя Отчество"), a link to the IPersons
//   entry holding the name parts, work Email and Phone, JobTitle and Department as texts. The
//   request's Assignee is the executor, its Addressee the responsible manager.
// - The answer letter (IOutgoingLetters) keeps the whole answer text in Note, its first 250
//   characters in Subject; its last version's body is the answer document.
// - Created/Modified on IRequests and IOutgoingLetters; Modified moves on every change (any write
//   through OData, a version or body upload, any clerk action) and never repeats or goes back.

export type ScalarType = 'string' | 'int' | 'datetime' | 'boolean' | 'enum';

export interface PropDef {
  type: ScalarType;
  values?: readonly string[];
  maxLength?: number;
  /** Set by the system (Id, timestamps, registration): writes are refused. */
  readOnly?: boolean;
}

export interface EntityTypeDef {
  /** Name used in error messages, like Directum's type names. */
  typeName: string;
  scalars: Record<string, PropDef>;
  /** Navigation property → target entity set. */
  navs: Record<string, string>;
  /** Child collections (rows with their own Id), e.g. Versions, Questions. */
  collections: Record<string, EntityTypeDef>;
  required: string[];
}

export const EXECUTION_STATES = ['OnReview', 'OnExecution', 'Executed', 'WithoutExecut', 'Aborted', 'Sending', 'OnControl', 'ControlRemoved'] as const;
export const REVIEW_RESULTS = [
  'Draft', 'Active', 'InWorkExtended', 'Supported', 'NotSupported', 'Explained', 'ActionsTaken', 'Transferred', 'Denied', 'Obsolete', 'Outdated',
] as const;
export const REQUEST_TYPES = ['Individual', 'Collective', 'Anonymous'] as const;
export const REGISTRATION_STATES = ['NotRegistered', 'Registered', 'Reserved'] as const;

const id: PropDef = { type: 'int', readOnly: true };
const text = (maxLength?: number): PropDef => ({ type: 'string', maxLength });
const date: PropDef = { type: 'datetime' };
const systemDate: PropDef = { type: 'datetime', readOnly: true };
const oneOf = (values: readonly string[], readOnly = false): PropDef => ({ type: 'enum', values, readOnly });

const versionType: EntityTypeDef = {
  typeName: 'IElectronicDocumentVersions',
  scalars: { Id: id, Number: { type: 'int', readOnly: true }, Note: text(1000), Created: systemDate },
  navs: { AssociatedApplication: 'IAssociatedApplications' },
  collections: {},
  required: ['AssociatedApplication'],
};

const documentDates = { Created: systemDate, Modified: systemDate };

export const ENTITY_SETS: Record<string, EntityTypeDef> = {
  IRequests: {
    typeName: 'IRequest',
    scalars: {
      Id: id,
      Name: text(500),
      Subject: text(250),
      Note: text(),
      RequestType: oneOf(REQUEST_TYPES),
      DeliveryMethod: text(250),
      DocumentKind: text(250),
      BusinessUnit: text(250),
      Department: text(250),
      NotifyByEmail: { type: 'boolean' },
      FastTrack: { type: 'boolean' },
      ProblemAddress: text(1000),
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
    navs: { Correspondent: 'IPersons', Assignee: 'IEmployees', Addressee: 'IEmployees', AnswerLetter: 'IOutgoingLetters' },
    collections: {
      Questions: {
        typeName: 'IRequestQuestions',
        scalars: { Id: id, ReviewResult: oneOf(REVIEW_RESULTS) },
        navs: { Question: 'IQuestions' },
        collections: {},
        required: ['Question'],
      },
      CoApplicants: { typeName: 'IRequestCoApplicants', scalars: { Id: id }, navs: { Person: 'IPersons' }, collections: {}, required: ['Person'] },
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
      Id: id, Name: text(500), Subject: text(250), Note: text(),
      RegistrationNumber: { type: 'string', readOnly: true }, RegistrationDate: systemDate, ...documentDates,
    },
    navs: { Correspondent: 'IPersons', InResponseTo: 'IRequests' },
    collections: { Versions: versionType },
    required: ['Subject'],
  },
  IPersons: {
    typeName: 'IPerson',
    scalars: {
      Id: id, Name: { type: 'string', readOnly: true }, LastName: text(250), FirstName: text(250), MiddleName: text(250),
      Email: text(250), Phones: text(250), PostalAddress: text(1000), DateOfBirth: date, INILA: text(14),
      Sex: oneOf(['Male', 'Female']), Status: oneOf(['Active', 'Closed']),
    },
    navs: {},
    collections: {},
    required: ['LastName', 'FirstName'],
  },
  IEmployees: {
    typeName: 'IEmployee',
    scalars: { Id: id, Name: text(500), JobTitle: text(250), Department: text(250), Email: text(250), Phone: text(250), Status: oneOf(['Active', 'Closed']) },
    navs: { Person: 'IPersons' },
    collections: {},
    required: ['Person'],
  },
  IAssociatedApplications: {
    typeName: 'IAssociatedApplication',
    scalars: { Id: id, Name: text(250), Extension: text(20), Status: oneOf(['Active', 'Closed']) },
    navs: {},
    collections: {},
    required: ['Name', 'Extension'],
  },
  IExternalEntityLinks: {
    typeName: 'IExternalEntityLink',
    scalars: { Id: id, EntityId: { type: 'int' }, EntityType: text(100), ExtEntityId: text(250), ExtEntityType: text(250), ExtSystemId: text(250) },
    navs: {},
    collections: {},
    required: ['EntityId', 'EntityType', 'ExtEntityId', 'ExtSystemId'],
  },
  IQuestions: {
    typeName: 'IQuestion',
    scalars: { Id: id, Name: text(1000), FullCode: text(50), Code: text(10), Status: oneOf(['Active', 'Closed']) },
    navs: {},
    collections: {},
    required: ['Name', 'FullCode'],
  },
};

/** Sets whose rows carry Created/Modified and version bodies (documents). */
export const DOCUMENT_SETS = new Set(['IRequests', 'IOutgoingLetters']);

/** One stored row: scalars by name, links as the target Id (or null), child collections as rows. */
export interface Row {
  Id: number;
  [property: string]: unknown;
}

export class ODataError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
