// The drain the topology tests run while they kill Redis servers: 300 appeals, two worker
// processes and a scheduler of the real CLI (as scale.test.ts), clerks answering in the EDMS, and
// the exactly-once checks afterwards.
import type { ChildProcess } from 'node:child_process';
import type { ConnectionOptions } from 'bullmq';
import { expect } from 'vitest';
import { generateAppeals, type SeedAppeal } from '../../fixtures/generator.js';
import { answerPdf } from '../../src/demo/clerk.js';
import { keyLayoutFor, statePrefixFor } from '../../src/pipeline/organisation.js';
import { BridgeQueues } from '../../src/pipeline/queues.js';
import { AppealStore } from '../../src/pipeline/store.js';
import { connectRedis, type RedisConnection } from '../../src/redis.js';
import { spawnBridgeProcess, waitFor, type World } from './harness.js';

export interface Drain {
  appeals: SeedAppeal[];
  /** A connection made as the bridge makes it (the topology from BRIDGE_CONFIG). */
  redis: RedisConnection;
  store: AppealStore;
  queues: BridgeQueues;
  children: ChildProcess[];
  /** What the bridge processes logged at warn and above (JSON lines). */
  logs: string[];
  stop(): Promise<void>;
}

/** SIGTERM, and SIGKILL if the process has not finished its jobs within `graceMs`. */
function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A later phase of a drain: the same appeals (not seeded again), the bridge under other settings. */
export interface DrainPhase {
  appeals: SeedAppeal[];
  env: Record<string, string>;
}

export async function startDrain(world: World, count: number, seed: number, phase?: DrainPhase): Promise<Drain> {
  const appeals = phase?.appeals ?? generateAppeals(count, { seed });
  if (!phase) await world.sandbox.pos.control.seed(appeals);
  const redis = connectRedis(world.config.redis);
  // The prefix and key layout the bridge runs under (QUEUE_PREFIX may override the world's own).
  const prefix = phase?.env.QUEUE_PREFIX ?? world.config.redis.prefix;
  const layout = keyLayoutFor(prefix, Boolean(world.config.redis.topology?.cluster?.length));
  const extraEnv = phase?.env ?? {};
  const children = [
    spawnBridgeProcess(world, 'worker', extraEnv),
    spawnBridgeProcess(world, 'worker', extraEnv),
    spawnBridgeProcess(world, 'scheduler', extraEnv),
  ];
  const logs: string[] = [];
  for (const child of children) {
    child.stderr?.on('data', (chunk: Buffer) =>
      logs.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line.includes('"level":"')),
      ),
    );
  }
  const queues = new BridgeQueues(redis as ConnectionOptions, prefix, undefined, layout);
  // The test's own view of the queues: its connection drops at each kill, on purpose.
  for (const queue of queues.all()) queue.on('error', () => undefined);
  return {
    appeals,
    redis,
    store: new AppealStore(redis, statePrefixFor(prefix, undefined, layout)),
    queues,
    children,
    logs,
    stop: async () => {
      await Promise.all(children.map((child) => stopProcess(child)));
      await queues.close();
      redis.disconnect();
    },
  };
}

export async function acceptedTotal(world: World): Promise<number> {
  return (await world.sandbox.pos.control.stats()).acceptedTotal;
}

export async function answeredTotal(world: World): Promise<number> {
  return (await world.sandbox.pos.control.appeals()).filter((a) => a.answered).length;
}

/** Every second appeal is taken into work first, then every appeal is answered, in the EDMS. */
export async function answerAll(world: World, drain: Drain): Promise<void> {
  for (const appeal of drain.appeals) {
    const edmsId = (await drain.store.get(appeal.id))?.edmsId;
    if (!edmsId) throw new Error(`appeal ${appeal.id} has no EDMS id in the store`);
    if (appeal.id % 2 === 0) await world.sandbox.edms.control.assign(edmsId, { surname: 'Орлов', name: 'Денис' });
    await world.sandbox.edms.control.answer(edmsId, { text: 'Ответ по существу', file: answerPdf(appeal.id) });
  }
}

export async function waitAllAccepted(world: World, drain: Drain): Promise<void> {
  await waitFor('all accepted', async () => (await acceptedTotal(world)) === drain.appeals.length, 120_000, 250);
}

