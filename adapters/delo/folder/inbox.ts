// Consumes the «Дело» inbox exactly once, safely with several bridge processes on one folder:
// claim (atomic rename) → parse → apply to the adapter's state → move to processedDir. Bad files go
// to quarantineDir with a `.reason.txt`; files still being written are left for the next poll; a
// claim left by a crashed reader is taken over once stale. The reader deletes nothing (retention.ts
// sweeps processed/ and quarantine/ later), and it never throws because of a file's content. Only
// regular files (and package folders) are read: a symbolic link, FIFO or device file is
// quarantined unread, and every read is capped (answerLimits). An answer package is found by
// content (the DocumentID of its DocInfo, answer-index.ts), claimed like a Report, and waited for
// up to `answerGraceMs` when its Report comes first (README.md, "Answers").
import type { Dirent } from 'node:fs';
import { link, lstat, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { TransientError } from '../../../src/errors.js';
import { errorCode, exists, moveNoClobber, writeFileAtomic, type Modes } from '../fs/atomic.js';
import { kindOf, lstatOrNull, readRegularFile } from '../fs/regular.js';
import { parseReport, type ReportMessage, type ReportParseResult } from '../sev/report.js';
import type { PollCounts, ReportSink } from '../transport.js';
import { folderSource, linkProblem, readAnswerPackage, zipSource, type AnswerReadResult } from './answer-package.js';
import { AnswerIndex, isZipName, type InboxPackage, type InboxPackages, type PackageKind } from './answer-index.js';
import { ANSWER_PACKAGE_LIMITS, maxZipBytes, readAnswerZip, type AnswerPackageLimits } from './answer-zip.js';
import { REPORT_NAME, claimNameFor, isInProgressName, parseClaimName } from './claims.js';

export interface InboxReaderOptions {
  inboxDir: string;
  processedDir: string;
  quarantineDir: string;
  /** An unparseable file modified this recently is taken as still being written (default 2 s). */
  partialGraceMs?: number;
  /** Another reader's claim older than this is taken over (default 60 s). */
  claimStaleMs?: number;
  /** How long an answer Report waits for its answer package before it is quarantined (default 10 min). */
  answerGraceMs?: number;
  /** Size and count limits of one answer package and of a Report (default ANSWER_PACKAGE_LIMITS). */
  answerLimits?: Partial<AnswerPackageLimits>;
  /** Modes of the reason files and folders the reader writes into quarantine and processed (default: the umask's). */
  modes?: Modes;
  logger?: Logger;
}

export const DEFAULT_ANSWER_GRACE_MS = 10 * 60_000;

type Outcome = 'applied' | 'duplicate' | 'quarantined' | 'deferred' | 'gone';

/** One poll: its counts (a package quarantined beside its Report counts too) and its packages, summarised on first use. */
interface Poll {
  counts: PollCounts;
  packages(): Promise<InboxPackages>;
}

function formatMs(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6_000) / 10} min`;
}

export class InboxReader {
  private readonly partialGraceMs: number;
  private readonly claimStaleMs: number;
  private readonly answerGraceMs: number;
  private readonly limits: AnswerPackageLimits;
  private readonly index: AnswerIndex;

  constructor(private readonly options: InboxReaderOptions) {
    this.partialGraceMs = options.partialGraceMs ?? 2_000;
    this.claimStaleMs = options.claimStaleMs ?? 60_000;
    this.answerGraceMs = options.answerGraceMs ?? DEFAULT_ANSWER_GRACE_MS;
    this.limits = { ...ANSWER_PACKAGE_LIMITS, ...options.answerLimits };
    this.index = new AnswerIndex({
      inboxDir: options.inboxDir,
      limits: this.limits,
      partialGraceMs: this.partialGraceMs,
      claimStaleMs: this.claimStaleMs,
    });
  }

  async poll(sink: ReportSink): Promise<PollCounts> {
    const counts: PollCounts = { applied: 0, duplicates: 0, quarantined: 0, deferred: 0 };
    let entries;
    try {
      entries = await readdir(this.options.inboxDir, { withFileTypes: true });
    } catch (error) {
      throw new TransientError(`«Дело» inbox ${this.options.inboxDir} is not readable`, { system: 'delo', cause: error });
    }
    let built: Promise<InboxPackages> | null = null;
    const poll: Poll = { counts, packages: () => (built ??= this.packagesOf(entries, poll)) };
    for (const entry of entries) {
      const original = parseClaimName(entry.name)?.original ?? entry.name;
      // Answer packages (subfolders, `.zip`s) are found by content when a Report names them.
      const special = !entry.isFile() && !entry.isDirectory();
      if (!special && (entry.isDirectory() || isZipName(original))) continue;
      const outcome = await (
        special ? this.refuse(entry.name, original, `is ${kindOf(entry)}`) : this.handle(entry.name, sink, poll)
      ).catch((error: unknown) => {
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

  /** Indexes the listing's answer packages and quarantines those that can never be read. */
  private async packagesOf(entries: Dirent[], poll: Poll): Promise<InboxPackages> {
    const packages = await this.index.build(entries);
    for (const pkg of [...packages.all]) {
      if (pkg.unreadable === undefined || pkg.busy) continue;
      packages.take(pkg.name);
      const held = await this.claimPackage(pkg);
      if (held === null) continue;
      await this.quarantinePackage(poll, held, pkg.original, `answer package ${pkg.original} cannot be read: ${pkg.unreadable}`);
    }
    return packages;
  }

  private path(name: string): string {
    return join(this.options.inboxDir, name);
  }

  /** A symbolic link, FIFO, socket or device file: quarantined, never opened (another reader's fresh claim is left to it). */
  private async refuse(name: string, original: string, what: string): Promise<Outcome> {
    const claim = parseClaimName(name);
    if (claim && Date.now() - claim.claimedAt < this.claimStaleMs) return 'gone';
    if (!claim && isInProgressName(name)) return 'deferred';
    return this.claimAndQuarantine(
      name,
      original,
      `${original} ${what}, not a regular file or folder: the «Дело» inbox reads only those, so it was not read`,
    );
  }

  private async handle(name: string, sink: ReportSink, poll: Poll): Promise<Outcome> {
    const claim = parseClaimName(name);
    if (claim) {
      if (Date.now() - claim.claimedAt < this.claimStaleMs) return 'gone'; // another reader is on it
      return this.claimAndProcess(name, claim.original, sink, poll);
    }
    if (isInProgressName(name)) return 'deferred';
    if (!REPORT_NAME.test(name))
      return this.claimAndQuarantine(
        name,
        name,
        'unexpected file in the «Дело» inbox (expected Report-*.xml, an answer package folder or .zip)',
      );
    // A fresh file may still be being written: look before claiming, so a slow writer keeps its name.
    const info = await lstatOrNull(this.path(name));
    if (info === null) return 'gone';
    if (!info.isFile()) return this.refuse(name, name, `is ${kindOf(info)}`);
    if (Date.now() - info.mtimeMs < this.partialGraceMs) {
      const read = await readRegularFile(this.path(name), this.limits.maxReportBytes);
      if (!read.ok && read.missing) return 'gone';
      if (!read.ok) return this.claimAndQuarantine(name, name, `Report ${read.reason}; it was not read`);
      const parsed = await parseReport(read.data.toString('utf8'));
      if (!parsed.ok && !parsed.wellFormed) return 'deferred';
      // Complete XML cannot grow any further, so what was read is what gets claimed.
      return this.claimAndProcess(name, name, sink, poll, parsed);
    }
    return this.claimAndProcess(name, name, sink, poll);
  }

  /** Claims `current` by renaming it; null when another reader won the race. */
  private async claim(current: string, original: string): Promise<string | null> {
    const claimed = claimNameFor(original);
    try {
      await rename(this.path(current), this.path(claimed));
      return claimed;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  private async claimAndQuarantine(current: string, original: string, reason: string): Promise<Outcome> {
    const claimed = await this.claim(current, original);
    return claimed === null ? 'gone' : this.quarantine(claimed, original, reason);
  }

  private async claimAndProcess(
    current: string,
    original: string,
    sink: ReportSink,
    poll: Poll,
    parsed?: ReportParseResult,
  ): Promise<Outcome> {
    const claimed = await this.claim(current, original);
    if (claimed === null) return 'gone'; // another reader won the race
    try {
      return await this.process(claimed, original, sink, poll, parsed);
    } catch (error) {
      // Infrastructure trouble (disk, lock timeout): give the file back for the next poll.
      await this.unclaim(claimed, original).catch(() => undefined);
      throw error;
    }
  }

  private async process(claimed: string, original: string, sink: ReportSink, poll: Poll, preParsed?: ReportParseResult): Promise<Outcome> {
    let parsed = preParsed;
    if (!parsed) {
      const read = await readRegularFile(this.path(claimed), this.limits.maxReportBytes);
      if (!read.ok && read.missing) throw Object.assign(new Error(`${claimed} vanished while claimed`), { code: 'ENOENT' });
      if (!read.ok) return this.quarantine(claimed, original, `Report ${read.reason}; it was not read`);
      parsed = await parseReport(read.data.toString('utf8'));
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
    if (posId === null)
      return this.quarantine(
        claimed,
        original,
        `unknown InitialDoc ${report.initialMessageId}: no package of this bridge has that MessageID`,
      );
    if (await sink.isDuplicate(posId, report)) {
      // A copy of an answer already applied (or left behind by a reader that crashed after applying) is consumed too.
      if (report.notification.kind === 'answer') await this.consumeCopies(report.notification.documentId, await poll.packages());
      await moveNoClobber(this.path(claimed), this.options.processedDir, original, this.options.modes?.dir);
      await sink.stopWaiting(report.messageId);
      return 'duplicate';
    }
    if (report.notification.kind === 'answer') return this.processAnswer(claimed, original, report, posId, sink, poll);
    const outcome = await sink.apply(posId, report);
    await moveNoClobber(this.path(claimed), this.options.processedDir, original, this.options.modes?.dir);
    this.logApplied(report, posId, outcome);
    return outcome;
  }

  /**
   * An Answer Report, claimed: its package is the inbox package whose DocumentID it names. Not
   * there yet, the Report goes back under its own name for the next poll until `answerGraceMs`
   * after a reader first waited for it; the package, once found, is claimed like a Report, so
   * exactly one reader reads it and moves it on.
   */
  private async processAnswer(
    claimed: string,
    original: string,
    report: ReportMessage,
    posId: number,
    sink: ReportSink,
    poll: Poll,
  ): Promise<Outcome> {
    const packages = await poll.packages();
    const documentId = (report.notification as { documentId: string }).documentId.toLowerCase();
    const found = packages.find(documentId);
    const appeal = { messageId: report.initialMessageId, documentId: await sink.appealDocumentId(posId) };
    const linked = found.free.filter((pkg) => linkProblem(pkg.identity!, appeal) === null);
    if (found.free.length > 0 && linked.length === 0) {
      // The package stays: it names another appeal, whose own Report may still come for it.
      const pkg = found.free[0]!;
      const outcome = await this.quarantine(
        claimed,
        original,
        `Report ${original} (MessageID ${report.messageId}) announces answer ${documentId}, but answer package ${pkg.original} with that DocumentID does not answer this appeal: ${linkProblem(pkg.identity!, appeal)}`,
      );
      await sink.stopWaiting(report.messageId);
      return outcome;
    }
    const pkg = linked[0];
    if (!pkg) {
      if (found.busy) return this.giveBack(claimed, original); // another reader is applying it
      const waited = Date.now() - (await sink.waitingSince(report.messageId));
      if (waited < this.answerGraceMs) return this.giveBack(claimed, original);
      const outcome = await this.quarantine(
        claimed,
        original,
        `answer package with Document@DocumentID ${documentId} not found in the inbox within ${formatMs(this.answerGraceMs)} (Report ${original}, MessageID ${report.messageId}, waited ${formatMs(waited)})`,
      );
      await sink.stopWaiting(report.messageId);
      return outcome;
    }
    packages.take(pkg.name);
    const held = await this.claimPackage(pkg);
    if (held === null) return this.giveBack(claimed, original); // another reader took it first
    let read: AnswerReadResult;
    let outcome: 'applied' | 'duplicate';
    try {
      read = await this.readPackage(held, pkg.kind);
      if (read.ok && read.info.documentId !== documentId) {
        // Replaced since it was indexed: look again on the next poll.
        await this.releasePackage(held, pkg.original);
        return this.giveBack(claimed, original);
      }
      if (!read.ok) {
        await this.quarantinePackage(poll, held, pkg.original, `answer package ${pkg.original}: ${read.reason}`);
        const quarantined = await this.quarantine(
          claimed,
          original,
          `answer package ${pkg.original} (Document@DocumentID ${documentId}) refused: ${read.reason}`,
        );
        await sink.stopWaiting(report.messageId);
        return quarantined;
      }
      outcome = await sink.apply(posId, report, read.answer);
    } catch (error) {
      await this.releasePackage(held, pkg.original).catch(() => undefined);
      throw error;
    }
    await moveNoClobber(this.path(held), this.options.processedDir, pkg.original, this.options.modes?.dir);
    await moveNoClobber(this.path(claimed), this.options.processedDir, original, this.options.modes?.dir);
    await sink.stopWaiting(report.messageId);
    this.logApplied(report, posId, outcome);
    return outcome;
  }

  /** Moves the free packages answering `documentId` to processed: their answer is applied already. */
  private async consumeCopies(documentId: string, packages: InboxPackages): Promise<void> {
    for (const pkg of packages.find(documentId).free) {
      packages.take(pkg.name);
      const held = await this.claimPackage(pkg);
      if (held !== null) await moveNoClobber(this.path(held), this.options.processedDir, pkg.original, this.options.modes?.dir);
    }
  }

  /** Claims a package by renaming it; null when another reader got it first. */
  private async claimPackage(pkg: InboxPackage): Promise<string | null> {
    const held = claimNameFor(pkg.original);
    try {
      await rename(this.path(pkg.name), this.path(held));
      return held;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  /** Gives a claimed package its name back (a newer package of that name keeps it; the claim then goes stale and is taken over). */
  private async releasePackage(held: string, original: string): Promise<void> {
    if (await exists(this.path(original))) return;
    await rename(this.path(held), this.path(original));
  }

  private async readPackage(held: string, kind: PackageKind): Promise<AnswerReadResult> {
    if (kind === 'folder') {
      // The claimed name must still be a real folder (not a link to one), and the same one after reading.
      const before = await lstat(this.path(held));
      if (!before.isDirectory()) return { ok: false, reason: `it is ${kindOf(before)}, not a folder` };
      const read = await readAnswerPackage(folderSource(this.path(held)), this.limits);
      const after = await lstatOrNull(this.path(held));
      if (!after?.isDirectory() || after.ino !== before.ino || after.dev !== before.dev)
        return { ok: false, reason: 'the folder was replaced while it was being read' };
      return read;
    }
    const data = await readRegularFile(this.path(held), maxZipBytes(this.limits));
    if (!data.ok) return { ok: false, reason: data.missing ? 'the zip vanished while claimed' : `the zip ${data.reason}` };
    const zip = readAnswerZip(data.data, this.limits);
    if (!zip.ok) return { ok: false, reason: zip.reason };
    return readAnswerPackage(zipSource(zip.entries), this.limits);
  }

  private async quarantinePackage(poll: Poll, held: string, original: string, reason: string): Promise<void> {
    const target = await moveNoClobber(this.path(held), this.options.quarantineDir, original, this.options.modes?.dir);
    poll.counts.quarantined++;
    await writeFileAtomic(`${target}.reason.txt`, `${reason}\n`, this.options.modes?.file);
    this.options.logger?.warn({ file: original, reason }, 'delo inbox: answer package quarantined');
  }

  /** Puts a claimed Report back under its name for the next poll. */
  private async giveBack(claimed: string, original: string): Promise<Outcome> {
    await this.unclaim(claimed, original);
    return 'deferred';
  }

  private async isFresh(name: string): Promise<boolean> {
    return Date.now() - (await lstat(this.path(name))).mtimeMs < this.partialGraceMs;
  }

  private logApplied(report: ReportMessage, posId: number, outcome: 'applied' | 'duplicate'): void {
    this.options.logger?.debug({ posId, report: report.messageId, kind: report.notification.kind, outcome }, 'delo report');
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
    const target = await moveNoClobber(this.path(claimed), this.options.quarantineDir, original, this.options.modes?.dir);
    await writeFileAtomic(`${target}.reason.txt`, `${reason}\n`, this.options.modes?.file);
    this.options.logger?.warn({ file: original, reason }, 'delo inbox: file quarantined');
    return 'quarantined';
  }
}
