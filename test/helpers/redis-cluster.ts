// A Redis Cluster on loopback: three masters with a replica each, created by redis-cli, with a
// node timeout short enough that a replica takes over a killed master within seconds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';
import { NO_PERSISTENCE, ask, info, killRedis, label, startRedis, until, type Address, type RedisProcess } from './redis-processes.js';

export interface ClusterNode extends Address {
  id: string;
  role: 'master' | 'replica';
  /** The master a replica follows (its node id). */
  masterId?: string;
  failed: boolean;
  slots: string[];
}

export interface RedisClusterSet {
  nodes: Address[];
  /** A BRIDGE_CONFIG file naming every node. */
  bridgeConfig: string;
  /** The cluster as a live node sees it. */
  topology(): Promise<ClusterNode[]>;
  /** The master serving the hash slot of `key`. */
  masterOf(key: string): Promise<ClusterNode>;
  /** SIGKILLs a master; returns it and the replica that should take over. */
  killMaster(master: ClusterNode): Promise<{ killed: ClusterNode; replica: ClusterNode }>;
  /** Waits until the replica is a master and every live node says cluster_state:ok. */
  waitForTakeover(replica: Address, timeoutMs?: number): Promise<void>;
  /** DBSIZE of each live master, by "host:port". */
  keysPerMaster(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

function parseClusterNodes(text: string): ClusterNode[] {
  return text.trim().split('\n').map((line) => {
    const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
    const [host = '', rest = ''] = address.split(':');
    const flagSet = new Set(flags.split(','));
    return {
      id,
      host,
      port: Number(rest.split('@')[0]),
      role: flagSet.has('master') ? 'master' : 'replica',
      ...(master !== '-' ? { masterId: master } : {}),
      failed: flagSet.has('fail') || flagSet.has('fail?'),
      slots,
    };
  });
}

function runRedisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`redis-cli ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

async function clusterOk(node: Address): Promise<boolean> {
  const text = await ask(node, 'CLUSTER', 'INFO');
  return typeof text === 'string' && text.includes('cluster_state:ok');
}

export async function startRedisCluster(): Promise<RedisClusterSet> {
  const root = mkdtempSync(join(tmpdir(), 'pos-bridge-cluster-'));
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map(killRedis));
    rmSync(root, { recursive: true, force: true });
  };
  // A replica takes over a second after its master stops answering, however stale its copy.
  const clusterArgs = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000', '--cluster-replica-validity-factor', '0'];
  const live = () => servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null);
  const topology = async (): Promise<ClusterNode[]> => {
    for (const node of live()) {
      const text = await ask(node, 'CLUSTER', 'NODES');
      if (typeof text === 'string') return parseClusterNodes(text);
    }
    throw new Error('no cluster node answers');
  };
  try {
    for (let n = 0; n < 6; n += 1) servers.push(await startRedis(await freePort(), join(root, `node-${n}`), [...NO_PERSISTENCE, ...clusterArgs]));
    await runRedisCli(['--cluster', 'create', ...servers.map(label), '--cluster-replicas', '1', '--cluster-yes']);
    await until('cluster_state:ok on every node and every replica in sync', async () => {
      if (!(await Promise.all(servers.map(clusterOk))).every(Boolean)) return false;
      const replicas = await Promise.all(servers.map((s) => info(s, 'replication')));
      return replicas.filter((r) => r?.role === 'slave').length === 3 && replicas.every((r) => r?.role === 'master' || r?.master_link_status === 'up');
    }, 30_000, 200);
  } catch (error) {
    await stop();
    throw error;
  }

  const nodes = servers.map((s) => ({ host: s.host, port: s.port }));
  const bridgeConfig = join(root, 'bridge.yaml');
  writeFileSync(bridgeConfig, `redis:\n  cluster:\n${nodes.map((a) => `    - { host: ${a.host}, port: ${a.port} }`).join('\n')}\n`);
  return {
    nodes,
    bridgeConfig,
    topology,
    masterOf: async (key) => {
      const slot = Number(await ask(live()[0]!, 'CLUSTER', 'KEYSLOT', key));
      const owner = (await topology()).find((node) => node.role === 'master' && !node.failed && node.slots.some((range) => {
        const [from = '', to = from] = range.split('-');
        return slot >= Number(from) && slot <= Number(to);
      }));
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner;
    },
    killMaster: async (master) => {
      const replica = (await topology()).find((node) => node.masterId === master.id);
      const server = servers.find((s) => s.port === master.port);
      if (!replica || !server) throw new Error(`${label(master)} is not a master with a replica`);
      await killRedis(server);
      return { killed: master, replica };
    },
    waitForTakeover: async (replica, timeoutMs = 30_000) => {
      await until(`${label(replica)} to take over`, async () => {
        if ((await info(replica, 'replication'))?.role !== 'master') return false;
        return (await Promise.all(live().map(clusterOk))).every(Boolean);
      }, timeoutMs, 100);
    },
    keysPerMaster: async () => {
      const counts: Record<string, number> = {};
      for (const node of await topology()) {
        if (node.role !== 'master' || node.failed) continue;
        counts[label(node)] = Number(await ask(node, 'DBSIZE'));
      }
      return counts;
    },
    stop,
  };
}
