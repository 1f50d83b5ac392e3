// The service process: graceful SIGTERM (exit 0, active jobs finished or released), the start-up
// warning about a Redis that may evict queue data, and intake paused while the EDMS is unavailable.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { createLogger } from '../../src/logging.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { warnOnEvictionPolicy } from '../../src/redis.js';
import { startRole } from '../../src/service/service.js';
import { buildServices } from '../../src/service/wiring.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/redis.js';
import { FAST_RETRY, spawnBridgeProcess, startWorld, waitFor } from './harness.js';

describe('service process', () => {
  it('exits 0 on SIGTERM while jobs are running, and the work is completed by the next start', async () => {
    const world = await startWorld('directum-rx', testRedisUrl(), { PULL_EVERY: '300ms' });
    try {
      const edms = world.sandbox.edms;
      if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
      edms.directum.faults.add({ route: 'create', kind: 'slow', delayMs: 200, rate: 1 });
      const appeals = generateAppeals(40, { seed: 61 });
      await world.sandbox.pos.control.seed(appeals);
      const first = spawnBridgeProcess(world, 'all');
      await waitFor('some acceptances', async () => (await world.sandbox.pos.control.stats()).acceptedTotal >= 5, 60_000, 50);
      first.kill('SIGTERM');
      const [code] = (await once(first, 'exit')) as [number | null];
      expect(code).toBe(0);

      const second = spawnBridgeProcess(world, 'all');
      await waitFor(
        'every appeal accepted',
        async () => (await world.sandbox.pos.control.stats()).acceptedTotal === appeals.length,
        60_000,
        200,
      );
      second.kill('SIGTERM');
      expect(((await once(second, 'exit')) as [number | null])[0]).toBe(0);
      expect(edms.directum.state.count('IRequests')).toBe(appeals.length);
      expect((await world.sandbox.pos.control.stats()).duplicatesAccepted).toBe(0);
    } finally {
      await world.close();
    }
  }, 120_000);

  it('warns at start-up when Redis may evict keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-evict-'));
    const port = await freePort();
    const server = await startRedisServer(port, dir, ['--maxmemory-policy', 'allkeys-lru']);
    const lines: string[] = [];
    const logger = createLogger({
      destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }),
    });
    const redis = new Redis(`redis://127.0.0.1:${port}`);
    try {
      await warnOnEvictionPolicy(redis, logger);
      const noeviction = new Redis(testRedisUrl());
      await warnOnEvictionPolicy(noeviction, logger);
      noeviction.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', policy: 'allkeys-lru' });
    } finally {
      redis.disconnect();
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pauses intake while Directum refuses the credentials or does not answer, and resumes by itself', async () => {
    const world = await startWorld('directum-rx', testRedisUrl(), { PULL_EVERY: '300ms', WATCH_EVERY: '300ms' });
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    const pos = world.sandbox.pos.control;
    // Two attempts only: were a refused password spent as attempts, every appeal would fail for good at once.
    const services = await buildServices(world.config, pino({ level: 'silent' }), {
      watchMappings: false,
      settings: { retry: { ...FAST_RETRY, maxAttempts: 2 }, edmsGate: { holdMs: 200, holdMaxMs: 1000, probeEveryMs: 1000 } },
    });
    const running = await startRole(world.config, 'all', services);
    const ctx = services.ctx;
    const api = running.api!.url;
    const metric = async (name: string) => {
      const text = await (await fetch(`${api}/metrics`)).text();
      return text
        .split('\n')
        .filter((line) => line.startsWith(name))
        .join('\n');
    };
    try {
      for (const [round, fault] of [
        [0, '401'],
        [1, '5xx'],
      ] as const) {
        const faultId = edms.directum.faults.add({ route: '*', kind: fault, rate: 1 });
        const appeals = generateAppeals(6, { seed: 70 + round, startId: 700_001 + round * 100 });
        await pos.seed(appeals);
        const held = async () => {
          const counts = await ctx.queues.register.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
          return (
            counts.failed === 0 && counts.completed === 6 * round && counts.waiting! + counts.active! + counts.delayed! === appeals.length
          );
        };
        await waitFor('register jobs held for the EDMS', async () => (await ctx.edmsGate.outage(true)) !== null && (await held()), 30_000);
        await new Promise((resolve) => setTimeout(resolve, 2500)); // several probes go by
        expect(await held()).toBe(true);

        const code = fault === '401' ? 'AUTH_FAILED' : 'TRANSIENT';
        const ready = await fetch(`${api}/health/ready`);
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { checks: { edms: { ok: boolean; code?: string } } };
        // Unauthenticated readiness: the code only; the reason is at GET /api/status.
        expect(body.checks.edms).toEqual({ ok: false, code, ms: expect.any(Number) });
        const status = await fetch(`${api}/api/status`, { headers: { authorization: `Bearer ${world.env.ADMIN_TOKEN}` } });
        expect(((await status.json()) as { checks: { edms: { message?: string } } }).checks.edms.message).toBe(
          'Directum RX is unavailable',
        );
        expect(await metric('pos_bridge_edms_available')).toMatch(/^pos_bridge_edms_available 0$/m);
        expect(await metric('pos_bridge_intake_paused_total')).toMatch(
          new RegExp(`^pos_bridge_intake_paused_total\\{code="${code}"\\} 1$`, 'm'),
        );
        expect(await new FailedJobs(ctx.queues, ctx.store).list()).toEqual([]);
        for (const appeal of appeals) expect((await pos.appeal(appeal.id)).accepted).toBe(false);

        // The EDMS is back: the held appeals register and are accepted without anyone replaying them.
        edms.directum.faults.remove(faultId);
        await waitFor('every appeal accepted', async () => (await pos.stats()).acceptedTotal === 6 * (round + 1), 30_000, 100);
        for (const appeal of appeals) expect((await pos.appeal(appeal.id)).acceptCount).toBe(1);
        expect(edms.directum.state.count('IRequests')).toBe(6 * (round + 1));
        expect(await new FailedJobs(ctx.queues, ctx.store).list()).toEqual([]);
        expect(await metric('pos_bridge_edms_available')).toMatch(/^pos_bridge_edms_available 1$/m);
      }
      expect((await pos.stats()).duplicatesAccepted).toBe(0);
    } finally {
      await running.stop();
      await world.close();
    }
  }, 120_000);
});
