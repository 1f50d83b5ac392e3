// Directum RX adapter: registers ПОС appeals as IRequests cards through the Integration Service and
// reads their progress back.
//
// Exactly-once registration. The card and its IExternalEntityLinks row are separate writes, and a
// response can be lost after a write committed. The scheme:
//   1. The link (ExtSystemId 'POS', ExtEntityId = posId) is written LAST; when it exists the
//      registration is complete and is returned as it is (created: false).
//   2. The card carries a marker "[POS:<posId>]" at the start of its Note, written in the same
//      create. Before creating, the adapter searches IRequests for the marker; a card found there
//      is an earlier try's and is completed instead of making a second one.
//   3. Versions are matched to the expected files by Note (the file name) before new ones are
//      made, and bodies of matched versions are uploaded again (PUT is idempotent), so a version
//      whose create or upload answer was lost is neither duplicated nor left empty.
// `created` is true when this call completed the registration (made the link), also when it
// finished a card an interrupted try had started: the pipeline counts each appeal once.
// Concurrent registration of one posId by two processes is the pipeline's to prevent (per-appeal lock).
import type { Logger } from 'pino';
import type { AppealFile, ChangedBatch, EdmsAdapter, EdmsFileRef, EdmsProgress, RegistrationInput, RegistrationResult } from '../contract.js';
import { PermanentError } from '../../src/errors.js';
import { DirectumClient, odataString, type DirectumClientOptions, type ODataEntity } from './client.js';
import { DirectumLookups } from './lookups.js';
import { PROGRESS_EXPAND, PROGRESS_SELECT, contentTypeFor, progressRequestSchema, toProgress } from './progress.js';
import { directumRecordSchema, type DirectumRecord } from './record.js';

export interface DirectumAdapterOptions extends DirectumClientOptions {
  logger?: Logger;
}

export const EXT_SYSTEM_ID = 'POS';
/** IExternalEntityLinks.EntityType for IRequests (the request type's GUID). [assumed] */
export const REQUEST_ENTITY_TYPE = '4c5d5c5b-6c3c-4b8e-9c36-2f6a7a0f5e21';
export const FULL_TEXT_NOTE = 'Полный текст обращения.txt';
const BATCH = 50;
/** How long an unlinked card may be a registration still in progress (see listChanged). */
const UNLINKED_GRACE_MS = 10 * 60_000;
const EPOCH_CHECKPOINT = '1970-01-01T00:00:00.000Z|0';

export const posMarker = (posId: number) => `[POS:${posId}]`;
const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const anyOf = (property: string, values: (string | number)[]) =>
  `(${values.map((value) => `${property} eq ${typeof value === 'number' ? value : odataString(value)}`).join(' or ')})`;

export class DirectumAdapter implements EdmsAdapter<DirectumRecord> {
  readonly kind = 'directum-rx' as const;
  readonly recordSchema = directumRecordSchema;
  private readonly client: DirectumClient;
  private readonly lookups: DirectumLookups;
  private readonly logger?: Logger;

  constructor(options: DirectumAdapterOptions) {
    this.client = new DirectumClient(options);
    this.lookups = new DirectumLookups(this.client);
    this.logger = options.logger?.child({ edms: 'directum-rx' });
  }

  async register({ posId, record, files, firstAttempt }: RegistrationInput<DirectumRecord>): Promise<RegistrationResult> {
    const existing = await this.findByPosId(posId);
    if (existing) return existing;
    // The marker search is a `contains` over every request's Note (a LIKE scan in a real Directum):
    // needed only when an earlier attempt may have created a card and died before linking it.
    let card = firstAttempt ? undefined : await this.findMarkedCard(posId);
    if (card) this.logger?.warn({ posId, edmsId: card.Id }, 'completing a Directum card an interrupted registration left unlinked');
    card ??= await this.createCard(posId, record);
    const expected: AppealFile[] = [{ name: FULL_TEXT_NOTE, contentType: 'text/plain', data: Buffer.from(record.FullText, 'utf8') }, ...files];
    await this.attachVersions(card.Id, expected, card.resumed);
    await this.client.create('IExternalEntityLinks', {
      EntityId: card.Id, EntityType: REQUEST_ENTITY_TYPE, ExtEntityId: String(posId), ExtEntityType: 'Appeal', ExtSystemId: EXT_SYSTEM_ID,
    });
    const registered = card.RegistrationNumber ? card : await this.client.get(`IRequests(${card.Id})`, { select: 'Id,RegistrationNumber,RegistrationDate' });
    this.logger?.info({ posId, edmsId: card.Id, files: files.length }, 'appeal registered in Directum');
    return { posId, edmsId: String(card.Id), durable: true, created: true, ...registrationOf(registered) };
  }

