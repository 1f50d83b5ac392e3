// Consumes the «Дело» inbox exactly once, safely with several bridge processes on one folder:
// claim (atomic rename) → parse → apply to the adapter's state → move to processedDir. Bad files go
// to quarantineDir with a `.reason.txt`; files still being written are left for the next poll; a
// claim left by a crashed reader is taken over once stale. Nothing is ever deleted, and the
// reader never throws because of a file's content.
import { link, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TransientError } from '../../../src/errors.js';
import { errorCode, exists, moveNoClobber, writeFileAtomic } from '../fs/atomic.js';
import { parseReport, type ReportMessage, type ReportParseResult } from '../sev/report.js';
import type { InboundAnswer, PollCounts, ReportSink } from '../transport.js';
import { readAnswerPackage } from './answer-package.js';
import { REPORT_NAME, claimNameFor, isInProgressName, parseClaimName } from './claims.js';
import { DOCINFO_FILE, TEMP_PREFIX } from './outbox.js';

export interface InboxReaderOptions {
  inboxDir: string;
  processedDir: string;
  quarantineDir: string;
  /** An unparseable file modified this recently is taken as still being written (default 2 s). */
  partialGraceMs?: number;
  /** Another reader's claim older than this is taken over (default 60 s). */
  claimStaleMs?: number;
  logger?: Logger;
}

type Outcome = 'applied' | 'duplicate' | 'quarantined' | 'deferred' | 'gone';

export class InboxReader {
  private readonly partialGraceMs: number;
  private readonly claimStaleMs: number;

  constructor(private readonly options: InboxReaderOptions) {
    this.partialGraceMs = options.partialGraceMs ?? 2_000;
    this.claimStaleMs = options.claimStaleMs ?? 60_000;
  }

  async poll(sink: ReportSink): Promise<PollCounts> {
    const counts: PollCounts = { applied: 0, duplicates: 0, quarantined: 0, deferred: 0 };
    let entries;
    try {
      entries = await readdir(this.options.inboxDir, { withFileTypes: true });
    } catch (error) {
      throw new TransientError(`«Дело» inbox ${this.options.inboxDir} is not readable`, { system: 'delo', cause: error });
    }
    for (const entry of entries) {
      if (entry.isDirectory()) continue; // answer packages, read when their Report comes
      const outcome = await this.handle(entry.name, sink).catch((error: unknown) => {
        this.options.logger?.error({ err: error, file: entry.name }, 'delo inbox: file left for the next poll');
        return 'deferred' as const;
      });
      if (outcome === 'applied') counts.applied++;
      else if (outcome === 'duplicate') counts.duplicates++;
      else if (outcome === 'quarantined') counts.quarantined++;
      else if (outcome === 'deferred') counts.deferred++;
    }
    return counts;
  }

  private path(name: string): string {
    return join(this.options.inboxDir, name);
  }

  private async handle(name: string, sink: ReportSink): Promise<Outcome> {
    const claim = parseClaimName(name);
    if (claim) {
      if (Date.now() - claim.claimedAt < this.claimStaleMs) return 'gone'; // another reader is on it
      return this.claimAndProcess(name, claim.original, sink);
    }
    if (isInProgressName(name)) return 'deferred';
    if (!REPORT_NAME.test(name)) return this.claimAndProcess(name, name, sink, 'unexpected file in the «Дело» inbox (expected Report-*.xml)');
    // A fresh file may still be being written: look before claiming, so a slow writer keeps its name.
    let info;
    try {
      info = await stat(this.path(name));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 'gone';
      throw error;
    }
    if (Date.now() - info.mtimeMs < this.partialGraceMs) {
      const text = await readFile(this.path(name), 'utf8').catch(() => null);
      if (text === null) return 'gone';
      const parsed = await parseReport(text);
      if (!parsed.ok && !parsed.wellFormed) return 'deferred';
      // Complete XML cannot grow any further, so what was read is what gets claimed.
      return this.claimAndProcess(name, name, sink, undefined, parsed);
    }
    return this.claimAndProcess(name, name, sink);
  }

