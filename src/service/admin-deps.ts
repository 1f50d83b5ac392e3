// Connects the admin API's injected interface to the running pipeline.
import type { AdminDeps, MappingService } from '../admin/deps.js';
import { RedisUiSessions } from '../admin/sessions.js';
import type { Logger } from '../logging.js';
import type { PipelineContext } from '../pipeline/context.js';
import { FailedJobs } from '../pipeline/failed.js';
import { triggerControl } from '../pipeline/runtime.js';
import type { RedisConnection } from '../redis.js';

export interface AdminWiring {
  ctx: PipelineContext;
  redis: RedisConnection;
  mappings: MappingService;
  adminToken: string;
  logger: Logger;
  posPing(): Promise<void>;
  /** UI_SESSION_IDLE / UI_SESSION_MAX; default 30 min / 8 h. */
  uiSession?: { idleMs: number; absoluteMs: number };
}

export function adminDeps(wiring: AdminWiring): AdminDeps {
  const { ctx } = wiring;
  const failed = new FailedJobs(ctx.queues, ctx.store);
  return {
    adminToken: wiring.adminToken,
    logger: wiring.logger,
    metrics: ctx.metrics,
    health: {
      redis: async () => {
        await wiring.redis.ping();
      },
      pos: () => wiring.posPing(),
      edms: () => ctx.adapter.ping(),
    },
    appeals: {
      get: async (posId) => {
        const record = await ctx.store.get(posId);
        if (!record) return null;
        const { posId: id, ...rest } = record;
        return { posId: id, ...rest, pushed: await ctx.store.pushedList(posId) };
      },
    },
    sync: { trigger: async () => ({ jobId: await triggerControl(ctx, 'pull') }) },
    mappings: wiring.mappings,
    failed: {
      list: () => failed.list(),
      retry: (id) => failed.retry(id),
      remove: (id) => failed.remove(id),
    },
    queues: { counts: () => ctx.queues.counts(), all: () => ctx.queues.all() },
    uiSessions: new RedisUiSessions(wiring.redis, ctx.queues.prefix, wiring.uiSession),
    refreshGauges: async () => {
      const counts = await ctx.queues.counts();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, value] of Object.entries(states)) ctx.metrics.queueDepth.set({ queue, state }, value);
        ctx.metrics.failedJobs.set({ queue }, states.failed ?? 0);
      }
    },
  };
}
