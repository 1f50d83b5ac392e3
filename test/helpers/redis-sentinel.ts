// A Sentinel set on loopback: a master, a replica and three sentinels (quorum 2), with timeouts
// short enough that a failover takes a few seconds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server.js';
import { NO_PERSISTENCE, ask, info, killRedis, label, startRedis, until, type Address, type RedisProcess } from './redis-processes.js';

export interface SentinelSet {
  name: string;
  sentinels: Address[];
  /** A BRIDGE_CONFIG file naming the sentinels. */
  bridgeConfig: string;
  master(): Address;
  /** SIGKILLs the master; returns it. */
  killMaster(): Promise<Address>;
  /** Waits until every sentinel names a new master and that server says it is one; returns it. */
  waitForNewMaster(old: Address, timeoutMs?: number): Promise<Address>;
  /** Starts the killed server afresh as a replica of the current master (an operator restarting it) and waits until it is in sync. */
  restartAsReplica(old: Address): Promise<void>;
  stop(): Promise<void>;
}

/** Failure noticed after 1 s; a later failover of the same set may start 2 × 2 s after the last one. */
const SENTINEL_TIMING = { downAfterMs: 1000, failoverTimeoutMs: 2000 };

/** Linked to the master and past the initial sync (the offsets never meet while the bridge writes). */
async function replicaInSync(replica: Address, master: Address): Promise<boolean> {
  const mine = await info(replica, 'replication');
  return mine?.role === 'slave' && mine.master_port === String(master.port) && mine.master_link_status === 'up' && mine.master_sync_in_progress === '0';
}

async function sentinelMaster(sentinel: Address, name: string): Promise<Address | undefined> {
  const reply = await ask(sentinel, 'SENTINEL', 'get-master-addr-by-name', name);
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  return { host: String(reply[0]), port: Number(reply[1]) };
}

/** The sentinel's view of the master as field → value. */
async function sentinelView(sentinel: Address, name: string): Promise<Record<string, string>> {
  const reply = await ask(sentinel, 'SENTINEL', 'master', name);
  const view: Record<string, string> = {};
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) view[String(reply[i])] = String(reply[i + 1]);
  return view;
}

/** The flags a sentinel shows for the replica on `port` ("slave" when it is up). */
async function replicaFlags(sentinel: Address, name: string, port: number): Promise<string | undefined> {
  const reply = await ask(sentinel, 'SENTINEL', 'replicas', name);
  if (!Array.isArray(reply)) return undefined;
  for (const entry of reply) {
    if (!Array.isArray(entry)) continue;
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), String(entry[i + 1]));
    if (fields.get('port') === String(port)) return fields.get('flags');
  }
  return undefined;
}

export async function startSentinelSet(name = 'mymaster'): Promise<SentinelSet> {
  const root = mkdtempSync(join(tmpdir(), 'pos-bridge-sentinel-'));
  const servers = new Map<number, RedisProcess>();
  const sentinels: RedisProcess[] = [];
  let current: Address = { host: '127.0.0.1', port: 0 };
  const stop = async () => {
    await Promise.all([...servers.values(), ...sentinels].map(killRedis));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const master = await startRedis(await freePort(), join(root, 'a'), NO_PERSISTENCE);
    servers.set(master.port, master);
    current = { host: master.host, port: master.port };
    const replica = await startRedis(await freePort(), join(root, 'b'), [...NO_PERSISTENCE, '--replicaof', master.host, String(master.port)]);
    servers.set(replica.port, replica);
    await until('the replica in sync', () => replicaInSync(replica, master), 60_000);
    for (const n of [1, 2, 3]) {
      const dir = join(root, `sentinel-${n}`);
      const conf = join(root, `sentinel-${n}.conf`);
      // Sentinel rewrites its config file: it must be its own and writable.
      writeFileSync(conf, [
        `sentinel monitor ${name} ${master.host} ${master.port} 2`,
        `sentinel down-after-milliseconds ${name} ${SENTINEL_TIMING.downAfterMs}`,
        `sentinel failover-timeout ${name} ${SENTINEL_TIMING.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${name} 1`,
        '',
      ].join('\n'));
      sentinels.push(await startRedis(await freePort(), dir, [conf, '--sentinel']));
    }
    // Votes need every sentinel to know the others and the replica (hello messages every 2 s).
    await until('the sentinels to find each other and the replica', async () => {
      const views = await Promise.all(sentinels.map((s) => sentinelView(s, name)));
      return views.every((v) => v['num-other-sentinels'] === '2' && v['num-slaves'] === '1');
    }, 20_000, 200);
  } catch (error) {
    await stop();
    throw error;
  }

  let lastKill = 0;
  const addresses = sentinels.map((s) => ({ host: s.host, port: s.port }));
  const bridgeConfig = join(root, 'bridge.yaml');
  writeFileSync(bridgeConfig, `redis:\n  name: ${name}\n  sentinels:\n${addresses.map((a) => `    - { host: ${a.host}, port: ${a.port} }`).join('\n')}\n`);
  return {
    name,
    sentinels: addresses,
    bridgeConfig,
    master: () => current,
    killMaster: async () => {
      const node = servers.get(current.port);
      if (!node) throw new Error(`no server on port ${current.port}`);
      // Sentinels start no second failover of one set within 2 × failover-timeout of the last.
      const wait = lastKill + SENTINEL_TIMING.downAfterMs + 2 * SENTINEL_TIMING.failoverTimeoutMs + 1000 - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastKill = Date.now();
      await killRedis(node);
      servers.delete(node.port);
      return { host: node.host, port: node.port };
    },
    waitForNewMaster: async (old, timeoutMs = 30_000) => {
      await until(`the sentinels to promote a replica of ${label(old)}`, async () => {
        const named = await Promise.all(sentinels.map((s) => sentinelMaster(s, name)));
        const first = named[0];
        if (!first || first.port === old.port || !named.every((n) => n?.port === first.port)) return false;
        if ((await info(first, 'replication'))?.role !== 'master') return false;
        current = first;
        return true;
      }, timeoutMs, 100);
      return current;
    },
    restartAsReplica: async (old) => {
      // Empty and already a replica: it must never come back as a master with no data.
      rmSync(join(root, `restart-${old.port}`), { recursive: true, force: true });
      const node = await startRedis(old.port, join(root, `restart-${old.port}`), [...NO_PERSISTENCE, '--replicaof', current.host, String(current.port)]);
      servers.set(node.port, node);
      // A full resync under a loaded machine (the whole suite on two cores) took over 20 s once.
      await until(`${label(old)} in sync with ${label(current)}`, () => replicaInSync(node, current), 60_000);
      await until('the sentinels to see the replica up', async () => {
        const flags = await Promise.all(sentinels.map((s) => replicaFlags(s, name, old.port)));
        return flags.every((f) => f === 'slave');
      }, 60_000, 200);
    },
    stop,
  };
}
