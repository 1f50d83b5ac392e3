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
import type {
  AppealFile,
  ChangedBatch,
  DirectoryKind,
  DirectoryListing,
  EdmsAdapter,
  EdmsFileRef,
  EdmsProgress,
  ReferenceProblem,
  ReferenceValue,
  RegistrationInput,
  RegistrationResult,
} from '../contract.js';
import { PermanentError } from '../../src/errors.js';
import { DirectumClient, odataString, type DirectumClientOptions, type ODataEntity } from './client.js';
import { DIRECTORY_SPECS, DirectumDirectories, type DirectoryCacheOptions } from './directories.js';
import { DirectumLookups } from './lookups.js';
import { DirectumMetadataCache } from './metadata-cache.js';
import { PROGRESS_EXPAND, PROGRESS_SELECT, contentTypeFor, progressRequestSchema, toProgress } from './progress.js';
import { DIRECTUM_PROPERTY_OF, DIRECTUM_REFERENCE_FIELDS, directumRecordSchema, type DirectumRecord } from './record.js';
import { cardBody, fullTextOf, markerPrefix, posMarker } from './card.js';
import { referenceError, referencesOf } from './references.js';

export interface DirectumAdapterOptions extends DirectumClientOptions {
  logger?: Logger;
  /** IExternalEntityLinks.EntityType: the GUID of IRequest in this installation (DIRECTUM_ENTITY_TYPE). */
  requestEntityType?: string;
  directories?: DirectoryCacheOptions;
  /**
   * The bridge organisation (ЛКО) whose cards this adapter makes and watches. Its links carry it in
   * ExtEntityType (`Appeal` for `default`, as always; `Appeal:<key>` otherwise), beside the same
   * ExtSystemId "POS" and ExtEntityId = the ПОС id.
   */
  organisation?: string;
}

export const EXT_SYSTEM_ID = 'POS';
/** Default IExternalEntityLinks.EntityType for IRequests (the request type's GUID). [assumed; DIRECTUM_ENTITY_TYPE] */
export const REQUEST_ENTITY_TYPE = '4c5d5c5b-6c3c-4b8e-9c36-2f6a7a0f5e21';
export const FULL_TEXT_NOTE = 'Полный текст обращения.txt';
const BATCH = 50;
/** How long an unlinked card may be a registration still in progress (see listChanged). */
const UNLINKED_GRACE_MS = 10 * 60_000;
const EPOCH_CHECKPOINT = '1970-01-01T00:00:00.000Z|0';

export { posMarker };

const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));
const anyOf = (property: string, values: (string | number)[]) =>
  `(${values.map((value) => `${property} eq ${typeof value === 'number' ? value : odataString(value)}`).join(' or ')})`;

export class DirectumAdapter implements EdmsAdapter<DirectumRecord> {
  readonly kind = 'directum-rx' as const;
  readonly recordSchema = directumRecordSchema;
  readonly referenceFields = DIRECTUM_REFERENCE_FIELDS;
  readonly directories: DirectumDirectories;
  private readonly client: DirectumClient;
  private readonly lookups: DirectumLookups;
  private readonly metadata: DirectumMetadataCache;
  private readonly logger?: Logger;
  private readonly entityType: string;
  private readonly organisation?: string;
  /** IExternalEntityLinks.ExtEntityType of this organisation's links. */
  private readonly extEntityType: string;

  /** `shared`: another organisation's adapter on the same installation (see forOrganisation). */
  constructor(
    private readonly options: DirectumAdapterOptions,
    shared?: DirectumAdapter,
  ) {
    this.organisation = options.organisation && options.organisation !== 'default' ? options.organisation : undefined;
    this.extEntityType = this.organisation ? `Appeal:${this.organisation}` : 'Appeal';
    this.client = shared?.client ?? new DirectumClient(options);
    this.lookups = shared?.lookups ?? new DirectumLookups(this.client);
    this.metadata = shared?.metadata ?? new DirectumMetadataCache(this.client, options.directories?.ttlMs);
    this.directories = shared?.directories ?? new DirectumDirectories(this.client, () => this.metadata.get(), options.directories);
    this.logger = options.logger?.child({ edms: 'directum-rx' });
    this.entityType = options.requestEntityType ?? REQUEST_ENTITY_TYPE;
  }

