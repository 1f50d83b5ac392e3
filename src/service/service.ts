// `pos-bridge start`: runs the role asked for until SIGTERM/SIGINT, then shuts down gracefully —
// the API stops listening, workers stop taking jobs and finish the active ones (a job still
// running at the end is released to another worker by BullMQ's stalled-job check), exit 0.
import { startAdminServer, type AdminServer } from '../admin/server.js';
import type { CliIO } from '../cli/io.js';
import type { BridgeConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { createLogger } from '../logging.js';
import { guardSchedules, installSchedules, startOrganisationWorkers, workerSettingsOf, type Role, type ScheduleGuard } from '../pipeline/runtime.js';
import type { BridgeWorkers } from '../pipeline/workers.js';
import { warnOnEvictionPolicy } from '../redis.js';
import { adminDeps } from './admin-deps.js';
import { buildServices, withinTime, type Services } from './wiring.js';

export interface RunningService {
  services: Services;
  api?: AdminServer;
  workers?: BridgeWorkers;
  stop(): Promise<void>;
}

/** A real authorised ПОС call (a one-item page): a cached token alone would say nothing of ПОС now. */
async function readinessProbe(services: Services): Promise<void> {
  await services.pos.fetchPage(0, 1);
}

export async function startRole(config: BridgeConfig, role: Role, services: Services): Promise<RunningService> {
  const { ctx, logger } = services;
  await warnOnEvictionPolicy(services.redis, logger);
  const running: RunningService = { services, stop: async () => undefined };
  if (role === 'all' || role === 'worker') {
    running.workers = startOrganisationWorkers(services.organisations.map((org) => org.ctx), services.redis, workerSettingsOf(config));
  }
  const guards: ScheduleGuard[] = [];
  if (role === 'all' || role === 'scheduler') {
    for (const org of services.organisations) {
      await installSchedules(org.ctx, config.schedules);
      // Redis may lose the schedules while the service runs (FLUSHALL, a failover): put them back.
      guards.push(guardSchedules(org.ctx, config.schedules));
    }
  }
  // The start-up pre-flight: a mapping value the EDMS lacks is logged at its line now, not learnt
  // from failed appeals one by one. Not fatal: the EDMS may be down and come back.
  await services.mappingCheck.current().catch((error: unknown) => logger.warn({ err: describeError(error) }, 'mapping not checked against the EDMS at start'));
  if (role === 'all' || role === 'api') {
    const uiSession = { idleMs: config.admin.uiSessionIdleMs, absoluteMs: config.admin.uiSessionMaxMs };
    const organisations = services.organisations.map((org) => ({ key: org.key, ctx: org.ctx, posPing: () => org.pos.fetchPage(0, 1).then(() => undefined) }));
    const deps = adminDeps({ ctx, organisations, redis: services.redis, mappings: services.mappingCheck.service(), mappingCheck: services.mappingCheck, adminToken: config.adminToken ?? '', logger, posPing: () => readinessProbe(services), uiSession });
    running.api = await startAdminServer(deps, { host: config.http.host, port: config.http.port, trustProxy: config.admin.trustProxy, queueUiWritable: config.admin.queueUiWritable });
  }
  running.stop = async () => {
    for (const guard of guards) await guard.stop();
    if (running.api) await withinTime(running.api.close(), 5000);
    // Active jobs get time to finish; past it they are left to BullMQ's stalled-job recovery.
    if (running.workers) await withinTime(running.workers.close(), config.worker.lockMs);
    await services.close();
  };
  logger.info({ role, edms: config.edms.kind, api: running.api?.url }, 'pos-bridge started');
  return running;
}

export async function runService(config: BridgeConfig, role: Role, io: CliIO): Promise<number> {
  void io;
  const logger = createLogger({ level: config.logLevel });
  const services = await buildServices(config, logger);
  const running = await startRole(config, role, services);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'shutting down: finishing active jobs');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await running.stop();
  logger.info('pos-bridge stopped');
  logger.flush();
  return 0;
}
