// EdmsAdapter for ЭОС «Дело» over СЭВ exchange packages. register writes one package per ПОС
// appeal (MessageID derived from the posId, so every replay finds the same package); progress comes
// from the Reports «Дело» drops into the inbox, read before every query. See README.md for the
// durability choice (DELO_DURABLE_WHEN) and the on-disk layout.
import type { Logger } from 'pino';
import { BridgeError, PermanentError, TransientError } from '../../src/errors.js';
import type {
  AppealFile,
  ChangedBatch,
  DirectoryListing,
  EdmsAdapter,
  EdmsFileRef,
  EdmsProgress,
  ReferenceField,
  ReferenceProblem,
  RegistrationInput,
  RegistrationResult,
} from '../contract.js';
import type { AnswerPackageLimits } from './folder/answer-zip.js';
import type { RetentionOptions } from './folder/retention.js';
import { FolderTransport } from './folder/transport.js';
import type { LockOptions } from './fs/lock.js';
import { readRegularFile } from './fs/regular.js';
import { deloRecordSchema, type DeloRecord } from './record.js';
import { RESERVED_FIELDS, buildAppealDocInfo, extensionOf, uniqueFileName, type PackageFileEntry, type SevParty } from './sev/docinfo.js';
import { DEFAULT_ID_NAMESPACE, documentIdFor, isUuid, messageIdFor, uuidV5 } from './sev/ids.js';
import { failureBeforeRegistration, progressOf, registrationResultOf } from './state/progress.js';
import { StateReportSink } from './state/sink.js';
import { DeloStateStore } from './state/store.js';
import type { DeloRecordState } from './state/types.js';
import type { DeloTransport, OutgoingPackage, PollCounts } from './transport.js';
import { issueLines } from '../../src/zod-issues.js';

export type DurableWhen = 'registered' | 'written';

export interface DeloAdapterOptions {
  outboxDir: string;
  inboxDir: string;
  /** Adapter state, shared by every bridge process like the exchange folders. */
  stateDir: string;
  /** When RegistrationResult.durable turns true (default `registered`; README.md has the trade-off). */
  durableWhen?: DurableWhen;
  processedDir?: string;
  quarantineDir?: string;
  /** Organisation names in the package Header (DELO_SENDER, DELO_RECIPIENT; default DEFAULT_ORGANISATION). */
  organisation?: { sender?: string; recipient?: string };
  /** Namespace of the name-based MessageIDs (DELO_ID_NAMESPACE); change it only for a fresh outbox. */
  idNamespace?: string;
  /** How long an Answer Report waits for its answer package before it is quarantined (DELO_ANSWER_GRACE, default 10 min). */
  answerGraceMs?: number;
  /** Count and size limits of one answer package, folder or zip, and of a Report (default ANSWER_PACKAGE_LIMITS). */
  answerLimits?: Partial<AnswerPackageLimits>;
  /**
   * Mode of the files written into the outbox, processed and quarantine (DELO_FILE_MODE, e.g.
   * 0o640; folders get the matching search bits). Unset: the process umask decides. The state is
   * always 0600/0700.
   */
  fileMode?: number;
  /** How long processed/ and quarantine/ keep an entry (`maxAgeMs`: DELO_RETENTION, default 90 days), and how the poll sweeps them. */
  retention?: Partial<RetentionOptions>;
  /** register waits up to this long for «Дело»'s Registration before answering non-durable (default 0). */
  registrationWaitMs?: number;
  partialGraceMs?: number;
  claimStaleMs?: number;
  lock?: LockOptions;
  /** Replaces the folder transport (e.g. a web-API transport). */
  transport?: DeloTransport;
  logger?: Logger;
}

