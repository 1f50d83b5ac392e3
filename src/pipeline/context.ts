// Everything a job processor needs, injected, so the same processors run in the service, in the
// one-shot sync and in tests against emulators.
import type { Logger } from 'pino';
import type { AppealFile, EdmsAdapter, EdmsKind } from '../../adapters/contract.js';
import type { CompiledMapping } from '../mapping/types.js';
import type { BridgeMetrics } from '../metrics.js';
import type { PulledPage } from '../pos/client.js';
import type { PosAnswer, UploadedFile } from '../pos/schemas.js';
import type { PayloadCipher } from './crypto.js';
import { DEFAULT_GATE_SETTINGS, type EdmsGate, type EdmsGateSettings } from './edms-gate.js';
import { DEFAULT_RETENTION, type BridgeQueues, type JobRetention, type RetryPolicy } from './queues.js';
import type { RunLedger } from './run-ledger.js';
import type { AppealStore } from './store.js';

export type { MalformedAppeal as MalformedAppealReport } from '../pos/client.js';

/** The ПОС calls the pipeline makes (PosClient satisfies it). */
export interface PosApi {
  fetchPage(page: number, size: number): Promise<PulledPage>;
  markAccepted(posId: number): Promise<void>;
  postAnswer(body: PosAnswer): Promise<void>;
  uploadFile(file: AppealFile): Promise<UploadedFile>;
  downloadAttachment(url: string, options?: { maxBytes?: number }): Promise<AppealFile>;
  downloadAttachments(urls: readonly string[]): Promise<AppealFile[]>;
}

export interface MappingSource {
  forTarget(kind: EdmsKind): Promise<CompiledMapping>;
}

export interface PipelineSettings {
  pageSize: number;
  retry: RetryPolicy;
  /** First wait before re-checking a registration that is not durable yet («Дело» after writing). */
  durablePollMs: number;
  /** Longest wait between those checks. */
  durablePollMaxMs: number;
  watchBatch: number;
  /** How long a per-appeal register/push lock outlives a holder that died (renewed while it lives). */
  appealLockMs: number;
  /** Register jobs held while the EDMS is unavailable (edms-gate.ts). */
  edmsGate: EdmsGateSettings;
  /** Finished jobs BullMQ keeps (JOB_KEEP_*). */
  retention: JobRetention;
}

export const DEFAULT_SETTINGS: Omit<PipelineSettings, 'pageSize' | 'retry'> = {
  durablePollMs: 1000,
  durablePollMaxMs: 5 * 60_000,
  watchBatch: 100,
  appealLockMs: 30_000,
  edmsGate: DEFAULT_GATE_SETTINGS,
  retention: DEFAULT_RETENTION,
};

export interface PipelineContext {
  /** The organisation (ЛКО) whose appeals these jobs carry (organisation.ts). */
  organisation: string;
  /** That organisation's constants from BRIDGE_CONFIG (the EDMS adapter may read some, e.g. «Дело»'s recipient). */
  organisationConstants: Readonly<Record<string, unknown>>;
  pos: PosApi;
  adapter: EdmsAdapter<unknown>;
  mappings: MappingSource;
  store: AppealStore;
  cipher: PayloadCipher;
  queues: BridgeQueues;
  metrics: BridgeMetrics;
  logger: Logger;
  settings: PipelineSettings;
  /** Pauses intake while the EDMS is unavailable. */
  edmsGate: EdmsGate;
  /** Which sync run owns a job, and what each run did. */
  runs: RunLedger;
}