export async function waitAllAnswered(world: World, drain: Drain): Promise<void> {
  try {
    await waitFor('all answered', async () => (await answeredTotal(world)) === drain.appeals.length, 120_000, 250);
  } catch (error) {
    console.log('unanswered after the wait:', JSON.stringify(await unanswered(world, drain), null, 1));
    console.log('queues:', JSON.stringify(await drain.queues.counts()), 'bridge logged:', tally(drain.logs));
    const schedulers = await drain.queues.control.getJobSchedulers();
    const next = await Promise.all(
      schedulers.map(async (s) => [s.key, s.next, await drain.queues.control.getJobState(`repeat:${s.key}:${s.next}`)]),
    );
    console.log('schedulers:', JSON.stringify(next), 'checkpoint:', await drain.store.checkpoint());
    throw error;
  }
}

/** What the bridge knows of the appeals ПОС has no answer for: a failed wait says where they stopped. */
async function unanswered(world: World, drain: Drain): Promise<unknown[]> {
  const views = await world.sandbox.pos.control.appeals();
  const open = views.filter((view) => !view.answered && typeof view.id === 'number').map((view) => view.id as number);
  return Promise.all(
    open.slice(0, 5).map(async (posId) => ({
      posId,
      history: (await world.sandbox.pos.control.appeal(posId)).history.length,
      record: await drain.store.get(posId),
      pushed: await drain.store.pushedList(posId),
      inFlight: await drain.store.inFlight(posId),
    })),
  );
}

function tally(lines: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    let text = line;
    try {
      const entry = JSON.parse(line) as {
        msg?: string;
        err?: unknown;
        reason?: string;
        reaccepted?: number;
        adopted?: number;
        pushesQueued?: number;
        missingInEdms?: number;
      };
      // A reconcile's report says what it repaired.
      const repaired =
        entry.reaccepted === undefined
          ? ''
          : JSON.stringify({
              reaccepted: entry.reaccepted,
              adopted: entry.adopted,
              pushesQueued: entry.pushesQueued,
              missingInEdms: entry.missingInEdms,
            });
      const detail = typeof entry.err === 'string' ? entry.err : (entry.reason ?? repaired);
      text = `${entry.msg ?? ''}${detail ? `: ${detail}` : ''}`;
    } catch {
      // not a JSON log line: counted as it is
    }
    counts[text] = (counts[text] ?? 0) + 1;
  }
  return counts;
}

export interface DrainReport {
  /** Appeals whose mark-accepted ПОС got twice (a failover rolled back the record of the first). */
  acceptedTwice: number;
  /** What the bridge processes logged at warn or error while riding out the failover: message → times. */
  warnings: Record<string, number>;
}

/**
 * One EDMS record and link per appeal, each accepted, and each appeal's statuses in ПОС exactly
 * the lifecycle in order, once. A repeated mark-accepted is allowed (ПОС takes it as a no-op).
 */
export async function expectDrainedOnce(world: World, drain: Drain): Promise<DrainReport> {
  const edms = world.sandbox.edms;
  if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
  expect(edms.directum.state.count('IRequests')).toBe(drain.appeals.length);
  expect(edms.directum.state.count('IExternalEntityLinks')).toBe(drain.appeals.length);
  let acceptedTwice = 0;
  for (const appeal of drain.appeals) {
    const view = await world.sandbox.pos.control.appeal(appeal.id);
    expect(view.accepted).toBe(true);
    expect(view.acceptCount).toBeLessThanOrEqual(2);
    if (view.acceptCount === 2) acceptedTwice += 1;
    const steps = view.history.map((h) => (h.body.answer ? 'final' : h.body.executorInfo ? 'in_work' : 'registered'));
    expect(steps, `statuses of appeal ${appeal.id}`).toEqual(
      appeal.id % 2 === 0 ? ['registered', 'in_work', 'final'] : ['registered', 'final'],
    );
    expect(view.answerFiles).toHaveLength(1);
  }
  // Nothing given up on: no register, push or scheduled job failed for good during the failover.
  const counts = await drain.queues.counts();
  // Named by position: in the spread layout the queue names carry hash tags ({register}).
  const failed = Object.values(counts).map((c) => c.failed);
  expect({ control: failed[0], register: failed[1], push: failed[2] }).toEqual({ control: 0, register: 0, push: 0 });
  return { acceptedTwice, warnings: tally(drain.logs) };
}
