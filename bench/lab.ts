// One benchmark run's world: a private redis-server (AOF every second, as the compose file runs
// it), the ПОС and Directum RX emulators in this process, and the settings that point a bridge (or
// the floor script) at them. The client under test always runs in a child process, so its CPU time
// and memory are its own; the emulators stay here, where their state can be read directly.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { DirectumEmulator } from '../adapters/directum-rx/emulator/server.js';
import { packageRoot } from '../fixtures/index.js';
import { bridgeEnv, startSandbox } from '../src/demo/sandbox.js';
import { freePort, startRedisServer } from '../src/demo/redis-server.js';
import type { PosEmulator } from '../src/pos/emulator/index.js';

export interface Lab {
  redisUrl: string;
  redisPid: number;
  pos: PosEmulator;
  directum: DirectumEmulator;
  /** Directum requests served, by "<route class> <entity set>" (e.g. "read IPersons"). */
  directumRequests: Map<string, number>;
  /** Settings that point a bridge or the floor at this lab. */
  env: Record<string, string>;
  workDir: string;
  close(): Promise<void>;
}

/** Counts every OData request by route class and set: the fault injector sees each one first. */
function countDirectumRequests(directum: DirectumEmulator): Map<string, number> {
  const counts = new Map<string, number>();
  const take = directum.faults.take.bind(directum.faults);
  directum.faults.take = (route, set, random) => {
    const key = `${route} ${set ?? '-'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return take(route, set, random);
  };
  return counts;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function startLab(): Promise<Lab> {
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-bench-'));
  const port = await freePort();
  const redis = await startRedisServer(port, workDir, ['--appendonly', 'yes', '--appendfsync', 'everysec']);
  const sandbox = await startSandbox('directum-rx', workDir);
  if (sandbox.edms.kind !== 'directum-rx') throw new Error('the lab runs Directum RX');
  const { pos } = sandbox;
  const directum = sandbox.edms.directum;
  const directumRequests = countDirectumRequests(directum);
  // A copy, so nothing the bridge does to its mappings folder touches the repository's files.
  const mappingsDir = join(workDir, 'mappings');
  cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
  const redisUrl = `redis://127.0.0.1:${port}`;
  const env: Record<string, string> = { ...bridgeEnv(sandbox.env, { redisUrl, mappingsDir }), HTTP_HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  return {
    redisUrl,
    redisPid: redis.pid ?? 0,
    pos,
    directum,
    directumRequests,
    env,
    workDir,
    close: async () => {
      await sandbox.close();
      await stopRedis(redis);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
