// The audit stream in Redis: newest first, `before` paging, the action filter, AUDIT_KEEP trimming
// on an injected clock.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisAuditLog } from '../../src/admin/audit.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

let redis: Redis;
beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});

const DAY = 86_400_000;

describe('RedisAuditLog', () => {
  it('lists newest first, pages with an exclusive `before`, filters by action', async () => {
    let now = Date.parse('2026-03-01T08:00:00Z');
    const log = new RedisAuditLog(redis, uniquePrefix('audit'), { now: () => now });
    for (let i = 1; i <= 7; i += 1) {
      now += 1000;
      await log.record({ who: 'alice', role: 'operator', action: i % 2 ? 'failed.retry' : 'sync.start', target: `job-${i}` });
    }
    const all = await log.list();
    expect(all.map((entry) => entry.target)).toEqual(['job-7', 'job-6', 'job-5', 'job-4', 'job-3', 'job-2', 'job-1']);
    expect(all[0]).toEqual({
      id: `${Date.parse('2026-03-01T08:00:07Z')}-0`,
      at: '2026-03-01T08:00:07.000Z',
      who: 'alice',
      role: 'operator',
      action: 'failed.retry',
      target: 'job-7',
    });
    const first = await log.list({ limit: 3 });
    expect(first.map((entry) => entry.target)).toEqual(['job-7', 'job-6', 'job-5']);
    const second = await log.list({ limit: 3, before: first[2]!.id });
    expect(second.map((entry) => entry.target)).toEqual(['job-4', 'job-3', 'job-2']);
    const last = await log.list({ limit: 3, before: second[2]!.id });
    expect(last.map((entry) => entry.target)).toEqual(['job-1']);
    expect(await log.list({ before: last[0]!.id })).toEqual([]);

    const retries = await log.list({ action: 'failed.retry', limit: 2 });
    expect(retries.map((entry) => entry.target)).toEqual(['job-7', 'job-5']);
    const older = await log.list({ action: 'failed.retry', before: retries[1]!.id });
    expect(older.map((entry) => entry.target)).toEqual(['job-3', 'job-1']);
    expect(await log.list({ action: 'user.add' })).toEqual([]);
  });

  it('trims entries older than AUDIT_KEEP when it appends', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const prefix = uniquePrefix('audit');
    const log = new RedisAuditLog(redis, prefix, { keepMs: 30 * DAY, now: () => now });
    await log.record({ who: 'a', action: 'user.add', target: 'old' });
    now += 20 * DAY;
    await log.record({ who: 'a', action: 'user.add', target: 'middle' });
    now += 20 * DAY; // 40 days after the first
    await log.record({ who: 'a', action: 'user.add', target: 'new' });
    expect((await log.list()).map((entry) => entry.target)).toEqual(['new', 'middle']);
    expect(await redis.xlen(`${prefix}:audit`)).toBe(2);
  });

  it('keeps recording when another clock ran ahead (ids must grow)', async () => {
    let now = Date.parse('2026-02-01T00:00:00Z');
    const log = new RedisAuditLog(redis, uniquePrefix('audit'), { now: () => now });
    await log.record({ who: 'a', action: 'sync.start', target: 'ahead' });
    now -= 60_000;
    await log.record({ who: 'b', action: 'sync.start', target: 'behind' });
    expect((await log.list()).map((entry) => entry.target)).toEqual(['behind', 'ahead']);
  });
});
