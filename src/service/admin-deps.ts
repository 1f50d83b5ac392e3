// Connects the admin API's injected interface to the running pipeline.
import type { AdminDeps, MappingService } from '../admin/deps.js';
import type { EdmsMappingCheck } from './checked-mappings.js';
import { BridgeError, describeError, type ErrorCode } from '../errors.js';
import { RedisUiSessions } from '../admin/sessions.js';
import type { Logger } from '../logging.js';
import type { PipelineContext } from '../pipeline/context.js';
import { FailedJobs } from '../pipeline/failed.js';
import { triggerControl } from '../pipeline/runtime.js';
import type { RedisConnection } from '../redis.js';
import { EDMS_NAMES } from './edms.js';
import { safeMessage } from '../redact.js';

export interface AdminWiring {
  ctx: PipelineContext;
  /** The mapping in use checked against the EDMS (readiness and GET /api/status). */
  mappingCheck?: EdmsMappingCheck;
  redis: RedisConnection;
  mappings: MappingService;
  adminToken: string;
  logger: Logger;
  posPing(): Promise<void>;
  /** UI_SESSION_IDLE / UI_SESSION_MAX; default 30 min / 8 h. */
  uiSession?: { idleMs: number; absoluteMs: number };
}

/** Unready while values of the mapping in use are missing from the EDMS; an EDMS that cannot be asked is the edms check's to report. */
async function mappingReady(check: EdmsMappingCheck): Promise<void> {
  const state = await check.current();
  if (state.problems.length > 0) {
    throw new BridgeError('EDMS_REFERENCE_UNKNOWN', `${state.problems.length} value(s) of mapping ${state.mapping} are not in the EDMS; see GET /api/status`, false);
  }
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
      // A code and the EDMS's name, never the EDMS's own text; a ping that passes lifts a recorded pause.
      edms: async () => {
        try {
          await ctx.adapter.ping();
        } catch (error) {
          const { code } = describeError(error);
          throw new BridgeError(code === 'INTERNAL' ? 'TRANSIENT' : (code as ErrorCode), `${EDMS_NAMES[ctx.adapter.kind]} is unavailable`, true, { system: ctx.adapter.kind });
        }
        // Not awaited: bringing held jobs forward must not make the readiness answer late.
        ctx.edmsGate.answered().catch((error: unknown) => wiring.logger.warn({ code: describeError(error).code }, 'could not lift the EDMS pause'));
      },
      ...(wiring.mappingCheck ? { mapping: () => mappingReady(wiring.mappingCheck!) } : {}),
    },
    mappingCheck: wiring.mappingCheck ? () => wiring.mappingCheck!.current().then((state) => state, () => null) : undefined,
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
    uiSessions: new RedisUiSessions(wiring.redis, ctx.queues.prefix, wiring.uiSession),
    refreshGauges: async () => {
      const counts = await ctx.queues.counts();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, value] of Object.entries(states)) ctx.metrics.queueDepth.set({ queue, state }, value);
        ctx.metrics.failedJobs.set({ queue }, states.failed ?? 0);
      }
      await ctx.edmsGate.outage(true); // sets pos_bridge_edms_available from the shared record
    },
  };
}
