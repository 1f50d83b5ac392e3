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
