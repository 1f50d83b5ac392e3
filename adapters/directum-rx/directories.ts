// The installation's own directories (directum-rx.md: nothing a product ships can know their ids):
// document kinds, delivery methods, departments, business units, employees and the question
// classifier, read once per process and kept. A value is found by a code the entry carries
// (FullCode, Code, TIN) or by its name, forgiving case, repeated spaces and ё/е. The cache is
// refreshed after a TTL and on a miss (at most once per `missRefreshMs`), so in steady state a
// registration reads no directory at all, and an entry an admin has just added is found.
import type { DirectoryEntry, DirectoryKind, ReferenceProblem, ReferenceValue } from '../contract.js';
import type { DirectumClient, ODataEntity } from './client.js';
import type { ServiceMetadata } from './metadata.js';

interface DirectorySpec {
  set: string;
  /** Properties an entry can also be found by, where the installation's type declares them. */
  codes: readonly string[];
}

export const DIRECTORY_SPECS: Readonly<Record<DirectoryKind, DirectorySpec>> = {
  questions: { set: 'IQuestions', codes: ['FullCode'] },
  'document-kinds': { set: 'IDocumentKinds', codes: ['Code'] },
  'delivery-methods': { set: 'IMailDeliveryMethods', codes: ['Code'] },
  departments: { set: 'IDepartments', codes: ['Code'] },
  'business-units': { set: 'IBusinessUnits', codes: ['Code', 'TIN'] },
  employees: { set: 'IEmployees', codes: [] },
};

const PAGE = 500;

/** Case, repeated spaces and ё/е do not tell two names apart. */
export function normalizeName(value: string): string {
  return value.normalize('NFC').toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
}

/** Dice coefficient over character bigrams of the normalised names: 1 is equal, 0 shares nothing. */
function similarity(a: string, b: string): number {
  const grams = (text: string) => {
    const list: string[] = [];
    for (let i = 0; i < text.length - 1; i++) list.push(text.slice(i, i + 2));
    return list;
  };
  const left = grams(a);
  const right = grams(b);
  if (left.length === 0 || right.length === 0) return a === b ? 1 : 0;
  const pool = new Map<string, number>();
  for (const gram of right) pool.set(gram, (pool.get(gram) ?? 0) + 1);
  let shared = 0;
  for (const gram of left) {
    const available = pool.get(gram) ?? 0;
    if (available > 0) {
      shared += 1;
      pool.set(gram, available - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

export function closestNames(value: string, entries: readonly DirectoryEntry[], count = 3): string[] {
  const wanted = normalizeName(value);
  return entries
    .filter((entry) => entry.active)
    .map((entry) => ({
      name: entry.name,
      score: Math.max(
        similarity(wanted, normalizeName(entry.name)),
        ...Object.values(entry.codes).map((code) => similarity(wanted, normalizeName(code))),
      ),
    }))
    .filter((candidate) => candidate.score >= 0.3)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, count)
    .map((candidate) => candidate.name);
}

export type Resolution = { id: number } | Omit<ReferenceProblem, 'field' | 'directoryName'>;

/** One value against one directory's entries: an id, or why not. */
export function resolveIn(entries: readonly DirectoryEntry[], value: ReferenceValue, suggest: boolean): Resolution {
  if (typeof value !== 'string') {
    const entry = entries.find((candidate) => candidate.id === value.Id);
    if (entry?.active) return { id: entry.id };
    return { value, reason: entry ? 'closed' : 'unknown', matches: entry ? [entry.id] : [], closest: [] };
  }
  const wanted = normalizeName(value);
  const byCode = entries.filter((entry) => Object.values(entry.codes).some((code) => normalizeName(code) === wanted));
  const byName = byCode.length > 0 ? byCode : entries.filter((entry) => normalizeName(entry.name) === wanted);
  const active = byName.filter((entry) => entry.active);
  if (active.length === 1) return { id: active[0]!.id };
  if (active.length > 1) return { value, reason: 'ambiguous', matches: active.map((entry) => entry.id), closest: [] };
  if (byName.length > 0) return { value, reason: 'closed', matches: byName.map((entry) => entry.id), closest: [] };
  return { value, reason: 'unknown', matches: [], closest: suggest ? closestNames(value, entries) : [] };
}

export interface DirectoryCacheOptions {
  /** How long a read directory is trusted (default 10 min). */
  ttlMs?: number;
  /** A miss re-reads the directory at most this often (default 30 s), so bad values cannot hammer Directum. */
  missRefreshMs?: number;
  now?: () => number;
}

interface Loaded {
  entries: DirectoryEntry[];
  at: number;
}

export class DirectumDirectories {
  private readonly loaded = new Map<DirectoryKind, Promise<Loaded>>();
  private readonly ttlMs: number;
  private readonly missRefreshMs: number;
  private readonly now: () => number;
  /** Directory reads made so far (the bench shows them per appeal). */
  reads = 0;

  constructor(
    private readonly client: DirectumClient,
    private readonly metadata: () => Promise<ServiceMetadata | undefined>,
    options: DirectoryCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.missRefreshMs = options.missRefreshMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  async entries(kind: DirectoryKind): Promise<DirectoryEntry[]> {
    return (await this.current(kind)).entries;
  }

  /** Resolves one value; a miss re-reads the directory once (if not read just now) before it is final. */
  async resolve(kind: DirectoryKind, value: ReferenceValue, suggest: boolean): Promise<Resolution> {
    let loaded = await this.current(kind);
    let result = resolveIn(loaded.entries, value, suggest);
    if ('id' in result || this.now() - loaded.at < this.missRefreshMs) return result;
    loaded = await this.reload(kind);
    result = resolveIn(loaded.entries, value, suggest);
    return result;
  }

  private current(kind: DirectoryKind): Promise<Loaded> {
    const cached = this.loaded.get(kind);
    if (!cached) return this.reload(kind);
    return cached.then((loaded) => (this.now() - loaded.at > this.ttlMs ? this.reload(kind) : loaded));
  }

  private reload(kind: DirectoryKind): Promise<Loaded> {
    const loading = this.read(kind).then((entries) => ({ entries, at: this.now() }));
    // A failed read is not kept: the next registration tries again.
    loading.catch(() => {
      if (this.loaded.get(kind) === loading) this.loaded.delete(kind);
    });
    this.loaded.set(kind, loading);
    return loading;
  }

  private async read(kind: DirectoryKind): Promise<DirectoryEntry[]> {
    const spec = DIRECTORY_SPECS[kind];
    const metadata = await this.metadata();
    const declared = (member: string) => !metadata || metadata.declares(spec.set, member);
    const codes = spec.codes.filter(declared);
    const select = ['Id', 'Name', ...(declared('Status') ? ['Status'] : []), ...codes].join(',');
    const entries: DirectoryEntry[] = [];
    for (let skip = 0; ; skip += PAGE) {
      this.reads += 1;
      const { value } = await this.client.list<ODataEntity>(spec.set, { select, orderby: 'Id asc', top: PAGE, skip });
      for (const row of value) {
        const entryCodes: Record<string, string> = {};
        for (const code of codes) if (typeof row[code] === 'string' && row[code]) entryCodes[code] = row[code];
        entries.push({
          id: row.Id,
          name: typeof row.Name === 'string' ? row.Name : '',
          codes: entryCodes,
          active: row.Status !== 'Closed',
        });
      }
      if (value.length < PAGE) return entries;
    }
  }
}
