// `pos-bridge demo` / `npm run demo`: emulators of ПОС and an EDMS, a few hundred realistic appeals,
// the real bridge between them, clerks playing the EDMS side. It reports progress and its outcome
// as data; src/cli/demo.ts prints them.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EdmsKind } from '../../adapters/contract.js';
import { loadBrokenAppeals, packageRoot } from '../../fixtures/index.js';
import { loadConfig, urlWithoutPassword } from '../config/load.js';
import { createLogger } from '../logging.js';
import { triggerControl } from '../pipeline/runtime.js';
import { startRole } from '../service/service.js';
import { buildServices } from '../service/wiring.js';
import { ClerkPlay } from './clerk.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './redis-server.js';
import { bridgeEnv, startSandbox } from './sandbox.js';
import { setUpOrganisations, seedOrganisations, type DemoOrganisation } from './organisations.js';
import { collectOutcome, type DemoOutcome } from './outcome.js';

export interface DemoOptions {
  edms: EdmsKind;
  appeals: number;
  keepRunning: boolean;
  /** Give up after this long (default 110 s: the demo promises under two minutes). */
  deadlineMs?: number;
  /** Where the bridge's JSON log goes (default a file in the temp folder). */
  logPath?: string;
  /** Organisation cabinets (ЛКО) into the one EDMS (default 1: POS_CLIENT_ID, the organisation `default`). */
  organisations?: number;
}

export interface DemoHooks {
  env: NodeJS.ProcessEnv;
  /** A one-line notice on the way (a private redis-server was started). */
  onNotice?: (text: string) => void;
  /** About every 300 ms while the appeals travel. */
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoProgress {
  outcome: DemoOutcome;
  total: number;
  elapsedMs: number;
}

/** What the demo came to; the emulators and the bridge still run until `stop`. */
export interface DemoRun {
  seeded: number;
  outcome: DemoOutcome;
  elapsedMs: number;
  logPath: string;
  /** Every appeal accepted and answered before the deadline. */
  complete: boolean;
  /** Several organisations: who they are (the outcome counts them by ClientID). */
  organisations?: readonly DemoOrganisation[];
  /** Where to look while it still runs. */
  links: { api?: string; adminToken: string; posEmulator: string };
  stop(): Promise<void>;
}

async function redisForDemo(hooks: DemoHooks): Promise<{ url: string; own?: PrivateRedis }> {
  const url = hooks.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url };
  try {
    const own = await startPrivateRedis();
    hooks.onNotice?.(`No Redis answered at ${urlWithoutPassword(url)}; started a private redis-server at ${own.url} for the demo.`);
    return { url: own.url, own };
  } catch (error) {
    throw new Error(
      `the demo needs Redis: none answered at ${urlWithoutPassword(url)} and redis-server could not be started (${(error as Error).message}). Install redis-server (Debian: apt-get install redis-server) or set REDIS_URL.`,
      { cause: error },
    );
  }
}

export async function runDemo(options: DemoOptions, hooks: DemoHooks): Promise<DemoRun> {
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 110_000);
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-demo-'));
  const logPath = options.logPath ?? join(tmpdir(), `pos-bridge-demo-${process.pid}.log`);
  const mappingsDir = join(workDir, 'mappings');
  // The demo edits nothing in the repo: it runs on a copy of the shipped mappings.
  cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });

  const several = (options.organisations ?? 1) > 1;
  const redis = await redisForDemo(hooks);
  const sandbox = await startSandbox(options.edms, workDir);
  const prefix = `{pos-bridge-demo-${randomBytes(4).toString('hex')}}`;
  const organisations = several ? await setUpOrganisations(sandbox.pos, options.organisations!, workDir) : undefined;
  const seeded = organisations
    ? await seedOrganisations(sandbox.pos, organisations.organisations, options.appeals)
    : await sandbox.pos.control.generate(options.appeals, 2026);
  await sandbox.pos.control.seedRaw(
    loadBrokenAppeals().slice(0, 2) as Record<string, unknown>[],
    organisations ? { organisation: organisations.organisations[0]!.clientId } : undefined,
  );
  const { POS_CLIENT_ID: _id, POS_CLIENT_SECRET: _secret, ...sandboxEnv } = sandbox.env;

  const config = loadConfig({
    command: 'start',
    dotenvPath: false,
    env: {
      ...bridgeEnv(organisations ? { ...sandboxEnv, ...organisations.env } : sandbox.env, { redisUrl: redis.url, prefix, mappingsDir }),
      PULL_EVERY: '2s',
      WATCH_EVERY: '1s',
      RECONCILE_EVERY: '1h',
      WORKER_CONCURRENCY: '16',
      LOG_LEVEL: 'info',
    },
  });
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: logPath, sync: false, mkdir: true }) });
  const services = await buildServices(config, logger, { settings: { durablePollMs: 200, durablePollMaxMs: 2000 } });
  const running = await startRole(config, 'all', services);
  const contexts = services.organisations.map((org) => org.ctx);
  for (const ctx of contexts) await triggerControl(ctx, 'pull');

  const clerk = new ClerkPlay(sandbox.edms.control);
  let outcome = await collectOutcome(sandbox.pos, contexts, seeded);
  while (Date.now() < deadline) {
    outcome = await collectOutcome(sandbox.pos, contexts, seeded);
    await clerk.tick(outcome.registeredUnfinished.filter((a) => !clerk.finished(a.posId)));
    hooks.onProgress?.({ outcome, total: seeded.length, elapsedMs: Date.now() - started });
    if (outcome.finalAnswers === seeded.length) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    seeded: seeded.length,
    outcome,
    elapsedMs: Date.now() - started,
    logPath,
    complete: outcome.finalAnswers === seeded.length && outcome.accepted === seeded.length,
    ...(organisations ? { organisations: organisations.organisations } : {}),
    links: { ...(running.api ? { api: running.api.url } : {}), adminToken: config.adminToken ?? '', posEmulator: sandbox.pos.url },
    stop: async () => {
      await running.stop();
      await sandbox.close();
      if (redis.own) await redis.own.stop();
      else await dropPrefix(redis.url, prefix);
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** Removes the demo's keys from a shared Redis. */
async function dropPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
