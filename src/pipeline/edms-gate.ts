// An EDMS that refuses the bridge's credentials or does not answer pauses intake instead of failing
// appeals: register jobs wait (delayed, no attempt spent, the appeal stays unaccepted in ПОС) while
// one job at a time probes the EDMS; the first success lifts the pause and brings the waiting jobs
// forward, so nothing needs a replay. A failed call counts as an outage only when a ping confirms it
// (a flaky call is an ordinary retry). Shared by every process through Redis:
//   <p>:edms:outage   hash    code, since (expires unless failures keep confirming it)
//   <p>:edms:probe    string  the job allowed to try the EDMS next (expires after the probe interval)
//   <p>:edms:held     set     ids of register jobs waiting for the EDMS
import { DelayedError, Job, type Queue } from 'bullmq';
import type { EdmsAdapter } from '../../adapters/contract.js';
import { BridgeError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { BridgeMetrics } from '../metrics.js';
import type { RedisConnection } from '../redis.js';
import type { RegisterJobData } from './queues.js';

export interface EdmsOutage {
  /** AUTH_FAILED (credentials refused) or TRANSIENT (no answer). */
  code: string;
  since: string;
}

export interface EdmsGateSettings {
  /** First wait of a job held for the EDMS; each next one doubles, up to holdMaxMs. */
  holdMs: number;
  holdMaxMs: number;
  /** How often one held job may try the EDMS. */
  probeEveryMs: number;
}

export const DEFAULT_GATE_SETTINGS: EdmsGateSettings = { holdMs: 5000, holdMaxMs: 3 * 60_000, probeEveryMs: 15_000 };

const OUTAGE_CODES = new Set(['AUTH_FAILED', 'TRANSIENT']);
const CACHE_MS = 1000;
const PING_LIMIT_MS = 10_000;
const SECOND_PING_AFTER_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A ping that does not answer within `ms` counts as down. */
async function pingWithin(adapter: Pick<EdmsAdapter, 'ping' | 'kind'>, ms: number): Promise<BridgeError | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<BridgeError>((resolve) => {
    timer = setTimeout(() => resolve(new BridgeError('TRANSIENT', `ping: no answer within ${ms} ms`, { system: adapter.kind })), ms);
  });
  try {
    return await Promise.race([
      adapter.ping().then(
        () => null,
        (error: unknown) =>
          error instanceof BridgeError
            ? error
            : new BridgeError('TRANSIENT', String((error as Error)?.message ?? error), { system: adapter.kind }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface EdmsGateParts {
  redis: RedisConnection;
  prefix: string;
  adapter: Pick<EdmsAdapter, 'ping' | 'kind'>;
  registerQueue: Queue<RegisterJobData>;
  metrics: BridgeMetrics;
  logger: Logger;
  settings: EdmsGateSettings;
}

export class EdmsGate {
  private known?: { outage: EdmsOutage | null; at: number };
  private readonly outageKey: string;
  private readonly probeKey: string;
  private readonly heldKey: string;

  constructor(private readonly parts: EdmsGateParts) {
    this.outageKey = `${parts.prefix}:edms:outage`;
    this.probeKey = `${parts.prefix}:edms:probe`;
    this.heldKey = `${parts.prefix}:edms:held`;
  }

  /** The outage recorded by any process, or null; cached for a second unless `fresh`. */
  async outage(fresh = false): Promise<EdmsOutage | null> {
    if (!fresh && this.known && Date.now() - this.known.at < CACHE_MS) return this.known.outage;
    const fields = await this.parts.redis.hgetall(this.outageKey);
    const outage = fields.code ? { code: fields.code, since: fields.since ?? '' } : null;
    this.known = { outage, at: Date.now() };
    this.parts.metrics.edmsAvailable.set(outage ? 0 : 1);
    return outage;
  }

  /** Before a register job calls the EDMS: during an outage only the probe goes through; the rest wait. */
  async admit(job: Job<RegisterJobData>, token: string | undefined): Promise<void> {
    if (!(await this.outage())) return;
    const probe = await this.parts.redis.set(this.probeKey, String(job.id), 'PX', this.parts.settings.probeEveryMs, 'NX');
    if (probe === 'OK') return;
    await this.hold(job, token);
  }

  /**
   * After a failed register job: when the error is the EDMS refusing the credentials or not
   * answering, and a ping confirms the EDMS is down, records the outage and holds the job
   * (throws DelayedError). Otherwise returns, and the job fails or retries as usual.
   */
  async holdIfUnavailable(error: unknown, job: Job<RegisterJobData>, token: string | undefined): Promise<void> {
    if (!(error instanceof BridgeError) || !OUTAGE_CODES.has(error.code) || error.system !== this.parts.adapter.kind) return;
    const down = await this.confirmDown();
    if (!down) return;
    await this.record(down.code);
    await this.hold(job, token);
  }

  /** The EDMS answered: lifts a recorded outage and brings the held jobs forward. */
  async answered(): Promise<void> {
    if (!(await this.outage())) return;
    const removed = await this.parts.redis.del(this.outageKey);
    this.known = { outage: null, at: Date.now() };
    this.parts.metrics.edmsAvailable.set(1);
    if (removed === 0) return;
    this.parts.logger.warn({ edms: this.parts.adapter.kind }, 'EDMS answers again: intake resumed');
    await this.promoteHeld();
  }

  /** Two pings a moment apart (one for refused credentials): both failing means the EDMS is down. */
  private async confirmDown(): Promise<{ code: string } | null> {
    const first = await pingWithin(this.parts.adapter, PING_LIMIT_MS);
    if (!first || !OUTAGE_CODES.has(first.code)) return null;
    if (first.code === 'AUTH_FAILED') return { code: first.code };
    await sleep(SECOND_PING_AFTER_MS);
    const second = await pingWithin(this.parts.adapter, PING_LIMIT_MS);
    return second && OUTAGE_CODES.has(second.code) ? { code: second.code } : null;
  }

  private async record(code: string): Promise<void> {
    const { redis, settings } = this.parts;
    const since = new Date().toISOString();
    const ttlMs = Math.max(10 * 60_000, 3 * settings.holdMaxMs);
    const [[, created] = []] =
      (await redis
        .multi()
        .hsetnx(this.outageKey, 'since', since)
        .hset(this.outageKey, 'code', code)
        .pexpire(this.outageKey, ttlMs)
        .exec()) ?? [];
    this.parts.metrics.edmsAvailable.set(0);
    this.known = { outage: { code, since }, at: Date.now() };
    if (created === 1) {
      this.parts.metrics.intakePaused.inc({ code });
      this.parts.logger.error(
        { edms: this.parts.adapter.kind, code },
        'EDMS unavailable: intake paused; register jobs wait, nothing is accepted in ПОС until it answers',
      );
    }
  }

  /** Waits without spending an attempt, longer each time, up to a few minutes. */
  private async hold(job: Job<RegisterJobData>, token: string | undefined): Promise<never> {
    const waits = (job.data.edmsWaits ?? 0) + 1;
    await job.updateData({ ...job.data, edmsWaits: waits });
    await this.parts.redis.sadd(this.heldKey, String(job.id));
    const { holdMs, holdMaxMs } = this.parts.settings;
    const base = Math.min(holdMaxMs, holdMs * 2 ** Math.min(waits - 1, 16));
    await job.moveToDelayed(Date.now() + Math.round(base / 2 + Math.random() * (base / 2)), token);
    throw new DelayedError();
  }

  private async promoteHeld(): Promise<void> {
    const queue = this.parts.registerQueue;
    for (;;) {
      const ids = await this.parts.redis.spop(this.heldKey, 500);
      if (ids.length === 0) return;
      for (const id of ids) {
        const job = await Job.fromId<RegisterJobData>(queue, id);
        if (job && (await job.isDelayed())) await job.promote().catch(() => undefined);
      }
    }
  }
}
