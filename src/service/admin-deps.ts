// Connects the admin API's injected interface to the running pipeline.
import type { AdminDeps, MappingService } from '../admin/deps.js';
import type { Logger } from '../logging.js';
import type { PipelineContext } from '../pipeline/context.js';
import { FailedJobs } from '../pipeline/failed.js';
import { triggerControl } from '../pipeline/runtime.js';
import type { RedisConnection } from '../redis.js';
import { safeMessage } from '../redact.js';

export interface AdminWiring {
  ctx: PipelineContext;
  redis: RedisConnection;
  mappings: MappingService;
  adminToken: string;
  logger: Logger;
  posPing(): Promise<void>;
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
        const { posId: id, lastError, ...rest } = record;
        // Sanitized when written; once more on the way out, for records an older version wrote.
        const safeError = lastError && { ...lastError, message: safeMessage(lastError.message) };
        return { posId: id, ...rest, ...(safeError ? { lastError: safeError } : {}), pushed: await ctx.store.pushedList(posId) };
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
    refreshGauges: async () => {
      const counts = await ctx.queues.counts();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, value] of Object.entries(states)) ctx.metrics.queueDepth.set({ queue, state }, value);
        ctx.metrics.failedJobs.set({ queue }, states.failed ?? 0);
      }
    },
  };
}
