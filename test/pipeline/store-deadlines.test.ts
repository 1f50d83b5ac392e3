// The deadline index: registration puts an appeal in it at its ПОС answerAt, a pushed postponement
// moves it, the final answer or setting it aside takes it out; reconcile's adoption puts it back
// when the EDMS progress tells the deadline.
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppealStore } from '../../src/pipeline/store.js';
import { testRedis, wipePrefix, uniquePrefix } from '../helpers/redis.js';

const ANSWER_AT = '2026-03-12T09:15:00.000+03:00';
const POSTPONED = '2026-04-02T00:00:00Z';
const step = (name: string, status: string) => ({ step: name, status, at: '2026-03-05T10:00:00.000Z' });

describe('AppealStore deadline index', () => {
  let redis: Redis;
  let prefix: string;
  let store: AppealStore;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('deadlines');
    store = new AppealStore(redis, prefix);
  });
  afterEach(async () => {
    await wipePrefix(prefix);
    redis.disconnect();
  });

  it('adds at registration, moves at a pushed postponement, removes at the final answer', async () => {
    await store.markQueued(7);
    await store.markRegistered(7, 'E7', { number: 'ОГ-7', date: '2026-03-02' }, new Date(), ANSWER_AT);
    expect(await store.deadlines.of(7)).toBe(Date.parse(ANSWER_AT));
    expect(await store.get(7)).toMatchObject({ state: 'registered', deadline: ANSWER_AT, regNumber: 'ОГ-7' });
    expect(await redis.zrange(`${prefix}:deadlines`, 0, -1)).toEqual(['7']);

    await store.markAccepted(7);
    await store.recordDelivered(7, step('in_work', 'IN_WORK'));
    expect(await store.deadlines.of(7)).toBe(Date.parse(ANSWER_AT));
    await store.updateExecutor(7, 'v2.sealed-name');
    await store.recordDelivered(7, step(`postponed:${POSTPONED}`, 'POSTPONED'), POSTPONED);
    expect(await store.deadlines.of(7)).toBe(Date.parse(POSTPONED));
    expect(await store.get(7)).toMatchObject({ state: 'accepted', deadline: POSTPONED, executorSealed: 'v2.sealed-name' });
    expect(await store.deadlines.dueBy(Date.parse(POSTPONED))).toEqual([{ posId: 7, deadlineMs: Date.parse(POSTPONED) }]);
    expect(await store.deadlines.dueBy(Date.parse(POSTPONED) - 1)).toEqual([]);

    await store.recordDelivered(7, step('final', 'SOLVED'));
    expect(await store.deadlines.of(7)).toBeNull();
    expect(await store.deadlines.countDueBy(Number.MAX_SAFE_INTEGER)).toBe(0);
    expect((await store.get(7))!.state).toBe('answered');
  });

  it('lists by deadline, counts the due ones, and leaves out an appeal without answerAt', async () => {
    await store.markRegistered(1, 'E1', undefined, new Date(), '2026-03-20T10:00:00+03:00');
    await store.markRegistered(2, 'E2', undefined, new Date(), '2026-03-10T10:00:00+03:00');
    await store.markRegistered(3, 'E3', undefined, new Date());
    expect((await store.deadlines.dueBy(Date.parse('2026-03-31T00:00:00Z'))).map((due) => due.posId)).toEqual([2, 1]);
    expect(await store.deadlines.countDueBy(Date.parse('2026-03-15T00:00:00Z'))).toBe(1);
    expect(await store.deadlines.of(3)).toBeNull();
  });

  it('keeps the deadline of a registration awaiting confirmation and takes a set-aside appeal out', async () => {
    await store.markAwaitingRegistration(4, 'E4', ANSWER_AT);
    expect(await store.deadlines.of(4)).toBeNull(); // not durable yet: not registered
    expect((await store.get(4))!.deadline).toBe(ANSWER_AT);
    await store.markRegistered(4, 'E4', undefined, new Date(), (await store.get(4))!.deadline);
    expect(await store.deadlines.of(4)).toBe(Date.parse(ANSWER_AT));
    await store.setAside(4, 'EDMS_REJECTED', 'the EDMS refused the record');
    expect(await store.deadlines.of(4)).toBeNull();
  });

  it('adoption indexes the deadline the EDMS progress told, and nothing without one', async () => {
    expect(await store.adoptFromEdms(5, { edmsId: 'E5', assumedDelivered: [], finalInDoubt: false, deadline: POSTPONED })).toBe(true);
    expect(await store.deadlines.of(5)).toBe(Date.parse(POSTPONED));
    expect(await store.get(5)).toMatchObject({ state: 'accepted', deadline: POSTPONED });
    expect(await store.adoptFromEdms(6, { edmsId: 'E6', assumedDelivered: [step('registered', 'REGISTERED')], finalInDoubt: true })).toBe(
      true,
    );
    expect(await store.deadlines.of(6)).toBeNull();
    expect([...(await store.delivered(6)).keys()]).toEqual(['registered']);
  });
});
