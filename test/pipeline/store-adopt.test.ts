// The store's side of a state loss: an adoption is written whole or not at all, a hash that holds
// only a stray field (a job that ran through the loss wrote it) does not count as a known appeal,
// and what the store does know is never overwritten.
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppealStore, type Adoption } from '../../src/pipeline/store.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const adoption: Adoption = {
  edmsId: '42',
  registration: { number: 'ОГ-17', date: '2025-03-01' },
  assumedDelivered: [
    {
      step: 'registered',
      status: 'REGISTERED',
      statusText: 'assumed delivered (reconciled after state loss)',
      at: '2025-03-02T10:00:00.000Z',
    },
    { step: 'in_work', status: 'IN_WORK', statusText: 'assumed delivered (reconciled after state loss)', at: '2025-03-02T10:00:00.000Z' },
  ],
  finalInDoubt: true,
};

describe('AppealStore adoption', () => {
  let redis: Redis;
  let prefix: string;
  let store: AppealStore;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('adopt');
    store = new AppealStore(redis, prefix);
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('writes the record, the assumed steps, the final in doubt and the open set together', async () => {
    expect(await store.adoptFromEdms(7, adoption)).toBe(true);
    expect(await store.get(7)).toMatchObject({ posId: 7, state: 'accepted', edmsId: '42', regNumber: 'ОГ-17', regDate: '2025-03-01' });
    expect([...(await store.delivered(7)).keys()].sort()).toEqual(['in_work', 'registered']);
    expect(await store.inFlight(7)).toBe('final');
    expect(await store.openAppeals()).toEqual([7]);
  });

  it('adopts over a stray hash without a state, and keeps a delivery recorded after the loss', async () => {
    // A push that was running when Redis was wiped marks its post in flight, and one records an
    // interim status that did land: fields without a state.
    await store.markInFlight(8, 'final');
    await store.recordDelivered(8, { step: 'in_work', status: 'IN_WORK', statusText: 'В работе', at: '2025-03-02T09:00:00.000Z' });
    expect(await store.has(8)).toBe(false);
    expect(await store.get(8)).toBeNull();
    expect(await store.adoptFromEdms(8, adoption)).toBe(true);
    expect(await store.has(8)).toBe(true);
    expect((await store.delivered(8)).get('in_work')?.statusText).toBe('В работе');
    expect(await store.inFlight(8)).toBe('final');
  });

  it('leaves an appeal the store knows alone', async () => {
    await store.markQueued(9);
    expect(await store.adoptFromEdms(9, adoption)).toBe(false);
    expect(await store.get(9)).toMatchObject({ state: 'queued' });
    expect((await store.delivered(9)).size).toBe(0);
    expect(await store.inFlight(9)).toBeNull();
    expect(await store.openAppeals()).toEqual([]);
  });
});