  async findByPosId(posId: number): Promise<RegistrationResult | null> {
    const links = await this.linksFor([posId]);
    const requestId = links.get(posId);
    if (requestId === undefined) return null;
    const found = await this.client.list('IRequests', { filter: `Id eq ${requestId}`, select: 'Id,RegistrationNumber,RegistrationDate' });
    const request = found.value[0];
    if (!request) {
      this.logger?.warn({ posId, edmsId: requestId }, 'the linked Directum request no longer exists');
      return null;
    }
    return { posId, edmsId: String(request.Id), durable: true, created: false, ...registrationOf(request) };
  }

  async readProgress(posIds: number[]): Promise<EdmsProgress[]> {
    const progress: EdmsProgress[] = [];
    for (const chunk of chunks([...new Set(posIds)], BATCH)) {
      const links = await this.linksFor(chunk);
      if (links.size === 0) continue;
      const posByRequest = new Map([...links].map(([posId, requestId]) => [requestId, posId]));
      const { value } = await this.client.list('IRequests', { filter: anyOf('Id', [...posByRequest.keys()]), select: PROGRESS_SELECT, expand: PROGRESS_EXPAND });
      for (const row of value) progress.push(toProgress(posByRequest.get(row.Id)!, this.parseProgress(row)));
    }
    return progress;
  }

  /**
   * Changes by (Modified, Id) of cards carrying the ПОС marker; only linked ones are reported.
   * Assumes IRequests.Modified moves on every change of the card (clerk actions included) and is
   * stamped in commit order, as the emulator does. A Directum whose clock or transactions break
   * that could let a change slip behind the checkpoint; readProgress of open appeals still sees it.
   */
  async listChanged(checkpoint: string | null, limit: number): Promise<ChangedBatch> {
    const [after, afterId] = parseCheckpoint(checkpoint);
    const since = `(Modified gt ${after} or (Modified eq ${after} and Id gt ${afterId}))`;
    const { value } = await this.client.list('IRequests', {
      filter: `contains(Note,${odataString('[POS:')}) and ${since}`,
      select: PROGRESS_SELECT,
      expand: PROGRESS_EXPAND,
      orderby: 'Modified asc,Id asc',
      top: limit,
    });
    const rows = value.map((row) => this.parseProgress(row));
    const posByRequest = new Map<number, number>();
    for (const chunk of chunks(rows.map((row) => row.Id), BATCH)) {
      const { value: links } = await this.client.list('IExternalEntityLinks', {
        filter: `ExtSystemId eq ${odataString(EXT_SYSTEM_ID)} and EntityType eq ${odataString(REQUEST_ENTITY_TYPE)} and ${anyOf('EntityId', chunk)}`,
        select: 'Id,EntityId,ExtEntityId',
      });
      for (const link of links) posByRequest.set(Number(link.EntityId), Number(link.ExtEntityId));
    }
    // A card is linked last, and linking does not touch its Modified: a fresh unlinked card may be
    // a registration in progress, so the batch ends before it and the next watch reads it again.
    // One unlinked for long (an attempt that died) no longer holds the watch back.
    const settled = Date.now() - UNLINKED_GRACE_MS;
    const stop = rows.findIndex((row) => !posByRequest.has(row.Id) && Date.parse(String(row.Modified)) > settled);
    const kept = stop === -1 ? rows : rows.slice(0, stop);
    const items = kept.filter((row) => posByRequest.has(row.Id)).map((row) => toProgress(posByRequest.get(row.Id)!, row));
    const last = kept.at(-1);
    return { items, checkpoint: last ? `${last.Modified}|${last.Id}` : checkpoint ?? EPOCH_CHECKPOINT, done: stop !== -1 || rows.length < limit };
  }

  async readFile(file: EdmsFileRef): Promise<AppealFile> {
    if (!/^I[A-Za-z]+\(\d+\)\/Versions\(\d+\)$/.test(file.ref)) throw new PermanentError(`not a Directum version reference: ${file.ref}`, [], { system: 'directum-rx' });
    const data = await this.client.readBody(file.ref);
    return { name: file.name, contentType: file.contentType || contentTypeFor(/\.([^.]+)$/.exec(file.name)?.[1]), data };
  }

  // Being built in this session (directory resolution); replaced before landing.
  readonly referenceFields = [];
  async listDirectory(): Promise<never> { throw new Error('not yet'); }
  async checkReferences(): Promise<never> { throw new Error('not yet'); }
  async undeclaredFields(): Promise<never> { throw new Error('not yet'); }

