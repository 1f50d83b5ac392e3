// The watchdog replaces a worker whose fetch loop is parked (as after a Cluster failover, seen with
// jobs waiting for minutes and none active): here the worker's blocking wait never returns. It
// leaves alone a worker that is only idle, and one held by a rate limit (a 429 holds every worker).
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchWorkers, WorkerSlot, type Watchdog } from '../../src/pipeline/worker-watchdog.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { waitFor } from './harness.js';

const SETTINGS = { stallMs: 1000, checkEveryMs: 100 };

/** A worker whose wait for the next job never ends: jobs added later are never taken. */
function parked(worker: Worker): Worker {
  Object.assign(worker, { waitForJob: () => new Promise<number>(() => undefined) });
  return worker;
}

describe('worker watchdog', () => {
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let slot: WorkerSlot | undefined;
  let watchdog: Watchdog | undefined;
  const replaced: string[] = [];
  const logger = pino({ level: 'silent' });

  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix('watchdog');
    queue = new Queue('push', { connection: { url: testRedisUrl() }, prefix });
    replaced.length = 0;
  });
  afterEach(async () => {
    watchdog?.stop();
    await slot?.worker.close(true);
    await queue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  /** A slot whose first worker is parked (or none is), the watchdog on it. */
  function start(park: 'first' | 'none'): Worker[] {
    const made: Worker[] = [];
    slot = new WorkerSlot(queue, () => {
      const worker = new Worker('push', async () => 'done', { connection: { url: testRedisUrl() }, prefix });
      worker.on('error', () => undefined);
      made.push(park === 'first' && made.length === 0 ? parked(worker) : worker);
      return worker;
    });
    watchdog = watchWorkers([slot], logger, SETTINGS, (name) => replaced.push(name));
    return made;
  }

  const completed = async () => (await queue.getJobCounts('completed')).completed ?? 0;

  it('replaces a worker that takes no job while jobs wait, and the new one takes them', async () => {
    const made = start('first');
    await waitFor('the first worker to find the queue empty', async () => made[0]!.isRunning(), 5000, 20);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.addBulk([1, 2, 3].map((n) => ({ name: 'push', data: { n } })));
    // Parked: nothing is taken before the watchdog steps in.
    await new Promise((resolve) => setTimeout(resolve, SETTINGS.stallMs / 2));
    expect(await completed()).toBe(0);

    await waitFor('all three jobs done', async () => (await completed()) === 3, 15_000, 50);
    expect(replaced).toEqual(['push']);
    expect(made).toHaveLength(2);
    expect(slot!.worker).toBe(made[1]);
  });

  it('replaces a parked worker whose delayed job is long past its time (nothing waiting)', async () => {
    const made = start('first');
    await waitFor('the first worker to run', async () => made[0]!.isRunning(), 5000, 20);
    await queue.add('push', { n: 1 }, { delay: 100 });
    await waitFor('the delayed job done', async () => (await completed()) === 1, 15_000, 50);
    expect(replaced).toEqual(['push']);
  });

  it('leaves an idle worker alone, and one held by a rate limit until the limit ends', async () => {
    const made = start('first');
    await waitFor('the first worker to run', async () => made[0]!.isRunning(), 5000, 20);
    // Idle with nothing waiting: not stuck, however long.
    await new Promise((resolve) => setTimeout(resolve, SETTINGS.stallMs * 2));
    expect(replaced).toEqual([]);

    // Jobs wait, but a 429 holds the queue: the stall counts from the end of the pause.
    await queue.rateLimit(3000);
    await queue.add('push', { n: 1 });
    await new Promise((resolve) => setTimeout(resolve, SETTINGS.stallMs * 2));
    expect(replaced).toEqual([]);

    await waitFor('the job done after the pause', async () => (await completed()) === 1, 15_000, 50);
    expect(replaced).toEqual(['push']);
  });

  it('never replaces a healthy worker that keeps taking jobs', async () => {
    start('none');
    for (let round = 0; round < 5; round += 1) {
      await queue.add('push', { round });
      await new Promise((resolve) => setTimeout(resolve, SETTINGS.stallMs / 2));
    }
    await waitFor('five jobs done', async () => (await completed()) === 5, 10_000, 50);
    expect(replaced).toEqual([]);
  });
});
