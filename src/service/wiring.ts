// Builds the bridge's parts from a validated configuration: Redis, the ПОС client, the EDMS
// adapter, the mapping registry and the pipeline context every role shares.
import type { Logger } from 'pino';
import type { BridgeConfig } from '../config/load.js';
import { MappingRegistry } from '../mapping/registry.js';
import { DEFAULT_READ_RETRY } from '../http/client.js';
import { RedisRateLimiter } from '../http/rate-limit.js';
import { BridgeMetrics } from '../metrics.js';
import type { PipelineContext, PipelineSettings } from '../pipeline/context.js';
import { createPipeline } from '../pipeline/runtime.js';
import { PosClient } from '../pos/client.js';
import { connectRedis, type RedisConnection } from '../redis.js';
import { EdmsMappingCheck } from './checked-mappings.js';
import { createAdapter } from './edms.js';

const CLOSE_STEP_MS = 5000;

/** Waits for `work` at most `ms`; errors and overruns are ignored (used on the way out only). */
export async function withinTime(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export interface Services {
  config: BridgeConfig;
  logger: Logger;
  redis: RedisConnection;
  pos: PosClient;
  mappings: MappingRegistry;
  /** The mapping in use, checked against the EDMS's directories and metadata (readiness, PUT). */
  mappingCheck: EdmsMappingCheck;
  ctx: PipelineContext;
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
  const limiter = rate ? new RedisRateLimiter(redis, `${config.redis.prefix}:pos-rate`, rate) : undefined;
  const pos = new PosClient({ pos: config.pos, proxy: config.proxy, logger, observer: metrics.httpObserver, retryReads: DEFAULT_READ_RETRY, limiter });
  const adapter = await createAdapter(config, { logger, observer: metrics.httpObserver });
  const mappings = new MappingRegistry({
    redis,
    prefix: config.redis.prefix,
    dir: config.mappingsDir,
    logger,
    metrics,
    watch: options.watchMappings ?? true,
    evaluationTimeoutMs: config.mappingTimeoutMs,
  });
  await mappings.start();
  const ctx = createPipeline({
    redis,
    prefix: config.redis.prefix,
    pos,
    adapter,
    mappings,
    dataKey: config.dataKey,
    previousDataKey: config.previousDataKey,
    logger,
    metrics,
    settings: {
      pageSize: config.pos.pageSize,
      retry: { maxAttempts: config.worker.maxAttempts, baseDelayMs: 1000, maxDelayMs: 5 * 60_000 },
      appealLockMs: config.worker.lockMs,
      ...options.settings,
    },
  });
  return {
    config,
    logger,
    redis,
    pos,
    mappings,
    mappingCheck: new EdmsMappingCheck(adapter, mappings, logger),
    ctx,
    close: async () => {
      // Each step gets a bounded time: shutting down must not hang while Redis is unreachable.
      await withinTime(mappings.stop(), CLOSE_STEP_MS);
      await withinTime(ctx.queues.close(), CLOSE_STEP_MS);
      await withinTime(adapter.close(), CLOSE_STEP_MS);
      await withinTime(redis.quit(), CLOSE_STEP_MS);
      redis.disconnect();
      pos.close();
    },
  };
}
