// `pos-bridge failed list|retry`: the failed list straight from Redis, no service needed.
import type { BridgeConfig } from '../config/load.js';
import { FailedJobs } from '../pipeline/failed.js';
import { BridgeQueues } from '../pipeline/queues.js';
import { AppealStore } from '../pipeline/store.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';
import type { ConnectionOptions } from 'bullmq';

async function withFailedJobs<T>(config: BridgeConfig, run: (failed: FailedJobs) => Promise<T>): Promise<T> {
  const redis = connectRedis(config.redis);
  const queues = new BridgeQueues(redis as ConnectionOptions, config.redis.prefix);
  try {
    return await run(new FailedJobs(queues, new AppealStore(redis, config.redis.prefix)));
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

export async function failedList(io: CliIO, config: BridgeConfig, options: { json: boolean }): Promise<number> {
  const entries = await withFailedJobs(config, (failed) => failed.list());
  if (options.json) {
    io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stdout('No failed jobs.\n');
    return 0;
  }
  io.stdout(table([['ID', 'APPEAL', 'ATTEMPTS', 'FAILED AT', 'ERROR'], ...entries.map((e) => [e.id, e.posId ?? '-', e.attemptsMade, e.failedAt ?? '-', `${e.error.code}: ${e.error.message}`.slice(0, 160)])]));
  return 0;
}

export async function failedRetry(io: CliIO, config: BridgeConfig, id: string | undefined, options: { all: boolean }): Promise<number> {
  if (!id && !options.all) {
    io.stderr('pos-bridge failed retry: give a failed job id (see `pos-bridge failed list`) or --all\n');
    return 2;
  }
  return withFailedJobs(config, async (failed) => {
    if (options.all) {
      const count = await failed.retryAll();
      io.stdout(`Replayed ${count} failed job(s).\n`);
      return 0;
    }
    if (await failed.retry(id!)) {
      io.stdout(`Replayed ${id}.\n`);
      return 0;
    }
    io.stderr(`pos-bridge failed retry: no failed job ${id}\n`);
    return 1;
  });
}
