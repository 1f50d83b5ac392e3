// Which `sync` run a job belongs to, and what each run did, kept in Redis: whichever process works
// a run's job credits the run, so the run's summary is its own and not this process's counters.
//   <p>:run-of:<queue>:<jobId>   string  the run id that waits for this job (expires with the run)
//   <p>:run:<runId>              hash    accepted, pushed, pushed:<kind>, … (expires after a day)
// A job nobody claimed (the service's own work) credits nothing.
import type { RedisConnection } from '../redis.js';

export type LedgerQueue = 'register' | 'push';

/** Credits the owner's run, if the job has one: one round trip, nothing written otherwise. */
const CREDIT = `
local run = redis.call('GET', KEYS[1])
if not run then return 0 end
local key = ARGV[1] .. run
redis.call('HINCRBY', key, ARGV[2], tonumber(ARGV[3]))
redis.call('PEXPIRE', key, ARGV[4])
return 1`;

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

const RUN_TTL_MS = 24 * 3600_000;

export class RunLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private ownerKey(queue: LedgerQueue, jobId: string): string {
    return `${this.prefix}:run-of:${queue}:${jobId}`;
  }

  private runKey(runId: string): string {
    return `${this.prefix}:run:${runId}`;
  }

  /** Claims jobs for a run unless another live run holds them; returns the ids this run now owns. */
  async claim(runId: string, queue: LedgerQueue, jobIds: readonly string[], ttlMs: number): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) {
      const key = this.ownerKey(queue, jobId);
      pipeline.set(key, runId, 'PX', Math.max(1000, Math.ceil(ttlMs)), 'NX').get(key);
    }
    const replies = (await pipeline.exec()) ?? [];
    return jobIds.filter((_, i) => replies[2 * i + 1]?.[1] === runId);
  }

  /** Lets go of jobs the run leaves unfinished, so the next run continues (and counts) them. */
  async release(runId: string, queue: LedgerQueue, jobIds: readonly string[]): Promise<void> {
    if (jobIds.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.eval(RELEASE, 1, this.ownerKey(queue, jobId), runId);
    await pipeline.exec();
  }

  /** Called by the processors: adds to the counters of the run that owns the job, if any. */
  async credit(queue: LedgerQueue, jobId: string | undefined, field: string, by = 1): Promise<void> {
    if (!jobId) return;
    await this.redis.eval(CREDIT, 1, this.ownerKey(queue, jobId), `${this.prefix}:run:`, field, String(by), String(RUN_TTL_MS));
  }

  async totals(runId: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.runKey(runId));
    return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
  }
}
