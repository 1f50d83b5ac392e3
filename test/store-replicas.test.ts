// The first-attempt mark lets the adapter skip a costly search; with replicas it is believed only
// once one holds it, so that a failover cannot lose it and let a later attempt create a second card.
import { afterAll, describe, expect, it } from 'vitest';
import { AppealStore } from '../src/pipeline/store.js';
import { testRedis, uniquePrefix } from './helpers/redis.js';

describe('first registration attempt and replicas', () => {
  const redis = testRedis();
  afterAll(() => redis.disconnect());

  it('without replicas to wait for, the first mark is the first attempt', async () => {
    const store = new AppealStore(redis, uniquePrefix('attempt'));
    expect(await store.markRegisterAttempt(1)).toBe(true);
    expect(await store.markRegisterAttempt(1)).toBe(false);
  });

  it('a mark no replica acknowledged in time is not trusted: the adapter searches', async () => {
    // The test Redis has no replica, as a Sentinel master has none between a failover and the old master's return.
    const store = new AppealStore(redis, uniquePrefix('attempt'), { waitForReplicas: 1, replicaWaitMs: 50 });
    const started = Date.now();
    expect(await store.markRegisterAttempt(1)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(await store.markRegisterAttempt(1)).toBe(false);
  });
});
