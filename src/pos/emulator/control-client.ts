// Typed client of the emulator's /_emulator control API, for tests, the demo and benchmarks that
// drive an emulator started elsewhere.
import axios, { AxiosError, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { SeedAppeal } from '../../../fixtures/generator.js';
import type { OrganisationView } from './organisations.js';
import type {
  ActiveFault,
  CustodyRecord,
  EmulatorOrganisation,
  EmulatorSettings,
  EmulatorStats,
  FaultSpec,
  HistoryEntry,
} from './types.js';

export type { OrganisationView } from './organisations.js';

export interface EmulatorFileMeta {
  id: string;
  name: string;
  size: number;
  contentType: string;
  temporary: boolean;
  createdAt: string;
  /** ClientID of the organisation that uploaded it; null for an appeal's seeded attachment. */
  uploadedBy: string | null;
}

/** Which organisation a seed goes to (its clientId); default the emulator's first organisation. */
export interface SeedTarget {
  organisation?: string;
}

export interface EmulatorAppealView {
  appeal: Record<string, unknown>;
  raw: boolean;
  /** ClientID of the organisation holding it now; `accepted` … `finalAnswerAt` are that organisation's. */
  organisation: string;
  accepted: boolean;
  acceptCount: number;
  acceptedAt: string | null;
  /** When a pull page first listed the appeal. */
  firstServedAt: string | null;
  finalAnswerAt: string | null;
  /** Every organisation that held it, oldest first; the last is the current owner. */
  custody: CustodyRecord[];
  history: HistoryEntry[];
  /** The appeal's own (seeded) attachments. */
  attachments: EmulatorFileMeta[];
  /** Files the EDMS uploaded and referenced in its answers' attachmentIds. */
  answerFiles: EmulatorFileMeta[];
}

export interface EmulatorAppealSummary {
  key: string;
  id: unknown;
  raw: boolean;
  /** ClientID of the current owner; `accepted`, `acceptCount`, `acceptedAt` are its. */
  organisation: string;
  accepted: boolean;
  acceptCount: number;
  answered: boolean;
  historyLength: number;
  firstServedAt: string | null;
  acceptedAt: string | null;
  custody: CustodyRecord[];
}

export class PosEmulatorControl {
  private readonly http: AxiosInstance;

  constructor(baseUrl: string, options: { timeoutMs?: number } = {}) {
    this.http = axios.create({ baseURL: `${baseUrl.replace(/\/+$/, '')}/_emulator`, timeout: options.timeoutMs ?? 30_000, proxy: false });
  }

  private async call<T>(what: string, config: AxiosRequestConfig): Promise<AxiosResponse<T>> {
    try {
      return await this.http.request<T>(config);
    } catch (error) {
      if (error instanceof AxiosError && error.response) {
        const body = error.response.data as { messages?: unknown } | undefined;
        const detail = Array.isArray(body?.messages) ? `: ${body.messages.join('; ')}` : '';
        throw new Error(`ПОС emulator ${what} failed with HTTP ${error.response.status}${detail}`, { cause: error });
      }
      throw error;
    }
  }

  /** The emulator's organisations, first (the default seed target) first; secrets are not shown. */
  async organisations(): Promise<OrganisationView[]> {
    return (await this.call<OrganisationView[]>('organisations', { method: 'GET', url: '/organisations' })).data;
  }

  /** Adds an organisation cabinet at runtime; a clientId already held fails (HTTP 409). */
  async addOrganisation(organisation: EmulatorOrganisation): Promise<OrganisationView> {
    return (await this.call<OrganisationView>('addOrganisation', { method: 'POST', url: '/organisations', data: organisation })).data;
  }

  /** Adds (or replaces, by id) appeals of one organisation; their attachments become downloadable files. */
  async seed(appeals: readonly SeedAppeal[], target: SeedTarget = {}): Promise<number[]> {
    const json = appeals.map((appeal) => ({
      ...appeal,
      attachments: appeal.attachments?.map((file) => ({
        name: file.name,
        contentType: file.contentType,
        data: file.data.toString('base64'),
      })),
    }));
    const data = { appeals: json, organisation: target.organisation };
    return (await this.call<{ ids: number[] }>('seed', { method: 'POST', url: '/appeals', data })).data.ids;
  }

  /** Injects objects into the pull list exactly as given, even when they break the appeal schema. */
  async seedRaw(objects: readonly Record<string, unknown>[], target: SeedTarget = {}): Promise<string[]> {
    const data = { appeals: objects, organisation: target.organisation };
    return (await this.call<{ keys: string[] }>('seedRaw', { method: 'POST', url: '/raw-appeals', data })).data.keys;
  }

  /**
   * Injects list elements as JSON text, served verbatim inside the page: what JSON.stringify cannot
   * write (nesting thousands of levels deep) or text that is not JSON at all.
   */
  async seedRawJson(texts: readonly string[], target: SeedTarget = {}): Promise<string[]> {
    const data = { json: texts, organisation: target.organisation };
    return (await this.call<{ keys: string[] }>('seedRawJson', { method: 'POST', url: '/raw-appeals', data })).data.keys;
  }

  /** Generates `count` realistic appeals for one organisation; ids continue after the highest one held. */
  async generate(count: number, seed?: number, options: { startId?: number; now?: Date } & SeedTarget = {}): Promise<number[]> {
    const generate = { count, seed, startId: options.startId, now: options.now?.toISOString(), organisation: options.organisation };
    return (await this.call<{ ids: number[] }>('generate', { method: 'POST', url: '/appeals', data: { generate } })).data.ids;
  }

  async appeal(id: number | string): Promise<EmulatorAppealView> {
    return (await this.call<EmulatorAppealView>('appeal', { method: 'GET', url: `/appeals/${encodeURIComponent(String(id))}` })).data;
  }

  async appeals(): Promise<EmulatorAppealSummary[]> {
    return (await this.call<EmulatorAppealSummary[]>('appeals', { method: 'GET', url: '/appeals' })).data;
  }

  /** Bytes and metadata of any stored file (seeded attachment or uploaded answer file). */
  async file(id: string): Promise<{ name: string; contentType: string; data: Buffer }> {
    const response = await this.call<ArrayBuffer>('file', {
      method: 'GET',
      url: `/files/${encodeURIComponent(id)}`,
      responseType: 'arraybuffer',
    });
    return {
      name: decodeURIComponent(String(response.headers['x-file-name'] ?? '')),
      contentType: String(response.headers['content-type'] ?? ''),
      data: Buffer.from(response.data),
    };
  }

  async stats(): Promise<EmulatorStats> {
    return (await this.call<EmulatorStats>('stats', { method: 'GET', url: '/stats' })).data;
  }

  async addFault(fault: FaultSpec): Promise<ActiveFault> {
    return (await this.call<{ faults: ActiveFault[] }>('addFault', { method: 'POST', url: '/faults', data: fault })).data.faults[0]!;
  }

  async faults(): Promise<ActiveFault[]> {
    return (await this.call<ActiveFault[]>('faults', { method: 'GET', url: '/faults' })).data;
  }

  async clearFaults(): Promise<void> {
    await this.call('clearFaults', { method: 'DELETE', url: '/faults' });
  }

  async settings(patch: Partial<EmulatorSettings> = {}): Promise<EmulatorSettings> {
    return (await this.call<EmulatorSettings>('settings', { method: 'PATCH', url: '/settings', data: patch })).data;
  }

  async expireTokens(): Promise<number> {
    return (await this.call<{ expired: number }>('expireTokens', { method: 'POST', url: '/tokens/expire' })).data.expired;
  }

  async reset(): Promise<void> {
    await this.call('reset', { method: 'POST', url: '/reset' });
  }
}
