// `pos-bridge failed list|retry`: the failed list straight from Redis, no service needed.
import type { BridgeConfig } from '../config/load.js';
import { FailedJobs, OrganisationsFailedJobs } from '../pipeline/failed.js';
import { statePrefixFor } from '../pipeline/organisation.js';
import { BridgeQueues } from '../pipeline/queues.js';
import { AppealStore } from '../pipeline/store.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

/** Every configured organisation's failed list, as one. */
async function withFailedJobs<T>(config: BridgeConfig, run: (failed: OrganisationsFailedJobs) => Promise<T>): Promise<T> {
  const redis = connectRedis(config.redis);
  const byOrganisation = new Map(
    config.organisations.map((org) => {
      const queues = new BridgeQueues(redis, config.redis.prefix, org.key, config.redis.layout);
      return [
        org.key,
        {
          queues,
          failed: new FailedJobs(queues, new AppealStore(redis, statePrefixFor(config.redis.prefix, org.key, config.redis.layout))),
        },
      ];
    }),
  );
  try {
    return await run(new OrganisationsFailedJobs(new Map([...byOrganisation].map(([key, entry]) => [key, entry.failed]))));
  } finally {
    for (const { queues } of byOrganisation.values()) await queues.close();
    redis.disconnect();
  }
}

/** An --organisation that is not configured: exit 2 naming the known ones. */
function unknownOrganisation(io: CliIO, config: BridgeConfig, command: string, organisation: string | undefined): boolean {
  if (!organisation || config.organisations.some((org) => org.key === organisation)) return false;
  io.stderr(`pos-bridge ${command}: no organisation ${organisation} (known: ${config.organisations.map((org) => org.key).join(', ')})\n`);
  return true;
}

export async function failedList(io: CliIO, config: BridgeConfig, options: { json: boolean; organisation?: string }): Promise<number> {
  if (unknownOrganisation(io, config, 'failed list', options.organisation)) return 2;
  const entries = await withFailedJobs(config, (failed) => failed.list({ organisation: options.organisation }));
  if (options.json) {
    io.stdout(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (entries.length === 0) {
    io.stdout('No failed jobs.\n');
    return 0;
  }
  const several = config.organisations.length > 1;
  const header = ['ID', ...(several ? ['ORGANISATION'] : []), 'APPEAL', 'ATTEMPTS', 'FAILED AT', 'ERROR'];
  io.stdout(
    table([
      header,
      ...entries.map((e) => [
        e.id,
        ...(several ? [e.organisation] : []),
        e.posId ?? '-',
        e.attemptsMade,
        e.failedAt ?? '-',
        `${e.error.code}: ${e.error.message}`.slice(0, 160),
      ]),
    ]),
  );
  return 0;
}

export async function failedRetry(
  io: CliIO,
  config: BridgeConfig,
  id: string | undefined,
  options: { all: boolean; organisation?: string },
): Promise<number> {
  if (!id && !options.all && !options.organisation) {
    io.stderr('pos-bridge failed retry: give a failed job id (see `pos-bridge failed list`), --all or --organisation KEY\n');
    return 2;
  }
  if (unknownOrganisation(io, config, 'failed retry', options.organisation)) return 2;
  return withFailedJobs(config, async (failed) => {
    if (!id) {
      // --organisation alone (or with --all): every failed job of that organisation.
      const count = await failed.retryAll(options.organisation);
      io.stdout(`Replayed ${count} failed job(s).\n`);
      return 0;
    }
    if (await failed.retry(id)) {
      io.stdout(`Replayed ${id}.\n`);
      return 0;
    }
    io.stderr(`pos-bridge failed retry: no failed job ${id}\n`);
    return 1;
  });
}
