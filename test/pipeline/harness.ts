// A world for pipeline tests: ПОС and EDMS emulators, a private Redis prefix, and bridges built
// from the same parts as the product — in this process (several "processes" = several sets of
// connections) or as real child processes of the CLI that tests can kill.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { EdmsKind } from '../../adapters/contract.js';
import { loadConfig, type BridgeConfig } from '../../src/config/load.js';
import { bridgeEnv, startSandbox, type Sandbox, type SandboxOptions } from '../../src/demo/sandbox.js';
import { FileMappings } from '../../src/mapping/load-file.js';
import { BridgeMetrics } from '../../src/metrics.js';
import type { PipelineContext, PipelineSettings } from '../../src/pipeline/context.js';
import { createPipeline, startPipelineWorkers } from '../../src/pipeline/runtime.js';
import type { BridgeWorkers } from '../../src/pipeline/workers.js';
import { PosClient } from '../../src/pos/client.js';
import { DEFAULT_READ_RETRY } from '../../src/http/client.js';
import { createAdapter } from '../../src/service/edms.js';
import { packageRoot } from '../../fixtures/index.js';

export const FAST_RETRY = { maxAttempts: 25, baseDelayMs: 50, maxDelayMs: 400 };

export interface World {
  kind: EdmsKind;
  sandbox: Sandbox;
  redisUrl: string;
  prefix: string;
  env: Record<string, string>;
  config: BridgeConfig;
  workDir: string;
  close(): Promise<void>;
}

export async function startWorld(
  kind: EdmsKind,
  redisUrl: string,
  extraEnv: Record<string, string> = {},
  sandboxOptions: SandboxOptions = {},
): Promise<World> {
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-world-'));
  const sandbox = await startSandbox(kind, workDir, sandboxOptions);
  const prefix = `{t-${randomBytes(4).toString('hex')}}`;
  const env: Record<string, string> = {
    ...bridgeEnv(sandbox.env, { redisUrl, prefix, mappingsDir: join(packageRoot(), 'mappings') }),
    PULL_EVERY: '1s',
    WATCH_EVERY: '500ms',
    RECONCILE_EVERY: '1h',
    POS_PAGE_SIZE: '7',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const config = loadConfig({ env, command: 'start', dotenvPath: false });
  return {
    kind,
    sandbox,
    redisUrl,
    prefix,
    env,
    config,
    workDir,
    close: async () => {
      await sandbox.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

export interface InProcessBridge {
  ctx: PipelineContext;
  redis: Redis;
  workers?: BridgeWorkers;
  stop(force?: boolean): Promise<void>;
}

/** A bridge in this process with its own Redis connections, as a separate process would have. */
export async function startBridge(
  world: World,
  options: { workers?: boolean; settings?: Partial<PipelineSettings>; concurrency?: number; logger?: Logger } = {},
): Promise<InProcessBridge> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const redis = new Redis(world.redisUrl, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // crash tests kill Redis on purpose
  const metrics = new BridgeMetrics({ defaultMetrics: false });
  const pos = new PosClient({ pos: world.config.pos, logger, retryReads: DEFAULT_READ_RETRY });
  const adapter = await createAdapter(world.config, { logger });
  const mappings = new FileMappings(world.config.mappingsDir, { evaluationTimeoutMs: world.config.mappingTimeoutMs });
  const ctx = createPipeline({
    redis,
    prefix: world.prefix,
    pos,
    adapter,
    mappings,
    dataKey: world.config.dataKey!,
    logger,
    metrics,
    settings: {
      pageSize: world.config.pos.pageSize,
      retry: FAST_RETRY,
      durablePollMs: 100,
      durablePollMaxMs: 500,
      appealLockMs: 10_000,
      ...options.settings,
    },
  });
  const workers =
    options.workers === false
      ? undefined
      : startPipelineWorkers(ctx, redis, { concurrency: options.concurrency ?? 8, lockDurationMs: 5000, stalledIntervalMs: 1000 });
  return {
    ctx,
    redis,
    workers,
    stop: async (force = false) => {
      await workers?.close(force);
      await ctx.queues.close();
      await adapter.close();
      await mappings.close();
      redis.disconnect();
    },
  };
}

/** The real CLI in a child process (`pos-bridge start --role ROLE`), killable like a real one. */
export function spawnBridgeProcess(
  world: World,
  role: 'worker' | 'scheduler' | 'all',
  extraEnv: Record<string, string> = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/entry.ts'), 'start', '--role', role], {
    cwd: packageRoot(),
    env: { PATH: process.env.PATH ?? '', ...world.env, WORKER_CONCURRENCY: '8', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-20_000);
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') process.stderr.write(`bridge ${role} exited ${code}: ${stderr}\n`);
  });
  return child;
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

export function uniqueRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? '';
}
