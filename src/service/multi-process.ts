// `pos-bridge start --workers N` (N > 1): the supervisor keeps the admin API and the schedules
// (with --role all; with --role worker it only supervises) and forks N worker processes — the same
// CLI, `start --role worker` with the same environment and working directory, so the same
// configuration. The work is shared through Redis as between any worker processes; /metrics merges
// every process's registry. See src/service/supervisor.ts for restarts and stopping.
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BridgeConfig } from '../config/load.js';
import { createLogger } from '../logging.js';
import { BridgeMetrics } from '../metrics.js';
import { MergedMetrics } from './process-metrics.js';
import { startRole, stopSignal, type RunningService } from './service.js';
import { WorkerSupervisor, type WorkerCommand } from './supervisor.js';
import { serveSupervisor } from './worker-ipc.js';
import { buildServices } from './wiring.js';

/** Past JOB_LOCK_TIMEOUT (the workers' wait for their active jobs): time to close connections. */
const STOP_MARGIN_MS = 10_000;
/** A worker slower than this to send its metrics is shown with its last answer. */
const SCRAPE_TIMEOUT_MS = 2000;

/** `auto`: one worker process per core the process may use. */
export function workerProcessCount(value: number | 'auto'): number {
  return value === 'auto' ? availableParallelism() : value;
}

/** This CLI's entry as fork must run it: the compiled .js, or the .ts source under tsx (tests, `--import tsx`). */
function cliEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return join(dirname(here), '..', 'cli', `entry${extname(here)}`);
}

/** Names the supervisor in its workers' environment: `--worker-slot` is refused in any other process. */
const SUPERVISOR_PID_VARIABLE = 'POS_BRIDGE_SUPERVISOR_PID';

/** This process was forked by `start --workers`: its parent is the supervisor, with an IPC channel to it. */
export function forkedBySupervisor(env: NodeJS.ProcessEnv): boolean {
  return typeof process.send === 'function' && env[SUPERVISOR_PID_VARIABLE] === String(process.ppid);
}

export function workerCommand(env: NodeJS.ProcessEnv): WorkerCommand {
  return {
    modulePath: cliEntry(),
    // `--workers 1` wins over a WORKERS in the environment or .env: a worker never forks again.
    args: (slot) => ['start', '--role', 'worker', '--workers', '1', '--worker-slot', String(slot)],
    execArgv: process.execArgv,
    env: { ...env, [SUPERVISOR_PID_VARIABLE]: String(process.pid) },
  };
}

export async function runSupervisor(config: BridgeConfig, role: 'all' | 'worker', count: number, env: NodeJS.ProcessEnv): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  // Metrics only where /metrics is served: with --role worker nothing here would show them.
  const metrics = role === 'all' ? new BridgeMetrics({ process: 'supervisor' }) : undefined;
  const merged = metrics && new MergedMetrics(metrics.registry);
  const supervisor = new WorkerSupervisor({
    count,
    command: workerCommand(env),
    logger,
    stopGraceMs: config.worker.lockMs + STOP_MARGIN_MS,
    registry: metrics?.registry,
    onExit: (pid) => merged?.retire(pid),
  });
  let running: RunningService | undefined;
  if (metrics && merged) {
    const services = await buildServices(config, logger, { metrics });
    const exposition = async () => (await merged.registry(await supervisor.collectMetrics(SCRAPE_TIMEOUT_MS))).metrics();
    running = await startRole(config, { api: true, scheduler: true, worker: false }, services, { exposition });
  }
  supervisor.start();
  logger.info({ role, workers: count }, 'supervising worker processes');
  const signal = await stopSignal();
  logger.info({ signal, workers: supervisor.pids().length }, 'shutting down: worker processes finish their active jobs');
  // Workers first, the API last: /metrics and /health answer while the workers drain.
  await supervisor.stop();
  await running?.stop();
  logger.info('pos-bridge stopped');
  logger.flush();
  return 0;
}

/** A process the supervisor forked: role worker, its metrics labelled and served over IPC. */
export async function runForkedWorker(config: BridgeConfig, slot: number): Promise<number> {
  const logger = createLogger({ level: config.logLevel }).child({ worker: slot });
  const metrics = new BridgeMetrics({ process: `worker-${slot}` });
  const services = await buildServices(config, logger, { metrics });
  const running = await startRole(config, 'worker', services);
  let orphaned: () => void = () => undefined;
  const supervisorGone = new Promise<'disconnect'>((resolve) => (orphaned = () => resolve('disconnect')));
  const detach = serveSupervisor(metrics.registry, orphaned);
  const signal = await Promise.race([stopSignal(), supervisorGone]);
  // A second signal must not cut the drain short: systemd signals the whole group and the
  // supervisor forwards one more. The supervisor's SIGKILL after the grace is the bound.
  const ignore = () => undefined;
  process.on('SIGTERM', ignore);
  process.on('SIGINT', ignore);
  logger.info({ signal }, 'shutting down: finishing active jobs');
  await running.stop();
  detach();
  logger.info('pos-bridge stopped');
  logger.flush();
  return 0;
}
