// Moves a one-slot installation's keys (QUEUE_PREFIX `{pos-bridge}` on a Cluster: every key on one
// master) to the spread layout (QUEUE_PREFIX `pos-bridge`: a hash tag per queue, per organisation's
// state and one for what they share; see organisation.ts). Key by key, DUMP / RESTORE with its TTL /
// DEL: BullMQ keeps job ids, not key names, inside its lists and hashes, so a queue's keys under a
// new name are the same queue — waiting, delayed, failed and finished jobs (the ids that keep an
// appeal from being queued twice) all come along. Run with every bridge process stopped; a key
// already moved is moved again harmlessly (REPLACE), so an interrupted run is finished by another.
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from '../redis.js';
import { DEFAULT_ORGANISATION, queueNameFor, sharedPrefixFor, statePrefixFor } from './organisation.js';

const QUEUE_BASES = ['control', 'register', 'push'] as const;
/** Families every organisation shares (mappings, the ПОС rate budget, the EDMS outage). */
const SHARED_FAMILIES = ['mapping:', 'pos-rate', 'edms:'];
/** Families that stay at QUEUE_PREFIX in both layouts (single keys: admin UI sessions). */
const PREFIX_FAMILIES = ['ui-session:'];
const PARALLEL = 64;

export type KeyFamily = 'queue' | 'state' | 'shared' | 'session';

export interface LayoutMove {
  from: string;
  to: string;
  family: KeyFamily;
}

export interface LayoutMigrationReport {
  /** Keys moved (or, with dryRun, that would be), per family. */
  moved: Record<KeyFamily, number>;
  /** Jobs some worker still holds a lock on: the migration refuses to start while there are any. */
  activeLocks: number;
  dryRun: boolean;
}

/** The new name of one old key, or null when it is not under the old prefix. */
export function spreadKeyFor(key: string, fromPrefix: string, toPrefix: string, organisations: readonly string[]): LayoutMove | null {
  if (!key.startsWith(`${fromPrefix}:`)) return null;
  const rest = key.slice(fromPrefix.length + 1);
  for (const organisation of organisations) {
    for (const base of QUEUE_BASES) {
      const oldName = queueNameFor(base, organisation);
      if (rest.startsWith(`${oldName}:`)) {
        const to = `${toPrefix}:${queueNameFor(base, organisation, 'spread')}:${rest.slice(oldName.length + 1)}`;
        return { from: key, to, family: 'queue' };
      }
    }
  }
  for (const organisation of organisations) {
    if (organisation === DEFAULT_ORGANISATION) continue;
    const oldState = `org:${organisation}:`;
    if (rest.startsWith(oldState)) {
      return { from: key, to: `${statePrefixFor(toPrefix, organisation, 'spread')}:${rest.slice(oldState.length)}`, family: 'state' };
    }
  }
  if (SHARED_FAMILIES.some((family) => rest.startsWith(family)))
    return { from: key, to: `${sharedPrefixFor(toPrefix, 'spread')}:${rest}`, family: 'shared' };
  if (PREFIX_FAMILIES.some((family) => rest.startsWith(family))) return { from: key, to: `${toPrefix}:${rest}`, family: 'session' };
  return { from: key, to: `${statePrefixFor(toPrefix, DEFAULT_ORGANISATION, 'spread')}:${rest}`, family: 'state' };
}

function isCluster(redis: RedisConnection): redis is Cluster {
  return 'nodes' in redis && typeof redis.nodes === 'function';
}

/** Every key under `prefix:` on every master (a Cluster is scanned node by node). */
async function keysUnder(redis: RedisConnection, prefix: string): Promise<string[]> {
  // A Cluster client knows its nodes only once it is connected: the first command waits for that.
  await redis.ping();
  const nodes: Redis[] = isCluster(redis) ? redis.nodes('master') : [redis];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

async function moveKey(redis: RedisConnection, move: LayoutMove): Promise<boolean> {
  const [payload, ttl] = await Promise.all([redis.dumpBuffer(move.from), redis.pttl(move.from)]);
  if (payload === null) return false; // gone meanwhile (expired)
  await redis.restore(move.to, ttl > 0 ? ttl : 0, payload, 'REPLACE');
  await redis.del(move.from);
  return true;
}

export async function migrateToSpread(
  redis: RedisConnection,
  options: { fromPrefix: string; toPrefix: string; organisations: readonly string[]; dryRun?: boolean },
): Promise<LayoutMigrationReport> {
  const moves = (await keysUnder(redis, options.fromPrefix))
    .map((key) => spreadKeyFor(key, options.fromPrefix, options.toPrefix, options.organisations))
    .filter((move): move is LayoutMove => move !== null);
  const moved: Record<KeyFamily, number> = { queue: 0, state: 0, shared: 0, session: 0 };
  const activeLocks = moves.filter((move) => move.family === 'queue' && move.from.endsWith(':lock')).length;
  const dryRun = options.dryRun ?? false;
  if (activeLocks > 0 || dryRun) {
    for (const move of moves) moved[move.family] += 1;
    return { moved, activeLocks, dryRun };
  }
  for (let start = 0; start < moves.length; start += PARALLEL) {
    const batch = moves.slice(start, start + PARALLEL);
    const done = await Promise.all(batch.map((move) => moveKey(redis, move)));
    batch.forEach((move, i) => {
      if (done[i]) moved[move.family] += 1;
    });
  }
  return { moved, activeLocks, dryRun };
}
