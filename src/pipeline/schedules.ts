// The pull / watch / reconcile schedules (BullMQ job schedulers, the same ids from every scheduler
// process), and their guard: BullMQ keeps a schedule only as keys in Redis, so a Redis that lost
// them (FLUSHALL, a failover that dropped writes) would leave a running service silent until it is
// restarted. Each scheduler process looks now and then and installs again what is gone.
import type { Schedule } from '../config/schedule.js';
import { describeError } from '../errors.js';
import type { PipelineContext, PipelineSettings } from './context.js';
import { DEFAULT_RETENTION, controlJobRetention, type ControlJobData } from './queues.js';

/** What the schedules need of the pipeline: the control queue, a logger to say what came back, and the job retention. */
type ScheduleContext = Pick<PipelineContext, 'queues' | 'logger'> & { settings?: Pick<PipelineSettings, 'retention'> };

export type ScheduleKind = ControlJobData['kind'];
export type Schedules = Record<ScheduleKind, Schedule>;

const KINDS: readonly ScheduleKind[] = ['pull', 'watch', 'reconcile'];
/** A guard looks at least this often, and not more often than this. */
const GUARD_MAX_MS = 30_000;
const GUARD_MIN_MS = 1000;

function schedulerId(kind: ScheduleKind): string {
  return `scheduled-${kind}`;
}

function repeatOptions(schedule: Schedule): { every: number } | { pattern: string } {
  return schedule.kind === 'every' ? { every: schedule.ms } : { pattern: schedule.pattern };
}

async function installSchedule(ctx: ScheduleContext, kind: ScheduleKind, schedule: Schedule): Promise<void> {
  await ctx.queues.control.upsertJobScheduler(schedulerId(kind), repeatOptions(schedule), {
    name: kind,
    data: { kind },
    opts: controlJobRetention(ctx.settings?.retention ?? DEFAULT_RETENTION),
  });
}

/** Installs (or updates) the three schedules. */
export async function installSchedules(ctx: ScheduleContext, schedules: Schedules): Promise<void> {
  for (const kind of KINDS) await installSchedule(ctx, kind, schedules[kind]);
}

/** States of a next run that is still to come (or running now, its successor about to be added). */
const PENDING_STATES = new Set(['delayed', 'waiting', 'prioritized', 'active', 'waiting-children']);

/**
 * A schedule is alive while its scheduler exists and the job of its next run is still to come. A
 * worker adds the run after next only after it took the next one (a separate command): if that
 * command failed (a failover), the "next" run is already completed and nothing follows it.
 */
async function scheduleAlive(ctx: ScheduleContext, kind: ScheduleKind): Promise<boolean> {
  const scheduler = await ctx.queues.control.getJobScheduler(schedulerId(kind));
  if (!scheduler) return false;
  if (scheduler.next === undefined || scheduler.next === null) return true;
  return PENDING_STATES.has(await ctx.queues.control.getJobState(`repeat:${schedulerId(kind)}:${scheduler.next}`));
}

/** Installs again the schedules Redis no longer has; returns their kinds. */
export async function restoreSchedules(ctx: ScheduleContext, schedules: Schedules): Promise<ScheduleKind[]> {
  const restored: ScheduleKind[] = [];
  for (const kind of KINDS) {
    if (await scheduleAlive(ctx, kind)) continue;
    await installSchedule(ctx, kind, schedules[kind]);
    restored.push(kind);
  }
  if (restored.length > 0) ctx.logger.warn({ restored }, 'schedules were missing in Redis (it lost data?): installed again');
  return restored;
}

/** As often as the shortest schedule, within 1–30 s: a lost schedule is back about one period late. */
export function guardIntervalMs(schedules: Schedules): number {
  const periods = KINDS.map((kind) => schedules[kind]).map((schedule) => (schedule.kind === 'every' ? schedule.ms : GUARD_MAX_MS));
  return Math.min(GUARD_MAX_MS, Math.max(GUARD_MIN_MS, Math.min(...periods)));
}

export interface ScheduleGuard {
  stop(): Promise<void>;
}

export function guardSchedules(ctx: ScheduleContext, schedules: Schedules, everyMs = guardIntervalMs(schedules)): ScheduleGuard {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    // Redis being down is told by /health/ready and the workers; the guard just tries again.
    running = restoreSchedules(ctx, schedules)
      .catch((error: unknown) => ctx.logger.debug({ err: describeError(error) }, 'schedules not checked'))
      .finally(() => {
        busy = false;
      });
  }, everyMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
