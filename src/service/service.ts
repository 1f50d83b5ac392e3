// `pos-bridge start`: runs the role asked for until SIGTERM/SIGINT, then shuts down gracefully —
// the API stops listening, workers stop taking jobs and finish the active ones (a job still
// running at the end is released to another worker by BullMQ's stalled-job check), exit 0.
import { startAdminServer, type AdminServer } from '../admin/server.js';
import type { BridgeConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { createLogger } from '../logging.js';
import {
  guardSchedules,
  installSchedules,
  startOrganisationWorkers,
  workerSettingsOf,
  type Role,
  type ScheduleGuard,
} from '../pipeline/runtime.js';
import type { BridgeWorkers } from '../pipeline/workers.js';
import { warnOnEvictionPolicy } from '../redis.js';
import { sharedPrefixFor } from '../pipeline/organisation.js';
import { adminDeps } from './admin-deps.js';
import { buildServices, withinTime, type Services } from './wiring.js';

export interface RunningService {
  services: Services;
  api?: AdminServer;
  workers?: BridgeWorkers;
  stop(): Promise<void>;
}

/** The parts of a role; `start --workers N` runs api and scheduler in the supervisor, the workers forked. */
export interface RoleParts {
  api: boolean;
  worker: boolean;
  scheduler: boolean;
}

export function partsOf(role: Role): RoleParts {
  return {
    api: role === 'all' || role === 'api',
    worker: role === 'all' || role === 'worker',
    scheduler: role === 'all' || role === 'scheduler',
  };
}

function roleName(role: Role | RoleParts): string {
  if (typeof role === 'string') return role;
  return (['api', 'worker', 'scheduler'] as const).filter((part) => role[part]).join('+');
}

export interface StartOptions {
  /** What /metrics serves instead of this process's registry (the supervisor's merge of every process). */
  exposition?: () => Promise<string>;
}

export async function startRole(
  config: BridgeConfig,
  role: Role | RoleParts,
  services: Services,
  options: StartOptions = {},
): Promise<RunningService> {
  const { ctx, logger } = services;
  const parts = typeof role === 'string' ? partsOf(role) : role;
  await warnOnEvictionPolicy(services.redis, logger);
  const running: RunningService = { services, stop: async () => undefined };
  if (parts.worker) {
    running.workers = startOrganisationWorkers(
      services.organisations.map((org) => org.ctx),
      services.redis,
      workerSettingsOf(config),
    );
  }
  const guards: ScheduleGuard[] = [];
  if (parts.scheduler) {
    for (const org of services.organisations) {
      await installSchedules(org.ctx, config.schedules);
      // Redis may lose the schedules while the service runs (FLUSHALL, a failover): put them back.
      guards.push(guardSchedules(org.ctx, config.schedules));
    }
  }
  // The start-up pre-flight: a mapping value the EDMS lacks is logged at its line now, not learnt
  // from failed appeals one by one. Not fatal: the EDMS may be down and come back.
  await services.mappingCheck
    .current()
    .catch((error: unknown) => logger.warn({ err: describeError(error) }, 'mapping not checked against the EDMS at start'));
  if (parts.api) {
    const uiSession = { idleMs: config.admin.uiSessionIdleMs, absoluteMs: config.admin.uiSessionMaxMs };
    // A real authorised ПОС call (a one-item page) per organisation: a cached token alone would say nothing of ПОС now.
    const organisations = services.organisations.map((org) => ({
      key: org.key,
      ctx: org.ctx,
      posPing: () => org.pos.fetchPage(0, 1).then(() => undefined),
    }));
    const deps = adminDeps({
      ctx,
      organisations,
      redis: services.redis,
      mappings: services.mappingCheck.service(),
      mappingCheck: services.mappingCheck,
      adminToken: config.adminToken ?? '',
      logger,
      posPing: organisations[0]!.posPing,
      uiSession,
      sharedPrefix: sharedPrefixFor(config.redis.prefix, config.redis.layout),
      usersFile: config.admin.usersFile,
      auditKeepMs: config.admin.auditKeepMs,
      exposition: options.exposition,
      deadlineTimeZone: config.deadlines.timeZone,
    });
    running.api = await startAdminServer(deps, {
      host: config.http.host,
      port: config.http.port,
      trustProxy: config.admin.trustProxy,
      queueUiWritable: config.admin.queueUiWritable,
    });
  }
  running.stop = async () => {
    for (const guard of guards) await guard.stop();
    if (running.api) await withinTime(running.api.close(), 5000);
    // Active jobs get time to finish; past it they are left to BullMQ's stalled-job recovery.
    if (running.workers) await withinTime(running.workers.close(), config.worker.lockMs);
    await services.close();
  };
  logger.info({ role: roleName(role), edms: config.edms.kind, api: running.api?.url }, 'pos-bridge started');
  return running;
}

/** Resolves with the first SIGTERM or SIGINT. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}

export interface ServiceOptions {
  /** Worker processes to fork (`--workers`, WORKERS, `auto` resolved); 1 or absent: everything in this process. */
  workers?: number;
  /** Set in a process the supervisor forked (`--worker-slot`): which of its N slots this is. */
  workerSlot?: number;
}

export async function runService(config: BridgeConfig, role: Role, env: NodeJS.ProcessEnv, options: ServiceOptions = {}): Promise<number> {
  if (options.workerSlot !== undefined || (options.workers ?? 1) > 1) {
    const { runForkedWorker, runSupervisor } = await import('./multi-process.js');
    if (options.workerSlot !== undefined) return runForkedWorker(config, options.workerSlot);
    if (role === 'all' || role === 'worker') return runSupervisor(config, role, options.workers!, env);
  }
  const logger = createLogger({ level: config.logLevel });
  // WORKERS in a .env shared with api or scheduler processes: those have no workers to fork.
  if ((options.workers ?? 1) > 1) logger.warn({ role, workers: options.workers }, 'WORKERS is ignored by this role: it runs no workers');
  const services = await buildServices(config, logger);
  const running = await startRole(config, role, services);
  const signal = await stopSignal();
  logger.info({ signal }, 'shutting down: finishing active jobs');
  await running.stop();
  logger.info('pos-bridge stopped');
  logger.flush();
  return 0;
}
