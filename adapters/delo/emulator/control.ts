// The clerks of the emulated «Дело» (EdmsControl): each action becomes the Report «Дело» would send
// — Consideration (executor; with Control/Deadline for a postponement), Forwarding, Failure, and
// the answer letter as its own DocInfo package in the inbox followed by the Answer Report.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppealFile, EdmsControl, Official, Registration } from '../../contract.js';
import { DOCINFO_FILE } from '../folder/outbox.js';
import { buildAnswerDocInfo, extensionOf, uniqueFileName, type PackageFileEntry } from '../sev/docinfo.js';
import { newUuid, uuidV5 } from '../sev/ids.js';
import { parseXml } from '../sev/xml.js';
import type { EmulatorCard } from './cards.js';
import type { AnswerPackageNaming, DeloEmulator } from './emulator.js';
import { BRIDGE_PARTY, DELO_PARTY } from './inbox-writer.js';
import { checkPackageFolder } from './package-check.js';
import { onePagePdf } from '../../../fixtures/pdf.js';

/** The inbox name of an answer package under each naming of the transport. */
export function answerPackageName(naming: AnswerPackageNaming, messageId: string, documentId: string, number: string): string {
  switch (naming) {
    case 'message-id':
      return messageId;
    case 'document-id':
      return documentId;
    case 'arbitrary':
      return `Ответ ${number.replace(/[\\/:*?"<>|]/g, '-')} ${randomBytes(3).toString('hex')}`;
    case 'zip':
      return `${messageId}.zip`;
  }
}

/** What inspect returns: the card, the package as it came (XML text and tree) and its files. */
export interface DeloInspection {
  card: EmulatorCard;
  docInfoXml: string | null;
  docInfo: unknown;
  files: { uniqueName: string; name: string; size: number; data: Buffer }[];
}

export class DeloClerk implements EdmsControl {
  constructor(private readonly emulator: DeloEmulator) {}

  registerNow(edmsId: string): Promise<Registration> {
    return this.emulator.registerNow(edmsId);
  }

  async assign(edmsId: string, executor: Official, manager?: Official): Promise<void> {
    await this.emulator.onRegistered(edmsId, async (card) => {
      card.state = 'in_work';
      card.executor = executor;
      if (manager) card.manager = manager;
      await this.emulator.send(card, { kind: 'consideration', executor, ...(manager ? { manager } : {}) });
    });
  }

  async postpone(edmsId: string, until: string, reason: string): Promise<void> {
    await this.emulator.onRegistered(edmsId, async (card) => {
      card.state = 'postponed';
      card.postponements.push({ until, reason });
      await this.emulator.send(card, { kind: 'consideration', deadline: until, comment: reason });
    });
  }

  async forward(edmsId: string, to: string): Promise<void> {
    await this.emulator.onRegistered(edmsId, async (card) => {
      card.state = 'forwarded';
      card.forwardedTo = to;
      await this.emulator.send(card, { kind: 'forwarding', to, redirection: false });
    });
  }

  async answer(edmsId: string, answer: { text: string; file?: AppealFile; resolution?: string }): Promise<void> {
    await this.emulator.onRegistered(edmsId, async (card) => {
      const messageId = newUuid();
      const documentId = newUuid();
      const now = new Date();
      const number = this.emulator.outgoingNumbers.issue(now);
      const file = answer.file ?? {
        name: `Ответ на ${card.number ?? card.messageId}.pdf`,
        contentType: 'application/pdf',
        data: onePagePdf(`Answer ${number}`),
      };
      const entry: PackageFileEntry = {
        resourceId: uuidV5('file:0', documentId),
        uniqueName: uniqueFileName(0, file.name),
        description: file.name,
        extension: extensionOf(file.name),
        size: file.data.length,
      };
      const xml = buildAnswerDocInfo({
        messageId,
        documentId,
        time: now,
        initialMessageId: card.messageId,
        ...(card.documentId ? { initialDocumentId: card.documentId } : {}),
        number,
        date: now.toISOString(),
        text: answer.text,
        ...(answer.resolution !== undefined ? { resolution: answer.resolution } : {}),
        files: [entry],
        sender: DELO_PARTY,
        recipient: BRIDGE_PARTY,
      });
      const naming = this.emulator.answerPackageNaming;
      const packageName = answerPackageName(naming, messageId, documentId, number);
      const files = [{ uniqueName: entry.uniqueName, data: file.data }];
      const writePackage = () =>
        naming === 'zip'
          ? this.emulator.writer.writeAnswerZip(packageName, xml, files)
          : this.emulator.writer.writeAnswerPackage(packageName, xml, files);
      const delayMs = this.emulator.answerPackageDelayMs;
      if (delayMs <= 0) await writePackage();
      card.state = 'answered';
      card.answer = {
        documentId,
        messageId,
        packageName,
        number,
        date: now.toISOString(),
        text: answer.text,
        ...(answer.resolution !== undefined ? { resolution: answer.resolution } : {}),
        fileNames: [file.name],
      };
      await this.emulator.send(card, { kind: 'answer', documentId, date: now.toISOString(), type: 'Ответ заявителю' });
      if (delayMs > 0) this.emulator.writer.writeLater(delayMs, writePackage);
    });
  }

  async reject(edmsId: string, reason: string): Promise<void> {
    await this.emulator.onCard(edmsId, async (card) => {
      card.state = 'rejected';
      card.rejection = reason;
      await this.emulator.send(card, { kind: 'failure', code: 'DECLINED', text: reason });
    });
  }

  async inspect(edmsId: string): Promise<DeloInspection> {
    const card = await this.emulator.takeNow(edmsId);
    let docInfoXml: string | null = null;
    let docInfo: unknown = null;
    try {
      docInfoXml = await readFile(join(card.folder, DOCINFO_FILE), 'utf8');
      docInfo = (await parseXml(docInfoXml)).root;
    } catch {
      // refused packages may have no readable DocInfo
    }
    const files: DeloInspection['files'] = [];
    if (docInfoXml !== null) {
      const checked = await checkPackageFolder(card.folder, card.messageId);
      if (checked.ok) {
        for (const f of checked.pkg.files) files.push({ ...f, data: await readFile(join(card.folder, f.uniqueName)) });
      }
    }
    return { card: structuredClone(card), docInfoXml, docInfo, files };
  }
}
