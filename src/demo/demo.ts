// `pos-bridge demo` / `npm run demo`: emulators of ПОС and an EDMS, a few hundred realistic appeals,
// the real bridge between them, clerks playing the EDMS side, live progress and a summary.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { EdmsKind } from '../../adapters/contract.js';
import { loadBrokenAppeals, packageRoot } from '../../fixtures/index.js';
import { table, type CliIO } from '../cli/io.js';
import { loadConfig, urlWithoutPassword } from '../config/load.js';
import { createLogger } from '../logging.js';
import { triggerControl } from '../pipeline/runtime.js';
import { startRole } from '../service/service.js';
import { buildServices } from '../service/wiring.js';
import { ClerkPlay } from './clerk.js';
import { redisAnswers, startPrivateRedis, type PrivateRedis } from './redis-server.js';
import { startSandbox } from './sandbox.js';
import { setUpOrganisations, seedOrganisations } from './organisations.js';
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

async function redisForDemo(io: CliIO): Promise<{ url: string; own?: PrivateRedis }> {
  const url = io.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(url)) return { url };
  try {
    const own = await startPrivateRedis();
    io.stderr(`No Redis answered at ${urlWithoutPassword(url)}; started a private redis-server at ${own.url} for the demo.\n`);
    return { url: own.url, own };
  } catch (error) {
    throw new Error(`the demo needs Redis: none answered at ${urlWithoutPassword(url)} and redis-server could not be started (${(error as Error).message}). Install redis-server (Debian: apt-get install redis-server) or set REDIS_URL.`);
  }
}

function progressLine(o: DemoOutcome, total: number, elapsedMs: number): string {
  return `[${(elapsedMs / 1000).toFixed(0).padStart(3)}s] accepted ${o.accepted}/${total} · statuses in ПОС ${o.statusesInPos} · final answers ${o.finalAnswers}/${total}`;
}

export async function runDemo(options: DemoOptions, io: CliIO): Promise<number> {
  const started = Date.now();
  const deadline = started + (options.deadlineMs ?? 110_000);
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-demo-'));
  const logPath = options.logPath ?? join(tmpdir(), `pos-bridge-demo-${process.pid}.log`);
  const mappingsDir = join(workDir, 'mappings');
  // The demo edits nothing in the repo: it runs on a copy of the shipped mappings.
  cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });

  const several = (options.organisations ?? 1) > 1;
  const across = several ? ` of ${options.organisations} organisations (ЛКО)` : '';
  io.stderr(`pos-bridge demo: ${options.appeals} appeals${across}, ПОС emulator → bridge → ${options.edms} emulator\n`);
  const redis = await redisForDemo(io);
  const sandbox = await startSandbox(options.edms, workDir);
  const prefix = `{pos-bridge-demo-${randomBytes(4).toString('hex')}}`;
  const organisations = several ? await setUpOrganisations(sandbox.pos, options.organisations!, workDir) : undefined;
  const seeded = organisations
    ? await seedOrganisations(sandbox.pos, organisations.organisations, options.appeals)
    : await sandbox.pos.control.generate(options.appeals, 2026);
  await sandbox.pos.control.seedRaw(loadBrokenAppeals().slice(0, 2) as Record<string, unknown>[], organisations ? { organisation: organisations.organisations[0]!.clientId } : undefined);
  const { POS_CLIENT_ID: _id, POS_CLIENT_SECRET: _secret, ...sandboxEnv } = sandbox.env;

  const config = loadConfig({
    command: 'start',
    dotenvPath: false,
    env: {
      ...(organisations ? { ...sandboxEnv, ...organisations.env } : sandbox.env),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      DATA_KEY: randomBytes(32).toString('base64'),
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      HTTP_PORT: '0',
      PULL_EVERY: '2s',
      WATCH_EVERY: '1s',
      RECONCILE_EVERY: '1h',
      MAPPINGS_DIR: mappingsDir,
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
  let lastPrint = 0;
  while (Date.now() < deadline) {
    outcome = await collectOutcome(sandbox.pos, contexts, seeded);
    await clerk.tick(outcome.registeredUnfinished.filter((a) => !clerk.finished(a.posId)));
    if (io.isTTY) io.stderr(`\r${progressLine(outcome, seeded.length, Date.now() - started)}   `);
    else if (Date.now() - lastPrint > 5000) {
      io.stderr(`${progressLine(outcome, seeded.length, Date.now() - started)}\n`);
      lastPrint = Date.now();
    }
    if (outcome.finalAnswers === seeded.length) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  if (io.isTTY) io.stderr('\n');
  const complete = outcome.finalAnswers === seeded.length && outcome.accepted === seeded.length;
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);

  io.stdout(`\npos-bridge demo summary (${options.edms}${across}, ${elapsed} s)\n`);
  io.stdout(
    table([
      ['appeals seeded in ПОС', seeded.length],
      ['pulled by the bridge', outcome.pulled],
      [`registered in ${options.edms}`, outcome.registered],
      ['accepted in ПОС', outcome.accepted],
      ['accepted twice (must be 0)', outcome.duplicateAccepts],
      ['statuses and answers in ПОС', outcome.statusesInPos],
      ['  final answers', outcome.finalAnswers],
      ['  of which forwarded / rejected', `${outcome.byAnswerType.FORWARDED ?? 0} / ${outcome.byAnswerType.REJECTED ?? 0}`],
      ['  postponements', outcome.byAnswerType.POSTPONED ?? 0],
      ['histories out of lifecycle order (must be 0)', outcome.outOfOrder],
      ['malformed appeals set aside', outcome.setAside],
      ['failed jobs', outcome.failedJobs],
    ]),
  );
  if (organisations) {
    io.stdout('\nper organisation (ЛКО): appeals accepted / final answers, each with its own token\n');
    io.stdout(table(organisations.organisations.map((org) => [org.key, org.name, `${outcome.byOrganisation[org.clientId]?.accepted ?? 0} / ${outcome.byOrganisation[org.clientId]?.answered ?? 0}`])));
  }
  io.stdout(`\nBridge log (JSON, no personal data): ${logPath}\n`);
  if (options.keepRunning && running.api) {
    io.stdout(`Admin API:   ${running.api.url}/api  (Authorization: Bearer ${config.adminToken})\n`);
    io.stdout(`OpenAPI:     ${running.api.url}/docs\nQueue UI:    ${running.api.url}/ui?token=${config.adminToken}\nMetrics:     ${running.api.url}/metrics\n`);
    io.stdout(`ПОС emulator: ${sandbox.pos.url}/_emulator/stats\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((resolveStop) => process.once('SIGINT', () => resolveStop()));
  } else {
    io.stdout('Next: `npm run demo -- --keep-running` leaves everything up to explore the admin API (/docs), the queue UI (/ui) and /metrics.\n');
  }

  await running.stop();
  await sandbox.close();
  if (redis.own) await redis.own.stop();
  else await dropPrefix(redis.url, prefix);
  rmSync(workDir, { recursive: true, force: true });
  if (!complete) io.stderr(`demo: not everything landed before the deadline (see ${logPath})\n`);
  return complete && outcome.duplicateAccepts === 0 && outcome.outOfOrder === 0 ? 0 : 1;
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
