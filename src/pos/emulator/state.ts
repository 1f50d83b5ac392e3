// In-memory state of the ПОС emulator: organisations, appeals (one pull queue per organisation),
// file storage, issued tokens, settings and counters. Routes and the control API share one instance.
import { randomUUID } from 'node:crypto';
import type { SeedAppeal } from '../../../fixtures/generator.js';
import { opaFields } from './custody.js';
import { TokenBucket } from './faults.js';
import { DEFAULT_ORGANISATION, OrganisationRegistry } from './organisations.js';
import {
  POS_ROUTES,
  type EmulatorOrganisation,
  type EmulatorSettings,
  type EmulatorStats,
  type IssuedToken,
  type PosRoute,
  type StoredAppeal,
  type StoredFile,
} from './types.js';

const zeroPerRoute = (): Record<PosRoute, number> => Object.fromEntries(POS_ROUTES.map((r) => [r, 0])) as Record<PosRoute, number>;

export function downloadPath(fileId: string): string {
  return `/file-storage-service/filestorage/${encodeURIComponent(fileId)}`;
}

/** Who a stored file belongs to: the organisation that uploaded it, or the appeal it is attached to. */
export type FileOwner = { uploadedBy: string } | { appealKey: string };

export class PosEmulatorState {
  readonly organisations: OrganisationRegistry;
  readonly appeals = new Map<string, StoredAppeal>();
  readonly files = new Map<string, StoredFile>();
  readonly tokens = new Map<string, IssuedToken>();
  settings: EmulatorSettings;
  /** Present while settings.rateLimit is set. */
  limiter: TokenBucket | null = null;
  requests = zeroPerRoute();
  faultsInjected = zeroPerRoute();
  unauthorized = 0;
  requestsOverLimit = 0;
  answersStored = 0;
  answersRefused = 0;
  tokensIssued = 0;
  filesUploaded = 0;
  private seq = 0;
  /** Every appeal in pull order, sorted once per change of the set rather than once per page read. */
  private pullOrder: StoredAppeal[] | null = null;

  constructor(
    private readonly defaults: EmulatorSettings,
    organisations: readonly EmulatorOrganisation[] = [DEFAULT_ORGANISATION],
  ) {
    this.organisations = new OrganisationRegistry(organisations);
    this.settings = { ...defaults };
    this.limiter = defaults.rateLimit ? new TokenBucket(defaults.rateLimit) : null;
  }

  applySettings(patch: Partial<EmulatorSettings>): EmulatorSettings {
    this.settings = { ...this.settings, ...patch };
    if ('rateLimit' in patch) this.limiter = this.settings.rateLimit ? new TokenBucket(this.settings.rateLimit) : null;
    return this.settings;
  }

  /** The organisation a seed goes to: the one named, else the first. Throws for an unknown one. */
  organisation(clientId?: string): EmulatorOrganisation {
    if (clientId === undefined) return this.organisations.first();
    const organisation = this.organisations.get(clientId);
    if (!organisation) throw new Error(`unknown organisation ${clientId}`);
    return organisation;
  }

  /**
   * Stores seeded appeals of one organisation (default the first); attachments become files, and
   * the organisation's opaId/opaName, when it has them, replace the seed's. An id seen before is
   * replaced with fresh state.
   */
  seed(seeds: readonly SeedAppeal[], clientId?: string): number[] {
    const owner = this.organisation(clientId);
    return seeds.map((seed) => {
      const { attachments, ...rest } = seed;
      const key = String(seed.id);
      const record: Record<string, unknown> = { ...rest, ...opaFields(owner) };
      let fileIds: string[] | null = null;
      if (attachments !== undefined) {
        fileIds = attachments.map((file) => this.addFile(file.name, file.contentType, file.data, false, { appealKey: key }).id);
        record.attachments = []; // placeholder keeps the field's position; rendered from fileIds
      }
      this.store(key, record, fileIds, false, owner.clientId);
      return seed.id;
    });
  }

  /** Stores arbitrary objects exactly as given (opaId/opaName untouched), even when they break the appeal schema. */
  seedRaw(objects: readonly Record<string, unknown>[], clientId?: string): string[] {
    const owner = this.organisation(clientId).clientId;
    return objects.map((object) => {
      const id = object.id;
      const key = typeof id === 'number' || typeof id === 'string' ? String(id) : `raw-${this.seq + 1}`;
      this.store(key, { ...object }, null, true, owner);
      return key;
    });
  }

  /**
   * Puts list elements into the pull list as JSON text, served verbatim inside the page: valid JSON
   * that JSON.stringify cannot write back (nesting thousands of levels deep) or text that is not JSON
   * at all (the whole page then fails to parse). Keyed by the id the text parses to, else `raw-<n>`.
   */
  seedRawJson(texts: readonly string[], clientId?: string): string[] {
    const owner = this.organisation(clientId).clientId;
    return texts.map((text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      const record = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      const key = typeof record.id === 'number' || typeof record.id === 'string' ? String(record.id) : `raw-${this.seq + 1}`;
      this.store(key, record, null, true, owner, text);
      return key;
    });
  }

