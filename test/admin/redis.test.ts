// The admin API over REAL BullMQ queues on the private test Redis: /api/queues counts and the
// Bull-Board API see the same jobs Redis holds.
import { Queue, QueueEvents, Worker, type JobType } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';
import { auth, makeFakes } from './fakes.js';

const STATES: JobType[] = ['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'];

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
    const done = () => {
      count += 1;
      if (count === 2) resolve();
    };
    events.on('completed', done);
    events.on('failed', done);
  });
  const worker = new Worker(
    'control',
    async (job) => {
      if ((job.data as { fail?: boolean }).fail) throw new Error('ПОС answered 503');
      return 'ok';
    },
    { connection: connect(), prefix },
  );
  await settled;
  await worker.close();
  await events.close();

  const fakes = makeFakes(
    {
      queues: {
        all: () => queues,
        counts: async () => {
          const entries = await Promise.all(queues.map(async (queue) => [queue.name, await queue.getJobCounts(...STATES)] as const));
          return Object.fromEntries(entries);
        },
      },
    },
    queues,
  );
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
    const board = response.json() as {
      queues: { name: string; counts: Record<string, number>; jobs: { id: string; failedReason?: string }[] }[];
    };
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

describe('Bull-Board is read-only unless QUEUE_UI_WRITABLE=true', () => {
  // Every action the board offers, as its own client sends them.
  const actions: [string, string, object?][] = [
    ['PUT', '/ui/api/queues/control/pull-bad/retry'],
    ['PUT', '/ui/api/queues/control/retry/failed'],
    ['PUT', '/ui/api/queues/push/push-1/promote'],
    ['PUT', '/ui/api/queues/push/promote'],
    ['PUT', '/ui/api/queues/register/register-1/clean'],
    ['PUT', '/ui/api/queues/register/clean/waiting'],
    ['PUT', '/ui/api/queues/register/empty'],
    ['PUT', '/ui/api/queues/register/pause'],
    ['PUT', '/ui/api/queues/pause'],
    ['PUT', '/ui/api/queues/register/obliterate', {}],
    ['POST', '/ui/api/queues/register/add', { name: 'register', data: { posId: 9, sealedAppeal: 'copied' } }],
    ['PATCH', '/ui/api/queues/register/register-2/update-data', { jobData: { posId: 2, sealedAppeal: 'copied' } }],
    ['DELETE', '/ui/api/queues/register/register-1'],
    ['POST', '/ui/api/queues/register/register-1/retry'],
  ];

  it('refuses every write under /ui with 403, server-side, and changes nothing', async () => {
    const before = await (await app.inject({ url: '/api/queues', headers: auth })).json();
    for (const [method, url, payload] of actions) {
      const response = await app.inject({ method: method as 'PUT', url, headers: auth, ...(payload ? { payload } : {}) });
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json(), `${method} ${url}`).toMatchObject({
        error: 'forbidden',
        message: expect.stringContaining('QUEUE_UI_WRITABLE'),
      });
    }
    expect(await (await app.inject({ url: '/api/queues', headers: auth })).json()).toEqual(before);
    expect((await queues[1]!.getJob('register-2'))!.data).toEqual({ posId: 2 });
    // Reading still works, and the board says it is read-only (its buttons are hidden).
    const board = (await app.inject({ url: '/ui/api/queues', headers: auth })).json() as { queues: { readOnlyMode: boolean }[] };
    expect(board.queues.every((queue) => queue.readOnlyMode)).toBe(true);
    // A stranger still hears 401 first.
    expect((await app.inject({ method: 'PUT', url: '/ui/api/queues/register/empty' })).statusCode).toBe(401);
  });

  it('with QUEUE_UI_WRITABLE=true the actions work', async () => {
    const writable = await buildAdminApp(makeFakes({ queues: { all: () => queues, counts: async () => ({}) } }, queues).deps, {
      queueUiWritable: true,
    });
    try {
      const board = (await writable.inject({ url: '/ui/api/queues', headers: auth })).json() as { queues: { readOnlyMode: boolean }[] };
      expect(board.queues.some((queue) => queue.readOnlyMode)).toBe(false);
      const promote = await writable.inject({ method: 'PUT', url: '/ui/api/queues/push/push-1/promote', headers: auth });
      expect(promote.statusCode, promote.body).toBeLessThan(300);
      expect(await queues[2]!.getJob('push-1').then((job) => job!.getState())).toBe('waiting');
    } finally {
      await writable.close();
    }
  });
});
