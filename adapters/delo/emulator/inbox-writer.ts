// How the emulator drops things into the bridge's inbox, as «Дело»'s exchange module would:
// Reports atomically (temp name, then `Report-<uuid>.xml`), answer packages as complete folders
// (`.tmp-<name>/` renamed to `<name>/`) or zips (`.tmp-<name>.zip` renamed), named as the
// transport chooses and written before the Report that announces them unless asked to come late —
// and, on request, the faults: duplicates, half-written files completed later, malformed files,
// strangers' Reports.
import { zipSync } from 'fflate';
import { mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, writeFileSynced } from '../fs/atomic.js';
import { DOCINFO_FILE, TEMP_PREFIX } from '../folder/outbox.js';
import type { SevParty } from '../sev/docinfo.js';
import { newUuid } from '../sev/ids.js';
import { buildReportXml, type ReportMessage } from '../sev/report.js';
import { consume, type DeloFaults } from './faults.js';

export const DELO_PARTY: SevParty = { organization: 'Канцелярия (ЭОС «Дело»)', system: 'ЭОС «Дело»' };
export const BRIDGE_PARTY: SevParty = { organization: 'Платформа обратной связи (ПОС)', system: 'pos-bridge' };

export interface WrittenReport {
  messageId: string;
  file: string;
  kind: ReportMessage['notification']['kind'];
  time: string;
}

export class InboxWriter {
  private readonly pending = new Set<{ handle: FileHandle; rest: string; timer: NodeJS.Timeout }>();
  private readonly later = new Set<{ run: () => Promise<void>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly inboxDir: string,
    private readonly faults: DeloFaults,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  private async writeAtomically(name: string, content: string): Promise<void> {
    const temp = join(this.inboxDir, `${TEMP_PREFIX}${name}`);
    await rm(temp, { force: true }); // left by a crash: writeFileSynced only creates new files
    await writeFileSynced(temp, content);
    await rename(temp, join(this.inboxDir, name));
  }

  /** Writes the first half under the final name now and the rest after `truncatedForMs`. */
  private async writeTruncated(name: string, content: string): Promise<void> {
    const handle = await open(join(this.inboxDir, name), 'wx');
    const cut = Math.floor(content.length / 2);
    await handle.write(content.slice(0, cut));
    const entry = {
      handle,
      rest: content.slice(cut),
      timer: setTimeout(() => void this.complete(entry), this.faults.truncatedForMs),
    };
    this.pending.add(entry);
  }

  private async complete(entry: { handle: FileHandle; rest: string; timer: NodeJS.Timeout }): Promise<void> {
    if (!this.pending.delete(entry)) return;
    clearTimeout(entry.timer);
    await entry.handle.write(entry.rest);
    await entry.handle.sync();
    await entry.handle.close();
  }

  async writeReport(report: ReportMessage): Promise<WrittenReport> {
    const xml = buildReportXml({ ...report, sender: DELO_PARTY, recipient: BRIDGE_PARTY });
    const file = `Report-${newUuid()}.xml`;
    if (consume(this.faults, 'truncatedReports')) await this.writeTruncated(file, xml);
    else await this.writeAtomically(file, xml);
    if (consume(this.faults, 'duplicateReports')) await this.writeAtomically(`Report-${newUuid()}.xml`, xml);
    if (consume(this.faults, 'malformedReports')) {
      await this.writeAtomically(`Report-${newUuid()}.xml`, `${xml.slice(0, Math.floor(xml.length / 3))}<Broken attr=">\u0000`);
    }
    if (consume(this.faults, 'unknownInitialDocReports')) {
      const stranger = newUuid();
      await this.writeAtomically(
        `Report-${newUuid()}.xml`,
        buildReportXml({
          messageId: newUuid(),
          initialMessageId: stranger,
          time: new Date().toISOString(),
          notification: { kind: 'reception' },
          sender: DELO_PARTY,
          recipient: BRIDGE_PARTY,
        }),
      );
    }
    return { messageId: report.messageId, file, kind: report.notification.kind, time: report.time };
  }

  /** An answer package folder, complete before it gets its final name. */
  async writeAnswerPackage(folderName: string, docInfoXml: string, files: { uniqueName: string; data: Buffer }[]): Promise<void> {
    const temp = join(this.inboxDir, `${TEMP_PREFIX}${folderName}`);
    await rm(temp, { recursive: true, force: true }); // left by a crash: writeFileSynced only creates new files
    await mkdir(temp, { recursive: true });
    for (const file of files) await writeFileSynced(join(temp, file.uniqueName), file.data);
    await writeFileSynced(join(temp, DOCINFO_FILE), docInfoXml);
    await fsyncDir(temp);
    await rename(temp, join(this.inboxDir, folderName));
    await fsyncDir(this.inboxDir);
  }

  /** An answer package as one zip (DocInfo.xml and the files at its top level), complete before it gets its final name. */
  async writeAnswerZip(zipName: string, docInfoXml: string, files: { uniqueName: string; data: Buffer }[]): Promise<void> {
    const entries: Record<string, Uint8Array> = { [DOCINFO_FILE]: Buffer.from(docInfoXml, 'utf8') };
    for (const file of files) entries[file.uniqueName] = file.data;
    const temp = join(this.inboxDir, `${TEMP_PREFIX}${zipName}`);
    await rm(temp, { force: true });
    await writeFileSynced(temp, Buffer.from(zipSync(entries)));
    await rename(temp, join(this.inboxDir, zipName));
    await fsyncDir(this.inboxDir);
  }

  /** Runs `write` after `delayMs` (an answer package that comes after its Report); flush runs it at once. */
  writeLater(delayMs: number, write: () => Promise<void>): void {
    const entry = {
      run: async () => {
        if (!this.later.delete(entry)) return;
        clearTimeout(entry.timer);
        await write().catch(this.onError);
      },
      timer: setTimeout(() => void entry.run(), delayMs),
    };
    this.later.add(entry);
  }

  /** Writes a raw file into the inbox (operators' sandbox: drop anything the bridge must survive). */
  async writeRaw(name: string, content: string | Buffer): Promise<void> {
    await writeFile(join(this.inboxDir, name), content);
  }

  /** Completes every half-written Report and writes every late package now (on stop, so nothing stays half done). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending].map((entry) => this.complete(entry)));
    await Promise.all([...this.later].map((entry) => entry.run()));
  }
}
