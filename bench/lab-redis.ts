// The Redis a benchmark lab runs on: one redis-server (as every section but the topologies uses),
// a Sentinel set (a master, a replica, three sentinels) or a Redis Cluster (three masters with a
// replica each). Every data server keeps an AOF fsynced every second, as the compose file runs it.
import type { ChildProcess } from 'node:child_process';
import { startRedisCluster, startSentinelSet } from '../fixtures/redis/topology.js';
import { freePort, startRedisServer } from '../src/demo/redis-server.js';

export const TOPOLOGIES = ['standalone', 'sentinel', 'cluster'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const AOF_EVERY_SECOND = ['--appendonly', 'yes', '--appendfsync', 'everysec'];

export interface LabRedis {
  /** REDIS_URL for the sandbox's settings; a topology names its servers in BRIDGE_CONFIG instead. */
  url: string;
  /** What points a bridge at a Sentinel set or a Cluster (BRIDGE_CONFIG, QUEUE_PREFIX). */
  env: Record<string, string>;
  /** Pids of every redis process of the topology, servers and sentinels alike. */
  pids(): number[];
  stop(): Promise<void>;
}

/** A URL nothing answers on: a bridge that ignored its BRIDGE_CONFIG would fail at once, not measure the wrong Redis. */
const NOT_THIS_URL = 'redis://redis-from-bridge-config.invalid:6379';

/** The Cluster keeps every key of the bridge in one slot through QUEUE_PREFIX's hash tag. */
export const CLUSTER_PREFIX = '{pos-bridge}';

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function startLabRedis(topology: Topology, workDir: string): Promise<LabRedis> {
  const serverArgs = ['--save', '', ...AOF_EVERY_SECOND, '--maxmemory-policy', 'noeviction'];
  if (topology === 'sentinel') {
    const set = await startSentinelSet('pos-bridge', { serverArgs });
    return { url: NOT_THIS_URL, env: { BRIDGE_CONFIG: set.bridgeConfig }, pids: () => set.pids(), stop: () => set.stop() };
  }
  if (topology === 'cluster') {
    const cluster = await startRedisCluster({ serverArgs });
    return {
      url: NOT_THIS_URL,
      env: { BRIDGE_CONFIG: cluster.bridgeConfig, QUEUE_PREFIX: CLUSTER_PREFIX },
      pids: () => cluster.pids(),
      stop: () => cluster.stop(),
    };
  }
  const port = await freePort();
  const redis = await startRedisServer(port, workDir, AOF_EVERY_SECOND);
  return {
    url: `redis://127.0.0.1:${port}`,
    env: {},
    pids: () => (redis.pid === undefined ? [] : [redis.pid]),
    stop: () => stopChild(redis),
  };
}
