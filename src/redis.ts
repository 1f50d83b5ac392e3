// Redis connections for queues and state: a URL, or Sentinel / Cluster from the YAML config.
import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BridgeConfig } from './config/load.js';

export type RedisConnection = Redis | Cluster;

/** Connects; connection errors are logged (at most every 10 s) instead of surfacing as unhandled events. */
export function connectRedis(config: BridgeConfig['redis'], logger?: Logger): RedisConnection {
  const connection = openRedis(config);
  let lastLogged = 0;
  connection.on('error', (error: Error) => {
    if (Date.now() - lastLogged < 10_000) return;
    lastLogged = Date.now();
    logger?.warn({ err: error.message }, 'Redis connection problem; reconnecting');
  });
  return connection;
}

/** A connection that tries once, within `connectTimeout`, and never queues commands while down. */
const ONE_TRY = {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => null,
  sentinelRetryStrategy: () => null,
  lazyConnect: true,
} as const;

function openRedis(config: BridgeConfig['redis'], probe?: { connectTimeout: number }): RedisConnection {
  // BullMQ needs maxRetriesPerRequest null: blocking commands must wait out a reconnect.
  const common = probe ? { ...ONE_TRY, connectTimeout: probe.connectTimeout, enableReadyCheck: true } : { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false };
  const topology = config.topology;
  if (topology?.cluster?.length) {
    const url = new URL(config.url);
    return new Cluster(topology.cluster, {
      redisOptions: { ...common, password: url.password || undefined, username: url.username || undefined },
      ...(probe ? { clusterRetryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true } : {}),
    });
  }
  if (topology?.sentinels?.length) {
    const url = new URL(config.url);
    return new Redis({ ...common, sentinels: topology.sentinels, name: topology.name ?? 'mymaster', password: url.password || undefined });
  }
  return new Redis(config.url, common);
}

/** Where Redis is, for messages: host and port (or the topology), never the password. */
export function describeRedis(config: BridgeConfig['redis']): string {
  if (config.topology?.cluster?.length) return 'the Redis Cluster';
  if (config.topology?.sentinels?.length) return `Redis (Sentinel ${config.topology.name ?? 'mymaster'})`;
  try {
    const url = new URL(config.url);
    return `Redis at ${url.host}`;
  } catch {
    return 'Redis';
  }
}

/** One bounded try: connects (at most `timeoutMs`), PINGs and disconnects; throws what went wrong. */
export async function probeRedis(config: BridgeConfig['redis'], timeoutMs: number): Promise<void> {
  const connection = openRedis(config, { connectTimeout: Math.max(100, Math.round(timeoutMs)) });
  // The socket's own error (ECONNREFUSED, WRONGPASS) says more than the "Connection is closed." connect rejects with.
  let cause: Error | undefined;
  connection.on('error', (error: Error) => (cause ??= error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs)} ms`)), timeoutMs);
    });
    await Promise.race([(async () => {
      await connection.connect();
      await connection.ping();
    })(), late]);
  } catch (error) {
    throw cause ?? error;
  } finally {
    clearTimeout(timer);
    connection.disconnect();
  }
}

/** Queues need Redis to keep every key: warn when eviction could silently drop jobs or state. */
export async function warnOnEvictionPolicy(redis: RedisConnection, logger: Logger): Promise<void> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as unknown as string[];
    const policy = reply?.[1];
    if (policy && policy !== 'noeviction') {
      logger.warn({ policy }, 'Redis maxmemory-policy is not noeviction: under memory pressure Redis may drop queue jobs and appeal state. Set maxmemory-policy noeviction.');
    }
  } catch {
    // Managed Redis services often forbid CONFIG; nothing to check then.
  }
}