  private store(
    key: string,
    record: Record<string, unknown>,
    fileIds: string[] | null,
    raw: boolean,
    owner: string,
    rawJson?: string,
  ): void {
    this.seq += 1;
    const seededAt = Date.now();
    this.appeals.set(key, {
      key,
      record,
      fileIds,
      raw,
      ...(rawJson === undefined ? {} : { rawJson }),
      seq: this.seq,
      seededAt,
      owner,
      ownedSince: new Date(seededAt).toISOString(),
      ownerHistoryStart: 0,
      previousOwners: [],
      accepted: false,
      acceptCount: 0,
      acceptedAt: null,
      firstServedAt: null,
      finalAnswerAt: null,
      history: [],
    });
    this.pullOrder = null;
  }

  /** One past the highest numeric id held, so generated batches never collide with earlier ones. */
  nextId(): number {
    let max = 100_000;
    for (const appeal of this.appeals.values()) {
      const id = appeal.record.id;
      if (typeof id === 'number' && Number.isFinite(id) && id > max) max = id;
    }
    return max + 1;
  }

  /** One organisation's pull queue: its appeals it has not accepted, oldest createdAt first, ties by id. */
  pending(clientId: string): StoredAppeal[] {
    this.pullOrder ??= sortForPull([...this.appeals.values()]);
    return this.pullOrder.filter((a) => a.owner === clientId && !a.accepted);
  }

  find(key: string): StoredAppeal | undefined {
    return this.appeals.get(key);
  }

  /** Marks accepted by the current owner; counts every call so tests can tell "accepted once" from duplicates. */
  accept(appeal: StoredAppeal): void {
    appeal.acceptCount += 1;
    if (!appeal.accepted) {
      appeal.accepted = true;
      appeal.acceptedAt = new Date().toISOString();
    }
  }

  addFile(name: string, contentType: string, data: Buffer, temporary: boolean, owner: FileOwner): StoredFile {
    const file: StoredFile = { id: randomUUID(), name, contentType, data, temporary, createdAt: new Date().toISOString(), ...owner };
    this.files.set(file.id, file);
    return file;
  }

  issueToken(clientId: string): { token: string; expiresIn: number } {
    const token = randomUUID();
    const expiresIn = this.settings.tokenTtlSeconds;
    this.tokens.set(token, { clientId, expiresAt: Date.now() + expiresIn * 1000 });
    this.tokensIssued += 1;
    return { token, expiresIn };
  }

  tokenHolder(token: string): IssuedToken | undefined {
    const issued = this.tokens.get(token);
    return issued && issued.expiresAt > Date.now() ? issued : undefined;
  }

  /** Ends every issued token now, as if the platform revoked them or their lifetime ran out early. */
  expireTokens(): number {
    const now = Date.now();
    for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now - 1);
    return this.tokens.size;
  }

  /** The appeal as the pull route sends it: seeded attachments as absolute download URLs. */
  render(appeal: StoredAppeal, baseUrl: string): Record<string, unknown> {
    if (appeal.rawJson !== undefined) return { rawJson: true, key: appeal.key };
    if (appeal.fileIds === null) return appeal.record;
    return { ...appeal.record, attachments: appeal.fileIds.map((id) => `${baseUrl}${downloadPath(id)}`) };
  }

  stats(): EmulatorStats {
    let acceptedTotal = 0;
    let duplicatesAccepted = 0;
    for (const appeal of this.appeals.values()) {
      if (appeal.accepted) acceptedTotal += 1;
      duplicatesAccepted += Math.max(0, appeal.acceptCount - 1);
      for (const held of appeal.previousOwners) duplicatesAccepted += Math.max(0, held.acceptCount - 1);
    }
    return {
      requests: { ...this.requests },
      faultsInjected: { ...this.faultsInjected },
      unauthorized: this.unauthorized,
      requestsOverLimit: this.requestsOverLimit,
      acceptedTotal,
      pendingTotal: this.appeals.size - acceptedTotal,
      duplicatesAccepted,
      answersStored: this.answersStored,
      answersRefused: this.answersRefused,
      tokensIssued: this.tokensIssued,
      filesUploaded: this.filesUploaded,
    };
  }

  /** Back to an empty platform with the start-up organisations and settings. */
  reset(): void {
    this.organisations.reset();
    this.appeals.clear();
    this.pullOrder = null;
    this.files.clear();
    this.tokens.clear();
    this.applySettings({ ...this.defaults });
    this.requests = zeroPerRoute();
    this.faultsInjected = zeroPerRoute();
    this.unauthorized = 0;
    this.requestsOverLimit = 0;
    this.answersStored = 0;
    this.answersRefused = 0;
    this.tokensIssued = 0;
    this.filesUploaded = 0;
  }
}

/** Oldest createdAt first (the seeding time for records without a usable one), then id, then insertion. */
function sortForPull(appeals: StoredAppeal[]): StoredAppeal[] {
  const sortTime = (a: StoredAppeal) => {
    const created = a.record.createdAt;
    const parsed = typeof created === 'string' ? Date.parse(created) : Number.NaN;
    return Number.isNaN(parsed) ? a.seededAt : parsed;
  };
  const idOrder = (a: StoredAppeal, b: StoredAppeal) => {
    const x = a.record.id;
    const y = b.record.id;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  };
  const times = new Map(appeals.map((a) => [a, sortTime(a)]));
  return appeals.sort((a, b) => times.get(a)! - times.get(b)! || idOrder(a, b) || a.seq - b.seq);
}
