// Assembles a running bridge from its parts and starts the role an operator asked for:
//   api       — admin HTTP API only;
//   worker    — register and push workers (any number of these processes on one Redis);
//   scheduler — the job schedulers for pull / watch / reconcile (idempotent: several are harmless);
//   all       — everything in one process.
import type { Logger } from 'pino';
import type { EdmsAdapter } from '../../adapters/contract.js';
import type { BridgeConfig } from '../config/load.js';
import { BridgeMetrics } from '../metrics.js';
import type { RedisConnection } from '../redis.js';
import { DEFAULT_SETTINGS, type MappingSource, type PipelineContext, type PipelineSettings, type PosApi } from './context.js';
import { PayloadCipher } from './crypto.js';
import { EdmsGate } from './edms-gate.js';
import { DEFAULT_ORGANISATION, sharedPrefixFor, statePrefixFor, type KeyLayout } from './organisation.js';
import { BridgeQueues, DEFAULT_RETRY, controlJobRetention, type ControlJobData } from './queues.js';
import { RunLedger } from './run-ledger.js';
import { AppealStore } from './store.js';
import { startWorkers, type BridgeWorkers, type WorkerSettings } from './workers.js';

export { guardSchedules, installSchedules, type ScheduleGuard } from './schedules.js';

export type Role = 'all' | 'api' | 'worker' | 'scheduler';
export const ROLES: readonly Role[] = ['all', 'api', 'worker', 'scheduler'];

export interface PipelineParts {
  redis: RedisConnection;
  prefix: string;
  /** How keys spread over a Cluster's slots (organisation.ts); default one-slot. */
  layout?: KeyLayout;
  pos: PosApi;
  adapter: EdmsAdapter<unknown>;
  mappings: MappingSource;
  dataKey: Buffer;
  previousDataKey?: Buffer;
  logger: Logger;
  metrics?: BridgeMetrics;
  settings?: Partial<PipelineSettings> & { pageSize: number };
  /** The organisation (ЛКО) this pipeline serves; `default` keeps the single-organisation names. */
  organisation?: string;
  organisationConstants?: Readonly<Record<string, unknown>>;
  /** Replicas the store's first-attempt and final in-flight marks must reach (store.ts); Sentinel: 1. */
  waitForReplicas?: number;
}

export function createPipeline(parts: PipelineParts): PipelineContext {
  const settings: PipelineSettings = {
    ...DEFAULT_SETTINGS,
    retry: DEFAULT_RETRY,
    ...parts.settings,
    pageSize: parts.settings?.pageSize ?? 20,
  };
  const organisation = parts.organisation ?? DEFAULT_ORGANISATION;
  const layout = parts.layout ?? 'one-slot';
  const queues = new BridgeQueues(parts.redis, parts.prefix, organisation, layout);
  const metrics = parts.metrics ?? new BridgeMetrics({ defaultMetrics: false });
  const statePrefix = statePrefixFor(parts.prefix, organisation, layout);
  const logger = organisation === DEFAULT_ORGANISATION ? parts.logger : parts.logger.child({ organisation });
  return {
    organisation,
    organisationConstants: parts.organisationConstants ?? {},
    pos: parts.pos,
    adapter: parts.adapter,
    mappings: parts.mappings,
    store: new AppealStore(parts.redis, statePrefix, { waitForReplicas: parts.waitForReplicas }),
    cipher: new PayloadCipher(parts.dataKey, parts.previousDataKey ? [parts.previousDataKey] : []),
    queues,
    metrics,
    logger,
    settings,
    // One EDMS behind every organisation: its availability is kept once, with what they share.
    edmsGate: new EdmsGate({
      redis: parts.redis,
      prefix: sharedPrefixFor(parts.prefix, layout),
      adapter: parts.adapter,
      registerQueue: queues.register,
      metrics,
      logger,
      settings: settings.edmsGate,
    }),
    runs: new RunLedger(parts.redis, statePrefix),
  };
}

/** Queues one control job now (POST /api/sync, `sync`); a second request while one waits is merged. */
export async function triggerControl(ctx: PipelineContext, kind: ControlJobData['kind']): Promise<string> {
  const job = await ctx.queues.control.add(
    kind,
    { kind },
    {
      deduplication: { id: `manual-${kind}` },
      ...controlJobRetention(ctx.settings.retention),
    },
  );
  return job.id ?? `manual-${kind}`;
}

export function startPipelineWorkers(ctx: PipelineContext, redis: RedisConnection, settings: WorkerSettings): BridgeWorkers {
  return startWorkers(ctx, redis, settings);
}

/** Workers for every organisation's queues: each ЛКО has its own, so one's backlog never queues another's appeals. */
export function startOrganisationWorkers(
  contexts: readonly PipelineContext[],
  redis: RedisConnection,
  settings: WorkerSettings,
): BridgeWorkers {
  const started = contexts.map((ctx) => startPipelineWorkers(ctx, redis, settings));
  return {
    get all() {
      return started.flatMap((workers) => workers.all);
    },
    close: async (force = false) => {
      await Promise.all(started.map((workers) => workers.close(force)));
    },
  };
}

/** Worker settings from the configuration, shared by `start` and `sync`. */
export function workerSettingsOf(config: BridgeConfig): WorkerSettings {
  return {
    concurrency: config.worker.concurrency,
    lockDurationMs: config.worker.lockMs,
    stalledIntervalMs: Math.max(500, Math.floor(config.worker.lockMs / 2)),
  };
}
