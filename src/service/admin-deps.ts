// Connects the admin API's injected interface to the running pipeline.
import type { AdminDeps, MappingService } from '../admin/deps.js';
import type { EdmsMappingCheck } from './checked-mappings.js';
import { BridgeError, describeError, type ErrorCode } from '../errors.js';
import { RedisUiSessions } from '../admin/sessions.js';
import { RedisAuditLog } from '../admin/audit.js';
import { RedisConsoleSessions } from '../admin/console-sessions.js';
import { UsersFile } from '../admin/users.js';
import type { Logger } from '../logging.js';
import type { PipelineContext } from '../pipeline/context.js';
import { FailedJobs, OrganisationsFailedJobs } from '../pipeline/failed.js';
import { registerJobId } from '../pipeline/queues.js';
import { triggerControl } from '../pipeline/runtime.js';
import type { RedisConnection } from '../redis.js';
import { DEFAULT_DEADLINE_TIME_ZONE } from '../pipeline/deadline-days.js';
import { openExecutor } from '../pipeline/executor.js';
import { deadlineList, refreshDeadlineGauges } from './deadlines.js';
import { EDMS_NAMES } from './edms.js';
import { safeMessage } from '../redact.js';

/** One organisation's pipeline and its ПОС readiness probe. */
export interface OrganisationWiring {
  key: string;
  ctx: PipelineContext;
  posPing(): Promise<void>;
}

export interface AdminWiring {
  ctx: PipelineContext;
  /** Every organisation; absent: `ctx` and `posPing` are the only one. */
  organisations?: OrganisationWiring[];
  /** The mapping in use checked against the EDMS (readiness and GET /api/status). */
  mappingCheck?: EdmsMappingCheck;
  redis: RedisConnection;
  mappings: MappingService;
  adminToken: string;
  logger: Logger;
  posPing(): Promise<void>;
  /** UI_SESSION_IDLE / UI_SESSION_MAX; default 30 min / 8 h. */
  uiSession?: { idleMs: number; absoluteMs: number };
  /** Key prefix of what all organisations share (sharedPrefixFor): the audit stream and console sessions. Default: ctx's queue prefix. */
  sharedPrefix?: string;
  /** ADMIN_USERS_FILE; absent: only ADMIN_TOKEN opens the API. */
  usersFile?: string;
  /** AUDIT_KEEP; default 365 days. */
  auditKeepMs?: number;
  /** /metrics of every process of `start --workers N`; absent: this process's registry. */
  exposition?: () => Promise<string>;
  /** DEADLINE_TIME_ZONE: whose day the deadline list counts in; default Europe/Moscow. */
  deadlineTimeZone?: string;
}

/** Unready while values of the mapping in use are missing from the EDMS; an EDMS that cannot be asked is the edms check's to report. */
async function mappingReady(check: EdmsMappingCheck): Promise<void> {
  const state = await check.current();
  if (state.problems.length > 0) {
    throw new BridgeError(
      'EDMS_REFERENCE_UNKNOWN',
      `${state.problems.length} value(s) of mapping ${state.mapping} are not in the EDMS; see GET /api/status`,
    );
  }
}

