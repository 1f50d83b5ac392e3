// The supervisor's restart and stop rules with stand-in worker processes (a few lines of plain
// JavaScript, so each fork takes milliseconds): capped doubling backoff for a process that keeps
// dying, the backoff starting over after a steady run, SIGKILL for one that ignores SIGTERM.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging.js';
import { restartDelay, WorkerSupervisor, type Backoff } from '../../src/service/supervisor.js';
import { waitFor } from '../pipeline/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-supervisor-'));
const script = join(dir, 'stand-in.mjs');
writeFileSync(
  script,
  `
const mode = process.env.MODE;
if (mode === 'crash') process.exit(3);
if (mode === 'stubborn') process.on('SIGTERM', () => undefined);
if (mode === 'short') setTimeout(() => process.exit(4), Number(process.env.UP_MS));
setInterval(() => undefined, 1000);
`,
);

interface Line {
  msg: string;
  worker?: number;
  code?: number | null;
  signal?: string | null;
  restartInMs?: number;
}

function supervise(mode: string, backoff: Backoff, extra: { stopGraceMs?: number; env?: Record<string, string>; count?: number } = {}) {
  const lines: Line[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Line), done()) }),
  });
  const registry = new Registry();
  const exits: number[] = [];
  const supervisor = new WorkerSupervisor({
    count: extra.count ?? 1,
    command: { modulePath: script, args: () => [], execArgv: [], env: { PATH: process.env.PATH ?? '', MODE: mode, ...extra.env } },
    logger,
    stopGraceMs: extra.stopGraceMs ?? 2000,
    backoff,
    registry,
    onExit: (pid) => exits.push(pid),
  });
  return {
    supervisor,
    lines,
    registry,
    exits,
    restarts: () => lines.filter((line) => line.msg === 'worker process exited; restarting it'),
  };
}

describe('worker supervisor', () => {
  const running: WorkerSupervisor[] = [];
  afterEach(async () => {
    for (const supervisor of running.splice(0)) await supervisor.stop();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('doubles the wait from 1 s to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40, 5000].map((failures) => restartDelay(failures))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('restarts a process that keeps dying, at a capped backoff, and counts every restart', async () => {
    const { supervisor, registry, restarts, exits } = supervise('crash', { firstMs: 20, maxMs: 80, steadyMs: 10_000 });
    running.push(supervisor);
    supervisor.start();
    await waitFor('six restarts', async () => restarts().length >= 6, 10_000, 10);
    expect(
      restarts()
        .slice(0, 6)
        .map((line) => line.restartInMs),
    ).toEqual([20, 40, 80, 80, 80, 80]);
    expect(restarts()[0]).toMatchObject({ worker: 1, code: 3, signal: null });
    expect(exits.length).toBeGreaterThanOrEqual(6);
    const counted = (await registry.getSingleMetricAsString('pos_bridge_worker_restarts_total')).match(/\{worker="1"\} (\d+)/)?.[1];
    expect(Number(counted)).toBeGreaterThanOrEqual(6);
  });

  it('starts the backoff over after a process stayed up long enough', async () => {
    const { supervisor, restarts } = supervise('short', { firstMs: 20, maxMs: 1000, steadyMs: 100 }, { env: { UP_MS: '150' } });
    running.push(supervisor);
    supervisor.start();
    await waitFor('three restarts', async () => restarts().length >= 3, 10_000, 10);
    expect(
      restarts()
        .slice(0, 3)
        .map((line) => [line.code, line.restartInMs]),
    ).toEqual([
      [4, 20],
      [4, 20],
      [4, 20],
    ]);
  });

  it('stop: SIGTERM to every process, no restart; one that ignores it is killed after the grace', async () => {
    const polite = supervise('polite', { firstMs: 20, maxMs: 80, steadyMs: 10_000 }, { count: 2 });
    polite.supervisor.start();
    await waitFor('two processes', async () => polite.supervisor.pids().length === 2, 10_000, 10);
    const pids = polite.supervisor.pids();
    await polite.supervisor.stop();
    expect(polite.lines.filter((line) => line.msg === 'worker process stopped').map((line) => line.signal)).toEqual(['SIGTERM', 'SIGTERM']);
    expect(polite.exits.sort()).toEqual(pids.sort());
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(polite.supervisor.pids()).toEqual([]);
    expect(polite.restarts()).toEqual([]);

    const stubborn = supervise('stubborn', { firstMs: 20, maxMs: 80, steadyMs: 10_000 }, { stopGraceMs: 300 });
    stubborn.supervisor.start();
    await waitFor('the process', async () => stubborn.supervisor.pids().length === 1, 10_000, 10);
    await new Promise((resolve) => setTimeout(resolve, 200)); // its SIGTERM handler is in place
    await stubborn.supervisor.stop();
    // Logged once its 300 ms of grace ran out, before the SIGKILL.
    expect(stubborn.lines.map((line) => line.msg)).toContain('worker process did not stop in time; killing it');
    expect(stubborn.lines.find((line) => line.msg === 'worker process stopped')).toMatchObject({ signal: 'SIGKILL' });
  });
});
