// The exchange-folder transport: packages into the outbox, Reports out of the inbox.
import { access, mkdir } from 'node:fs/promises';
import { constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { TransientError } from '../../../src/errors.js';
import type { DeliveryPresence, DeloTransport, OutgoingPackage, PollCounts, ReportSink } from '../transport.js';
import type { AnswerPackageLimits } from './answer-zip.js';
import { InboxReader } from './inbox.js';
import { OutboxWriter } from './outbox.js';

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
  logger?: Logger;
}

export class FolderTransport implements DeloTransport {
  readonly outboxDir: string;
  readonly inboxDir: string;
  readonly processedDir: string;
  readonly quarantineDir: string;
  private readonly outbox: OutboxWriter;
  private readonly inbox: InboxReader;

  constructor(options: FolderTransportOptions) {
    this.outboxDir = resolve(options.outboxDir);
    this.inboxDir = resolve(options.inboxDir);
    this.processedDir = resolve(options.processedDir ?? join(dirname(this.inboxDir), 'processed'));
    this.quarantineDir = resolve(options.quarantineDir ?? join(dirname(this.inboxDir), 'quarantine'));
    this.outbox = new OutboxWriter(this.outboxDir);
    this.inbox = new InboxReader({
      inboxDir: this.inboxDir,
      processedDir: this.processedDir,
      quarantineDir: this.quarantineDir,
      ...(options.partialGraceMs !== undefined ? { partialGraceMs: options.partialGraceMs } : {}),
      ...(options.claimStaleMs !== undefined ? { claimStaleMs: options.claimStaleMs } : {}),
      ...(options.answerGraceMs !== undefined ? { answerGraceMs: options.answerGraceMs } : {}),
      ...(options.answerLimits ? { answerLimits: options.answerLimits } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async init(): Promise<void> {
    for (const dir of [this.outboxDir, this.inboxDir, this.processedDir, this.quarantineDir]) await mkdir(dir, { recursive: true });
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

  receive(sink: ReportSink): Promise<PollCounts> {
    return this.inbox.poll(sink);
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
