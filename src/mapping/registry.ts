// The active mappings of every bridge process: versions live in Redis (shared, with history),
// each process keeps a compiled copy and checks one version key per use, change messages make
// the switch immediate, and the mappings directory stays the admins' file in both directions.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import type { RedisConnection as Redis } from '../redis.js';
import type { EdmsKind } from '../../adapters/contract.js';
import { BridgeError, describeError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { BridgeMetrics } from '../metrics.js';
import { MAPPING_FILE, formatProblem } from './cli.js';
import { compileMapping, mappingNameOf, mappingVersion } from './compile.js';
import { unifiedDiff } from './diff.js';
import { DirWatch } from './dir-watch.js';
import { historySource } from './history-source.js';
import { MappingDrafts, mapAppeal, type DraftCheck, type DraftPreview } from './drafts.js';
import type { MappingEngine } from './engine.js';
import { EvaluationPool } from './evaluation-pool.js';
import { MappingStore, type ChangeMessage, type MappingHistoryEntry, type MappingSummary, type StoredMapping } from './store.js';
import { effectiveSource } from './organisation-source.js';
import type { CompiledMapping, MappingProblem, MappingResult } from './types.js';

/** What of an organisation's configuration chooses its mapping. */
export interface OrganisationMapping {
  key: string;
  mapping?: string;
  constants: Readonly<Record<string, unknown>>;
}

export type { MappingHistoryEntry, MappingSummary, StoredMapping } from './store.js';

export interface MappingRegistryOptions {
  redis: Redis;
  prefix: string;
  /** The mappings directory (MAPPINGS_DIR). */
  dir: string;
  logger: Logger;
  metrics?: BridgeMetrics;
  /** Connection for change messages; by default a duplicate of `redis`, closed by stop(). */
  subscriber?: Redis;
  /** false: ignore change messages (the per-use version check still finds every change). */
  subscribe?: boolean;
  /** false: do not watch the directory for admins' edits. */
  watch?: boolean;
  debounceMs?: number;
  rescanMs?: number;
  /** History entries kept per mapping (oldest dropped). */
  historyLimit?: number;
  /** Longest one appeal's mapping may run in a worker thread (MAPPING_TIMEOUT; default 2 s). */
  evaluationTimeoutMs?: number;
}

export type PutResult = { ok: true; version: string } | { ok: false; problems: MappingProblem[] };

/** `unknown-version`: not in the history; `no-source`: listed, but saved before the history kept sources. */
export type RollbackResult = PutResult | { ok: false; reason: 'unknown-version' | 'no-source' };

const VALID_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export class MappingRegistry {
  private readonly store: MappingStore;
  private readonly logger: Logger;
  private readonly compiled = new Map<string, MappingEngine>();
  /** Each organisation's effective mapping, with the base version it was made from. */
  private readonly effective = new Map<string, { key: string; mapping: CompiledMapping }>();
  private readonly loading = new Map<string, Promise<MappingEngine>>();
  /** Content hash of each file as this process last saw it on disk: a different one is an edit. */
  private readonly seen = new Map<string, string>();
  /** The stored version the file on disk is known to hold. */
  private readonly synced = new Map<string, string>();
  private readonly paths = new Map<string, string>();
  private readonly warnedDrafts = new Set<string>();
  private lock: Promise<unknown> = Promise.resolve();
  private writer?: Redis;
  private subscriber?: Redis;
  private ownSubscriber = false;
  private watcher?: DirWatch;
  private reportedVersion?: string;
  /** The threads that evaluate what the fast path leaves; stopped by stop(). */
  private readonly pool = new EvaluationPool();
  /** Admins' drafts evaluate in a thread of their own (drafts.ts). */
  private readonly drafts: MappingDrafts;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel !== this.store.channel) return;
    let change: ChangeMessage;
    try {
      change = JSON.parse(message) as ChangeMessage;
    } catch {
      return;
    }
    if (!VALID_NAME.test(change.name)) return;
    void this.locked(() => this.syncDown(change.name))
      .then(() => this.active(change.name))
      .catch((error: unknown) => this.logger.warn({ mapping: change.name, err: describeError(error) }, 'could not load a changed mapping'));
  };

  constructor(private readonly options: MappingRegistryOptions) {
    this.store = new MappingStore(options.redis, options.prefix, options.historyLimit ?? 200);
    this.logger = options.logger.child({ component: 'mappings' });
    this.drafts = new MappingDrafts(options.evaluationTimeoutMs);
  }

  /** A second connection whose errors (Redis restarting) are handled; ioredis reconnects it. */
  private quietDuplicate(): Redis {
    const connection = this.options.redis.duplicate();
    connection.on('error', () => undefined);
    return connection;
  }

  /** Loads the active versions (Redis first, else the files), then follows changes. */
  async start(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const files = await this.listFiles();
    for (const [name, path] of files) await this.locked(() => this.adoptFile(name, path, true));
    for (const name of await this.store.names()) {
      if (!files.has(name)) await this.locked(() => this.syncDown(name));
      await this.active(name).catch((error: unknown) =>
        this.logger.error({ mapping: name, err: describeError(error) }, 'stored mapping does not compile'),
      );
    }
    if (this.options.subscribe ?? true) {
      this.ownSubscriber = !this.options.subscriber;
      this.subscriber = this.options.subscriber ?? this.quietDuplicate();
      this.subscriber.on('message', this.onMessage);
      await this.subscriber.subscribe(this.store.channel);
    }
    if (this.options.watch ?? true) {
      this.watcher = new DirWatch({
        dir: this.options.dir,
        isMappingFile: (file) => MAPPING_FILE.test(file),
        onFile: (file) => this.locked(() => this.adoptFile(mappingNameOf(file), join(this.options.dir, file), false)),
        onRescan: () => this.rescan(),
        debounceMs: this.options.debounceMs ?? 300,
        rescanMs: this.options.rescanMs ?? 5_000,
        logger: this.logger,
      });
      this.watcher.start();
    }
  }

  /** The mapping for this EDMS, as applied now by any process (one GET when nothing changed). */
  async forTarget(kind: EdmsKind): Promise<CompiledMapping> {
    const mapping = await this.active(kind);
    if (this.reportedVersion !== mapping.version) {
      this.reportedVersion = mapping.version;
      this.options.metrics?.setMappingVersion(mapping.name, mapping.version);
    }
    return mapping;
  }

  /**
   * The mapping an organisation uses: its own (`mapping:`) or the one named after the EDMS, with its
   * constants overridden (organisation-source.ts). Compiled once per version of the file.
   */
  async forOrganisation(organisation: OrganisationMapping, kind: EdmsKind): Promise<CompiledMapping> {
    const base = await this.active(organisation.mapping ?? kind);
    if (base.target !== kind) {
      throw new BridgeError(
        'MAPPING_INVALID',
        `organisation ${organisation.key}: mapping "${base.name}" is for ${base.target}, but EDMS is ${kind}`,
      );
    }
    if (Object.keys(organisation.constants).length === 0) return base;
    const key = `${organisation.key}@${base.version}`;
    const cached = this.effective.get(organisation.key);
    if (cached?.key === key) return cached.mapping;
    const { mapping, problems } = compileMapping(
      effectiveSource(base.source, organisation.constants),
      `${base.name}.yaml`,
      this.compileOptions,
    );
    if (!mapping) {
      throw new BridgeError(
        'MAPPING_INVALID',
        `organisation ${organisation.key}: mapping "${base.name}" with its constants is invalid: ${problems.map(formatProblem).join('; ')}`,
      );
    }
    this.effective.set(organisation.key, { key, mapping });
    return mapping;
  }

  get(name: string): Promise<StoredMapping | null> {
    return this.store.get(name);
  }

  list(): Promise<MappingSummary[]> {
    return this.store.list();
  }

  /** Newest first. */
  history(name: string): Promise<MappingHistoryEntry[]> {
    return this.store.history(name);
  }

  /** Validates; an invalid source changes nothing. A valid one is stored, written to the directory and announced. */
  /** `force` is the EDMS check's (checked-mappings.ts): the registry itself checks no EDMS. */
  put(name: string, source: string, author: string, options: { comment?: string; force?: boolean } = {}): Promise<PutResult> {
    return this.locked(() => this.putUnlocked(name, source, author, `${name}.yaml`, options.comment));
  }

  /** Applies a version from the history again, as a new history entry. */
  rollback(name: string, version: string, author: string, comment?: string): Promise<RollbackResult> {
    return this.locked(async () => {
      const applied = await this.store.get(name);
      const { listed, source } = historySource(await this.store.storedHistory(name), applied?.source ?? '', version);
      if (!listed) return { ok: false as const, reason: 'unknown-version' as const };
      if (source === undefined) return { ok: false as const, reason: 'no-source' as const };
      return this.putUnlocked(name, source, author, `${name}.yaml`, comment);
    });
  }

  async preview(name: string, appeal: unknown): Promise<MappingResult | { problems: string[] }> {
    let mapping: MappingEngine;
    try {
      mapping = await this.active(name);
    } catch (error) {
      if (error instanceof BridgeError) return { problems: [error.message] };
      throw error;
    }
    return mapAppeal(mapping, appeal);
  }

  /** A draft (or, without `source`, the applied version) mapping one appeal; nothing is saved. */
  async previewDraft(name: string, appeal: unknown, source?: string): Promise<DraftPreview> {
    return source === undefined ? this.preview(name, appeal) : this.drafts.preview(name, source, appeal);
  }

  /** What `mappings check` says of a draft, and what it does to the shipped fixtures (drafts.ts). */
  check(name: string, source: string): Promise<DraftCheck> {
    return this.drafts.check(name, source);
  }

  /** The draft against the applied version, as the history would show it; null: no such mapping. */
  async diff(name: string, source: string): Promise<{ version: string; diff: string } | null> {
    const applied = await this.store.get(name);
    return applied && { version: applied.version, diff: unifiedDiff(applied.source, source, `${name}.yaml`) };
  }

  async stop(): Promise<void> {
    await this.watcher?.stop();
    if (this.subscriber) {
      this.subscriber.off('message', this.onMessage);
      if (this.ownSubscriber) this.subscriber.disconnect();
      else await this.subscriber.unsubscribe(this.store.channel).catch(() => undefined);
    }
    await this.lock.catch(() => undefined);
    this.writer?.disconnect();
    await Promise.all([this.pool.close(), this.drafts.close()]);
  }

  private get compileOptions(): { pool: EvaluationPool; evaluationTimeoutMs?: number } {
    return { pool: this.pool, evaluationTimeoutMs: this.options.evaluationTimeoutMs };
  }

  private locked<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async active(name: string): Promise<MappingEngine> {
    const version = await this.store.version(name);
    const cached = this.compiled.get(name);
    if (cached && (version === null || cached.version === version)) return cached;
    if (version === null)
      throw new BridgeError('MAPPING_INVALID', `no mapping "${name}" is loaded (add ${name}.yaml to the mappings directory)`);
    const key = `${name}@${version}`;
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(name).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  private async load(name: string): Promise<MappingEngine> {
    const stored = await this.store.get(name);
    if (!stored) throw new BridgeError('MAPPING_INVALID', `no mapping "${name}" is loaded`);
    const { mapping, problems } = compileMapping(stored.source, `${name}.yaml`, this.compileOptions);
    if (!mapping)
      throw new BridgeError('MAPPING_INVALID', `stored mapping "${name}" is invalid: ${problems.map(formatProblem).join('; ')}`);
    const engine = mapping as MappingEngine;
    const current = this.compiled.get(name);
    if (!current || current.version !== engine.version) {
      this.compiled.set(name, engine);
      this.logger.info({ mapping: name, version: engine.version, author: stored.author }, 'mapping version in use');
    }
    return engine;
  }

  private async putUnlocked(name: string, source: string, author: string, file = `${name}.yaml`, comment?: string): Promise<PutResult> {
    if (!VALID_NAME.test(name)) {
      return { ok: false, problems: [{ file, line: 1, column: 1, message: 'a mapping name is letters, digits, - and _ (at most 64)' }] };
    }
    const { mapping, problems } = compileMapping(source, file, this.compileOptions);
    if (!mapping) return { ok: false, problems };
    this.writer ??= this.quietDuplicate();
    const changed = await this.store.save(
      this.writer,
      { name, version: mapping.version, target: mapping.target, source, author, ...(comment ? { comment } : {}) },
      (previous) => unifiedDiff(previous, source, `${name}.yaml`),
    );
    this.compiled.set(name, mapping as MappingEngine);
    await this.writeMappingFile(name, source);
    if (changed) {
      await this.store.announce({ name, version: mapping.version });
      this.logger.info({ mapping: name, version: mapping.version, author }, 'mapping applied');
    }
    return { ok: true, version: mapping.version };
  }

  /** A file in the directory, new or edited by an admin: valid edits are applied, others logged. */
  private async adoptFile(name: string, path: string, startup: boolean): Promise<void> {
    const source = await readFile(path, 'utf8').catch(() => undefined);
    if (source === undefined || !VALID_NAME.test(name)) return;
    this.paths.set(name, path);
    const version = mappingVersion(source);
    if (this.seen.get(name) === version) return;
    this.seen.set(name, version);
    const stored = await this.store.get(name);
    if (stored?.version === version) {
      this.synced.set(name, version);
      return;
    }
    if (startup && stored && (await this.store.history(name)).some((entry) => entry.version === version)) {
      // An older version left on this machine while others moved on: bring the file up to date.
      await this.writeMappingFile(name, stored.source);
      return;
    }
    const result = await this.putUnlocked(name, source, `file:${name}`, path);
    if (!result.ok) {
      this.logger.warn(
        { mapping: name, problems: result.problems.map(formatProblem) },
        'mapping file has problems; the active version stays in use',
      );
    }
  }

  /** Writes the stored version into the directory unless the admin has an unapplied draft there. */
  private async syncDown(name: string): Promise<void> {
    const stored = await this.store.get(name);
    if (!stored) return;
    const onDisk = await readFile(this.pathFor(name), 'utf8').catch(() => undefined);
    const diskVersion = onDisk === undefined ? undefined : mappingVersion(onDisk);
    if (diskVersion === stored.version) {
      this.seen.set(name, diskVersion);
      this.synced.set(name, diskVersion);
      return;
    }
    // A file this process has not seen in sync is someone's draft (or an invalid edit): keep it.
    if (diskVersion !== undefined && diskVersion !== this.synced.get(name)) {
      const key = `${name}@${stored.version}`;
      if (!this.warnedDrafts.has(key)) {
        this.warnedDrafts.add(key);
        this.logger.warn(
          { mapping: name, version: stored.version },
          'mapping changed elsewhere, but the local file has unapplied edits; file left as it is',
        );
      }
      return;
    }
    await this.writeMappingFile(name, stored.source);
  }

  private async rescan(): Promise<void> {
    for (const [name, path] of await this.listFiles()) await this.locked(() => this.adoptFile(name, path, false));
    for (const name of await this.store.names()) {
      const version = await this.store.version(name);
      if (version !== null && version !== this.synced.get(name)) await this.locked(() => this.syncDown(name));
    }
  }

  private async listFiles(): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    const entries = await readdir(this.options.dir).catch(() => [] as string[]);
    for (const file of entries.filter((entry) => MAPPING_FILE.test(entry)).sort()) {
      const name = mappingNameOf(file);
      // delo.yaml wins over delo.yml when both exist.
      if (!files.has(name) || extname(file) === '.yaml') files.set(name, join(this.options.dir, file));
    }
    return files;
  }

  private pathFor(name: string): string {
    return this.paths.get(name) ?? join(this.options.dir, `${name}.yaml`);
  }

  /** Atomic (temp, fsync, rename), so neither an admin's editor nor another process ever sees half a file, even after a crash. */
  private async writeMappingFile(name: string, source: string): Promise<void> {
    const path = this.pathFor(name);
    const version = mappingVersion(source);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    this.seen.set(name, version);
    this.synced.set(name, version);
    if (current === source) return;
    await writeFileAtomic(path, source);
    this.paths.set(name, path);
  }
}
