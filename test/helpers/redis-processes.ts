// redis-server processes for the topology tests: each in its own process group (a master forks
// for replica syncs; killing the group leaves no child behind), logging to a file in its own dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface Address {
  host: string;
  port: number;
}

/** Test servers keep nothing on disk and never evict (the bridge's queues must not lose keys). */
export const NO_PERSISTENCE = ['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'];

export const label = (node: Address): string => `${node.host}:${node.port}`;

export interface RedisProcess extends Address {
  dir: string;
  child: ChildProcess;
  /** The last lines of its log, for error messages. */
  logTail(): string;
}

const alive = new Set<ChildProcess>();
// A test file that dies without its afterAll still leaves no server behind.
process.once('exit', () => {
  for (const child of alive) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGKILLs the server's whole process group and waits until it is gone. */
export async function killRedis(node: RedisProcess): Promise<void> {
  const { child } = node;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killGroup(child);
  await exited;
  alive.delete(child);
}

/** Why the topology tests cannot run here, or undefined: redis-cli creates the cluster. */
export function topologySkipReason(): string | undefined {
  const found = spawnSync('redis-cli', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    return 'redis-cli is not installed (Debian: apt-get install redis-tools): the Sentinel and Cluster tests are skipped';
  }
  return undefined;
}

/** One reply from a node, or undefined when it does not answer (a killed node, a node starting). */
export async function ask(node: Address, command: string, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ host: node.host, port: node.port, lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(command, ...args);
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** INFO <section> as fields, or undefined when the node does not answer. */
export async function info(node: Address, section: string): Promise<Record<string, string> | undefined> {
  const text = await ask(node, 'INFO', section);
  if (typeof text !== 'string') return undefined;
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Starts `redis-server` with these arguments (a config file first, if any) in `dir`, loopback only,
 * no persistence unless the arguments ask for it; resolves once it answers PING.
 */
export async function startRedis(port: number, dir: string, args: string[]): Promise<RedisProcess> {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'redis.log');
  const child = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', logFile], {
    stdio: 'ignore',
    detached: true,
  });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  const logTail = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '(no log)');
  const node: RedisProcess = { host: '127.0.0.1', port, dir, child, logTail };
  try {
    await until(`redis-server on port ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}:\n${logTail()}`);
      return (await ask(node, 'PING')) === 'PONG';
    }, 10_000, 50);
  } catch (error) {
    await killRedis(node);
    throw error;
  }
  return node;
}
