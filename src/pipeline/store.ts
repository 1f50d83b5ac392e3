// What the bridge remembers of each appeal, in Redis: its state, EDMS ids, which ПОС statuses it
// delivered and when. Holds ids, numbers and dates only — never personal data in the clear: the
// appeal travels sealed inside jobs, and the executor's name (for the deadline list) is sealed too.
// Key layout under the configured prefix (hash-tag it for Redis Cluster):
//   <p>:appeal:<posId>          hash  state, edmsId, regNumber, regDate, deadline, executorSealed, *At, lastError*
//   <p>:appeal:<posId>:pushed   hash  step key → {status, statusText, at}
//   <p>:appeals:open            set   accepted appeals whose final answer is not delivered yet
//   <p>:appeals:unaccepted      set   registered durably but not yet marked accepted
//   <p>:deadlines               zset  registered, not finally answered appeals by deadline (deadline-index.ts)
//   <p>:watch:checkpoint        string  EDMS change checkpoint
import { DelayedError, type Job } from 'bullmq';
import type { RedisConnection } from '../redis.js';
import type { Registration } from '../../adapters/contract.js';
import { CoverageStore, type CoverageEntry } from './coverage.js';
import { DeadlineIndex, deadlineScore } from './deadline-index.js';

const OWNED_PEXPIRE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
const OWNED_DEL = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
// A new appeal's state and when it was queued, in one round trip; an appeal the store knows is left alone.
const MARK_QUEUED =
  "if redis.call('hsetnx', KEYS[1], 'state', 'queued') == 0 then return 0 end redis.call('hset', KEYS[1], 'queuedAt', ARGV[1]) return 1";
// The appeal's lock and, once held, its record in one round trip: nil when another holder has it.
const LOCK_AND_READ =
  "if not redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return false end return redis.call('hgetall', KEYS[2])";
// One script, so a push running beside the adoption sees the appeal either unknown or whole: never
// accepted with the assumed steps not written yet (it would send them again). A hash without a
// state (a job that was running during the loss wrote one field into it) is adopted; a real state
// is left alone. Steps already recorded stay as they are (HSETNX).
const ADOPT = `
if redis.call('hexists', KEYS[1], 'state') == 1 then return 0 end
redis.call('hset', KEYS[1], 'state', 'accepted', 'edmsId', ARGV[2])
if ARGV[3] ~= '' then redis.call('hset', KEYS[1], 'regNumber', ARGV[3], 'regDate', ARGV[4]) end
if ARGV[5] == '1' then redis.call('hset', KEYS[1], 'pushInFlight', 'final') end
if ARGV[6] ~= '' then
  redis.call('hset', KEYS[1], 'deadline', ARGV[6])
  redis.call('zadd', KEYS[4], ARGV[7], ARGV[1])
end
for i = 8, #ARGV, 2 do redis.call('hsetnx', KEYS[2], ARGV[i], ARGV[i + 1]) end
redis.call('sadd', KEYS[3], ARGV[1])
return 1`;

export type AppealState = 'queued' | 'awaiting_registration' | 'registered' | 'accepted' | 'answered' | 'set_aside';

export interface PushedStep {
  step: string;
  status: string;
  statusText?: string;
  at: string;
}

export interface AppealRecord {
  posId: number;
  state: AppealState;
  edmsId?: string;
  regNumber?: string;
  regDate?: string;
  /** ПОС answerAt as ПОС wrote it, or the date of the last postponement the bridge pushed. */
  deadline?: string;
  /** The official the EDMS assigned (surname, name, patronymic), sealed: executor.ts opens it. */
  executorSealed?: string;
  queuedAt?: string;
  registeredAt?: string;
  acceptedAt?: string;
  lastError?: { code: string; message: string; at: string };
}

/** What reconcile takes as already told to ПОС when it adopts an appeal the store lost. */
export interface Adoption {
  edmsId: string;
  registration?: Registration;
  /** Interim steps the EDMS progress implies: ПОС cannot be asked which of them it has. */
  assumedDelivered: PushedStep[];
  /** The progress holds a final answer that may have landed before the loss. */
  finalInDoubt: boolean;
  /** The deadline, when the EDMS progress tells it (its last postponement); absent: not indexed. */
  deadline?: string;
}

export interface StoreOptions {
  /** Replicas the marks a replay decides by (first attempt, final answer in flight) must reach; Sentinel: 1. */
  waitForReplicas?: number;
  /** How long to wait for them; no acknowledgement in time means "search" (default 100 ms). */
  replicaWaitMs?: number;
}

