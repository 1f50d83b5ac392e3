// What the admin API answers, as types with no imports: the server's routes and the web console
// (compiled apart, for the browser) both use these, so the two cannot drift apart.

/** GET /api/appeals/:posId */
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
