// `pos-bridge start --workers N`: forks N worker processes (role worker, same configuration) and
// keeps them running. A process that dies — crash, OOM, SIGKILL — is restarted after a backoff
// that doubles from 1 s to 30 s and starts over once a process has stayed up for a minute; one
// that keeps dying keeps being restarted at the cap (its appeals wait in Redis meanwhile, and
// other processes take them), and every restart is counted. stop() ends them all, bounded.
import { fork, type ChildProcess } from 'node:child_process';
import { Counter, Gauge, type Registry } from 'prom-client';
import { describeError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { WorkerMetrics } from './process-metrics.js';
import { METRICS_REPLY, metricsRequest, parseWorkerMessage, WORKER_READY } from './worker-ipc.js';

/** How a worker process is started: the module fork runs, its arguments for a slot, node flags, environment. */
export interface WorkerCommand {
  modulePath: string;
  args(slot: number): string[];
  execArgv: string[];
  env: NodeJS.ProcessEnv;
}

export interface Backoff {
  firstMs: number;
  maxMs: number;
  /** A process up this long counts as healthy: the next restart waits firstMs again. */
  steadyMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, steadyMs: 60_000 };

/** Wait before the restart after `failures` earlier ones in a row (0: the first). */
export function restartDelay(failures: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(failures, 30));
}

export interface SupervisorOptions {
  count: number;
  command: WorkerCommand;
  logger: Logger;
  /** From SIGTERM to SIGKILL on stop(): JOB_LOCK_TIMEOUT (the workers' own wait for active jobs) plus a margin. */
  stopGraceMs: number;
  backoff?: Backoff;
  /** Where the supervisor's own metrics go (the supervisor's /metrics). */
  registry?: Registry;
  /** A worker process is gone (its pid), for the merged metrics to keep what it counted. */
  onExit?(pid: number): void;
}

interface Slot {
  /** 1…N: stable across restarts, in logs and labels (a pid is not). */
  index: number;
  child?: ChildProcess;
  exited?: Promise<void>;
  startedAt: number;
  failures: number;
  timer?: NodeJS.Timeout;
}

interface PendingScrape {
  resolve(metrics: WorkerMetrics['metrics']): void;
}

const KILL_WAIT_MS = 5000;

export class WorkerSupervisor {
  private readonly slots: Slot[];
  private readonly backoff: Backoff;
  private readonly restarts: Counter<'worker'>;
  private readonly running: Gauge;
  private readonly scrapes = new Map<number, PendingScrape>();
  private nextScrape = 0;
  private stopping = false;

  constructor(private readonly options: SupervisorOptions) {
    this.slots = Array.from({ length: options.count }, (_, i) => ({ index: i + 1, startedAt: 0, failures: 0 }));
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    const registers = options.registry ? [options.registry] : [];
    this.restarts = new Counter({
      name: 'pos_bridge_worker_restarts_total',
      help: 'Worker processes restarted after they died, per worker slot',
      labelNames: ['worker'] as const,
      registers,
    });
    this.running = new Gauge({
      name: 'pos_bridge_worker_processes',
      help: 'Worker processes running now (start --workers N: N when all are up)',
      registers,
    });
  }

  start(): void {
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Pids of the worker processes running now. */
  pids(): number[] {
    return this.slots.flatMap((slot) => (slot.child?.pid === undefined ? [] : [slot.child.pid]));
  }

  private spawn(slot: Slot): void {
    const { command, logger } = this.options;
    const child = fork(command.modulePath, command.args(slot.index), { execArgv: command.execArgv, env: command.env });
    slot.child = child;
    slot.startedAt = Date.now();
    this.running.inc();
    let settled = false;
    slot.exited = new Promise((resolve) => {
      const gone = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        resolve();
        this.onExit(slot, child, code, signal);
      };
      child.once('exit', gone);
      // 'exit' may not follow a failed spawn (docs of ChildProcess 'error'): that counts as a death.
      child.on('error', (error) => {
        logger.warn({ worker: slot.index, err: describeError(error) }, 'worker process error');
        if (child.pid === undefined) gone(null, null);
      });
    });
    child.on('message', (message: unknown) => {
      const parsed = parseWorkerMessage(message);
      if (parsed?.type === WORKER_READY) logger.info({ worker: slot.index, pid: child.pid }, 'worker process ready');
      if (parsed?.type === METRICS_REPLY) this.scrapes.get(parsed.id)?.resolve(parsed.metrics);
    });
  }

  private onExit(slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    const { logger } = this.options;
    if (slot.child !== child) return;
    slot.child = undefined;
    this.running.dec();
    if (child.pid !== undefined) this.options.onExit?.(child.pid);
    const upMs = Date.now() - slot.startedAt;
    if (this.stopping) {
      logger.info({ worker: slot.index, pid: child.pid, code, signal }, 'worker process stopped');
      return;
    }
    if (upMs >= this.backoff.steadyMs) slot.failures = 0;
    const restartInMs = restartDelay(slot.failures, this.backoff);
    slot.failures += 1;
    this.restarts.inc({ worker: String(slot.index) });
    logger.warn(
      { worker: slot.index, pid: child.pid, code, signal, upMs, restartInMs, failures: slot.failures },
      'worker process exited; restarting it',
    );
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.stopping) this.spawn(slot);
    }, restartInMs);
  }

  /** Each running worker's registry as JSON; one that does not answer within `timeoutMs` has none. */
  async collectMetrics(timeoutMs: number): Promise<WorkerMetrics[]> {
    const live = this.slots.flatMap((slot) => (slot.child?.pid !== undefined && slot.child.connected ? [slot.child] : []));
    return Promise.all(live.map(async (child) => ({ pid: child.pid!, metrics: await this.scrape(child, timeoutMs) })));
  }

  private scrape(child: ChildProcess, timeoutMs: number): Promise<WorkerMetrics['metrics']> {
    const id = this.nextScrape++;
    return new Promise((resolve) => {
      const done = (metrics: WorkerMetrics['metrics']) => {
        clearTimeout(timer);
        this.scrapes.delete(id);
        resolve(metrics);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.scrapes.set(id, { resolve: done });
      // The channel may close between the check and the send (the process is exiting).
      child.send(metricsRequest(id), (error) => {
        if (error) done(undefined);
      });
    });
  }

  /**
   * No more restarts; SIGTERM to every worker process, which finishes its active jobs; after
   * stopGraceMs the ones still running are killed (their jobs go back to the queue once their
   * locks expire). Resolves when every process is gone.
   */
  async stop(): Promise<void> {
    const { logger, stopGraceMs } = this.options;
    this.stopping = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    const running = this.slots.filter((slot) => slot.child);
    for (const slot of running) slot.child!.kill('SIGTERM');
    const allExited = Promise.all(running.map((slot) => slot.exited ?? Promise.resolve()));
    if (await finishesWithin(allExited, stopGraceMs)) return;
    for (const slot of this.slots) {
      if (!slot.child) continue;
      logger.warn({ worker: slot.index, pid: slot.child.pid, graceMs: stopGraceMs }, 'worker process did not stop in time; killing it');
      slot.child.kill('SIGKILL');
    }
    await finishesWithin(allExited, KILL_WAIT_MS);
  }
}

async function finishesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const finished = await Promise.race([work.then(() => true as const), late]);
  clearTimeout(timer);
  return finished;
}