const SENDER_SYSTEM = 'pos-bridge';
/** Organisation names in the Header of every package, unless configured. */
export const DEFAULT_ORGANISATION = Object.freeze({ sender: 'Платформа обратной связи (ПОС)', recipient: 'Получатель обращений' });
/** What the folder exchange cannot read, and what checks it instead (`edms directories`, pre-flight). */
export const DELO_DIRECTORIES_UNREADABLE =
  'the «Дело» folder exchange cannot read «Дело» directories: rubrics (RUBRIC_CL), delivery types and addressees are checked by «Дело» itself when it registers the package, and a value it lacks comes back as a Failure Report that sets the appeal aside';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DeloAdapter implements EdmsAdapter<DeloRecord> {
  readonly kind = 'delo' as const;
  readonly recordSchema = deloRecordSchema;
  readonly durableWhen: DurableWhen;
  readonly transport: DeloTransport;
  readonly store: DeloStateStore;
  private readonly sink: StateReportSink;
  private readonly namespace: string;
  private readonly sender: SevParty;
  private readonly recipient: SevParty;
  private ready: Promise<void> | null = null;
  private polling: Promise<PollCounts> | null = null;
  private pollQueued: Promise<PollCounts> | null = null;

  constructor(private readonly options: DeloAdapterOptions) {
    this.durableWhen = options.durableWhen ?? 'registered';
    this.namespace = options.idNamespace ?? DEFAULT_ID_NAMESPACE;
    if (!isUuid(this.namespace))
      throw new BridgeError('CONFIG_INVALID', `«Дело» id namespace must be a UUID (got "${this.namespace}")`, { system: 'delo' });
    this.store = new DeloStateStore(options.stateDir, options.lock, options.logger);
    this.sink = new StateReportSink(this.store);
    this.transport =
      options.transport ??
      new FolderTransport({
        outboxDir: options.outboxDir,
        inboxDir: options.inboxDir,
        ...(options.processedDir ? { processedDir: options.processedDir } : {}),
        ...(options.quarantineDir ? { quarantineDir: options.quarantineDir } : {}),
        ...(options.partialGraceMs !== undefined ? { partialGraceMs: options.partialGraceMs } : {}),
        ...(options.claimStaleMs !== undefined ? { claimStaleMs: options.claimStaleMs } : {}),
        ...(options.answerGraceMs !== undefined ? { answerGraceMs: options.answerGraceMs } : {}),
        ...(options.answerLimits ? { answerLimits: options.answerLimits } : {}),
        ...(options.fileMode !== undefined ? { fileMode: options.fileMode } : {}),
        ...(options.retention ? { retention: options.retention } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    this.sender = { organization: options.organisation?.sender ?? DEFAULT_ORGANISATION.sender, system: SENDER_SYSTEM };
    this.recipient = { organization: options.organisation?.recipient ?? DEFAULT_ORGANISATION.recipient, system: 'ЭОС «Дело»' };
  }

  private init(): Promise<void> {
    this.ready ??= Promise.all([this.store.init(), this.transport.init()]).then(
      () => undefined,
      (error: unknown) => {
        this.ready = null;
        throw error;
      },
    );
    return this.ready;
  }

  messageIdFor(posId: number): string {
    return messageIdFor(posId, this.namespace);
  }

  /** Reads every waiting Report once; concurrent callers share a poll, a caller arriving mid-poll gets the next one. */
  pollInbox(): Promise<PollCounts> {
    if (!this.polling) {
      this.polling = this.init()
        .then(() => this.transport.receive(this.sink))
        .finally(() => {
          this.polling = null;
        });
      return this.polling;
    }
    this.pollQueued ??= this.polling
      .catch(() => undefined)
      .then(() => {
        this.pollQueued = null;
        return this.pollInbox();
      });
    return this.pollQueued;
  }

  async register(input: RegistrationInput<DeloRecord>): Promise<RegistrationResult> {
    const record = this.checkRecord(input);
    await this.pollInbox();
    const messageId = this.messageIdFor(input.posId);
    const organisation = input.organisation && input.organisation.key !== 'default' ? input.organisation.key : undefined;
    let result = await this.store.withAppealLock(input.posId, async () => {
      const state = await this.store.read(input.posId);
      if (state && state.organisation !== organisation) throw heldByAnotherOrganisation(input.posId, state.organisation);
      if (state && (state.delivery === 'written' || state.events.length > 0)) return { state, created: false };
      const presence = await this.transport.presence(messageId);
      // `writing` is recorded only once the temp folder is complete, so without a temp folder the
      // rename happened: the package is in the outbox, or «Дело» has taken it already.
      if (state && presence !== 'partial') return { state: await this.markWritten(input.posId), created: false };
      if (!state && presence === 'complete') {
        await this.recordWriting(input.posId, messageId, organisation);
        return { state: await this.markWritten(input.posId), created: false };
      }
      if (presence === 'partial') await this.transport.discardPartial(messageId);
      const pkg = this.packageFor(input.posId, messageId, record, input.files, recipientOf(input.organisation));
      await this.transport.deliver(pkg, () => this.recordWriting(input.posId, messageId, organisation));
      return { state: await this.markWritten(input.posId), created: true };
    });
    const deadline = Date.now() + (this.options.registrationWaitMs ?? 0);
    let outcome = registrationResultOf(result.state, this.durableWhen, result.created);
    while (!outcome.durable && Date.now() < deadline) {
      await sleep(100);
      await this.pollInbox();
      const state = await this.store.read(input.posId);
      if (state) outcome = registrationResultOf(state, this.durableWhen, result.created);
      if (state) result = { state, created: result.created };
    }
    this.throwIfRejected(result.state);
    return outcome;
  }

  private checkRecord(input: RegistrationInput<DeloRecord>): DeloRecord {
    const parsed = deloRecordSchema.safeParse(input.record);
    if (!parsed.success) {
      const issues = issueLines(parsed.error);
      throw new BridgeError('RECORD_INVALID', `«Дело» card is invalid: ${issues.join('; ')}`, {
        system: 'delo',
        posId: input.posId,
        details: { issues },
      });
    }
    const reserved = (parsed.data.AdditionalFields ?? []).filter((f) => (RESERVED_FIELDS as readonly string[]).includes(f.Name));
    if (reserved.length > 0) {
      throw new BridgeError('RECORD_INVALID', `AdditionalField names reserved by the adapter: ${reserved.map((f) => f.Name).join(', ')}`, {
        system: 'delo',
        posId: input.posId,
      });
    }
    return parsed.data;
  }

  /** In `registered` mode a package «Дело» refused before registering it can never become durable. */
  private throwIfRejected(state: DeloRecordState): void {
    const failure = failureBeforeRegistration(state);
    if (failure && this.durableWhen === 'registered') {
      throw new BridgeError('EDMS_REJECTED', `«Дело» refused the package (Failure ${failure.code})`, {
        system: 'delo',
        posId: state.posId,
        details: { code: failure.code, text: failure.text, edmsId: state.messageId },
      });
    }
  }

  private packageFor(posId: number, messageId: string, record: DeloRecord, files: AppealFile[], recipient?: string): OutgoingPackage {
    const entries: PackageFileEntry[] = files.map((file, index) => ({
      resourceId: uuidV5(`file:${index}`, messageId),
      uniqueName: uniqueFileName(index, file.name),
      description: file.name,
      extension: extensionOf(file.name),
      size: file.data.length,
    }));
    const docInfoXml = buildAppealDocInfo({
      messageId,
      documentId: documentIdFor(posId, this.namespace),
      posId,
      time: new Date(),
      record,
      files: entries,
      sender: this.sender,
      recipient: recipient ? { ...this.recipient, organization: recipient } : this.recipient,
    });
    return { messageId, docInfoXml, files: entries.map((entry, index) => ({ uniqueName: entry.uniqueName, data: files[index]!.data })) };
  }

  private async recordWriting(posId: number, messageId: string, organisation?: string): Promise<void> {
    await this.store.indexMessage(messageId, posId);
    await this.store.update(posId, (current) => {
      if (current) return null;
      const now = new Date().toISOString();
      return {
        version: 1,
        posId,
        ...(organisation ? { organisation } : {}),
        messageId,
        documentId: documentIdFor(posId, this.namespace),
        delivery: 'writing',
        status: 'writing',
        createdAt: now,
        events: [],
        changedSeq: 0,
        updatedAt: now,
      };
    });
  }

  private async markWritten(posId: number): Promise<DeloRecordState> {
    const { state } = await this.store.update(posId, (current) => {
      if (!current || current.delivery === 'written') return null;
      current.delivery = 'written';
      current.writtenAt = new Date().toISOString();
      return current;
    });
    if (!state)
      // Removed between the write and this mark (a concurrent clean-up): the next attempt writes it again.
      if (!state) throw new TransientError(`«Дело» adapter state of appeal ${posId} vanished`, { system: 'delo', posId });
    return state;
  }

  async findByPosId(posId: number): Promise<RegistrationResult | null> {
    await this.pollInbox();
    const state = await this.store.read(posId);
    return state ? registrationResultOf(state, this.durableWhen, false) : null;
  }

  async readProgress(posIds: number[]): Promise<EdmsProgress[]> {
    await this.pollInbox();
    const out: EdmsProgress[] = [];
    for (const posId of posIds) {
      const state = await this.store.read(posId);
      if (state && (state.delivery === 'written' || state.events.length > 0)) out.push(progressOf(state));
    }
    return out;
  }

  async listChanged(checkpoint: string | null, limit: number): Promise<ChangedBatch> {
    await this.pollInbox();
    return this.store.listChanged(checkpoint, limit);
  }

  async readFile(file: EdmsFileRef): Promise<AppealFile> {
    await this.init();
    // Kept by the bridge itself, so anything but a regular file there is refused, never followed.
    const read = await readRegularFile(this.store.pathOf(file.ref));
    if (read.ok) return { name: file.name, contentType: file.contentType, data: read.data };
    if (read.missing) throw new BridgeError('NOT_FOUND', `«Дело» answer file ${file.ref} is not kept`, { system: 'delo' });
    throw new PermanentError(`«Дело» answer file ${file.ref} ${read.reason}; it is not read`, [], {
      system: 'delo',
      details: { file: file.ref, refused: 'not-a-regular-file' },
    });
  }

  /** «Дело» resolves rubrics and addressees itself on registration; the folder exchange reads no directory. */
  readonly referenceFields: readonly ReferenceField[] = [];

  async listDirectory(): Promise<DirectoryListing> {
    return { available: false, reason: DELO_DIRECTORIES_UNREADABLE };
  }

  async checkReferences(): Promise<ReferenceProblem[]> {
    return [];
  }

  async undeclaredFields(): Promise<{ available: false; reason: string }> {
    return { available: false, reason: 'the «Дело» package format (СЭВ DocInfo) is fixed; the folder exchange publishes no metadata' };
  }

  async ping(): Promise<void> {
    await this.init();
    await this.transport.ping();
    await this.store.ping();
  }

  async close(): Promise<void> {
    await this.polling?.catch(() => undefined);
    await this.transport.close();
  }
}

/** The organisation's «Дело» recipient (constants.recipient in BRIDGE_CONFIG), if it names one. */
function recipientOf(organisation: RegistrationInput<DeloRecord>['organisation']): string | undefined {
  const value = organisation?.constants.recipient;
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/**
 * The folder exchange keeps one package per ПОС id (its MessageID is derived from it), so an appeal
 * one of the bridge's organisations forwarded to another cannot be sent to «Дело» a second time.
 */
function heldByAnotherOrganisation(posId: number, holder: string | undefined): BridgeError {
  return new BridgeError(
    'CONFLICT',
    `appeal ${posId} is already registered in «Дело» for organisation ${holder ?? 'default'}; the folder exchange keeps one package per ПОС id, so register the forwarded appeal by hand`,
    { system: 'delo', posId },
  );
}
