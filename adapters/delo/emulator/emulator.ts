// ЭОС «Дело» emulator, folder side: polls the outbox, takes each complete package (never a
// `.tmp-*` one) into its archive, checks it, and answers through the inbox with Reports —
// Reception, then Registration with an `ОГ-<n>/<yy>` number (or Failure for a bad package). The
// clerk's later actions (control.ts) go through the same Report writer.
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { BridgeError } from '../../../src/errors.js';
import type { Registration } from '../../contract.js';
import { errorCode, exists } from '../fs/atomic.js';
import { isUuid, newUuid } from '../sev/ids.js';
import type { ReportNotification } from '../sev/report.js';
import { Numbering, loadCards, saveCard, type EmulatorCard } from './cards.js';
import { consume, noFaults, type DeloFaults } from './faults.js';
import { InboxWriter } from './inbox-writer.js';
import { checkPackageFolder } from './package-check.js';

export interface DeloEmulatorOptions {
  outboxDir: string;
  inboxDir: string;
  /** Where taken packages are kept (default `<outbox>/../delo-archive`). */
  archiveDir?: string;
  /** Outbox poll interval (default 200 ms). */
  pollMs?: number;
  faults?: Partial<DeloFaults>;
  /** Register on pickup like a clerk working the queue at once (default true); false: only on registerNow. */
  autoRegister?: boolean;
  /** How answer packages are named in the inbox (default `message-id`; see ANSWER_PACKAGE_NAMINGS). */
  answerPackageNaming?: AnswerPackageNaming;
  /** > 0: the answer package is written this long AFTER its Report (default 0: before it, as the contract says). */
  answerPackageDelayMs?: number;
  logger?: Logger;
}

/**
 * The transport names answer packages as it likes (delo-sev.md): after the package's own
 * Header@MessageID (the usual case), after the answer's DocumentID, anything else, or
 * `<MessageID>.zip` for a zipped package.
 */
