import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** URL of the private redis-server the test run started (never the machine's shared one). */
export function testRedisUrl(): string {
  return inject('redisUrl');
}

/** A fresh connection with a key prefix unique to the calling suite, so suites never collide. */
export function testRedis(): Redis {
  return new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
}

export function uniquePrefix(name: string): string {
  return `t-${name}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Every key under `prefix` and every value it holds, as text: what a grep of Redis would see. */
export async function dumpPrefix(prefix: string): Promise<string> {
  const redis = testRedis();
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    for (const key of keys) {
      parts.push(key);
      const type = await redis.type(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  return parts.join('\n');
}

/** Deletes every key under `prefix` (a state loss confined to one test's bridge); how many went. */
export async function wipePrefix(prefix: string): Promise<number> {
  const redis = testRedis();
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) removed += await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
  return removed;
}
