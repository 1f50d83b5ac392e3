// The exchange-folder transport: packages into the outbox, Reports out of the inbox.
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { TransientError } from '../../../src/errors.js';
import { dirModeFor, makeDir, type Modes } from '../fs/atomic.js';
import type { DeliveryPresence, DeloTransport, OutgoingPackage, PollCounts, ReportSink } from '../transport.js';
import type { AnswerPackageLimits } from './answer-zip.js';
import { InboxReader } from './inbox.js';
import { OutboxWriter } from './outbox.js';
import { DEFAULT_RETENTION_MS, RetentionSweeper, type RetentionOptions } from './retention.js';

export interface FolderTransportOptions {
  outboxDir: string;
  inboxDir: string;
  /** Where consumed Reports and answer packages are kept (default `<inbox>/../processed`). */
  processedDir?: string;
  /** Where bad inbox files go with a `.reason.txt` (default `<inbox>/../quarantine`). */
  quarantineDir?: string;
  partialGraceMs?: number;
  claimStaleMs?: number;
  /** How long an answer Report waits for its answer package (default 10 min). */
  answerGraceMs?: number;
  answerLimits?: Partial<AnswerPackageLimits>;
  /**
   * Mode of the files the bridge writes into the outbox, processed and quarantine (DELO_FILE_MODE);
   * its folders get the matching search bits (0640 → 0750). Unset: the process umask decides.
   */
  fileMode?: number;
  /** How long processed/ and quarantine/ keep an entry, and how the poll sweeps them (default 90 days). */
  retention?: Partial<RetentionOptions>;
  logger?: Logger;
}

export class FolderTransport implements DeloTransport {
  readonly outboxDir: string;
  readonly inboxDir: string;
  readonly processedDir: string;
  readonly quarantineDir: string;
  private readonly outbox: OutboxWriter;
  private readonly inbox: InboxReader;
  private readonly modes: Modes;
  private readonly sweeper: RetentionSweeper;

  constructor(options: FolderTransportOptions) {
    this.outboxDir = resolve(options.outboxDir);
    this.inboxDir = resolve(options.inboxDir);
    this.processedDir = resolve(options.processedDir ?? join(dirname(this.inboxDir), 'processed'));
    this.quarantineDir = resolve(options.quarantineDir ?? join(dirname(this.inboxDir), 'quarantine'));
    this.modes = options.fileMode === undefined ? {} : { file: options.fileMode, dir: dirModeFor(options.fileMode) };
    this.outbox = new OutboxWriter(this.outboxDir, this.modes);
    this.inbox = new InboxReader({
      inboxDir: this.inboxDir,
      processedDir: this.processedDir,
      quarantineDir: this.quarantineDir,
      ...(options.partialGraceMs !== undefined ? { partialGraceMs: options.partialGraceMs } : {}),
      ...(options.claimStaleMs !== undefined ? { claimStaleMs: options.claimStaleMs } : {}),
      ...(options.answerGraceMs !== undefined ? { answerGraceMs: options.answerGraceMs } : {}),
      ...(options.answerLimits ? { answerLimits: options.answerLimits } : {}),
      modes: this.modes,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.sweeper = new RetentionSweeper(
      [this.processedDir, this.quarantineDir],
      { maxAgeMs: DEFAULT_RETENTION_MS, ...options.retention },
      options.logger,
    );
  }

  async init(): Promise<void> {
    // The inbox is «Дело»'s to write into: created if missing, its mode left alone.
    await makeDir(this.inboxDir);
    for (const dir of [this.outboxDir, this.processedDir, this.quarantineDir]) await makeDir(dir, this.modes.dir);
  }

  presence(messageId: string): Promise<DeliveryPresence> {
    return this.outbox.presence(messageId);
  }

  discardPartial(messageId: string): Promise<void> {
    return this.outbox.discardPartial(messageId);
  }

  deliver(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void> {
    return this.outbox.write(pkg, beforeCommit);
  }

  async receive(sink: ReportSink): Promise<PollCounts> {
    try {
      return await this.inbox.poll(sink);
    } finally {
      await this.sweeper.maybeSweep();
    }
  }

  /** Every exchange folder exists and this process may write into it. */
  async ping(): Promise<void> {
    for (const dir of [this.outboxDir, this.inboxDir, this.processedDir, this.quarantineDir]) {
      try {
        await access(dir, constants.R_OK | constants.W_OK | constants.X_OK);
      } catch (error) {
        throw new TransientError(`«Дело» exchange folder ${dir} is not writable`, { system: 'delo', cause: error });
      }
    }
  }

  async close(): Promise<void> {}
}