export const ANSWER_PACKAGE_NAMINGS = ['message-id', 'document-id', 'arbitrary', 'zip'] as const;
export type AnswerPackageNaming = (typeof ANSWER_PACKAGE_NAMINGS)[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class DeloEmulator {
  readonly outboxDir: string;
  readonly inboxDir: string;
  readonly archiveDir: string;
  readonly faults: DeloFaults;
  autoRegister: boolean;
  answerPackageNaming: AnswerPackageNaming;
  answerPackageDelayMs: number;
  readonly writer: InboxWriter;
  private readonly cards = new Map<string, EmulatorCard>();
  private readonly numbers = new Numbering('ОГ', 101);
  readonly outgoingNumbers = new Numbering('Исх', 1);
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: DeloEmulatorOptions) {
    this.outboxDir = resolve(options.outboxDir);
    this.inboxDir = resolve(options.inboxDir);
    this.archiveDir = resolve(options.archiveDir ?? join(dirname(this.outboxDir), 'delo-archive'));
    this.faults = { ...noFaults(), ...options.faults };
    this.autoRegister = options.autoRegister ?? true;
    this.answerPackageNaming = options.answerPackageNaming ?? 'message-id';
    this.answerPackageDelayMs = options.answerPackageDelayMs ?? 0;
    this.writer = new InboxWriter(this.inboxDir, this.faults, (error) =>
      options.logger?.error({ err: error }, 'delo emulator: late answer package not written'),
    );
  }

  async start(): Promise<void> {
    for (const dir of [this.outboxDir, this.inboxDir, this.archiveDir]) await mkdir(dir, { recursive: true });
    for (const card of await loadCards(this.archiveDir)) {
      this.cards.set(card.messageId, card);
      this.numbers.seen(card.number);
      this.outgoingNumbers.seen(card.answer?.number);
    }
    // `loop` never rejects: a failed poll is logged, and the next one is scheduled.
    const loop = async () => {
      if (this.stopped) return;
      await this.pollOnce().catch((error: unknown) => this.options.logger?.error({ err: error }, 'delo emulator: outbox poll failed'));
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.options.pollMs ?? 200);
    };
    this.timer = setTimeout(() => void loop(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.chain.catch(() => undefined);
    await this.writer.flush();
  }

  /** Runs `work` after every earlier emulator step: cards change one step at a time. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.catch(() => undefined).then(work);
    this.chain = run;
    return run;
  }

  /** Takes every complete package waiting in the outbox (respecting the slow-pickup fault). */
  pollOnce(): Promise<number> {
    return this.exclusive(async () => {
      let taken = 0;
      for (const entry of await readdir(this.outboxDir, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        if (this.faults.pickupDelayMs > 0) {
          const info = await stat(join(this.outboxDir, entry.name)).catch(() => null);
          if (!info || Date.now() - info.mtimeMs < this.faults.pickupDelayMs) continue;
        }
        if (await this.pickUp(entry.name)) taken++;
      }
      return taken;
    });
  }

  card(edmsId: string): EmulatorCard | undefined {
    return this.cards.get(edmsId.toLowerCase());
  }

  allCards(): EmulatorCard[] {
    return [...this.cards.values()];
  }

  /** Packages «Дело» holds or has waiting, counting repeated deliveries of one MessageID. */
  async countPackages(): Promise<number> {
    const waiting = (await readdir(this.outboxDir, { withFileTypes: true })).filter(
      (e) => e.isDirectory() && !e.name.startsWith('.'),
    ).length;
    return waiting + [...this.cards.values()].reduce((sum, card) => sum + 1 + card.duplicateDeliveries, 0);
  }

  /** Moves one package folder into the archive and makes its card; null when it was not there. */
  private async pickUp(name: string): Promise<EmulatorCard | null> {
    const source = join(this.outboxDir, name);
    const known = this.cards.get(name.toLowerCase());
    const target = join(this.archiveDir, known ? `${name}.again-${newUuid()}` : name);
    try {
      await rename(source, target);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    if (known) {
      known.duplicateDeliveries += 1;
      await saveCard(known);
      this.options.logger?.warn({ messageId: known.messageId }, 'delo emulator: the same package was delivered again');
      return known;
    }
    const checked = await checkPackageFolder(target, name);
    const card: EmulatorCard = {
      messageId: name.toLowerCase(),
      folder: target,
      receivedAt: new Date().toISOString(),
      state: 'received',
      postponements: [],
      duplicateDeliveries: 0,
      reports: [],
    };
    if (checked.ok) {
      card.documentId = checked.pkg.documentId;
      if (checked.pkg.posId !== undefined) card.posId = checked.pkg.posId;
    }
    this.cards.set(card.messageId, card);
    if (!isUuid(name)) {
      card.state = 'rejected';
      card.refusal = { code: 'INVALID_PACKAGE', text: 'package folder name is not a MessageID' };
      await saveCard(card);
      return card;
    }
    if (!checked.ok) {
      await this.refuse(card, 'INVALID_PACKAGE', `package refused: ${checked.issues.join('; ')}`);
      return card;
    }
    await this.send(card, { kind: 'reception' });
    if (consume(this.faults, 'refusePackages')) await this.refuse(card, 'REFUSED', 'Пакет не принят к регистрации');
    else if (this.autoRegister) await this.registerCard(card);
    else await saveCard(card);
    return card;
  }

  private async refuse(card: EmulatorCard, code: string, text: string): Promise<void> {
    card.state = 'rejected';
    card.refusal = { code, text };
    await this.send(card, { kind: 'failure', code, text });
  }

  private async registerCard(card: EmulatorCard): Promise<Registration> {
    if (card.number && card.date) return { number: card.number, date: card.date };
    const now = new Date();
    card.number = this.numbers.issue(now);
    card.date = now.toISOString();
    card.state = 'registered';
    await this.send(card, {
      kind: 'registration',
      ...(card.documentId ? { documentId: card.documentId } : {}),
      number: card.number,
      date: card.date,
    });
    return { number: card.number, date: card.date };
  }

  /** Writes a Report about `card` into the inbox and notes it on the card. */
  async send(card: EmulatorCard, notification: ReportNotification): Promise<void> {
    const report = await this.writer.writeReport({
      messageId: newUuid(),
      initialMessageId: card.messageId,
      time: new Date().toISOString(),
      ...(card.number ? { initialNumber: card.number } : {}),
      ...(card.date ? { initialDate: card.date } : {}),
      notification,
    });
    card.reports.push(report);
    await saveCard(card);
  }

  /**
   * The card of `edmsId`, taking its package from the outbox now if it waits there. While the
   * bridge is still writing it (a `.tmp-` folder) this waits up to `timeoutMs`; for an id nobody
   * is writing it gives up after a short grace.
   */
  async takeNow(edmsId: string, timeoutMs = 10_000): Promise<EmulatorCard> {
    const id = edmsId.toLowerCase();
    const started = Date.now();
    for (;;) {
      const card = await this.exclusive(
        async () => this.cards.get(id) ?? ((await exists(join(this.outboxDir, id))) ? this.pickUp(id) : null),
      );
      if (card) return card;
      const beingWritten = await exists(join(this.outboxDir, `.tmp-${id}`));
      const waited = Date.now() - started;
      if (this.stopped || waited > timeoutMs || (!beingWritten && waited > 1_000)) {
        throw new BridgeError('NOT_FOUND', `«Дело» emulator has no package ${edmsId}`, { system: 'delo' });
      }
      await sleep(20);
    }
  }

  /** Registers the card now (a clerk working it out of turn). */
  async registerNow(edmsId: string): Promise<Registration> {
    const card = await this.takeNow(edmsId);
    return this.exclusive(async () => {
      if (!card.number && card.state === 'rejected') {
        throw new BridgeError('EDMS_REJECTED', `«Дело» emulator refused package ${edmsId}: ${card.refusal?.text ?? card.rejection ?? ''}`, {
          system: 'delo',
        });
      }
      return this.registerCard(card);
    });
  }

  /** Runs a clerk's step on a registered card and saves it. */
  async onRegistered(edmsId: string, step: (card: EmulatorCard) => Promise<void>): Promise<void> {
    await this.registerNow(edmsId);
    const card = this.card(edmsId)!;
    await this.exclusive(() => step(card));
  }

  async onCard(edmsId: string, step: (card: EmulatorCard) => Promise<void>): Promise<void> {
    const card = await this.takeNow(edmsId);
    await this.exclusive(() => step(card));
  }
}
