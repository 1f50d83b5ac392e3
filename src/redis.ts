// Redis connections for queues and state: a URL, or Sentinel / Cluster from the YAML config;
// rediss:// means TLS in all three.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { BridgeConfig } from './config/load.js';

/** Where Redis is: what a connection needs of the configuration (not the key layout). */
export type RedisSettings = Omit<BridgeConfig['redis'], 'layout'>;

export type RedisConnection = Redis | Cluster;

/** Connects; connection errors are logged (at most every 10 s) instead of surfacing as unhandled events. */
export function connectRedis(config: RedisSettings, logger?: Logger): RedisConnection {
  const connection = openRedis(config);
  connection.on('error', throttledRedisWarning(logger));
  return connection;
}

const LINK_ERRORS =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|All sentinels are unreachable|CLUSTERDOWN|Too many Cluster redirections/;

/** The link to Redis failed (a restart, a failover), not a command. */
export function isRedisLinkError(error: Error): boolean {
  return LINK_ERRORS.test(error.message) || LINK_ERRORS.test(String((error as NodeJS.ErrnoException).code ?? ''));
}

/**
 * Logs a Redis connection problem at most every `everyMs`: ioredis retries many times a second
 * while a server restarts or a replica is promoted, and each try is an error event.
 */
export function throttledRedisWarning(
  logger: Logger | undefined,
  fields: Record<string, unknown> = {},
  everyMs = 10_000,
): (error: Error) => void {
  let lastLogged = 0;
  return (error) => {
    if (Date.now() - lastLogged < everyMs) return;
    lastLogged = Date.now();
    logger?.warn({ ...fields, err: error.message }, 'Redis connection problem; reconnecting');
  };
}

/** How a connection is opened; built apart from opening so that tests can inspect it (TLS). */
export type RedisPlan =
  | { kind: 'url'; url: string; options: RedisOptions }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: ClusterOptions }
  | { kind: 'sentinel'; options: RedisOptions };

/** A connection that tries once, within `connectTimeout`, and never queues commands while down. */
const ONE_TRY = {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => null,
  sentinelRetryStrategy: () => null,
  lazyConnect: true,
} as const;

/**
 * ioredis counts every retry of a Cluster command against maxRedirections (default 16 × 100 ms):
 * a command would give up long before a replica takes over (cluster-node-timeout, 15 s by default,
 * plus an election). These let one command wait out about a minute of CLUSTERDOWN and closed nodes.
 */
export const CLUSTER_FAILOVER_PATIENCE = { retryDelayOnFailover: 500, retryDelayOnClusterDown: 500, maxRedirections: 120 } as const;

/**
 * A master demoted to replica (a failover while the bridge stayed connected) answers writes with
 * READONLY: reconnect — Sentinel names the new master — and resend the write, which did not run.
 */
export function reconnectOnReadOnly(error: Error): 2 | false {
  return error.message.startsWith('READONLY') ? 2 : false;
}

export function redisPlan(config: RedisSettings, probe?: { connectTimeout: number }): RedisPlan {
  // BullMQ needs maxRetriesPerRequest null: blocking commands must wait out a reconnect.
  const common: RedisOptions = probe
    ? { ...ONE_TRY, connectTimeout: probe.connectTimeout, enableReadyCheck: true }
    : { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false };
  const topology = config.topology;
  // Not for Cluster nodes (a demoted master's slots answer MOVED there) nor the one-try probe.
  const followFailover: RedisOptions = probe ? {} : { reconnectOnError: reconnectOnReadOnly };
  if (!topology?.cluster?.length && !topology?.sentinels?.length)
    return { kind: 'url', url: config.url, options: { ...common, ...followFailover } };
  // With a URL, ioredis reads rediss:// itself; with nodes from the config file it must be told.
  const url = new URL(config.url);
  const tls = url.protocol === 'rediss:';
  const credentials = { username: decodeURIComponent(url.username) || undefined, password: decodeURIComponent(url.password) || undefined };
  if (topology.cluster?.length) {
    return {
      kind: 'cluster',
      // Copies: the configuration is frozen and ioredis reorders its node lists.
      nodes: topology.cluster.map((node) => ({ ...node })),
      options: {
        redisOptions: { ...common, ...credentials, ...(tls ? { tls: {} } : {}) },
        // Certificates name hosts: keep the names (not resolved IPs) so TLS can check them.
        ...(tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
        ...(probe ? { clusterRetryStrategy: () => null, enableOfflineQueue: false, lazyConnect: true } : CLUSTER_FAILOVER_PATIENCE),
      },
    };
  }
  const sentinelTls = topology.sentinelTls ?? tls;
  return {
    kind: 'sentinel',
    options: {
      ...common,
      ...followFailover,
      ...credentials,
      sentinels: topology.sentinels?.map((node) => ({ ...node })),
      name: topology.name ?? 'mymaster',
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      ...(sentinelTls ? { sentinelTLS: {} } : {}),
    },
  };
}

function openRedis(config: RedisSettings, probe?: { connectTimeout: number }): RedisConnection {
  const plan = redisPlan(config, probe);
  if (plan.kind === 'cluster') return new Cluster(plan.nodes, plan.options);
  if (plan.kind === 'sentinel') return new Redis(plan.options);
  return new Redis(plan.url, plan.options);
}

/** Where Redis is, for messages: host and port (or the topology), never the password. */
export function describeRedis(config: RedisSettings): string {
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
export async function probeRedis(config: RedisSettings, timeoutMs: number): Promise<void> {
  const connection = openRedis(config, { connectTimeout: Math.max(100, Math.round(timeoutMs)) });
  // The socket's own error (ECONNREFUSED, WRONGPASS) says more than the "Connection is closed." connect rejects with.
  let cause: Error | undefined;
  connection.on('error', (error: Error) => (cause ??= error));
  let timer: NodeJS.Timeout | undefined;
  try {
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs)} ms`)), timeoutMs);
    });
    await Promise.race([
      (async () => {
        await connection.connect();
        await connection.ping();
      })(),
      late,
    ]);
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
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply?.[1];
    if (policy && policy !== 'noeviction') {
      logger.warn(
        { policy },
        'Redis maxmemory-policy is not noeviction: under memory pressure Redis may drop queue jobs and appeal state. Set maxmemory-policy noeviction.',
      );
    }
  } catch {
    // Managed Redis services often forbid CONFIG; nothing to check then.
  }
}
