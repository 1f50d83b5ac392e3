// One benchmark run's world: a private redis-server (AOF every second, as the compose file runs
// it; or a Sentinel set or a Cluster, bench/lab-redis.ts), the ПОС and Directum RX emulators in this process, and the settings that point a bridge (or
// the floor script) at them. The client under test always runs in a child process, so its CPU time
// and memory are its own; the emulators stay here, where their state can be read directly.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DirectumEmulator } from '../adapters/directum-rx/emulator/server.js';
import { packageRoot } from '../fixtures/index.js';
import { bridgeEnv, startSandbox } from '../src/demo/sandbox.js';
import type { PosEmulator } from '../src/pos/emulator/index.js';
import { startLabRedis, type Topology } from './lab-redis.js';

export interface Lab {
  redisUrl: string;
  /** Every redis process of the lab's topology (one for a standalone server). */
  redisPids(): number[];
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

export async function startLab(topology: Topology = 'standalone'): Promise<Lab> {
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-bench-'));
  const redis = await startLabRedis(topology, workDir);
  const sandbox = await startSandbox('directum-rx', workDir);
  if (sandbox.edms.kind !== 'directum-rx') throw new Error('the lab runs Directum RX');
  const { pos } = sandbox;
  const directum = sandbox.edms.directum;
  const directumRequests = countDirectumRequests(directum);
  // A copy, so nothing the bridge does to its mappings folder touches the repository's files.
  const mappingsDir = join(workDir, 'mappings');
  cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
  const redisUrl = redis.url;
  const env: Record<string, string> = {
    ...bridgeEnv(sandbox.env, { redisUrl, mappingsDir }),
    ...redis.env,
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  return {
    redisUrl,
    redisPids: () => redis.pids(),
    pos,
    directum,
    directumRequests,
    env,
    workDir,
    close: async () => {
      await sandbox.close();
      await redis.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
