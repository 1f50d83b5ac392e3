// `pos-bridge mappings coverage`: which ПОС categories the bridge has seen at registration, and how
// often a dictionary's default stood in (straight from Redis; no service needed).
import type { BridgeConfig } from '../config/load.js';
import { statePrefixFor } from '../pipeline/organisation.js';
import { AppealStore } from '../pipeline/store.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

type Coverage = Awaited<ReturnType<AppealStore['coverage']['read']>>;

/** Each organisation's counts (its own mapping's dictionaries); one block per organisation when there are several. */
export async function mappingsCoverage(io: CliIO, config: BridgeConfig, options: { json: boolean }): Promise<number> {
  const redis = connectRedis(config.redis);
  try {
    const byOrganisation = new Map<string, Coverage>();
    for (const org of config.organisations) {
      byOrganisation.set(
        org.key,
        await new AppealStore(redis, statePrefixFor(config.redis.prefix, org.key, config.redis.layout)).coverage.read(),
      );
    }
    const several = byOrganisation.size > 1;
    if (options.json) {
      const shown = several ? { organisations: Object.fromEntries(byOrganisation) } : byOrganisation.values().next().value;
      io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
      return 0;
    }
    for (const [key, coverage] of byOrganisation) {
      if (several) io.stdout(`organisation ${key}:\n`);
      printCoverage(io, coverage);
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}

function printCoverage(io: CliIO, coverage: Coverage): void {
  if (coverage.rows.length === 0) io.stdout('No appeals registered yet: nothing counted.\n');
  else
    io.stdout(
      table([
        ['ПОС field', 'id', 'name', 'appeals'],
        ...coverage.rows.map((row) => [`${row.kind}Id`, row.id, row.name ?? '', row.appeals]),
      ]),
    );
  const defaults = Object.entries(coverage.defaults).sort(([a], [b]) => a.localeCompare(b));
  if (defaults.length > 0) io.stdout(`\n${table([['dictionary', 'appeals that fell to its default'], ...defaults])}`);
}