/** An appeal's hash as a record; a hash without a state (a stray field written after a state loss) is no record. */
function recordOf(posId: number, fields: Record<string, string>): AppealRecord | null {
  if (!fields.state) return null;
  const record: AppealRecord = { posId, state: fields.state as AppealState };
  for (const name of ['edmsId', 'regNumber', 'regDate', 'deadline', 'executorSealed', 'queuedAt', 'registeredAt', 'acceptedAt'] as const) {
    if (fields[name]) record[name] = fields[name];
  }
  if (fields.lastErrorCode) {
    record.lastError = { code: fields.lastErrorCode, message: fields.lastErrorMessage ?? '', at: fields.lastErrorAt ?? '' };
  }
  return record;
}

const lockToken = () => `${process.pid}-${Math.random().toString(36).slice(2)}`;

export class AppealStore {
  /** Counts of ПОС categories seen at registration (`mappings coverage`), under the same prefix. */
  readonly coverage: CoverageStore;

  /** Registered, not finally answered appeals by deadline (GET /api/deadlines, the due gauges). */
  readonly deadlines: DeadlineIndex;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly options: StoreOptions = {},
  ) {
    this.coverage = new CoverageStore(redis, prefix);
    this.deadlines = new DeadlineIndex(redis, prefix);
  }

  private key(posId: number): string {
    return `${this.prefix}:appeal:${posId}`;
  }

  private pushedKey(posId: number): string {
    return `${this.key(posId)}:pushed`;
  }

  private get openKey(): string {
    return `${this.prefix}:appeals:open`;
  }

  private get unacceptedKey(): string {
    return `${this.prefix}:appeals:unaccepted`;
  }

  async get(posId: number): Promise<AppealRecord | null> {
    return recordOf(posId, await this.redis.hgetall(this.key(posId)));
  }

  /** Takes the appeal's register/push lock and reads its record in one script; null while another holder has the lock. */
  async lockAndGet(
    posId: number,
    kind: 'register' | 'push',
    ttlMs: number,
  ): Promise<{ release: () => Promise<void>; record: AppealRecord | null } | null> {
    const key = `${this.key(posId)}:${kind}-lock`;
    const token = lockToken();
    const reply = (await this.redis.eval(LOCK_AND_READ, 2, key, this.key(posId), token, String(ttlMs))) as string[] | null;
    if (!reply) return null;
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) fields[reply[i]!] = reply[i + 1]!;
    return { release: this.held(key, token, ttlMs), record: recordOf(posId, fields) };
  }

  /** The bridge knows the appeal: a hash holding only a stray field (written after a state loss) does not count. */
  async has(posId: number): Promise<boolean> {
    return (await this.redis.hexists(this.key(posId), 'state')) === 1;
  }

  /** Marks an appeal as handed to registration; returns false if the bridge already knew it. */
  async markQueued(posId: number, at = new Date()): Promise<boolean> {
    return (await this.redis.eval(MARK_QUEUED, 1, this.key(posId), at.toISOString())) === 1;
  }

  /**
   * Records that a registration attempt starts; true when it is the first one ever for this appeal
   * (the adapter then skips the search for a card an earlier attempt left). A failover can lose an
   * unreplicated mark, and a later attempt would skip that search: with replicas, "first" is
   * believed only once they hold the mark. WAIT covers this connection's writes up to the mark.
   */
  async markRegisterAttempt(posId: number): Promise<boolean> {
    const first = (await this.redis.hsetnx(this.key(posId), 'registerAttempted', new Date().toISOString())) === 1;
    return first && (await this.replicated());
  }

  /** True once the replicas hold this connection's writes so far (at once when none are asked for). */
  private async replicated(): Promise<boolean> {
    const replicas = this.options.waitForReplicas ?? 0;
    if (replicas === 0) return true;
    return (await this.redis.wait(replicas, this.options.replicaWaitMs ?? 100)) >= replicas;
  }

  /** `deadline` is kept for the confirmation, which no longer holds the appeal. */
  async markAwaitingRegistration(posId: number, edmsId: string, deadline?: string): Promise<void> {
    await this.redis.hset(this.key(posId), { state: 'awaiting_registration', edmsId, ...(deadline ? { deadline } : {}) });
  }

  /**
   * Registration is durable in the EDMS: remembered before ПОС is told, so a crash here is
   * replayable. With a deadline (ПОС answerAt) the appeal enters the deadline index; a card this
   * attempt created counts in the coverage. All in one MULTI (one round trip).
   */
  async markRegistered(
    posId: number,
    edmsId: string,
    registration: Registration | undefined,
    at = new Date(),
    deadline?: string,
    coverage?: CoverageEntry,
  ): Promise<void> {
    const fields: Record<string, string> = { state: 'registered', edmsId, registeredAt: at.toISOString() };
    if (registration) Object.assign(fields, { regNumber: registration.number, regDate: registration.date });
    const score = deadlineScore(deadline);
    if (score !== undefined) fields.deadline = deadline!;
    const batch = this.redis.multi().hset(this.key(posId), fields).sadd(this.unacceptedKey, String(posId));
    if (score !== undefined) batch.zadd(this.deadlines.key, score, String(posId));
    if (coverage) this.coverage.addTo(batch, coverage);
    await batch.exec();
  }

  async markAccepted(posId: number, at = new Date()): Promise<void> {
    const key = this.key(posId);
    await this.redis
      .multi()
      .hset(key, { state: 'accepted', acceptedAt: at.toISOString() })
      .hdel(key, 'lastErrorCode', 'lastErrorMessage', 'lastErrorAt')
      .srem(this.unacceptedKey, String(posId))
      .sadd(this.openKey, String(posId))
      .exec();
  }

  async updateRegistration(posId: number, registration: Registration): Promise<void> {
    await this.redis.hset(this.key(posId), { regNumber: registration.number, regDate: registration.date });
  }

  /** The official the EDMS assigned: a name only (no contacts), sealed (executor.ts), for the deadline list. */
  async updateExecutor(posId: number, executorSealed: string): Promise<void> {
    await this.redis.hset(this.key(posId), 'executorSealed', executorSealed);
  }

  /** Set aside appeals wait for a person, not for their deadline: they leave the deadline index. */
  async setAside(posId: number, code: string, message: string, at = new Date()): Promise<void> {
    await this.redis
      .multi()
      .hset(this.key(posId), {
        state: 'set_aside',
        lastErrorCode: code,
        lastErrorMessage: message,
        lastErrorAt: at.toISOString(),
      })
      .zrem(this.deadlines.key, String(posId))
      .exec();
  }

  async recordError(posId: number, code: string, message: string, at = new Date()): Promise<void> {
    await this.redis.hset(this.key(posId), { lastErrorCode: code, lastErrorMessage: message, lastErrorAt: at.toISOString() });
  }

  /**
   * Links an appeal found in the EDMS (reconcile, after Redis lost data) as accepted, with the
   * steps taken as delivered and the final answer in doubt, all at once; false when the store
   * already knew it (nothing is touched then).
   */
  async adoptFromEdms(posId: number, adoption: Adoption): Promise<boolean> {
    const steps = adoption.assumedDelivered.flatMap((step) => [step.step, JSON.stringify(step)]);
    const registration = adoption.registration;
    const args = [
      String(posId),
      adoption.edmsId,
      registration?.number ?? '',
      registration?.date ?? '',
      adoption.finalInDoubt ? '1' : '0',
      deadlineScore(adoption.deadline) === undefined ? '' : adoption.deadline!,
      String(deadlineScore(adoption.deadline) ?? 0),
      ...steps,
    ];
    const keys = [this.key(posId), this.pushedKey(posId), this.openKey, this.deadlines.key];
    return (await this.redis.eval(ADOPT, keys.length, ...keys, ...args)) === 1;
  }

  async delivered(posId: number): Promise<Map<string, PushedStep>> {
    const raw = await this.redis.hgetall(this.pushedKey(posId));
    const steps = new Map<string, PushedStep>();
    for (const [step, json] of Object.entries(raw)) steps.set(step, JSON.parse(json) as PushedStep);
    return steps;
  }

  /**
   * A step landed in ПОС. A postponement moves the deadline there (`postponedUntil`, as ПОС moves
   * answerAt), so here too; the final answer takes the appeal out of the deadline index.
   */
  async recordDelivered(posId: number, step: PushedStep, postponedUntil?: string): Promise<void> {
    const multi = this.redis.multi().hset(this.pushedKey(posId), step.step, JSON.stringify(step)).hdel(this.key(posId), 'pushInFlight');
    if (step.step === 'final') {
      multi.hset(this.key(posId), 'state', 'answered').srem(this.openKey, String(posId)).zrem(this.deadlines.key, String(posId));
    } else {
      const score = deadlineScore(postponedUntil);
      if (score !== undefined) multi.hset(this.key(posId), 'deadline', postponedUntil!).zadd(this.deadlines.key, score, String(posId));
    }
    await multi.exec();
  }

  /** The step whose post was started last and may or may not have landed (cleared on delivery). */
  async inFlight(posId: number): Promise<string | null> {
    return this.redis.hget(this.key(posId), 'pushInFlight');
  }

  /**
   * A final answer's mark is given time to reach a replica before the answer goes out: after a
   * failover, ПОС's 409 is taken for our own delivered answer only if the mark survived. Past the
   * wait the answer goes out anyway.
   */
  async markInFlight(posId: number, step: string): Promise<void> {
    await this.redis.hset(this.key(posId), 'pushInFlight', step);
    if (step === 'final') await this.replicated();
  }

  async pushedList(posId: number): Promise<PushedStep[]> {
    return [...(await this.delivered(posId)).values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * Remembers an appeal set aside at intake (malformed, or past a limit) once; true the first time.
   * Issues name fields and rules, never values.
   */
  async recordMalformed(id: string, issues: string[], at = new Date(), code = 'MALFORMED_APPEAL'): Promise<boolean> {
    return (await this.redis.hsetnx(`${this.prefix}:malformed`, id, JSON.stringify({ code, issues, at: at.toISOString() }))) === 1;
  }

  async malformed(): Promise<{ id: string; code: string; issues: string[]; at: string }[]> {
    const raw = await this.redis.hgetall(`${this.prefix}:malformed`);
    return Object.entries(raw).map(([id, json]) => {
      const entry = JSON.parse(json) as { code?: string; issues: string[]; at: string };
      return { id, ...entry, code: entry.code ?? 'MALFORMED_APPEAL' };
    });
  }

  async forgetMalformed(id: string): Promise<boolean> {
    return (await this.redis.hdel(`${this.prefix}:malformed`, id)) === 1;
  }

  async openAppeals(): Promise<number[]> {
    return (await this.redis.smembers(this.openKey)).map(Number);
  }

  async unacceptedAppeals(): Promise<number[]> {
    return (await this.redis.smembers(this.unacceptedKey)).map(Number);
  }

  async checkpoint(): Promise<string | null> {
    return this.redis.get(`${this.prefix}:watch:checkpoint`);
  }

  async saveCheckpoint(checkpoint: string): Promise<void> {
    await this.redis.set(`${this.prefix}:watch:checkpoint`, checkpoint);
  }

  /**
   * One register or one push in flight per appeal, across processes (a job BullMQ believes stalled
   * may still be running elsewhere). Returns a release function, or null if held.
   */
  lock(posId: number, kind: 'register' | 'push', ttlMs: number): Promise<(() => Promise<void>) | null> {
    return this.lockKey(`${this.key(posId)}:${kind}-lock`, ttlMs);
  }

  /** One scheduled pull / watch / reconcile at a time across all processes. */
  lockControl(kind: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    return this.lockKey(`${this.prefix}:control-lock:${kind}`, ttlMs);
  }

  private async lockKey(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const token = lockToken();
    const ok = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    return this.held(key, token, ttlMs);
  }

  /** A lock just taken: renewed while held, released only if still ours. */
  private held(key: string, token: string, ttlMs: number): () => Promise<void> {
    // Renewed while the holder lives, so a long job keeps it; a dead holder's lock expires in ttlMs.
    const renew = setInterval(
      () => {
        this.redis.eval(OWNED_PEXPIRE, 1, key, token, String(ttlMs)).catch(() => undefined);
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    return async () => {
      clearInterval(renew);
      // Release only our own lock (it may have expired and been taken by another process).
      await this.redis.eval(OWNED_DEL, 1, key, token);
    };
  }
}

const LOCK_RETRY_MS = 500;

/**
 * Takes the appeal's register/push lock and reads the appeal's record under it, or puts the job
 * back for a moment (no attempt spent).
 */
export async function lockAppealOrWait(
  store: AppealStore,
  job: Job<{ posId: number }>,
  token: string | undefined,
  kind: 'register' | 'push',
  ttlMs: number,
): Promise<{ release: () => Promise<void>; known: AppealRecord | null }> {
  const held = await store.lockAndGet(job.data.posId, kind, ttlMs);
  if (held) return { release: held.release, known: held.record };
  await job.moveToDelayed(Date.now() + LOCK_RETRY_MS, token);
  throw new DelayedError();
}