  async ping(): Promise<void> {
    await this.client.list('IRequests', { select: 'Id', top: 1 });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private parseProgress(row: ODataEntity) {
    const parsed = progressRequestSchema.safeParse(row);
    if (!parsed.success) throw new PermanentError(`Directum IRequests(${row.Id}) has an unexpected shape`, [], { system: 'directum-rx' });
    return parsed.data;
  }

  /** posId → IRequests Id from the ПОС links (the newest link wins if a card was ever re-made). */
  private async linksFor(posIds: number[]): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    for (const chunk of chunks(posIds, BATCH)) {
      const { value } = await this.client.list('IExternalEntityLinks', {
        filter: `ExtSystemId eq ${odataString(EXT_SYSTEM_ID)} and EntityType eq ${odataString(REQUEST_ENTITY_TYPE)} and ${anyOf('ExtEntityId', chunk.map(String))}`,
        select: 'Id,EntityId,ExtEntityId',
        orderby: 'Id asc',
      });
      for (const link of value) result.set(Number(link.ExtEntityId), Number(link.EntityId));
    }
    return result;
  }

  private async findMarkedCard(posId: number): Promise<(ODataEntity & { resumed: boolean }) | undefined> {
    const { value } = await this.client.list('IRequests', {
      filter: `contains(Note,${odataString(posMarker(posId))})`, select: 'Id,RegistrationNumber,RegistrationDate', orderby: 'Id asc', top: 1,
    });
    return value[0] && { ...value[0], resumed: true };
  }

  private async createCard(posId: number, record: DirectumRecord): Promise<ODataEntity & { resumed: boolean }> {
    const correspondent = record.Correspondent ? await this.lookups.personId(record.Correspondent) : undefined;
    const coApplicants: number[] = [];
    for (const person of record.CoApplicants ?? []) coApplicants.push(await this.lookups.personId(person));
    const questions = await Promise.all(record.Questions.map((question) => this.lookups.questionId(question.Code)));
    const requestType = coApplicants.length > 0 ? 'Collective' : record.RequestType ?? (correspondent ? 'Individual' : 'Anonymous');
    const created = await this.client.create('IRequests', {
      Subject: record.Subject,
      Note: record.Note ? `${posMarker(posId)}\n${record.Note}` : posMarker(posId),
      RequestDate: record.RequestDate,
      Deadline: record.Deadline,
      InitialDeadline: record.InitialDeadline,
      DeliveryMethod: record.DeliveryMethod,
      DocumentKind: record.DocumentKind,
      Department: record.Department,
      BusinessUnit: record.BusinessUnit,
      RequestType: requestType,
      NotifyByEmail: record.NotifyByEmail,
      FastTrack: record.FastTrack,
      ProblemAddress: record.ProblemAddress,
      ...(correspondent !== undefined ? { Correspondent: { Id: correspondent } } : {}),
      CoApplicants: coApplicants.map((id) => ({ Person: { Id: id } })),
      Questions: [...new Set(questions)].map((id) => ({ Question: { Id: id } })),
    });
    return { ...created, resumed: false };
  }

  /** Versions for the expected files, reusing matching ones when an earlier try made them. */
  private async attachVersions(requestId: number, files: AppealFile[], resumed: boolean): Promise<void> {
    const path = `IRequests(${requestId})`;
    const unused = resumed ? (await this.client.list(`${path}/Versions`, { select: 'Id,Number,Note', orderby: 'Number asc' })).value : [];
    for (const file of files) {
      const index = unused.findIndex((version) => version.Note === file.name);
      let versionId: number;
      if (index >= 0) {
        versionId = unused[index]!.Id;
        unused.splice(index, 1);
      } else {
        const app = await this.lookups.applicationId(file.name);
        versionId = (await this.client.createVersion(path, file.name, app.id)).Id;
      }
      await this.client.uploadBody(path, versionId, file.data);
    }
  }
}

function registrationOf(request: Record<string, unknown>): Pick<RegistrationResult, 'registration'> {
  const number = request.RegistrationNumber;
  const date = request.RegistrationDate;
  return typeof number === 'string' && number && typeof date === 'string' ? { registration: { number, date } } : {};
}

function parseCheckpoint(checkpoint: string | null): [string, number] {
  const [modified, id] = (checkpoint ?? EPOCH_CHECKPOINT).split('|');
  if (!modified || Number.isNaN(Date.parse(modified)) || !/^\d+$/.test(id ?? '')) {
    throw new PermanentError(`not a Directum change checkpoint: ${checkpoint}`, [], { system: 'directum-rx' });
  }
  return [new Date(modified).toISOString(), Number(id)];
}