  /**
   * The same installation seen by another bridge organisation: its own links and markers, but one
   * connection pool, one `$metadata` and one copy of each directory for all organisations.
   */
  forOrganisation(organisation: string): DirectumAdapter {
    return new DirectumAdapter({ ...this.options, organisation }, this);
  }

  async register({ posId, record, files, firstAttempt }: RegistrationInput<DirectumRecord>): Promise<RegistrationResult> {
    const existing = await this.findByPosId(posId);
    if (existing) return existing;
    // The marker search is a `contains` over every request's Note (a LIKE scan in a real Directum):
    // needed only when an earlier attempt may have created a card and died before linking it.
    let card = firstAttempt ? undefined : await this.findMarkedCard(posId);
    if (card) this.logger?.warn({ posId, edmsId: card.Id }, 'completing a Directum card an interrupted registration left unlinked');
    card ??= await this.createCard(posId, record);
    const expected: AppealFile[] = [
      { name: FULL_TEXT_NOTE, contentType: 'text/plain', data: Buffer.from(fullTextOf(record), 'utf8') },
      ...files,
    ];
    await this.attachVersions(card.Id, expected, card.resumed);
    await this.client.create('IExternalEntityLinks', {
      EntityId: card.Id,
      EntityType: this.entityType,
      ExtEntityId: String(posId),
      ExtEntityType: this.extEntityType,
      ExtSystemId: EXT_SYSTEM_ID,
    });
    const registered = card.RegistrationNumber
      ? card
      : await this.client.get(`IRequests(${card.Id})`, { select: 'Id,RegistrationNumber,RegistrationDate' });
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
      const { value } = await this.client.list('IRequests', {
        filter: anyOf('Id', [...posByRequest.keys()]),
        select: PROGRESS_SELECT,
        expand: PROGRESS_EXPAND,
      });
      for (const row of value) progress.push(this.withOrganisation(toProgress(posByRequest.get(row.Id)!, this.parseProgress(row))));
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
      filter: `contains(Note,${odataString(markerPrefix(this.organisation))}) and ${since}`,
      select: PROGRESS_SELECT,
      expand: PROGRESS_EXPAND,
      orderby: 'Modified asc,Id asc',
      top: limit,
    });
    const rows = value.map((row) => this.parseProgress(row));
    const posByRequest = new Map<number, number>();
    for (const chunk of chunks(
      rows.map((row) => row.Id),
      BATCH,
    )) {
      const { value: links } = await this.client.list('IExternalEntityLinks', {
        filter: `${this.linkFilter()} and ${anyOf('EntityId', chunk)}`,
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
    const items = kept
      .filter((row) => posByRequest.has(row.Id))
      .map((row) => this.withOrganisation(toProgress(posByRequest.get(row.Id)!, row)));
    const last = kept.at(-1);
    return {
      items,
      checkpoint: last ? `${last.Modified}|${last.Id}` : (checkpoint ?? EPOCH_CHECKPOINT),
      done: stop !== -1 || rows.length < limit,
    };
  }

  async readFile(file: EdmsFileRef): Promise<AppealFile> {
    if (!/^I[A-Za-z]+\(\d+\)\/Versions\(\d+\)$/.test(file.ref))
      throw new PermanentError(`not a Directum version reference: ${file.ref}`, [], { system: 'directum-rx' });
    const data = await this.client.readBody(file.ref);
    return { name: file.name, contentType: file.contentType || contentTypeFor(/\.([^.]+)$/.exec(file.name)?.[1]), data };
  }

  async listDirectory(kind: DirectoryKind): Promise<DirectoryListing> {
    return { available: true, directory: DIRECTORY_SPECS[kind].set, entries: await this.directories.entries(kind) };
  }

  async checkReferences(values: { field: string; value: ReferenceValue }[]): Promise<ReferenceProblem[]> {
    return (await this.resolveReferences(values)).problems;
  }

  /** One lookup per value: the ids found, per field in the record's order, and a problem for each value not found. */
  private async resolveReferences(
    values: { field: string; value: ReferenceValue }[],
  ): Promise<{ linked: Map<string, number[]>; problems: ReferenceProblem[] }> {
    const linked = new Map<string, number[]>();
    const problems: ReferenceProblem[] = [];
    for (const { field, value } of values) {
      const spec = this.referenceFields.find((candidate) => candidate.field === field);
      if (!spec) throw new PermanentError(`${field} is not a Directum reference field`, [], { system: 'directum-rx' });
      const resolution = await this.directories.resolve(spec.directory, value, spec.suggest);
      if ('id' in resolution) linked.set(field, [...(linked.get(field) ?? []), resolution.id]);
      else problems.push({ field, directoryName: spec.directoryName, ...resolution });
    }
    return { linked, problems };
  }

  async undeclaredFields(fields: readonly string[]) {
    const metadata = await this.metadata.get();
    if (!metadata) return { available: false as const, reason: 'this Directum publishes no $metadata' };
    const type = metadata.entitySet('IRequests');
    const undeclared = fields.flatMap((field) => {
      const target = DIRECTUM_PROPERTY_OF[field as keyof DirectumRecord];
      if (!target?.property || target.optional || metadata.declares('IRequests', target.property)) return [];
      return [{ field, property: target.property, type: type?.name ?? 'IRequests' }];
    });
    return { available: true as const, undeclared };
  }

  async ping(): Promise<void> {
    await this.client.list('IRequests', { select: 'Id', top: 1 });
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private withOrganisation(progress: EdmsProgress): EdmsProgress {
    return this.organisation ? { ...progress, organisation: this.organisation } : progress;
  }

  private parseProgress(row: ODataEntity) {
    const parsed = progressRequestSchema.safeParse(row);
    if (!parsed.success) throw new PermanentError(`Directum IRequests(${row.Id}) has an unexpected shape`, [], { system: 'directum-rx' });
    return parsed.data;
  }

  /** This organisation's ПОС links. Older links of `default` were all written as ExtEntityType `Appeal`. */
  private linkFilter(): string {
    return `ExtSystemId eq ${odataString(EXT_SYSTEM_ID)} and EntityType eq ${odataString(this.entityType)} and ExtEntityType eq ${odataString(this.extEntityType)}`;
  }

  /** posId → IRequests Id from the ПОС links (the newest link wins if a card was ever re-made). */
  private async linksFor(posIds: number[]): Promise<Map<number, number>> {
    const result = new Map<number, number>();
    for (const chunk of chunks(posIds, BATCH)) {
      const { value } = await this.client.list('IExternalEntityLinks', {
        filter: `${this.linkFilter()} and ${anyOf('ExtEntityId', chunk.map(String))}`,
        select: 'Id,EntityId,ExtEntityId',
        orderby: 'Id asc',
      });
      for (const link of value) result.set(Number(link.ExtEntityId), Number(link.EntityId));
    }
    return result;
  }

  private async findMarkedCard(posId: number): Promise<(ODataEntity & { resumed: boolean }) | undefined> {
    const { value } = await this.client.list('IRequests', {
      filter: `contains(Note,${odataString(posMarker(posId, this.organisation))})`,
      select: 'Id,RegistrationNumber,RegistrationDate',
      orderby: 'Id asc',
      top: 1,
    });
    return value[0] && { ...value[0], resumed: true };
  }

  /** Resolves every directory reference first: a value the installation lacks writes nothing. */
  private async createCard(posId: number, record: DirectumRecord): Promise<ODataEntity & { resumed: boolean }> {
    const { linked, problems } = await this.resolveReferences(referencesOf(record));
    if (problems.length > 0) throw referenceError(problems);
    const correspondent = record.Correspondent ? await this.lookups.personId(record.Correspondent) : undefined;
    const metadata = await this.metadata.get();
    const body = cardBody({
      posId,
      organisation: this.organisation,
      record,
      linked,
      correspondent,
      declares: (property) => !metadata || metadata.declares('IRequests', property),
    });
    for (const dropped of body.dropped)
      this.logger?.warn(
        { posId, property: dropped },
        "the installation's IRequest does not declare this mapped property; it is not written",
      );
    const created = await this.client.create('IRequests', body.card);
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
