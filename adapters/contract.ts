// The one contract every EDMS adapter satisfies, and the one control contract every EDMS emulator
// offers. The pipeline, the demo and the shared conformance suite (test/conformance) speak only
// these; nothing outside adapters/<edms>/ knows which EDMS is behind them.
import type { z } from 'zod';

/** Every EDMS the bridge speaks to; adapters/registry.ts holds what each one brings. */
export const EDMS_KINDS = ['directum-rx', 'delo'] as const;
export type EdmsKind = (typeof EDMS_KINDS)[number];

/** A file travelling either way (ПОС attachment into the EDMS, answer file out of it). */
export interface AppealFile {
  name: string;
  contentType: string;
  data: Buffer;
}

/** Official (executor, manager) as ПОС wants it in executorInfo / managerInfo. */
export interface Official {
  surname?: string;
  name?: string;
  patronymic?: string;
  email?: string;
  phone?: string;
}

export interface RegistrationInput<R> {
  /** ПОС appeal id: the idempotency key. Registering the same posId twice yields the same record. */
  posId: number;
  /** The EDMS record produced by the mapping, already checked against the adapter's recordSchema. */
  record: R;
  /** The appeal's attachments, downloaded from ПОС, original names kept. */
  files: AppealFile[];
  /**
   * True when no earlier attempt to register this appeal can have started (the bridge records each
   * attempt first): the adapter may skip costly searches for what an interrupted attempt left.
   * Absent or false: search.
   */
  firstAttempt?: boolean;
  /**
   * The bridge organisation (ЛКО) the appeal came to, with its constants from BRIDGE_CONFIG; absent
   * for `default`. «Дело» takes the package's recipient from `constants.recipient`; Directum RX is
   * built per organisation (its links and markers carry it) and needs nothing here.
   */
  organisation?: OrganisationRef;
}

export interface OrganisationRef {
  key: string;
  constants: Readonly<Record<string, unknown>>;
}

export interface Registration {
  number: string;
  /** ISO 8601 */
  date: string;
}

export interface RegistrationResult {
  posId: number;
  /** The EDMS's own id of the record (IRequests Id, «Дело» package/document id). */
  edmsId: string;
  /**
   * True once the record is safe in the EDMS: only then may the bridge mark the appeal accepted in
   * ПОС. Directum: the create call returned (or the link was found). «Дело»: per DELO_DURABLE_WHEN.
   */
  durable: boolean;
  /** False when an existing record was found instead of a new one being made. */
  created: boolean;
  registration?: Registration;
}

export type ProgressState = 'received' | 'registered' | 'in_work' | 'postponed' | 'forwarded' | 'answered' | 'rejected';

export interface EdmsFileRef {
  /** Adapter-specific locator; only the same adapter's readFile understands it. */
  ref: string;
  name: string;
  contentType: string;
  size?: number;
}

/** What the EDMS says of one appeal, normalised; the status derivation turns it into ПОС posts. */
export interface EdmsProgress {
  posId: number;
  /** The bridge organisation (ЛКО) whose record this is; absent for `default`. */
  organisation?: string;
  edmsId: string;
  state: ProgressState;
  registration?: Registration;
  executor?: Official;
  manager?: Official;
  /** Every prolongation so far, oldest first. */
  postponements: { until: string; reason?: string }[];
  forwardedTo?: string;
  answer?: {
    text?: string;
    /** The EDMS's own verdict (e.g. Directum ReviewResult `Supported`); the status map reads it. */
    resolution?: string;
    outgoingNumber?: string;
    outgoingDate?: string;
    files: EdmsFileRef[];
  };
  rejection?: { reason: string };
  /** When the EDMS last changed this record (ISO 8601). */
  updatedAt: string;
}

export interface ChangedBatch {
  items: EdmsProgress[];
  /** Pass back to listChanged to continue; persist it once the items are handed on. */
  checkpoint: string;
  /** True when no more changes are waiting after this batch. */
  done: boolean;
}

/**
 * The installation's own directories a mapping refers to by name or code (directum-rx.md: every
 * installation has its own). KIND names as `pos-bridge edms directories KIND` takes them.
 */
export const DIRECTORY_KINDS = ['questions', 'document-kinds', 'delivery-methods', 'departments', 'business-units', 'employees'] as const;
export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];

