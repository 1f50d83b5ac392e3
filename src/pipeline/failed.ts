// The failed list: register and push jobs that ran out of retries (or failed permanently), plus
// malformed ПОС appeals that were set aside, each with its last error. A failed scheduled pull or
// watch is not listed: the next tick repeats it (its failures show in logs, metrics and readiness). Replaying a job sends it
// back to the queue with fresh attempts; replaying a malformed appeal lets the next pull look again.
import type { Job, Queue } from 'bullmq';
import { safeMessage } from '../redact.js';
import { parseFailureReason } from './job-errors.js';
import type { BridgeQueues } from './queues.js';
import type { AppealStore } from './store.js';

type MalformedRecord = Awaited<ReturnType<AppealStore['malformed']>>[number];

export interface FailedEntry {
  id: string;
  /** The organisation (ЛКО) whose job or appeal it is. */
  organisation: string;
  queue: string;
  name: string;
  posId?: number;
  attemptsMade: number;
  failedAt?: string;
  error: { code: string; message: string };
}

/** Malformed appeals' ids: `malformed.<id>` for `default`, as always; `malformed-<key>.<id>` for another organisation. */
const malformedPrefix = (organisation: string) => (organisation === 'default' ? 'malformed' : `malformed-${organisation}`);

/** Reasons are sanitized when written; once more on the way out, for entries an older version wrote. */
function safeReason(reason: string | undefined): { code: string; message: string } {
  const { code, message } = parseFailureReason(reason);
  return { code, message: safeMessage(message) };
}

/** The failed-list entry of a job that failed for good. */
export function failedEntryOf(queue: Queue, job: Job, organisation = 'default'): FailedEntry {
  const data = job.data as { posId?: unknown };
  return {
    id: `${queue.name}.${job.id}`,
    organisation,
    queue: queue.name,
    name: job.name,
    posId: typeof data.posId === 'number' ? data.posId : undefined,
    attemptsMade: job.attemptsMade,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    error: safeReason(job.failedReason),
  };
}

/** The failed-list entry of an appeal set aside at intake. */
export function malformedEntryOf(organisation: string, bad: MalformedRecord): FailedEntry {
  const posId = Number(bad.id);
  return {
    id: `${malformedPrefix(organisation)}.${bad.id}`,
    organisation,
    queue: 'pull',
    name: 'malformed-appeal',
    posId: Number.isInteger(posId) ? posId : undefined,
    attemptsMade: 1,
    failedAt: bad.at,
    error: { code: bad.code, message: safeMessage(bad.issues.join('; ')) },
  };
}

export class FailedJobs {
  private readonly malformedId: string;

  constructor(
    private readonly queues: BridgeQueues,
    private readonly store: AppealStore,
  ) {
    this.malformedId = malformedPrefix(queues.organisation);
  }

  async list(limit = 1000): Promise<FailedEntry[]> {
    const entries: FailedEntry[] = [];
    for (const queue of [this.queues.register, this.queues.push] as Queue[]) {
      for (const job of await queue.getFailed(0, limit - 1)) entries.push(failedEntryOf(queue, job, this.queues.organisation));
    }
    for (const bad of await this.store.malformed()) entries.push(malformedEntryOf(this.queues.organisation, bad));
    return entries.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  }

  private async find(id: string): Promise<{ queue: Queue; job: Job } | null> {
    const dot = id.indexOf('.');
    if (dot <= 0) return null;
    const queue = this.queues.byName(id.slice(0, dot));
    if (!queue) return null;
    const job = await queue.getJob(id.slice(dot + 1));
    if (!job || !(await job.isFailed())) return null;
    return { queue, job };
  }

  /** Replays one failed entry; false when there is no such failed entry. */
  async retry(id: string): Promise<boolean> {
    if (id.startsWith(`${this.malformedId}.`)) return this.store.forgetMalformed(id.slice(this.malformedId.length + 1));
    const found = await this.find(id);
    if (!found) return false;
    await found.job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async retryAll(): Promise<number> {
    let count = 0;
    for (const entry of await this.list(100_000)) if (await this.retry(entry.id)) count += 1;
    return count;
  }

  async remove(id: string): Promise<boolean> {
    if (id.startsWith(`${this.malformedId}.`)) return this.store.forgetMalformed(id.slice(this.malformedId.length + 1));
    const found = await this.find(id);
    if (!found) return false;
    await found.job.remove();
    return true;
  }
}

/** The failed lists of several organisations as one: ids are unique across them (queue names carry the key). */
export class OrganisationsFailedJobs {
  constructor(private readonly byOrganisation: ReadonlyMap<string, FailedJobs>) {}

  async list(options: { organisation?: string; limit?: number } = {}): Promise<FailedEntry[]> {
    const entries: FailedEntry[] = [];
    for (const [key, failed] of this.byOrganisation) {
      if (!options.organisation || options.organisation === key) entries.push(...(await failed.list(options.limit)));
    }
    return entries.sort((a, b) => (b.failedAt ?? '').localeCompare(a.failedAt ?? ''));
  }

  async retry(id: string): Promise<boolean> {
    for (const failed of this.byOrganisation.values()) if (await failed.retry(id)) return true;
    return false;
  }

  async retryAll(organisation?: string): Promise<number> {
    let count = 0;
    for (const entry of await this.list({ organisation, limit: 100_000 })) if (await this.retry(entry.id)) count += 1;
    return count;
  }

  async remove(id: string): Promise<boolean> {
    for (const failed of this.byOrganisation.values()) if (await failed.remove(id)) return true;
    return false;
  }

  /** Replays every entry failed with this error code (e.g. after fixing the mapping); the ids replayed. */
  async retryCode(code: string, organisation?: string): Promise<string[]> {
    const ids: string[] = [];
    for (const entry of await this.list({ organisation, limit: 100_000 })) {
      if (entry.error.code === code && (await this.retry(entry.id))) ids.push(entry.id);
    }
    return ids;
  }
}
