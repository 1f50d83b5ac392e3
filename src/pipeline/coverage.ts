// `mappings coverage`: the ПОС side of the dictionaries. Each registration counts the appeal's
// subjectId / subsubjectId / factId (ids and the platform's category names only, never the text)
// and which dictionaries fell to their default, so admins see which ПОС categories their mapping
// does not know yet. Keys: <p>:coverage (hash kind:id → count) and <p>:coverage:names (kind:id → name).
import type { RedisConnection } from '../redis.js';
import type { PosAppeal } from '../pos/schemas.js';

export const COVERAGE_KINDS = ['subject', 'subsubject', 'fact'] as const;
export type CoverageKind = (typeof COVERAGE_KINDS)[number];

export interface CoverageRow {
  kind: CoverageKind;
  id: number;
  name?: string;
  appeals: number;
}

export interface CoverageReport {
  rows: CoverageRow[];
  /** Dictionary → how many registrations used its default. */
  defaults: Record<string, number>;
}

const categoryOf = (appeal: PosAppeal): [CoverageKind, number | null | undefined, string | null | undefined][] => [
  ['subject', appeal.subjectId, appeal.subjectName],
  ['subsubject', appeal.subsubjectId, appeal.subsubjectName],
  ['fact', appeal.factId, appeal.factName],
];

/** What one registration adds to the counts. */
export interface CoverageEntry {
  appeal: PosAppeal;
  defaultsUsed: readonly string[];
}

/** The part of an ioredis MULTI the counts are queued on. */
export interface CoverageBatch {
  hincrby(key: string, field: string, by: number): unknown;
  hset(key: string, field: string, value: string): unknown;
}

export class CoverageStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private get countsKey(): string {
    return `${this.prefix}:coverage`;
  }

  private get namesKey(): string {
    return `${this.prefix}:coverage:names`;
  }

  /** One round trip per registration. */
  async record(appeal: PosAppeal, defaultsUsed: readonly string[]): Promise<void> {
    await this.addTo(this.redis.multi(), { appeal, defaultsUsed }).exec();
  }

  /** Queues the counts onto a caller's MULTI (the registration's own, store.ts), so they cost no round trip of their own. */
  addTo<T extends CoverageBatch>(batch: T, { appeal, defaultsUsed }: CoverageEntry): T {
    for (const [kind, id, name] of categoryOf(appeal)) {
      if (typeof id !== 'number') continue;
      batch.hincrby(this.countsKey, `${kind}:${id}`, 1);
      if (name) batch.hset(this.namesKey, `${kind}:${id}`, name.slice(0, 500));
    }
    for (const dictionary of defaultsUsed) batch.hincrby(this.countsKey, `default:${dictionary}`, 1);
    return batch;
  }

  async read(): Promise<CoverageReport> {
    const [counts, names] = await Promise.all([this.redis.hgetall(this.countsKey), this.redis.hgetall(this.namesKey)]);
    const rows: CoverageRow[] = [];
    const defaults: Record<string, number> = {};
    for (const [key, count] of Object.entries(counts)) {
      const [kind, rest] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (kind === 'default') defaults[rest] = Number(count);
      else if ((COVERAGE_KINDS as readonly string[]).includes(kind))
        rows.push({ kind: kind as CoverageKind, id: Number(rest), name: names[key], appeals: Number(count) });
    }
    rows.sort((a, b) => COVERAGE_KINDS.indexOf(a.kind) - COVERAGE_KINDS.indexOf(b.kind) || a.id - b.id);
    return { rows, defaults };
  }
}