export interface DirectoryEntry {
  id: number;
  name: string;
  /** Further keys the entry can be found by, named as the EDMS names them (Code, FullCode, TIN). */
  codes: Record<string, string>;
  /** False for a closed entry (Status Closed): listed, never resolved to. */
  active: boolean;
}

export type DirectoryListing =
  | { available: true; directory: string; entries: DirectoryEntry[] }
  /** The transport cannot read this directory; `reason` says what checks it instead. */
  | { available: false; reason: string };

/** A value the mapping puts in a reference field: a name, a code, or an explicit id. */
export type ReferenceValue = string | { Id: number };

/** One record field whose value is resolved in an installation directory before anything is written. */
export interface ReferenceField {
  /** Record field: `DocumentKind`, or `Questions[].Code` for a field inside a collection. */
  field: string;
  directory: DirectoryKind;
  /** The EDMS's own name of the directory, for messages (`IDocumentKinds`). */
  directoryName: string;
  /** Whether closest names may be offered (never for people: IEmployees). */
  suggest: boolean;
}

export interface ReferenceProblem {
  field: string;
  directoryName: string;
  value: ReferenceValue;
  reason: 'unknown' | 'ambiguous' | 'closed';
  /** Ids of the entries an ambiguous value matched (or the closed entry's id). */
  matches: number[];
  /** Closest existing names, best first; empty where the field does not suggest. */
  closest: string[];
}

/** What the bridge may ask of an installation before any appeal arrives (pre-flight, discovery). */
export interface EdmsInstallation {
  /** Reference fields of the record schema; the pre-flight resolves every value the mapping can put there. */
  readonly referenceFields: readonly ReferenceField[];
  listDirectory(kind: DirectoryKind): Promise<DirectoryListing>;
  /** Resolves the values read-only (directory cache allowed); one problem per value that does not resolve. */
  checkReferences(values: { field: string; value: ReferenceValue }[]): Promise<ReferenceProblem[]>;
  /**
   * Record fields whose EDMS property the installation's entity type does not declare ($metadata).
   * `available: false` when the EDMS publishes no metadata the transport can read.
   */
  undeclaredFields(
    fields: readonly string[],
  ): Promise<{ available: true; undeclared: { field: string; property: string; type: string }[] } | { available: false; reason: string }>;
}

export interface EdmsAdapter<R = unknown> extends EdmsInstallation {
  readonly kind: EdmsKind;
  /** Target fields the mapping must produce (validated before register is called). */
  readonly recordSchema: z.ZodType<R>;
  /** Idempotent by posId: looks up before creating, so a replay finds what an earlier try made. */
  register(input: RegistrationInput<R>): Promise<RegistrationResult>;
  findByPosId(posId: number): Promise<RegistrationResult | null>;
  /** Current progress of the given appeals, in as few EDMS calls as the EDMS allows; unknown ids are left out. */
  readProgress(posIds: number[]): Promise<EdmsProgress[]>;
  /** Records whose progress changed after `checkpoint` (null: from the beginning), at most `limit`. */
  listChanged(checkpoint: string | null, limit: number): Promise<ChangedBatch>;
  readFile(file: EdmsFileRef): Promise<AppealFile>;
  /**
   * Cheap reachability and credentials check (/health/ready, the pre-flight of `sync`): throws a
   * BridgeError when the EDMS does not answer (TRANSIENT) or refuses the credentials (AUTH_FAILED).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The EDMS side, played by an emulator: the conformance suite, the demo and the operators' sandbox
 * use it to move a record through its life as clerks would. `edmsId` is RegistrationResult.edmsId.
 */
export interface EdmsControl {
  /** Waits until the emulator has registered the record (number and date assigned). */
  registerNow(edmsId: string): Promise<Registration>;
  assign(edmsId: string, executor: Official, manager?: Official): Promise<void>;
  postpone(edmsId: string, until: string, reason: string): Promise<void>;
  forward(edmsId: string, to: string): Promise<void>;
  answer(edmsId: string, answer: { text: string; file?: AppealFile; resolution?: string }): Promise<void>;
  reject(edmsId: string, reason: string): Promise<void>;
  /** Everything the emulator holds for this record, for assertions (shape is emulator-specific). */
  inspect(edmsId: string): Promise<unknown>;
}
