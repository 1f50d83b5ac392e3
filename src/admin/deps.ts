// What the admin HTTP API needs from the rest of the bridge. The API owns no state: the pipeline,
// the mapping registry and the queues are injected, so the HTTP surface is testable on its own and
// the `api` role can run in a process of its own.
import type { Queue } from 'bullmq';
import type { Logger } from '../logging.js';
import type { BridgeMetrics } from '../metrics.js';
import type { FailedEntry } from '../pipeline/failed.js';
import type { ConsoleSessionStore } from './console-sessions.js';
import type { FixtureSource } from './fixtures.js';
import type { UiSessionStore } from './sessions.js';
import type { UsersStore } from './users.js';
import type { AppealView, AuditEntry, DeadlinesView } from './wire.js';

export type { AppealView, AuditEntry, DeadlineItem, DeadlinesView } from './wire.js';

/**
 * An appeal the bridge still holds sealed (its register job, kept while BullMQ retains the job),
 * opened on the server for a preview; `gone`: the bridge knows the appeal but holds it no longer.
 */
export type HeldAppeal = { organisation: string; appeal: unknown } | { organisation: string; gone: true };

/** A failed-list entry; `id` is opaque and URL-safe: the API passes it back to retry/remove unchanged. */
export type FailedJobView = FailedEntry;

export interface MappingSummary {
  name: string;
  version: string;
  target: string;
  updatedAt?: string;
  author?: string;
}

export interface MappingProblemView {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface MappingHistoryView {
  version: string;
  author: string;
  at: string;
  diff: string;
  comment?: string;
}

/** `pos-bridge mappings check` of a draft, plus what mapping the shipped fixtures showed. */
export interface MappingCheckResult {
  ok: boolean;
  problems: MappingProblemView[];
  warnings: string[];
}

/** The `--against-edms` check of a draft; `checked: false` when the EDMS could not be asked. */
export interface MappingEdmsCheckResult {
  ok: boolean;
  problems: MappingProblemView[];
  notes: string[];
  checked: boolean;
}

export type MappingPreview = { record: unknown; warnings: string[] } | { problems: string[] };

export interface MappingService {
  list(): Promise<MappingSummary[]>;
  get(name: string): Promise<(MappingSummary & { source: string }) | null>;
  /**
   * Validates and applies. `reason: 'edms'`: the file is valid but holds values the EDMS lacks
   * (refused unless `force`). `warnings`: applied, with what was not or could not be checked.
   */
  put(
    name: string,
    source: string,
    author: string,
    options?: { force?: boolean; comment?: string },
  ): Promise<{ ok: true; version: string; warnings?: string[] } | { ok: false; problems: MappingProblemView[]; reason?: 'edms' }>;
  history(name: string): Promise<MappingHistoryView[]>;
  preview(name: string, appeal: unknown): Promise<MappingPreview>;
  /** A draft (`source`) or, without one, the applied version, on one appeal; `invalid`: the draft does not compile. */
  previewDraft(name: string, appeal: unknown, source?: string): Promise<MappingPreview | { invalid: MappingProblemView[] }>;
  /** Compiles a draft without applying it and maps the shipped fixtures with it, in the bounded evaluation threads. */
  check(name: string, source: string): Promise<MappingCheckResult>;
  /** Resolves a draft's values in the live EDMS; absent where no EDMS is wired (then the route says so). */
  checkAgainstEdms?(name: string, source: string): Promise<MappingEdmsCheckResult>;
  /** The draft against the applied version (unified diff, as in the history); null: no such mapping. */
  diff(name: string, source: string): Promise<{ version: string; diff: string } | null>;
  /** Applies a version of the history again as a new version; `unknown-version`: not in the history. */
  rollback(
    name: string,
    version: string,
    author: string,
    comment?: string,
  ): Promise<
    { ok: true; version: string } | { ok: false; problems: MappingProblemView[] } | { ok: false; reason: 'unknown-version' | 'no-source' }
  >;
}

export interface HealthChecks {
  /** Each resolves when the dependency answers and throws (or never settles) when it is down. */
  redis(): Promise<void>;
  pos(): Promise<void>;
  edms(): Promise<void>;
  /** The mapping in use resolves in the EDMS (throws EDMS_REFERENCE_UNKNOWN naming how many values do not). */
  mapping?(): Promise<void>;
  /** With several organisations: each one's ПOС check (then `pos` is all of them). */
  organisations?: Record<string, () => Promise<void>>;
}

/** The last check of the mapping in use against the EDMS, for GET /api/status. */
export interface MappingCheckView {
  mapping: string;
  version: string;
  checkedAt: string;
  checked: boolean;
  problems: MappingProblemView[];
  notes: string[];
  error?: string;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditLog {
  record(entry: AuditInput): Promise<void>;
  /** Newest first; `before` is an id from an earlier page. */
  list(options?: { limit?: number; before?: string; action?: string }): Promise<AuditEntry[]>;
}

export interface AdminDeps {
  adminToken: string;
  logger: Logger;
  metrics: BridgeMetrics;
  health: HealthChecks;
  /** The mapping's last EDMS check; absent where no EDMS check runs. */
  mappingCheck?(): Promise<MappingCheckView | null>;
  appeals: {
    get(posId: number): Promise<AppealView | null>;
    /** The appeal itself, decrypted, for previews (the first organisation holding it); null: unknown. Absent: none held. */
    held?(posId: number): Promise<HeldAppeal | null>;
  };
  /** Appeals to preview mappings with; default the shipped fixtures/appeals. */
  fixtures?: FixtureSource;
  /** Appeals registered, not finally answered, due within `withinMs` from `now` (overdue included). */
  deadlines: { list(withinMs: number, now?: Date): Promise<DeadlinesView> };
  sync: { trigger(): Promise<{ jobId: string }> };
  mappings: MappingService;
  failed: {
    list(filter?: { organisation?: string }): Promise<FailedJobView[]>;
    /** The organisations' keys, to tell an unknown one in a filter. */
    organisations?: readonly string[];
    /** false: no failed job with that id. */
    retry(id: string): Promise<boolean>;
    /** false: no failed job with that id. */
    remove(id: string): Promise<boolean>;
    /** Retries every failed entry whose error has this code; the ids retried. Absent: the route lists and retries one by one. */
    retryCode?(code: string, filter?: { organisation?: string }): Promise<string[]>;
  };
  queues: {
    counts(): Promise<Record<string, Record<string, number>>>;
    /** The bullmq queues Bull-Board shows. */
    all(): Queue[];
  };
  /** Who did what: mapping changes, failed retries and drops, syncs, unmasked previews, users, logins. */
  audit: AuditLog;
  /** Browser sessions of the queue UI (Redis: shared by every api process, ended by logout). */
  uiSessions: UiSessionStore;
  /** ADMIN_USERS_FILE's users; absent: only ADMIN_TOKEN opens the API. */
  users?: UsersStore;
  /** Console sessions (cookie pos_bridge_session, Redis); absent: POST /api/login answers 503. */
  consoleSessions?: ConsoleSessionStore;
  /** Refreshes gauges (queue depths, failed counts) before /metrics is rendered. */
  refreshGauges?(): Promise<void>;
  /** The /metrics text when it is more than `metrics.registry`: `start --workers N` merges every process's. */
  exposition?(): Promise<string>;
}
