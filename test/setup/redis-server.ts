// Starts a throwaway redis-server on a free port for the whole test run, so tests never touch an
// operator's Redis. Suites read its URL from process.env.TEST_REDIS_URL (see test/helpers/redis.ts).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort, startRedisServer } from '../helpers/redis-server.js';

let server: { process: ChildProcess; dir: string } | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(
      'redis-server is not installed: the test suite starts its own throwaway Redis. ' +
        'Install it (Debian: apt-get install redis-server) and run npm test again.',
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-test-redis-'));
  const child = await startRedisServer(port, dir);
  server = { process: child, dir };
  const url = `redis://127.0.0.1:${port}`;
  process.env.TEST_REDIS_URL = url;
  project.provide('redisUrl', url);
  return async () => {
    server?.process.kill('SIGKILL');
    if (server) rmSync(server.dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
