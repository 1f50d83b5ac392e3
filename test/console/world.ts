// A real bridge for the console's browser scenarios: the ПОС and Directum RX emulators, a private
// Redis prefix, console users made by the real `pos-bridge users add`, and the real `pos-bridge
// start` in a child process serving the console built from the current sources at /console/.
import { execFile, type ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../fixtures/index.js';
import { runCliProcess } from '../helpers/cli-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { spawnBridgeProcess, startWorld, waitFor, type World } from '../pipeline/harness.js';

export const ADMIN_TOKEN = 'scenario-admin-token-0123456789';

/** Made-up console users, one per role. */
export const USERS = { editor: 'petrova', operator: 'sidorov', viewer: 'guest' } as const;
const ROLES = { editor: 'mapping-editor', operator: 'operator', viewer: 'viewer' } as const;

export interface ConsoleWorld {
  world: World;
  url: string;
  tokens: Record<keyof typeof USERS, string>;
  mappingsDir: string;
  /** The admin API as ADMIN_TOKEN (scripts' way in), JSON both ways. */
  api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startConsoleWorld(): Promise<ConsoleWorld> {
  // The bridge serves dist/console: build it from the sources under test first.
  const built = promisify(execFile)(process.execPath, [join(packageRoot(), 'console', 'build.mjs')], { timeout: 120_000 });
  const port = await freePort();
  const world = await startWorld('directum-rx', testRedisUrl(), {
    ADMIN_TOKEN,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: String(port),
  });
  const mappingsDir = join(world.workDir, 'mappings');
  cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
  world.env.MAPPINGS_DIR = mappingsDir;
  world.env.ADMIN_USERS_FILE = join(world.workDir, 'users.json');

  const tokens = {} as Record<keyof typeof USERS, string>;
  // One after another: each run rewrites the users' file.
  for (const key of Object.keys(USERS) as (keyof typeof USERS)[]) {
    const run = await runCliProcess(['users', 'add', USERS[key], '--role', ROLES[key], '--json'], world.env);
    if (run.code !== 0) throw new Error(`users add ${USERS[key]}: ${run.code} ${run.stderr}`);
    tokens[key] = (JSON.parse(run.stdout) as { token: string }).token;
  }
  await built;

  const child: ChildProcess = spawnBridgeProcess(world, 'all');
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor(
    'the bridge to answer',
    async () => {
      if (exited) throw new Error('pos-bridge start exited');
      try {
        return (await fetch(`${url}/health/ready`)).ok;
      } catch {
        return false;
      }
    },
    90_000,
    250,
  );

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  return {
    world,
    url,
    tokens,
    mappingsDir,
    api,
    close: async () => {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(killer);
      }
      await world.close();
    },
  };
}
