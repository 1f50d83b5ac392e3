// Mapping versions in Redis, shared by every bridge process: the active source per name, a cheap
// version key per name (one GET tells a process whether its compiled copy is current), the
// history, and a channel announcing changes. Keys: `${prefix}:mapping:*`.
import type { RedisConnection as Redis } from '../redis.js';
import { BridgeError } from '../errors.js';

export interface StoredMapping {
  name: string;
  version: string;
  target: string;
  source: string;
  updatedAt: string;
  author: string;
}

export type MappingSummary = Omit<StoredMapping, 'source'>;

export interface MappingHistoryEntry {
  version: string;
  author: string;
  /** ISO 8601 */
  at: string;
  /** Unified diff against the version before (against nothing for the first one). */
  diff: string;
  /** Why, in the author's words (PUT or rollback `comment`). */
  comment?: string;
}

/** As kept in Redis: the source too, so that a rollback can bring any listed version back. */
export interface StoredHistoryEntry extends MappingHistoryEntry {
  source?: string;
}

export interface ChangeMessage {
  name: string;
  version: string;
}

const SUMMARY_FIELDS = ['name', 'version', 'target', 'updatedAt', 'author'] as const;
const MAX_ATTEMPTS = 20;

export class MappingStore {
  readonly channel: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly historyLimit: number,
  ) {
    this.channel = `${prefix}:mapping:changed`;
  }

  private key(kind: 'names' | 'doc' | 'version' | 'history', name?: string): string {
    return name === undefined ? `${this.prefix}:mapping:${kind}` : `${this.prefix}:mapping:${kind}:${name}`;
  }

  /** The active version of `name`, or null: one GET, cheap enough for every job. */
  version(name: string): Promise<string | null> {
    return this.redis.get(this.key('version', name));
  }

  async get(name: string): Promise<StoredMapping | null> {
    const hash = await this.redis.hgetall(this.key('doc', name));
    if (!hash.version || hash.source === undefined) return null;
    return {
      name,
      version: hash.version,
      target: hash.target ?? '',
      source: hash.source,
      updatedAt: hash.updatedAt ?? '',
      author: hash.author ?? '',
    };
  }

  async names(): Promise<string[]> {
    return (await this.redis.smembers(this.key('names'))).sort();
  }

  async list(): Promise<MappingSummary[]> {
    const names = await this.names();
    if (names.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const name of names) pipeline.hmget(this.key('doc', name), ...SUMMARY_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, values]) => {
      const [name, version, target, updatedAt, author] = (values ?? []) as (string | null)[];
      if (error || !name || !version) return [];
      return [{ name, version, target: target ?? '', updatedAt: updatedAt ?? '', author: author ?? '' }];
    });
  }

  async history(name: string): Promise<MappingHistoryEntry[]> {
    return (await this.storedHistory(name)).map(({ source: _source, ...entry }) => entry);
  }

  /** Newest first, each with the source it applied where it was kept (entries written before sources were kept have none). */
  async storedHistory(name: string): Promise<StoredHistoryEntry[]> {
    const entries = await this.redis.lrange(this.key('history', name), 0, -1);
    return entries.map((entry) => JSON.parse(entry) as StoredHistoryEntry);
  }

  /**
   * Stores a new active version with its history entry in one MULTI, unless another process
   * changed the mapping in between (WATCH): then the diff is recomputed against that version.
   * `writer` must be a connection nobody else runs MULTI on. Returns false when `version` is
   * already the active one.
   */
  async save(
    writer: Redis,
    mapping: { name: string; version: string; target: string; source: string; author: string; comment?: string },
    diffAgainst: (previous: string) => string,
  ): Promise<boolean> {
    const { name, version } = mapping;
    const versionKey = this.key('version', name);
    const docKey = this.key('doc', name);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      await writer.watch(versionKey);
      const active = await writer.get(versionKey);
      if (active === version) {
        await writer.unwatch();
        return false;
      }
      const previous = active === null ? '' : ((await writer.hget(docKey, 'source')) ?? '');
      const at = new Date().toISOString();
      const entry: StoredHistoryEntry = {
        version,
        author: mapping.author,
        at,
        diff: diffAgainst(previous),
        ...(mapping.comment ? { comment: mapping.comment } : {}),
        source: mapping.source,
      };
      const result = await writer
        .multi()
        .hset(docKey, { name, version, target: mapping.target, source: mapping.source, updatedAt: at, author: mapping.author })
        .set(versionKey, version)
        .lpush(this.key('history', name), JSON.stringify(entry))
        .ltrim(this.key('history', name), 0, this.historyLimit - 1)
        .sadd(this.key('names'), name)
        .exec();
      if (result !== null) return true;
    }
    throw new BridgeError('CONFLICT', `mapping "${name}" kept changing under this save; try again`, { system: 'redis' });
  }

  async announce(message: ChangeMessage): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(message));
  }
}
