// The benchmark's rate-limited push runs POS_RATE_LIMIT values whose slot is not a whole number of
// milliseconds (1000 / 17 = 58.8 ms): the shared limiter must book such slots, and keep the pace.
import { describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../src/http/rate-limit.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

describe('ПОС request limiter with a fractional slot', () => {
  it('books 18 slots at 17/s no faster than the rate, without a Redis error', async () => {
    const redis = testRedis();
    try {
      const limiter = new RedisRateLimiter(redis, `${uniquePrefix('rate')}:pos-rate`, 17);
      const started = Date.now();
      for (let i = 0; i < 18; i++) await limiter.acquire();
      const seconds = (Date.now() - started) / 1000;
      // Never faster than the rate (a busy machine may only make it slower: no upper bound here).
      expect(seconds).toBeGreaterThanOrEqual(0.95);
    } finally {
      redis.disconnect();
    }
  });
});
