// `pos-bridge redis migrate-layout --from '{pos-bridge}'`: a one-slot installation's keys moved to
// the spread layout of the QUEUE_PREFIX now configured (src/pipeline/layout-migration.ts).
import type { BridgeConfig } from '../config/load.js';
import { migrateToSpread } from '../pipeline/layout-migration.js';
import { keyLayoutFor } from '../pipeline/organisation.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

const USAGE = 'pos-bridge redis migrate-layout';

/** 0: moved (or nothing to move); 1: refused while workers hold jobs; 2: not a move to the spread layout. */
export async function migrateLayout(
  io: CliIO,
  config: BridgeConfig,
  options: { from: string; dryRun: boolean; json: boolean },
): Promise<number> {
  if (config.redis.layout !== 'spread') {
    io.stderr(
      `${USAGE}: QUEUE_PREFIX ${config.redis.prefix} ${config.redis.topology?.cluster?.length ? 'has a hash tag' : 'is not on a Redis Cluster'}: the spread layout is for a Cluster with a QUEUE_PREFIX without {…} (README, "Running on Sentinel / Cluster")\n`,
    );
    return 2;
  }
  if (keyLayoutFor(options.from, true) !== 'one-slot') {
    io.stderr(`${USAGE}: --from ${options.from} has no hash tag: give the old QUEUE_PREFIX as it was, e.g. --from '{pos-bridge}'\n`);
    return 2;
  }
  const redis = connectRedis(config.redis);
  let report;
  try {
    report = await migrateToSpread(redis, {
      fromPrefix: options.from,
      toPrefix: config.redis.prefix,
      organisations: config.organisations.map((org) => org.key),
      dryRun: options.dryRun,
    });
  } finally {
    redis.disconnect();
  }
  if (options.json) io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else {
    const verb = report.dryRun || report.activeLocks > 0 ? 'TO MOVE' : 'MOVED';
    io.stdout(table([['KEYS', verb], ...Object.entries(report.moved).map(([family, count]) => [family, count])]));
  }
  if (report.activeLocks > 0) {
    io.stderr(
      `${USAGE}: ${report.activeLocks} job(s) are held by running workers: nothing was moved. Stop every pos-bridge process (their locks expire within JOB_LOCK_TIMEOUT) and run it again.\n`,
    );
    return 1;
  }
  return 0;
}
