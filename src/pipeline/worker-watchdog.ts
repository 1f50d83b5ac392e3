// A worker that stopped taking jobs is replaced (jobs waiting, or delayed ones long past due). Seen after a Redis Cluster failover on a loaded
// machine: jobs waiting in a queue for minutes, none active anywhere, the worker's fetch loop parked
// on a connection that never came back, and nothing in BullMQ to notice. The watchdog looks at
// each queue now and then; a worker with jobs waiting, none in hand, no sign of life for `stallMs`,
// and neither paused nor rate-limited (a 429 holds every worker on purpose) is closed in the
// background and a new one takes its place. Jobs are safe either way: a job the old worker still
// held is recovered by BullMQ's stalled-job check.
import type { Queue, Worker } from 'bullmq';
import type { Logger } from '../logging.js';

export interface WatchdogSettings {
  /** How long a worker may take no job while jobs wait before it is replaced. */
  stallMs: number;
  checkEveryMs: number;
}

/** Longer than anything a healthy worker waits: a blocking fetch (≤ 10 s), a rate-limit pause slice (≤ 30 s). */
export const DEFAULT_WATCHDOG: WatchdogSettings = { stallMs: 60_000, checkEveryMs: 15_000 };

/** How long a stuck worker's close may take before it is left to itself. */
const CLOSE_PATIENCE_MS = 5000;

/** One queue's worker, replaced in place by the watchdog. */
export class WorkerSlot {
  private current: Worker;
  private inHand = 0;
  private lastSeen = Date.now();

  constructor(
    readonly queue: Queue,
    private readonly make: () => Worker,
  ) {
    this.current = this.start();
  }

  get worker(): Worker {
    return this.current;
  }

  private start(): Worker {
    const worker = this.make();
    const seen = (delta: number) => () => {
      if (worker !== this.current) return; // a replaced worker's late news is not this slot's
      this.inHand = Math.max(0, this.inHand + delta);
      this.lastSeen = Date.now();
    };
    worker.on('active', seen(1));
    worker.on('completed', seen(-1));
    worker.on('failed', seen(-1));
    worker.on('drained', seen(0));
    return worker;
  }

  /** True when this slot's worker looks stuck (see the module comment); Redis answering is assumed. */
  async stuck(stallMs: number, now = Date.now()): Promise<boolean> {
    const worker = this.current;
    if (worker.closing || worker.isPaused() || this.inHand > 0 || now - this.lastSeen < stallMs) return false;
    if ((await this.queue.getRateLimitTtl()) > 0) {
      this.lastSeen = now; // held on purpose: the stall is counted from the end of the pause
      return false;
    }
    const { waiting = 0, prioritized = 0 } = await this.queue.getJobCounts('waiting', 'prioritized');
    if (waiting + prioritized > 0) return worker === this.current;
    // A delayed job long past its time waits too: a healthy worker brings due jobs forward itself
    // (seen parked: the next pull and watch overdue for minutes in the delayed set).
    const [earliest] = await this.queue.getJobs(['delayed'], 0, 0, true);
    return earliest !== undefined && earliest.timestamp + earliest.delay < now - stallMs && worker === this.current;
  }

  /** A new worker takes over; the old one is closed without waiting for it. */
  replace(): void {
    const old = this.current;
    this.inHand = 0;
    this.lastSeen = Date.now();
    this.current = this.start();
    const patience = new Promise((resolve) => setTimeout(resolve, CLOSE_PATIENCE_MS).unref());
    void Promise.race([old.close(true), patience]).catch(() => undefined);
  }
}

export interface Watchdog {
  stop(): void;
}

export function watchWorkers(
  slots: readonly WorkerSlot[],
  logger: Logger,
  settings: WatchdogSettings,
  onReplaced?: (queue: string) => void,
): Watchdog {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      for (const slot of slots) {
        try {
          if (!(await slot.stuck(settings.stallMs))) continue;
        } catch {
          continue; // Redis not answering: the workers' own reconnects handle that, and /health/ready tells it
        }
        logger.warn({ queue: slot.queue.name, stallMs: settings.stallMs }, 'worker took no job while jobs waited: replaced by a new one');
        slot.replace();
        onReplaced?.(slot.queue.name);
      }
    })().finally(() => {
      busy = false;
    });
  }, settings.checkEveryMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
