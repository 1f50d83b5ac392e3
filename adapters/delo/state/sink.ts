// Applies Reports to the adapter's state (the ReportSink the transport feeds). Answer files are
// copied under stateDir first, so readFile works after the inbox folder is moved on.
import { join } from 'node:path';
import { TransientError } from '../../../src/errors.js';
import type { EdmsFileRef } from '../../contract.js';
import { PRIVATE_MODES, makeDir, writeFileAtomic } from '../fs/atomic.js';
import type { ReportMessage } from '../sev/report.js';
import type { InboundAnswer, ReportSink } from '../transport.js';
import { fingerprintOf, isDuplicate } from './progress.js';
import type { DeloStateStore } from './store.js';
import type { AnswerFact, StoredNotification } from './types.js';

export class StateReportSink implements ReportSink {
  constructor(private readonly store: DeloStateStore) {}

  resolve(initialMessageId: string): Promise<number | null> {
    return this.store.posIdOf(initialMessageId);
  }

  async appealDocumentId(posId: number): Promise<string | null> {
    return (await this.store.read(posId))?.documentId ?? null;
  }

  waitingSince(reportId: string): Promise<number> {
    return this.store.waitingSince(reportId);
  }

  stopWaiting(reportId: string): Promise<void> {
    return this.store.stopWaiting(reportId);
  }

  async isDuplicate(posId: number, report: ReportMessage): Promise<boolean> {
    const state = await this.store.read(posId);
    return state !== null && isDuplicate(state, report, fingerprintOf(report.notification));
  }

  private async keepAnswer(posId: number, report: ReportMessage, answer: InboundAnswer): Promise<AnswerFact> {
    const state = await this.store.read(posId);
    const dir = this.store.answerDir(state?.messageId ?? report.initialMessageId, answer.documentId);
    await makeDir(dir, PRIVATE_MODES.dir);
    const files: EdmsFileRef[] = [];
    for (const file of answer.files) {
      const path = join(dir, file.uniqueName);
      await writeFileAtomic(path, file.data, PRIVATE_MODES.file);
      files.push({ ref: this.store.refFor(path), name: file.name, contentType: file.contentType, size: file.data.length });
    }
    const fact: AnswerFact = { kind: 'answer', documentId: answer.documentId, files };
    if (answer.text !== undefined) fact.text = answer.text;
    if (answer.resolution !== undefined) fact.resolution = answer.resolution;
    if (answer.number !== undefined) fact.outgoingNumber = answer.number;
    const date = answer.date ?? (report.notification.kind === 'answer' ? report.notification.date : undefined);
    if (date !== undefined) fact.outgoingDate = date;
    return fact;
  }

  async apply(posId: number, report: ReportMessage, answer?: InboundAnswer): Promise<'applied' | 'duplicate'> {
    let notification: StoredNotification;
    if (report.notification.kind === 'answer') {
      if (!answer) throw new TransientError('answer Report without its package', { system: 'delo', posId });
      notification = await this.keepAnswer(posId, report, answer);
    } else {
      notification = report.notification;
    }
    const fingerprint = fingerprintOf(report.notification);
    let outcome: 'applied' | 'duplicate' = 'duplicate';
    let missing = false;
    await this.store.update(posId, (current) => {
      if (current === null) {
        missing = true;
        return null;
      }
      if (isDuplicate(current, report, fingerprint)) return null;
      const now = new Date().toISOString();
      current.events.push({ reportId: report.messageId, fingerprint, time: report.time, appliedAt: now, notification });
      // A Report proves «Дело» has the package, whatever step the writer recorded last.
      if (current.delivery === 'writing') {
        current.delivery = 'written';
        current.writtenAt ??= now;
      }
      outcome = 'applied';
      return current;
    });
    if (missing) throw new TransientError(`«Дело» adapter has no state for appeal ${posId} yet`, { system: 'delo', posId });
    return outcome;
  }
}
