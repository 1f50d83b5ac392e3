// Builds the bridge's parts from a validated configuration: Redis, the ПОС client, the EDMS
// adapter, the mapping registry and the pipeline context every role shares.
import type { Logger } from 'pino';
import type { BridgeConfig, OrganisationConfig } from '../config/load.js';
import { requiredSetting } from '../config/required.js';
import { MappingRegistry } from '../mapping/registry.js';
import { DEFAULT_READ_RETRY } from '../http/client.js';
import { RedisRateLimiter } from '../http/rate-limit.js';
import { BridgeMetrics } from '../metrics.js';
import type { MappingSource, PipelineContext, PipelineSettings } from '../pipeline/context.js';
import { createPipeline } from '../pipeline/runtime.js';
import { sharedPrefixFor } from '../pipeline/organisation.js';
import { PosClient } from '../pos/client.js';
import { connectRedis, type RedisConnection } from '../redis.js';
import { EdmsMappingCheck } from './checked-mappings.js';
import { createAdapters } from './edms.js';

const CLOSE_STEP_MS = 5000;

/** Waits for `work` at most `ms`; errors and overruns are ignored (used on the way out only). */
export async function withinTime(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/** One organisation's (ЛКО's) own part of the bridge: its ПОС client, token and pipeline. */
export interface OrganisationServices {
  key: string;
  pos: PosClient;
  ctx: PipelineContext;
}

export interface Services {
  config: BridgeConfig;
  logger: Logger;
  redis: RedisConnection;
  /** The first organisation's ПОС client and pipeline (the only ones of a single-organisation bridge). */
  pos: PosClient;
  mappings: MappingRegistry;
  /** The mapping in use, checked against the EDMS's directories and metadata (readiness, PUT). */
  mappingCheck: EdmsMappingCheck;
  ctx: PipelineContext;
  /** Every organisation in BRIDGE_CONFIG's order; one (`default`) without `organisations:`. */
  organisations: OrganisationServices[];
  close(): Promise<void>;
}

export interface BuildOptions {
  metrics?: BridgeMetrics;
  settings?: Partial<PipelineSettings>;
  /** Watch MAPPINGS_DIR for edits (off for short-lived commands). */
  watchMappings?: boolean;
}

export async function buildServices(config: BridgeConfig, logger: Logger, options: BuildOptions = {}): Promise<Services> {
  if (!config.dataKey) throw new Error('DATA_KEY is required');
  const metrics = options.metrics ?? new BridgeMetrics();
  const redis = connectRedis(config.redis, logger);
  const rate = config.pos.rateLimitPerSecond;
  // One budget for the whole bridge: every organisation's calls take slots from the same limiter.
  const shared = sharedPrefixFor(config.redis.prefix, config.redis.layout);
  const limiter = rate ? new RedisRateLimiter(redis, `${shared}:pos-rate`, rate) : undefined;
  const adapters = await createAdapters(config, { logger, observer: metrics.httpObserver });
  const mappings = new MappingRegistry({
    redis,
    prefix: shared,
    dir: config.mappingsDir,
    logger,
    metrics,
    watch: options.watchMappings ?? true,
    evaluationTimeoutMs: config.mappingTimeoutMs,
  });
  await mappings.start();
  const organisations = config.organisations.map((org): OrganisationServices => {
    const orgLogger = config.organisations.length > 1 ? logger.child({ organisation: org.key }) : logger;
    const pos = new PosClient({
      pos: { ...config.pos, clientId: org.clientId, clientSecret: org.clientSecret },
      organisation: org.key,
      proxy: config.proxy,
      logger: orgLogger,
      observer: metrics.httpObserver,
      retryReads: DEFAULT_READ_RETRY,
      limiter,
    });
    const ctx = createPipeline({
      redis,
      prefix: config.redis.prefix,
      layout: config.redis.layout,
      organisation: org.key,
      organisationConstants: org.constants,
      pos,
      adapter: adapters.get(org.key)!,
      mappings: mappingSourceFor(mappings, org),
      dataKey: requiredSetting(config.dataKey, 'DATA_KEY'),
      previousDataKey: config.previousDataKey,
      logger,
      metrics,
      // A Sentinel set has a replica to promote; a Cluster's WAIT cannot be aimed at the slot's master here.
      waitForReplicas: config.redis.topology?.sentinels?.length ? 1 : 0,
      settings: {
        pageSize: config.pos.pageSize,
        retry: { maxAttempts: config.worker.maxAttempts, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 },
        appealLockMs: config.worker.lockMs,
        retention: config.jobRetention,
        ...options.settings,
      },
    });
    return { key: org.key, pos, ctx };
  });
  const first = organisations[0]!;
  return {
    config,
    logger,
    redis,
    pos: first.pos,
    mappings,
    mappingCheck: new EdmsMappingCheck(first.ctx.adapter, mappings, logger),
    ctx: first.ctx,
    organisations,
    close: async () => {
      // Each step gets a bounded time: shutting down must not hang while Redis is unreachable.
      await withinTime(mappings.stop(), CLOSE_STEP_MS);
      for (const org of organisations) await withinTime(org.ctx.queues.close(), CLOSE_STEP_MS);
      for (const adapter of new Set(adapters.values())) await withinTime(adapter.close(), CLOSE_STEP_MS);
      await withinTime(redis.quit(), CLOSE_STEP_MS);
      redis.disconnect();
      for (const org of organisations) org.pos.close();
    },
  };
}

/** The organisation's mapping: the registry's own for one without a mapping or constants of its own. */
function mappingSourceFor(mappings: MappingRegistry, org: OrganisationConfig): MappingSource {
  if (!org.mapping && Object.keys(org.constants).length === 0) return mappings;
  return { forTarget: (kind) => mappings.forOrganisation(org, kind) };
}
