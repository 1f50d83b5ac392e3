// `pos-bridge mappings coverage`: which ПОС categories the bridge has seen at registration, and how
// often a dictionary's default stood in (straight from Redis; no service needed).
import type { BridgeConfig } from '../config/load.js';
import { AppealStore } from '../pipeline/store.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

export async function mappingsCoverage(io: CliIO, config: BridgeConfig, options: { json: boolean }): Promise<number> {
  const redis = connectRedis(config.redis);
  try {
    const coverage = await new AppealStore(redis, config.redis.prefix).coverage.read();
    if (options.json) {
      io.stdout(`${JSON.stringify(coverage, null, 2)}\n`);
      return 0;
    }
    if (coverage.rows.length === 0) io.stdout('No appeals registered yet: nothing counted.\n');
    else io.stdout(table([['ПОС field', 'id', 'name', 'appeals'], ...coverage.rows.map((row) => [`${row.kind}Id`, row.id, row.name ?? '', row.appeals])]));
    const defaults = Object.entries(coverage.defaults).sort(([a], [b]) => a.localeCompare(b));
    if (defaults.length > 0) io.stdout(`\n${table([['dictionary', 'appeals that fell to its default'], ...defaults])}`);
    return 0;
  } finally {
    redis.disconnect();
  }
}
