// Typed access to the Directum RX Integration Service (OData v4): Basic auth, the mandatory JSON
// headers, list/get/create/patch, versions and their bodies. Every failure becomes one of the
// bridge's coded errors through the shared classifier, so retry policy matches ПОС's.
import type { AxiosInstance, AxiosRequestConfig } from 'axios';
import { z } from 'zod';
import { BridgeError, MalformedResponseError } from '../../src/errors.js';
import { classifyHttpError, createHttpClient, type HttpObserver, type ProxySettings, type ReadRetry } from '../../src/http/client.js';

export interface DirectumClientOptions {
  /** Integration Service base, ending with /Integration/odata. */
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs?: number;
  proxy?: ProxySettings;
  observer?: HttpObserver;
  maxSockets?: number;
  /** In-call retries of reads and body uploads; off by default. */
  retryReads?: ReadRetry;
}

export interface ODataQuery {
  filter?: string;
  select?: string;
  expand?: string;
  orderby?: string;
  top?: number;
  skip?: number;
  count?: boolean;
}

export type ODataEntity = { Id: number } & Record<string, unknown>;

const entitySchema = z.looseObject({ Id: z.number().int() });
const collectionSchema = z.looseObject({ value: z.array(entitySchema), '@odata.count': z.number().optional() });

/** A string literal for $filter: single quotes doubled, as OData wants. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * encodeURIComponent throws URIError on a lone surrogate (half a UTF-16 pair, e.g. a mapping that
 * cut an emoji in two). Retrying cannot help: the record is refused with a code that sets it aside.
 */
function encodeQueryValue(key: string, value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    throw new BridgeError('RECORD_INVALID', `Directum query ${key}: a value holds text that is not valid Unicode`, {
      system: 'directum-rx',
    });
  }
}

function queryString(query: ODataQuery = {}): string {
  const parts: string[] = [];
  const add = (key: string, value: string | number | boolean | undefined) => {
    if (value !== undefined && value !== '') parts.push(`${key}=${encodeQueryValue(key, String(value))}`);
  };
  add('$filter', query.filter);
  add('$select', query.select);
  add('$expand', query.expand);
  add('$orderby', query.orderby);
  add('$top', query.top);
  add('$skip', query.skip);
  add('$count', query.count);
  return parts.length ? `?${parts.join('&')}` : '';
}

export class DirectumClient {
  private readonly http: AxiosInstance;

  constructor(options: DirectumClientOptions) {
    const credentials = Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64');
    this.http = createHttpClient({
      baseURL: options.baseUrl.replace(/\/+$/, ''),
      system: 'directum-rx',
      timeoutMs: options.timeoutMs ?? 30_000,
      proxy: options.proxy,
      observer: options.observer,
      maxSockets: options.maxSockets,
      headers: { Authorization: `Basic ${credentials}`, Accept: 'application/json' },
      retryReads: options.retryReads,
    });
  }

  /** One request; `what` names it in errors and must not hold personal data (no filters). */
  private async send<T>(what: string, config: AxiosRequestConfig): Promise<{ status: number; data: T }> {
    try {
      const response = await this.http.request<T>(config);
      return { status: response.status, data: response.data };
    } catch (error) {
      throw classifyHttpError(error, 'directum-rx', `Directum ${what}`);
    }
  }

  private parse<S extends z.ZodType>(schema: S, data: unknown, what: string): z.infer<S> {
    const result = schema.safeParse(data);
    if (!result.success) throw new MalformedResponseError(`Directum ${what}: unexpected response shape`, { system: 'directum-rx' });
    return result.data;
  }

  async list<T extends ODataEntity = ODataEntity>(set: string, query?: ODataQuery): Promise<{ value: T[]; count?: number }> {
    const what = `GET ${set}`;
    const { data } = await this.send<unknown>(what, { method: 'GET', url: `/${set}${queryString(query)}` });
    const parsed = this.parse(collectionSchema, data, what);
    return { value: parsed.value as T[], count: parsed['@odata.count'] };
  }

  /** GET of one entity by path, e.g. `IRequests(5)`. */
  async get<T extends ODataEntity = ODataEntity>(path: string, query?: Pick<ODataQuery, 'select' | 'expand'>): Promise<T> {
    const what = `GET ${path.replace(/\(\d+\)/g, '({id})')}`;
    const { data } = await this.send<unknown>(what, { method: 'GET', url: `/${path}${queryString(query)}` });
    return this.parse(entitySchema, data, what) as T;
  }

  /** POST /{path}: a new entity (or child row), answered with its representation. */
  async create<T extends ODataEntity = ODataEntity>(path: string, body: Record<string, unknown>): Promise<T> {
    const what = `POST ${path.replace(/\(\d+\)/g, '({id})')}`;
    const { data } = await this.send<unknown>(what, {
      method: 'POST',
      url: `/${path}`,
      data: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json', Return: 'representation' },
    });
    return this.parse(entitySchema, data, what) as T;
  }

  async patch(path: string, body: Record<string, unknown>): Promise<void> {
    await this.send('PATCH entity', {
      method: 'PATCH',
      url: `/${path}`,
      data: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' },
    });
  }

  /** A new version of a document; `documentPath` like `IRequests(5)`. */
  createVersion(documentPath: string, note: string, applicationId: number): Promise<ODataEntity> {
    return this.create(`${documentPath}/Versions`, { Note: note, AssociatedApplication: { Id: applicationId } });
  }

  async uploadBody(documentPath: string, versionId: number, data: Buffer): Promise<void> {
    await this.send('PUT version body', {
      method: 'PUT',
      url: `/${documentPath}/Versions(${versionId})/Body/$value`,
      data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
  }

  /** A version body, by `{Set}({Id})/Versions({V})`. */
  async readBody(versionPath: string): Promise<Buffer> {
    const { data } = await this.send<ArrayBuffer>('GET version body', {
      method: 'GET',
      url: `/${versionPath}/Body/$value`,
      responseType: 'arraybuffer',
    });
    return Buffer.from(data);
  }

  /** The service's CSDL document (`$metadata`), as text. */
  async metadataXml(): Promise<string> {
    const { data } = await this.send<string>('GET $metadata', {
      method: 'GET',
      url: '/$metadata',
      responseType: 'text',
      headers: { Accept: 'application/xml' },
    });
    if (typeof data !== 'string') throw new MalformedResponseError('Directum GET $metadata: not a text body', { system: 'directum-rx' });
    return data;
  }

  close(): void {
    for (const agent of [this.http.defaults.httpAgent, this.http.defaults.httpsAgent] as { destroy?: () => void }[]) agent?.destroy?.();
  }
}