  private async claimAndProcess(current: string, original: string, sink: ReportSink, rejectReason?: string, parsed?: ReportParseResult): Promise<Outcome> {
    const claimed = claimNameFor(original);
    try {
      await rename(this.path(current), this.path(claimed));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return 'gone'; // another reader won the race
      throw error;
    }
    if (rejectReason) return this.quarantine(claimed, original, rejectReason);
    try {
      return await this.process(claimed, original, sink, parsed);
    } catch (error) {
      // Infrastructure trouble (disk, lock timeout): give the file back for the next poll.
      await this.unclaim(claimed, original).catch(() => undefined);
      throw error;
    }
  }

  private async process(claimed: string, original: string, sink: ReportSink, preParsed?: ReportParseResult): Promise<Outcome> {
    let parsed = preParsed;
    if (!parsed) {
      const text = await readFile(this.path(claimed), 'utf8');
      parsed = await parseReport(text);
      if (!parsed.ok && !parsed.wellFormed && (await this.isFresh(claimed))) {
        await this.unclaim(claimed, original);
        return 'deferred';
      }
    }
    if (!parsed.ok) {
      return this.quarantine(claimed, original, `invalid Report: ${parsed.issues.join('; ')}`);
    }
    const report = parsed.report;
    const posId = await sink.resolve(report.initialMessageId);
    if (posId === null) return this.quarantine(claimed, original, `unknown InitialDoc ${report.initialMessageId}: no package of this bridge has that MessageID`);
    if (await sink.isDuplicate(posId, report)) {
      await moveNoClobber(this.path(claimed), this.options.processedDir, original);
      return 'duplicate';
    }
    let answer: InboundAnswer | undefined;
    let answerFolder: { path: string; inInbox: boolean } | undefined;
    if (report.notification.kind === 'answer') {
      const documentId = report.notification.documentId;
      const found = await this.answerFolder(documentId);
      if (found === 'writing') {
        await this.unclaim(claimed, original);
        return 'deferred';
      }
      if (found === null) return this.quarantine(claimed, original, `answer package ${documentId} not found in the inbox`);
      const read = await readAnswerPackage(found.path);
      if (!read.ok) {
        if (found.inInbox) await moveNoClobber(found.path, this.options.quarantineDir, documentId);
        return this.quarantine(claimed, original, read.reason);
      }
      answer = read.answer;
      answerFolder = found;
    }
    const outcome = await sink.apply(posId, report, answer);
    if (answerFolder?.inInbox && answer) await moveNoClobber(answerFolder.path, this.options.processedDir, answer.documentId);
    await moveNoClobber(this.path(claimed), this.options.processedDir, original);
    this.logApplied(report, posId, outcome);
    return outcome;
  }

  private async isFresh(name: string): Promise<boolean> {
    return Date.now() - (await stat(this.path(name))).mtimeMs < this.partialGraceMs;
  }

  private logApplied(report: ReportMessage, posId: number, outcome: 'applied' | 'duplicate'): void {
    this.options.logger?.debug({ posId, report: report.messageId, kind: report.notification.kind, outcome }, 'delo report');
  }

  /** The answer package's folder: in the inbox, or already processed by a reader that crashed afterwards. */
  private async answerFolder(documentId: string): Promise<{ path: string; inInbox: boolean } | 'writing' | null> {
    const inInbox = this.path(documentId);
    if (await exists(join(inInbox, DOCINFO_FILE))) return { path: inInbox, inInbox: true };
    if (await exists(this.path(`${TEMP_PREFIX}${documentId}`))) return 'writing';
    const processed = join(this.options.processedDir, documentId);
    if (await exists(join(processed, DOCINFO_FILE))) return { path: processed, inInbox: false };
    return null;
  }

  /** Gives a claimed file its name back without overwriting a newer file of that name. */
  private async unclaim(claimed: string, original: string): Promise<void> {
    try {
      await link(this.path(claimed), this.path(original));
      await unlink(this.path(claimed));
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') {
        await this.quarantine(claimed, original, 'partial copy superseded by a newer file of the same name');
        return;
      }
      if (code === 'ENOENT') return;
      if (await exists(this.path(original))) throw error;
      await rename(this.path(claimed), this.path(original));
    }
  }

  private async quarantine(claimed: string, original: string, reason: string): Promise<Outcome> {
    const target = await moveNoClobber(this.path(claimed), this.options.quarantineDir, original);
    await writeFileAtomic(`${target}.reason.txt`, `${reason}\n`);
    this.options.logger?.warn({ file: original, reason }, 'delo inbox: file quarantined');
    return 'quarantined';
  }
}
