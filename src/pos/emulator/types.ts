// Shapes shared by the ПОС emulator's parts: options, settings, faults and the records it keeps.
import type { PosAnswer } from '../schemas.js';

export interface PosEmulatorOptions {
  /** Default 0 (random) — main.ts uses 8090. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Base of absolute attachment URLs when clients reach the emulator by another name (proxy, container). */
  publicUrl?: string;
  /** Basic-auth pair of the token call; default { id: 'pos-bridge', secret: 'platform-secret' }. */
  platformClient?: { id: string; secret: string };
  /**
   * Organisation cabinets (ЛКО) the emulator holds, each with its own ClientID/SecretKey. The first
   * is where seeds go unless told otherwise. Default: one, { clientId: 'demo-org', secret: 'demo-secret' }.
   */
  organisations?: readonly EmulatorOrganisation[];
  /** One organisation, the shorthand of earlier callers; ignored when `organisations` is given. */
  organisation?: { clientId: string; secret: string };
  /** Default 3600. */
  tokenTtlSeconds?: number;
  /** Default 100. */
  maxPageSize?: number;
  /** The server uses this page size whatever the client asks. */
  forcePageSize?: number;
  /** Upload limit in bytes; larger files get 413. Default 50 MB. */
  maxUploadBytes?: number;
  logger?: boolean;
}

/** One organisation cabinet (ЛКО): its password-grant pair and what its appeals show in opaId/opaName. */
export interface EmulatorOrganisation {
  clientId: string;
  secret: string;
  /** When set, seeded appeals of this organisation (and those forwarded to it) carry it in `opaId`. */
  opaId?: number;
  /** When set, seeded appeals of this organisation (and those forwarded to it) carry it in `opaName`. */
  opaName?: string;
}

/** ПОС routes the emulator serves; faults and statistics are kept per route. */
export const POS_ROUTES = ['token', 'pull', 'accept', 'answer', 'upload', 'download'] as const;
export type PosRoute = (typeof POS_ROUTES)[number];

export interface RateLimit {
  /** Sustained requests per second over all ПОС routes together. */
  perSecond: number;
  /** Bucket size (burst); default perSecond. */
  burst?: number;
}

export interface EmulatorSettings {
  tokenTtlSeconds: number;
  maxPageSize: number;
  forcePageSize: number | null;
  rateLimit: RateLimit | null;
  maxUploadBytes: number;
}

export type FaultAction =
  | { kind: 'status'; status: number; retryAfter?: number }
  | { kind: 'slow'; delayMs: number }
  | { kind: 'drop' }
  | { kind: 'drop-after' }
  | { kind: 'malformed' };

export type FaultSpec = FaultAction & {
  route: PosRoute | '*';
  /** Fire on the next N matching calls, then retire. */
  times?: number;
  /** Fire with this probability per matching call (with `times`, at most `times` firings). */
  rate?: number;
  /** Seed of the PRNG behind `rate`, for reproducible runs. */
  seed?: number;
};

export interface ActiveFault {
  id: number;
  spec: FaultSpec;
  /** Firings left when `times` was given. */
  remaining: number | null;
  fired: number;
}

/** One accepted status/answer post, in the platform's terms. */
export interface HistoryEntry {
  status: string;
  statusText: string | null;
  createdAt: string;
  createdBy: { clientId: string; userId: number };
  body: PosAnswer;
  /** ClientID of the emulator organisation a FORWARDED answer moved the appeal to. */
  forwardedTo?: string;
}

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
  /** Uploaded and not yet referenced by an answer. */
  temporary: boolean;
  createdAt: string;
  /** ClientID of the organisation that uploaded it; only it may download or reference the file. */
  uploadedBy?: string;
  /** Key of the appeal a seeded attachment belongs to; only the appeal's owner may download it. */
  appealKey?: string;
}

/** How one organisation handled an appeal while it held it (before forwarding it on). */
export interface CustodyRecord {
  organisation: string;
  /** When it came to this organisation (seeded or forwarded). */
  since: string;
  /** When it was forwarded away; null while the organisation still holds it. */
  until: string | null;
  accepted: boolean;
  acceptCount: number;
  acceptedAt: string | null;
  firstServedAt: string | null;
  finalAnswerAt: string | null;
  /** ClientID it was forwarded to; null while held. */
  forwardedTo: string | null;
}

export interface StoredAppeal {
  /** Lookup key: String(id) of the record (raw records may carry odd ids). */
  key: string;
  /** The record as ПОС sends it, except `attachments`, which are rendered from `fileIds`. */
  record: Record<string, unknown>;
  /** Ids of the seeded attachments in file storage; null for raw records (attachments kept as given). */
  fileIds: string[] | null;
  raw: boolean;
  /**
   * Element text served verbatim in the page (raw JSON injection): for what JSON.stringify cannot
   * write (nesting thousands deep) or what is not JSON at all. `record` then holds what parsing it
   * gave (for the id and the pull order), or nothing.
   */
  rawJson?: string;
  /** Insertion order: the tie-breaker of last resort and the sort time of records with no usable date. */
  seq: number;
  seededAt: number;
  /** ClientID of the organisation that holds it now; the fields below up to `finalAnswerAt` are that organisation's. */
  owner: string;
  /** When the current owner got it (seeded or forwarded). */
  ownedSince: string;
  /** Index in `history` where the current owner's posts begin: its status codes ignore earlier owners'. */
  ownerHistoryStart: number;
  /** Organisations that held it before and forwarded it on, oldest first. */
  previousOwners: CustodyRecord[];
  accepted: boolean;
  acceptCount: number;
  acceptedAt: string | null;
  /** When a pull page first listed it (for pull-to-acceptance latency). */
  firstServedAt: string | null;
  finalAnswerAt: string | null;
  history: HistoryEntry[];
}

export interface IssuedToken {
  expiresAt: number;
  clientId: string;
}

export interface EmulatorStats {
  requests: Record<PosRoute, number>;
  faultsInjected: Record<PosRoute, number>;
  unauthorized: number;
  requestsOverLimit: number;
  acceptedTotal: number;
  pendingTotal: number;
  duplicatesAccepted: number;
  answersStored: number;
  answersRefused: number;
  tokensIssued: number;
  filesUploaded: number;
}
