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
  /** Organisation ClientID/SecretKey of the password grant; default { clientId: 'demo-org', secret: 'demo-secret' }. */
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
}

export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  data: Buffer;
  /** Uploaded and not yet referenced by an answer. */
  temporary: boolean;
  createdAt: string;
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
