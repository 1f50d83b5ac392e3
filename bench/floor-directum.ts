// The Directum RX requests DirectumAdapter.register sends for one new appeal on its first attempt,
// in the same order with the same URLs and bodies, on a bare keep-alive client: link lookup, person
// lookups (and creations), the card (its body built by the adapter's own cardBody, with the
// directories and $metadata read once per run as the adapter caches them), one version and body
// per file, the link. (The marker search for a card an interrupted attempt left is skipped on a
// first attempt, as the adapter does.) Responses are used as they come, unchecked. The bench compares the request
// counts per appeal with the bridge's run, so a drift from the adapter shows in the report.
import type { AxiosInstance } from 'axios';
import type { AppealFile, DirectoryEntry, DirectoryKind } from '../adapters/contract.js';
import { EXT_SYSTEM_ID, FULL_TEXT_NOTE, REQUEST_ENTITY_TYPE } from '../adapters/directum-rx/adapter.js';
import { cardBody, fullTextOf } from '../adapters/directum-rx/card.js';
import { odataString } from '../adapters/directum-rx/client.js';
import { DIRECTORY_SPECS, resolveIn } from '../adapters/directum-rx/directories.js';
import { samePerson } from '../adapters/directum-rx/lookups.js';
import { parseMetadata, type ServiceMetadata } from '../adapters/directum-rx/metadata.js';
import { DIRECTUM_REFERENCE_FIELDS } from '../adapters/directum-rx/record.js';
import { referencesOf } from '../adapters/directum-rx/references.js';
import type { DirectumPerson, DirectumRecord } from '../adapters/directum-rx/record.js';
import { createHttpClient, type HttpObserver } from '../src/http/client.js';

type Entity = { Id: number } & Record<string, unknown>;

function query(options: Record<string, string | number | undefined>): string {
  const parts = Object.entries(options)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `$${key}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export class DirectumCalls {
  private readonly http: AxiosInstance;
  private readonly directories = new Map<DirectoryKind, Promise<DirectoryEntry[]>>();
  private metadata?: Promise<ServiceMetadata>;
  private applications?: Promise<Map<string, number>>;

  constructor(baseUrl: string, username: string, password: string, observer?: HttpObserver) {
    this.http = createHttpClient({
      observer,
      baseURL: baseUrl.replace(/\/+$/, ''),
      system: 'directum-rx',
      timeoutMs: 30_000,
      headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, Accept: 'application/json' },
    });
  }

  private async list(set: string, options: Record<string, string | number | undefined>): Promise<Entity[]> {
    return (await this.http.get<{ value: Entity[] }>(`/${set}${query(options)}`)).data.value;
  }

  private async create(path: string, body: Record<string, unknown>): Promise<Entity> {
    const response = await this.http.post<Entity>(`/${path}`, JSON.stringify(body), {
      headers: { 'Content-Type': 'application/json', Return: 'representation' },
    });
    return response.data;
  }

  private async personId(person: DirectumPerson): Promise<number> {
    if (person.Email || person.Phones) {
      const filter = `tolower(LastName) eq ${odataString(person.LastName.trim().toLowerCase())} and tolower(FirstName) eq ${odataString(person.FirstName.trim().toLowerCase())}`;
      const found = await this.list('IPersons', { filter, select: 'Id,LastName,FirstName,Email,Phones', orderby: 'Id', top: 100 });
      const match = found.find((candidate) => samePerson(candidate, person));
      if (match) return match.Id;
    }
    const { LastName, FirstName, MiddleName, Email, Phones, PostalAddress } = person;
    return (await this.create('IPersons', { LastName, FirstName, MiddleName, Email, Phones, PostalAddress })).Id;
  }

  private directory(kind: DirectoryKind): Promise<DirectoryEntry[]> {
    let found = this.directories.get(kind);
    if (!found) {
      const { set, codes } = DIRECTORY_SPECS[kind];
      found = this.list(set, { select: ['Id', 'Name', 'Status', ...codes].join(','), orderby: 'Id asc', top: 500, skip: 0 }).then((rows) =>
        rows.map((row) => ({
          id: row.Id,
          name: String(row.Name ?? ''),
          active: row.Status !== 'Closed',
          codes: Object.fromEntries(codes.filter((code) => row[code]).map((code) => [code, String(row[code])])),
        })),
      );
      this.directories.set(kind, found);
    }
    return found;
  }

  private async links(record: DirectumRecord): Promise<Map<string, number[]>> {
    const linked = new Map<string, number[]>();
    for (const { field, value } of referencesOf(record)) {
      const spec = DIRECTUM_REFERENCE_FIELDS.find((candidate) => candidate.field === field)!;
      const resolution = resolveIn(await this.directory(spec.directory), value, false);
      if (!('id' in resolution)) throw new Error(`${field}: not in ${spec.directoryName}`);
      linked.set(field, [...(linked.get(field) ?? []), resolution.id]);
    }
    return linked;
  }

  private async applicationId(fileName: string): Promise<number> {
    this.applications ??= this.list('IAssociatedApplications', { select: 'Id,Extension' }).then(
      (rows) => new Map(rows.map((app) => [String(app.Extension ?? '').toLowerCase(), app.Id])),
    );
    const apps = await this.applications;
    const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
    return apps.get(extension) ?? apps.get('bin')!;
  }

  async register(posId: number, record: DirectumRecord, files: AppealFile[]): Promise<void> {
    const links = await this.list('IExternalEntityLinks', {
      filter: `ExtSystemId eq ${odataString(EXT_SYSTEM_ID)} and EntityType eq ${odataString(REQUEST_ENTITY_TYPE)} and (ExtEntityId eq ${odataString(String(posId))})`,
      select: 'Id,EntityId,ExtEntityId',
      orderby: 'Id asc',
    });
    if (links.length) throw new Error(`appeal ${posId} is already registered`);

    const linked = await this.links(record);
    const correspondent = record.Correspondent ? await this.personId(record.Correspondent) : undefined;
    this.metadata ??= this.http
      .get<string>('/$metadata', { responseType: 'text', headers: { Accept: 'application/xml' } })
      .then((response) => parseMetadata(response.data));
    const metadata = await this.metadata;
    const { card: body } = cardBody({
      posId,
      record,
      linked,
      correspondent,
      declares: (property) => metadata.declares('IRequests', property),
    });
    const card = await this.create('IRequests', body);

    const path = `IRequests(${card.Id})`;
    const expected: AppealFile[] = [
      { name: FULL_TEXT_NOTE, contentType: 'text/plain', data: Buffer.from(fullTextOf(record), 'utf8') },
      ...files,
    ];
    for (const file of expected) {
      const version = await this.create(`${path}/Versions`, {
        Note: file.name,
        AssociatedApplication: { Id: await this.applicationId(file.name) },
      });
      await this.http.put(`/${path}/Versions(${version.Id})/Body/$value`, file.data, {
        headers: { 'Content-Type': 'application/octet-stream' },
      });
    }
    await this.create('IExternalEntityLinks', {
      EntityId: card.Id,
      EntityType: REQUEST_ENTITY_TYPE,
      ExtEntityId: String(posId),
      ExtEntityType: 'Appeal',
      ExtSystemId: EXT_SYSTEM_ID,
    });
    if (!card.RegistrationNumber) await this.http.get(`/${path}${query({ select: 'Id,RegistrationNumber,RegistrationDate' })}`);
  }

  close(): void {
    for (const agent of [this.http.defaults.httpAgent, this.http.defaults.httpsAgent] as { destroy?: () => void }[]) agent?.destroy?.();
  }
}