export function adminDeps(wiring: AdminWiring): AdminDeps {
  const { ctx } = wiring;
  const organisations = wiring.organisations ?? [{ key: ctx.organisation, ctx, posPing: () => wiring.posPing() }];
  const several = organisations.length > 1;
  const shared = wiring.sharedPrefix ?? ctx.queues.prefix;
  // Queue names carry the organisation, so every organisation's counts fit in one record.
  const allCounts = async (): Promise<Record<string, Record<string, number>>> =>
    Object.fromEntries(
      (await Promise.all(organisations.map((org) => org.ctx.queues.counts()))).flatMap((counts) => Object.entries(counts)),
    );
  const failed = new OrganisationsFailedJobs(new Map(organisations.map((org) => [org.key, new FailedJobs(org.ctx.queues, org.ctx.store)])));
  return {
    adminToken: wiring.adminToken,
    logger: wiring.logger,
    metrics: ctx.metrics,
    ...(wiring.exposition ? { exposition: wiring.exposition } : {}),
    health: {
      redis: async () => {
        await wiring.redis.ping();
      },
      pos: () => organisations[0]!.posPing(),
      ...(several ? { organisations: Object.fromEntries(organisations.map((org) => [org.key, () => org.posPing()])) } : {}),
      // A code and the EDMS's name, never the EDMS's own text; a ping that passes lifts a recorded pause.
      edms: async () => {
        try {
          await ctx.adapter.ping();
        } catch (error) {
          const { code } = describeError(error);
          throw new BridgeError(code === 'INTERNAL' ? 'TRANSIENT' : (code as ErrorCode), `${EDMS_NAMES[ctx.adapter.kind]} is unavailable`, {
            system: ctx.adapter.kind,
          });
        }
        // Not awaited: bringing held jobs forward must not make the readiness answer late.
        ctx.edmsGate
          .answered()
          .catch((error: unknown) => wiring.logger.warn({ code: describeError(error).code }, 'could not lift the EDMS pause'));
      },
      ...(wiring.mappingCheck ? { mapping: () => mappingReady(wiring.mappingCheck!) } : {}),
    },
    mappingCheck: wiring.mappingCheck
      ? () =>
          wiring.mappingCheck!.current().then(
            (state) => state,
            () => null,
          )
      : undefined,
    appeals: {
      get: async (posId) => {
        // The same ПОС id can be two organisations' (one forwarded it to the other): the first holder is shown.
        const holders: { org: OrganisationWiring; record: NonNullable<Awaited<ReturnType<PipelineContext['store']['get']>>> }[] = [];
        for (const org of organisations) {
          const record = await org.ctx.store.get(posId);
          if (record) holders.push({ org, record });
        }
        const [shown, ...others] = holders;
        if (!shown) return null;
        const { posId: id, lastError, executorSealed, ...rest } = shown.record;
        const executor = openExecutor(shown.org.ctx.cipher, id, executorSealed);
        // Sanitized when written; once more on the way out, for records an older version wrote.
        const safeError = lastError && { ...lastError, message: safeMessage(lastError.message) };
        return {
          posId: id,
          organisation: shown.org.key,
          ...(others.length > 0 ? { alsoIn: others.map((other) => other.org.key) } : {}),
          ...rest,
          ...(executor ? { executor } : {}),
          ...(safeError ? { lastError: safeError } : {}),
          pushed: await shown.org.ctx.store.pushedList(posId),
        };
      },
      // The bridge keeps an appeal only sealed in its register job (no copy elsewhere): held while
      // BullMQ keeps the job (JOB_KEEP_COMPLETED_AGE after registration; a failed one until replayed or dropped).
      held: async (posId) => {
        for (const org of organisations) {
          if (!(await org.ctx.store.get(posId))) continue;
          const job = await org.ctx.queues.register.getJob(registerJobId(posId));
          const sealed = job?.data.sealedAppeal;
          if (!sealed) return { organisation: org.key, gone: true as const };
          return { organisation: org.key, appeal: org.ctx.cipher.openJson<unknown>(sealed, { purpose: 'appeal', posId }) };
        }
        return null;
      },
    },
    deadlines: deadlineList(organisations, wiring.deadlineTimeZone ?? DEFAULT_DEADLINE_TIME_ZONE, wiring.logger),
    sync: {
      // Every organisation pulls; the answer names the first one's job (one id per organisation in the logs).
      trigger: async () => {
        const ids: string[] = [];
        for (const org of organisations) ids.push(await triggerControl(org.ctx, 'pull'));
        return { jobId: ids[0]! };
      },
    },
    mappings: wiring.mappings,
    failed: {
      list: (filter) => failed.list(filter),
      organisations: organisations.map((org) => org.key),
      retry: (id) => failed.retry(id),
      remove: (id) => failed.remove(id),
      retryCode: (code, filter) => failed.retryCode(code, filter?.organisation),
    },
    queues: {
      counts: allCounts,
      all: () => organisations.flatMap((org) => org.ctx.queues.all()),
    },
    // Shared by every api process and the CLI: one stream, one set of console sessions.
    audit: new RedisAuditLog(wiring.redis, shared, { keepMs: wiring.auditKeepMs }),
    uiSessions: new RedisUiSessions(wiring.redis, ctx.queues.prefix, wiring.uiSession),
    consoleSessions: new RedisConsoleSessions(wiring.redis, shared, wiring.uiSession),
    ...(wiring.usersFile ? { users: new UsersFile(wiring.usersFile) } : {}),
    refreshGauges: async () => {
      const counts = await allCounts();
      for (const [queue, states] of Object.entries(counts)) {
        for (const [state, value] of Object.entries(states)) ctx.metrics.queueDepth.set({ queue, state }, value);
        ctx.metrics.failedJobs.set({ queue }, states.failed ?? 0);
      }
      await ctx.edmsGate.outage(true); // sets pos_bridge_edms_available from the shared record
      await refreshDeadlineGauges(organisations, ctx.metrics);
    },
  };
}
