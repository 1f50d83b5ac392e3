// What the emulator keeps of each package it took from the outbox: the registration card as a
// clerk sees it, and every Report it sent. Kept in memory and beside the archived package
// (`.card.json`), so a restarted emulator carries on with the same cards and numbering.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Official, ProgressState } from '../../contract.js';
import { errorCode, writeFileAtomic } from '../fs/atomic.js';
import type { WrittenReport } from './inbox-writer.js';

export const CARD_FILE = '.card.json';

export interface EmulatorCard {
  messageId: string;
  documentId?: string;
  posId?: number;
  /** Archive folder holding DocInfo.xml and the files as they came. */
  folder: string;
  receivedAt: string;
  state: ProgressState;
  number?: string;
  date?: string;
  /** Why the package was refused on pickup. */
  refusal?: { code: string; text: string };
  executor?: Official;
  manager?: Official;
  postponements: { until: string; reason: string }[];
  forwardedTo?: string;
  answer?: {
    documentId: string;
    messageId?: string;
    packageName?: string;
    number: string;
    date: string;
    text: string;
    resolution?: string;
    fileNames: string[];
  };
  rejection?: string;
  /** Same MessageID delivered again after this card was made (a bridge bug the tests look for). */
  duplicateDeliveries: number;
  reports: WrittenReport[];
}

export async function saveCard(card: EmulatorCard): Promise<void> {
  await writeFileAtomic(join(card.folder, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
}

/** Cards of every archived package (those refused before a card was saved are skipped). */
export async function loadCards(archiveDir: string): Promise<EmulatorCard[]> {
  let names: string[];
  try {
    names = await readdir(archiveDir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const cards: EmulatorCard[] = [];
  for (const name of names) {
    try {
      cards.push(JSON.parse(await readFile(join(archiveDir, name, CARD_FILE), 'utf8')) as EmulatorCard);
    } catch {
      // not a card folder
    }
  }
  return cards;
}

/** Registration numbers as «Дело» journals print them for citizens' letters: `ОГ-<n>/<yy>`. */
export class Numbering {
  private next = new Map<string, number>();

  constructor(
    private readonly prefix: string,
    private readonly first: number,
  ) {}

  /** Continues after numbers already issued (after a restart). */
  seen(number: string | undefined): void {
    const match = number ? new RegExp(`^${this.prefix}-(\\d+)/(\\d{2})$`).exec(number) : null;
    if (!match) return;
    const year = match[2]!;
    this.next.set(year, Math.max(this.next.get(year) ?? this.first, Number(match[1]) + 1));
  }

  issue(at: Date): string {
    const year = String(at.getUTCFullYear() % 100).padStart(2, '0');
    const n = this.next.get(year) ?? this.first;
    this.next.set(year, n + 1);
    return `${this.prefix}-${n}/${year}`;
  }
}
