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

function openRedis(config: BridgeConfig['redis']): RedisConnection {
  // BullMQ needs maxRetriesPerRequest null: blocking commands must wait out a reconnect.
  const common = { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false };
  const topology = config.topology;
  if (topology?.cluster?.length) {
    const url = new URL(config.url);
    return new Cluster(topology.cluster, {
      redisOptions: { ...common, password: url.password || undefined, username: url.username || undefined },
    });
  }
  if (topology?.sentinels?.length) {
    const url = new URL(config.url);
    return new Redis({ ...common, sentinels: topology.sentinels, name: topology.name ?? 'mymaster', password: url.password || undefined });
  }
  return new Redis(config.url, common);
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
