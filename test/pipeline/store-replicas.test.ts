// Marks a failover must not lose: the first-attempt mark lets the adapter skip a costly search, so
// with replicas it is believed only once one holds it; a final answer's in-flight mark is given
// time to reach a replica before the answer goes out.
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { AppealStore } from '../../src/pipeline/store.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

describe('first registration attempt and replicas', () => {
  const redis = testRedis();
  afterEach(() => vi.restoreAllMocks());
  afterAll(() => redis.disconnect());

  it('without replicas to wait for, the first mark is the first attempt', async () => {
    const store = new AppealStore(redis, uniquePrefix('attempt'));
    expect(await store.markRegisterAttempt(1)).toBe(true);
    expect(await store.markRegisterAttempt(1)).toBe(false);
  });

  it('a mark no replica acknowledged in time is not trusted: the adapter searches', async () => {
    // The test Redis has no replica, as a Sentinel master has none between a failover and the old master's return.
    const store = new AppealStore(redis, uniquePrefix('attempt'), { waitForReplicas: 1, replicaWaitMs: 50 });
    const wait = vi.spyOn(redis, 'wait');
    expect(await store.markRegisterAttempt(1)).toBe(false);
    expect(wait.mock.calls).toEqual([[1, 50]]);
    expect(await wait.mock.results[0]!.value).toBe(0);
    expect(await store.markRegisterAttempt(1)).toBe(false);
  });

  it('the final answer waits for its in-flight mark to reach a replica, then goes out anyway; interim steps do not wait', async () => {
    const store = new AppealStore(redis, uniquePrefix('inflight'), { waitForReplicas: 1, replicaWaitMs: 500 });
    const wait = vi.spyOn(redis, 'wait');
    await store.markInFlight(7, 'registered');
    expect(wait).not.toHaveBeenCalled();
    await store.markInFlight(7, 'final');
    // WAIT for one replica, up to 500 ms: none acknowledged, and the mark stands all the same.
    expect(wait.mock.calls).toEqual([[1, 500]]);
    expect(await wait.mock.results[0]!.value).toBe(0);
    expect(await store.inFlight(7)).toBe('final');
  });
});
