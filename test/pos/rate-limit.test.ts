// POS_RATE_LIMIT paces requests to ПОС across processes: with the emulator limited to R requests/s
// and the bridge's clients (two "processes") limited to the same R, ПОС never answers 429 and the
// pace stays under R. (How much of R the bridge uses is measured in bench/, not asserted here.)
import { afterEach, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../../src/http/rate-limit.js';
import { PosClient } from '../../src/pos/client.js';
import { startPosEmulator, type PosEmulator } from '../../src/pos/emulator/index.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

describe('ПОС request rate limit', () => {
  let emulator: PosEmulator | undefined;
  afterEach(async () => emulator?.close());

  it('two clients sharing one limit never draw a 429 and stay under it', async () => {
    const rate = 40;
    emulator = await startPosEmulator();
    await emulator.control.generate(1);
    // A little burst room on the server side absorbs timer and scheduling jitter on a busy machine.
    await emulator.control.settings({ rateLimit: { perSecond: rate, burst: 5 } });
    const key = `${uniquePrefix('rate')}:pos-rate`;
    const redisA = testRedis();
    const redisB = testRedis();
    const pos = {
      baseUrl: emulator.url,
      platformClientId: 'pos-bridge',
      platformClientSecret: 'platform-secret',
      clientId: 'demo-org',
      clientSecret: 'demo-secret',
      pageSize: 20,
      timeoutMs: 5000,
      maxAttachmentBytes: 1 << 20,
    };
    const clients = [redisA, redisB].map((redis) => new PosClient({ pos, limiter: new RedisRateLimiter(redis, key, rate) }));
    const requests = 120;
    const started = Date.now();
    await Promise.all(Array.from({ length: requests }, (_, i) => clients[i % 2]!.fetchPage(0, 1)));
    const seconds = (Date.now() - started) / 1000;
    const stats = await emulator.control.stats();
    redisA.disconnect();
    redisB.disconnect();
    expect(stats.requestsOverLimit).toBe(0);
    expect((requests + 2) / seconds).toBeLessThanOrEqual(rate * 1.1);
  });
});
