// The schedules come back when Redis loses them: all of them after a wipe, one whose next run
// alone was lost, one whose next run finished with nothing after it, and nothing is touched while
// they are whole.
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSchedule } from '../../src/config/schedule.js';
import { BridgeQueues, DEFAULT_RETENTION, DEFAULT_RETRY, jobOptions } from '../../src/pipeline/queues.js';
import { guardIntervalMs, installSchedules, restoreSchedules, type Schedules } from '../../src/pipeline/schedules.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

const SCHEDULES: Schedules = { pull: parseSchedule('1m')!, watch: parseSchedule('1m')!, reconcile: parseSchedule('1h')! };

async function removeKeys(redis: Redis, pattern: string): Promise<void> {
  const keys = await redis.keys(pattern);
  if (keys.length) await redis.del(...keys);
}

describe('schedule guard', () => {
  let redis: Redis;
  let prefix: string;
  let queues: BridgeQueues;
  const logger = pino({ level: 'silent' });
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('schedules');
    queues = new BridgeQueues({ url: testRedisUrl() }, prefix);
  });
  afterEach(async () => {
    await queues.close();
    await removeKeys(redis, `${prefix}*`);
    redis.disconnect();
  });

  it('installs again every schedule a wipe took, the one whose next run was lost, and nothing else', async () => {
    const ctx = { queues, logger };
    await installSchedules(ctx, SCHEDULES);
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual([]);

    await removeKeys(redis, `${prefix}*`);
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual(['pull', 'watch', 'reconcile']);
    expect((await queues.control.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'scheduled-pull',
      'scheduled-reconcile',
      'scheduled-watch',
    ]);
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual([]);

    // A failover that lost only the job of the watch's next run: the scheduler alone would never fire.
    const watch = await queues.control.getJobScheduler('scheduled-watch');
    const nextJob = `repeat:scheduled-watch:${watch!.next}`;
    const queueKey = `${prefix}:control`;
    await redis.multi().del(`${queueKey}:${nextJob}`).zrem(`${queueKey}:delayed`, nextJob).lrem(`${queueKey}:wait`, 0, nextJob).exec();
    expect(await queues.control.getJobState(nextJob)).toBe('unknown');
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual(['watch']);
    // Its next run is one period on (the lost slot is not reused); the others still wait to run.
    expect(await queues.control.getJobCounts('delayed', 'waiting')).toMatchObject({ delayed: 1, waiting: 2 });
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual([]);
  });

  it('installs again a schedule whose next run already finished with nothing after it (the worker could not add the following run)', async () => {
    const ctx = { queues, logger };
    await installSchedules(ctx, SCHEDULES);
    // As a worker leaves it when the command that adds the run after next fails in a failover: the
    // run it took is completed, and the scheduler still names it as next.
    const watch = await queues.control.getJobScheduler('scheduled-watch');
    const nextJob = `repeat:scheduled-watch:${watch!.next}`;
    const queueKey = `${prefix}:control`;
    await redis
      .multi()
      .zrem(`${queueKey}:delayed`, nextJob)
      .lrem(`${queueKey}:wait`, 0, nextJob)
      .zadd(`${queueKey}:completed`, Date.now(), nextJob)
      .exec();
    expect(await queues.control.getJobState(nextJob)).toBe('completed');

    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual(['watch']);
    const restored = await queues.control.getJobScheduler('scheduled-watch');
    expect(restored!.next).toBeGreaterThan(watch!.next!);
    expect(await queues.control.getJobState(`repeat:scheduled-watch:${restored!.next}`)).toBe('delayed');
    expect(await restoreSchedules(ctx, SCHEDULES)).toEqual([]);
  });

  it('keeps finished control jobs by age and count; failed register and push jobs stay (they are the failed list)', async () => {
    const retention = { completed: { age: 3600, count: 10 }, failed: { age: 86_400, count: 20 } };
    await installSchedules({ queues, logger, settings: { retention } }, SCHEDULES);
    const scheduler = await queues.control.getJobScheduler('scheduled-pull');
    expect(scheduler?.template?.opts).toMatchObject({
      removeOnComplete: { age: 3600, count: 10 },
      removeOnFail: { age: 86_400, count: 20 },
    });
    expect(jobOptions(DEFAULT_RETRY, retention)).toMatchObject({ removeOnComplete: { age: 3600, count: 10 }, removeOnFail: false });
    expect(jobOptions(DEFAULT_RETRY)).toMatchObject({ removeOnComplete: DEFAULT_RETENTION.completed, removeOnFail: false });
  });

  it('looks as often as the shortest schedule, within 1 to 30 seconds', () => {
    expect(guardIntervalMs(SCHEDULES)).toBe(30_000);
    expect(guardIntervalMs({ ...SCHEDULES, watch: parseSchedule('5s')! })).toBe(5000);
    expect(guardIntervalMs({ ...SCHEDULES, watch: parseSchedule('200ms')! })).toBe(1000);
    expect(guardIntervalMs({ ...SCHEDULES, pull: parseSchedule('*/5 * * * *')! })).toBe(30_000);
  });
});
