// `pos-bridge start --workers 2` as a real child process against the emulators: both forked
// workers drain a backlog with each appeal registered and accepted once and /metrics summing their
// counters; a worker SIGKILLed mid-run is restarted under a new pid and nothing is registered
// twice; SIGTERM mid-run lets the active jobs finish and ends every process with exit code 0
// within JOB_LOCK_TIMEOUT and a margin.
// One supervisor serves the three steps in order (starting three processes under tsx is the slow part).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../fixtures/index.js';
import { generateAppeals } from '../../fixtures/generator.js';
import { freePort } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/redis.js';
import { parseSchedule } from '../../src/config/schedule.js';
import { installSchedules } from '../../src/pipeline/runtime.js';
import { startBridge, startWorld, waitFor, type World } from '../pipeline/harness.js';

interface LogLine {
  msg?: string;
  worker?: number;
  pid?: number;
  code?: number | null;
  signal?: string | null;
  restartInMs?: number;
}

interface Supervisor {
  child: ChildProcess;
  logs: LogLine[];
  /** Every pid a "worker process ready" line named. */
  workerPids(): Set<number>;
  /** The pid of slot `worker` as last reported ready. */
  readyPid(worker: number): number | undefined;
}

function startSupervisor(world: World, args: string[]): Supervisor {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/entry.ts'), 'start', ...args], {
    cwd: packageRoot(),
    env: { PATH: process.env.PATH ?? '', ...world.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logs: LogLine[] = [];
  let rest = '';
  // The workers share the supervisor's stderr: one stream of JSON lines from every process.
  child.stderr!.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  const ready = () => logs.filter((line) => line.msg === 'worker process ready');
  return {
    child,
    logs,
    workerPids: () => new Set(ready().map((line) => line.pid!)),
    readyPid: (worker) =>
      ready()
        .filter((line) => line.worker === worker)
        .at(-1)?.pid,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const ACCEPTED = 'pos_bridge_appeals_accepted_total{organisation="default"}';
const LOCK_MS = 2000;

describe.sequential('start --workers 2', () => {
  let world: World;
  let supervisor: Supervisor;
  let api: string;
  const scrape = async () => (await fetch(`${api}/metrics`)).text();
  const stats = () => world.sandbox.pos.control.stats();
  const directum = () => {
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    return edms.directum;
  };

  beforeAll(async () => {
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    world = await startWorld('directum-rx', testRedisUrl(), {
      HTTP_PORT: String(port),
      JOB_LOCK_TIMEOUT: `${LOCK_MS}ms`,
      PULL_EVERY: '300ms',
      POS_PAGE_SIZE: '50',
      LOG_LEVEL: 'info',
    });
    supervisor = startSupervisor(world, ['--workers', '2']);
    await waitFor('two worker processes ready', async () => supervisor.workerPids().size === 2, 40_000);
    await waitFor('the admin API', async () => (await fetch(`${api}/health/live`).catch(() => null))?.ok === true, 20_000);
  }, 60_000);

  afterAll(async () => {
    // Whatever a failed step left running: nothing of this test may outlive it.
    if (supervisor && supervisor.child.exitCode === null && supervisor.child.signalCode === null) {
      supervisor.child.kill('SIGKILL');
      await once(supervisor.child, 'exit');
    }
    for (const pid of supervisor?.workerPids() ?? []) if (alive(pid)) process.kill(pid, 'SIGKILL');
    await world?.close();
  });

  it('drains 100 appeals, each registered once and accepted once, and /metrics sums both workers', async () => {
    const appeals = generateAppeals(100, { seed: 81 });
    await world.sandbox.pos.control.seed(appeals);
    await waitFor('every appeal accepted', async () => (await stats()).acceptedTotal === appeals.length, 40_000, 100);
    expect(directum().state.count('IRequests')).toBe(appeals.length);
    expect(directum().state.count('IExternalEntityLinks')).toBe(appeals.length);
    for (const appeal of appeals) expect((await world.sandbox.pos.control.appeal(appeal.id)).acceptCount).toBe(1);

    // Both forked processes did part of the work; the supervisor runs no workers at all.
    const doneBy = (worker: number) =>
      supervisor.logs.filter((line) => line.msg === 'appeal registered and accepted' && line.worker === worker).length;
    expect(doneBy(1)).toBeGreaterThan(0);
    expect(doneBy(2)).toBeGreaterThan(0);
    expect(doneBy(1) + doneBy(2)).toBe(appeals.length);

    const text = await scrape();
    expect(metricValue(text, ACCEPTED)).toBe(appeals.length);
    expect(metricValue(text, 'pos_bridge_worker_processes')).toBe(2);
    // Process-level metrics stay one series per process; merged gauges are not summed.
    for (const name of ['supervisor', 'worker-1', 'worker-2']) {
      expect(metricValue(text, `pos_bridge_process_resident_memory_bytes{process="${name}"}`)).toBeGreaterThan(0);
      expect(metricValue(text, `pos_bridge_process_start_time_seconds{process="${name}"}`)).toBeGreaterThan(0);
    }
    expect(metricValue(text, 'pos_bridge_edms_available')).toBe(1);
    expect(text.match(/^pos_bridge_mapping_info\{.*\} (\S+)$/m)?.[1]).toBe('1');
  }, 45_000);

  it('restarts a worker process killed mid-run under a new pid; every appeal is still registered once', async () => {
    // Slow EDMS writes keep registrations in flight when the kill lands.
    const slow = directum().faults.add({ route: 'create', kind: 'slow', delayMs: 120, rate: 1 });
    const appeals = generateAppeals(100, { seed: 82, startId: 300_001 });
    await world.sandbox.pos.control.seed(appeals);
    await waitFor('some of the new appeals accepted', async () => (await stats()).acceptedTotal >= 120, 30_000, 50);
    const beforeKill = metricValue(await scrape(), ACCEPTED) ?? 0;
    const killed = supervisor.readyPid(1)!;
    process.kill(killed, 'SIGKILL');

    await waitFor('worker 1 ready again', async () => supervisor.readyPid(1) !== killed, 20_000);
    expect(alive(killed)).toBe(false);
    const exit = supervisor.logs.find((line) => line.msg === 'worker process exited; restarting it' && line.pid === killed);
    expect(exit).toMatchObject({ worker: 1, signal: 'SIGKILL', restartInMs: 1000 });
    directum().faults.remove(slow);

    const total = 100 + appeals.length;
    await waitFor('every appeal accepted', async () => (await stats()).acceptedTotal === total, 40_000, 100);
    expect(directum().state.count('IRequests')).toBe(total);
    expect(directum().state.count('IExternalEntityLinks')).toBe(total);
    // ПОС cannot be asked whether it took a call: one the dead process made just before dying is repeated (a no-op there).
    const counts = await Promise.all(appeals.map(async (appeal) => (await world.sandbox.pos.control.appeal(appeal.id)).acceptCount));
    expect(counts.every((count) => count >= 1 && count <= 2)).toBe(true);
    expect(counts.filter((count) => count === 2).length).toBeLessThanOrEqual(8);

    const text = await scrape();
    expect(metricValue(text, 'pos_bridge_worker_restarts_total{worker="1"}')).toBe(1);
    expect(metricValue(text, 'pos_bridge_worker_processes')).toBe(2);
    // What the dead process had counted stays in the sum: the counter never goes down.
    const after = metricValue(text, ACCEPTED)!;
    expect(after).toBeGreaterThanOrEqual(beforeKill);
    expect(after).toBeLessThanOrEqual(total);
  }, 60_000);

  it('SIGTERM mid-run: the workers finish their active jobs, every process exits, the supervisor with code 0, within the bound', async () => {
    const workers = [supervisor.readyPid(1)!, supervisor.readyPid(2)!];
    expect(workers.every(alive)).toBe(true);
    directum().faults.add({ route: 'create', kind: 'slow', delayMs: 300, rate: 1 });
    await world.sandbox.pos.control.seed(generateAppeals(80, { seed: 83, startId: 500_001 }));
    await waitFor('registrations under way', async () => (await stats()).acceptedTotal >= 205, 30_000, 50);
    // Worker 2 is signalled too, as systemd's default KillMode signals the whole group: it gets
    // the supervisor's SIGTERM as a second one, which must not cut its drain short.
    process.kill(workers[1]!, 'SIGTERM');
    supervisor.child.kill('SIGTERM');
    const [code, signal] = (await once(supervisor.child, 'exit')) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    for (const pid of supervisor.workerPids()) expect(alive(pid)).toBe(false);
    const stopped = supervisor.logs.filter((line) => line.msg === 'worker process stopped');
    expect(stopped.map((line) => line.pid).sort()).toEqual([...workers].sort());
    expect(stopped.map((line) => [line.code, line.signal])).toEqual([
      [0, null],
      [0, null],
    ]);
    // Within the bound (the workers' JOB_LOCK_TIMEOUT and the supervisor's margin): past it, the supervisor would have killed them.
    expect(supervisor.logs.some((line) => line.msg === 'worker process did not stop in time; killing it')).toBe(false);
    // Each registration under way at the signal went on to its acceptance; the rest wait in Redis, untouched.
    const accepted = (await stats()).acceptedTotal;
    expect(accepted).toBeLessThan(280);
    expect(directum().state.count('IRequests')).toBe(accepted);
  }, 45_000);
});

describe('start --role worker --workers 2', () => {
  it('only supervises: two worker processes drain the queue that another process schedules; no API', async () => {
    const port = await freePort();
    const world = await startWorld('directum-rx', testRedisUrl(), {
      HTTP_PORT: String(port),
      JOB_LOCK_TIMEOUT: `${LOCK_MS}ms`,
      LOG_LEVEL: 'info',
    });
    const scheduler = await startBridge(world, { workers: false });
    const supervisor = startSupervisor(world, ['--role', 'worker', '--workers', '2']);
    try {
      await installSchedules(scheduler.ctx, {
        pull: parseSchedule('300ms')!,
        watch: parseSchedule('1h')!,
        reconcile: parseSchedule('1h')!,
      });
      const appeals = generateAppeals(20, { seed: 84 });
      await world.sandbox.pos.control.seed(appeals);
      await waitFor(
        'every appeal accepted',
        async () => (await world.sandbox.pos.control.stats()).acceptedTotal === appeals.length,
        40_000,
        100,
      );
      expect(supervisor.workerPids().size).toBe(2);
      expect(
        await fetch(`http://127.0.0.1:${port}/health/live`).then(
          () => 'answered',
          () => 'refused',
        ),
      ).toBe('refused');
      supervisor.child.kill('SIGTERM');
      expect(((await once(supervisor.child, 'exit')) as [number | null])[0]).toBe(0);
      for (const pid of supervisor.workerPids()) expect(alive(pid)).toBe(false);
    } finally {
      if (supervisor.child.exitCode === null && supervisor.child.signalCode === null) supervisor.child.kill('SIGKILL');
      for (const pid of supervisor.workerPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await scheduler.stop();
      await world.close();
    }
  }, 60_000);
});
