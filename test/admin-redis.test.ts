// The admin API over REAL BullMQ queues on the private test Redis: /api/queues counts and the
// Bull-Board API see the same jobs Redis holds.
import { Queue, QueueEvents, Worker, type JobType } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../src/admin/app.js';
import { testRedis, uniquePrefix } from './helpers/redis.js';
import { auth, makeFakes } from './admin-fakes.js';

const STATES: JobType[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized', 'waiting-children'];

let connection: Redis;
const extraConnections: Redis[] = [];
const connect = () => {
  const redis = testRedis();
  extraConnections.push(redis);
  return redis;
};
let prefix: string;
let queues: Queue[];
let app: FastifyInstance;

beforeAll(async () => {
  connection = testRedis();
  prefix = uniquePrefix('admin');
  queues = ['control', 'register', 'push'].map((name) => new Queue(name, { connection, prefix }));
  const [control, register, push] = queues as [Queue, Queue, Queue];

  await register.add('register', { posId: 1 }, { jobId: 'register-1' });
  await register.add('register', { posId: 2 }, { jobId: 'register-2' });
  await register.add('register', { posId: 3 }, { jobId: 'register-3' });
  await push.add('push', { posId: 1 }, { jobId: 'push-1', delay: 60_000 });
  await control.add('pull', {}, { jobId: 'pull-ok' });
  await control.add('pull', { fail: true }, { jobId: 'pull-bad', attempts: 1 });

  // Run the control queue for real: one job completes, one fails for good.
  const events = new QueueEvents('control', { connection: connect(), prefix });
  await events.waitUntilReady();
  const settled = new Promise<void>((resolve) => {
    let count = 0;
    const done = () => { count += 1; if (count === 2) resolve(); };
    events.on('completed', done);
    events.on('failed', done);
  });
  const worker = new Worker('control', async (job) => {
    if ((job.data as { fail?: boolean }).fail) throw new Error('ПОС answered 503');
    return 'ok';
  }, { connection: connect(), prefix });
  await settled;
  await worker.close();
  await events.close();

  const fakes = makeFakes({
    queues: {
      all: () => queues,
      counts: async () => {
        const entries = await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCounts(...STATES)] as const));
        return Object.fromEntries(entries);
      },
    },
  }, queues);
  app = await buildAdminApp(fakes.deps);
});

afterAll(async () => {
  await app?.close();
  for (const queue of queues ?? []) {
    await queue.obliterate({ force: true });
    await queue.close();
  }
  connection?.disconnect();
  for (const redis of extraConnections) redis.disconnect();
});

describe('real BullMQ queues', () => {
  it('GET /api/queues reports the counts Redis holds', async () => {
    const response = await app.inject({ url: '/api/queues', headers: auth });
    expect(response.statusCode).toBe(200);
    const counts = response.json();
    expect(Object.keys(counts).sort()).toEqual(['control', 'push', 'register']);
    expect(counts.register).toMatchObject({ waiting: 3, active: 0, delayed: 0, failed: 0 });
    expect(counts.push).toMatchObject({ waiting: 0, delayed: 1 });
    expect(counts.control).toMatchObject({ completed: 1, failed: 1, waiting: 0 });
  });

  it('Bull-Board lists the queues and their jobs, behind the token', async () => {
    expect((await app.inject({ url: '/ui/api/queues' })).statusCode).toBe(401);
    const response = await app.inject({ url: '/ui/api/queues?activeQueue=control&status=failed&page=1', headers: auth });
    expect(response.statusCode).toBe(200);
    const board = response.json() as { queues: { name: string; counts: Record<string, number>; jobs: { id: string; failedReason?: string }[] }[] };
    const byName = Object.fromEntries(board.queues.map((queue) => [queue.name, queue]));
    expect(Object.keys(byName).sort()).toEqual(['control', 'push', 'register']);
    expect(byName.register!.counts).toMatchObject({ waiting: 3 });
    expect(byName.push!.counts).toMatchObject({ delayed: 1 });
    const failed = byName.control!.jobs.find((job) => job.id === 'pull-bad');
    expect(failed?.failedReason).toBe('ПОС answered 503');
  });

  it('the board page for a queue loads', async () => {
    const response = await app.inject({ url: '/ui/queue/register', headers: auth });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});
