// The service process: graceful SIGTERM (exit 0, active jobs finished or released) and the
// start-up warning about a Redis that may evict queue data.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { createLogger } from '../../src/logging.js';
import { warnOnEvictionPolicy } from '../../src/redis.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/redis.js';
import { spawnBridgeProcess, startWorld, waitFor } from './harness.js';

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
      await waitFor('every appeal accepted', async () => (await world.sandbox.pos.control.stats()).acceptedTotal === appeals.length, 60_000, 200);
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
    const logger = createLogger({ destination: new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) }) });
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
});
