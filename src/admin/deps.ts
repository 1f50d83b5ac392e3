// What the admin HTTP API needs from the rest of the bridge. The API owns no state: the pipeline,
// the mapping registry and the queues are injected, so the HTTP surface is testable on its own and
// the `api` role can run in a process of its own.
import type { Queue } from 'bullmq';
import type { Logger } from '../logging.js';
import type { BridgeMetrics } from '../metrics.js';
import type { FailedEntry } from '../pipeline/failed.js';
import type { UiSessionStore } from './sessions.js';

export interface AppealView {
  posId: number;
  /** The organisation (ЛКО) whose appeal it is; with several, the others holding the same ПОС id. */
  organisation?: string;
  alsoIn?: string[];
  state: string;
  edmsId?: string;
  regNumber?: string;
  regDate?: string;
  /** ПОС answerAt, or the date of the last postponement the bridge pushed. */
  deadline?: string;
  /** The official the EDMS assigned (a name, no contacts). */
  executor?: string;
  registeredAt?: string;
  acceptedAt?: string;
  pushed: { step: string; status: string; statusText?: string; at: string }[];
  lastError?: { code: string; message: string; at: string };
}

/** One appeal in the deadline list (GET /api/deadlines). */
export interface DeadlineItem {
  posId: number;
  organisation: string;
  /** As ПОС wrote it (answerAt) or as the bridge pushed it (postponedDate): ISO 8601. */
  deadline: string;
  /** Working days from today to the deadline's day in DEADLINE_TIME_ZONE: 0 due today, negative overdue. */
  daysLeft: number;
  regNumber?: string;
  executor?: string;
  edmsId?: string;
}

export interface DeadlinesView {
  /** The window asked for, as a duration (`3d`, `12h`, `90m`). */
  within: string;
  generatedAt: string;
  timeZone: string;
  /** By deadline within each organisation; organisations consecutive, the one due first first. */
  items: DeadlineItem[];
}

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
    options?: { force?: boolean },
  ): Promise<{ ok: true; version: string; warnings?: string[] } | { ok: false; problems: MappingProblemView[]; reason?: 'edms' }>;
  history(name: string): Promise<{ version: string; author: string; at: string; diff: string }[]>;
  preview(name: string, appeal: unknown): Promise<{ record: unknown; warnings: string[] } | { problems: string[] }>;
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

/** One audit record: who did what to which thing. Ids and codes only, never personal data. */
export interface AuditEntry {
  /** Stream id, newest sorts last; opaque to callers except as `before` for paging. */
  id: string;
  at: string;
  /** Principal name (a user, `admin` for ADMIN_TOKEN, `cli:<os user>` for the command line). */
  who: string;
  role?: string;
  /** Dotted verb: mapping.apply, mapping.rollback, failed.retry, failed.drop, failed.retry-code, sync.start, user.add, user.remove, appeal.unmask, session.login, session.logout. */
  action: string;
  /** What it was done to: a mapping name, a failed-job id, a ПОС id, a user name. */
  target?: string;
  details?: Record<string, string | number | boolean>;
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
  appeals: { get(posId: number): Promise<AppealView | null> };
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
  /** Refreshes gauges (queue depths, failed counts) before /metrics is rendered. */
  refreshGauges?(): Promise<void>;
  /** The /metrics text when it is more than `metrics.registry`: `start --workers N` merges every process's. */
  exposition?(): Promise<string>;
}
