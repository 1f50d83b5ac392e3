// The one list of EDMS adapters: what each kind brings (its name for operators, the record schema
// its mapping fills, how to build its adapter). Config, mapping, service and cli read it here;
// adapter code loads only for the kind in use.
import type { z } from 'zod';
import type { EdmsConfig } from '../src/config/load.js';
import { requiredSetting } from '../src/config/required.js';
import type { HttpObserver } from '../src/http/client.js';
import type { Logger } from '../src/logging.js';
import { EDMS_KINDS, type EdmsAdapter, type EdmsKind } from './contract.js';
import { deloRecordSchema } from './delo/record.js';
import { directumRecordSchema } from './directum-rx/record.js';

export { EDMS_KINDS, type EdmsKind };

export interface AdapterSettings<K extends EdmsKind> {
  edms: Extract<EdmsConfig, { kind: K }>;
  proxy: { httpsProxy?: string; noProxy?: string };
  logger: Logger;
  observer?: HttpObserver;
  /** The organisation the adapter works for; absent: the default one. */
  organisation?: string;
}

export interface EdmsEntry<K extends EdmsKind> {
  /** The EDMS as operators call it, for messages. */
  name: string;
  /** The record the mapping makes and the adapter registers. */
  recordSchema: z.ZodObject;
  createAdapter(settings: AdapterSettings<K>): Promise<EdmsAdapter<unknown>>;
  /** Each organisation's adapter, sharing what the installation allows. */
  createAdapters(settings: AdapterSettings<K>, organisations: readonly string[]): Promise<Map<string, EdmsAdapter<unknown>>>;
}

export const EDMS_REGISTRY: { readonly [K in EdmsKind]: EdmsEntry<K> } = {
  'directum-rx': {
    name: 'Directum RX',
    recordSchema: directumRecordSchema,
    createAdapter: createDirectum,
    // Views of one adapter: their links and card markers carry the organisation's key; the
    // connection, `$metadata` and directories are shared.
    async createAdapters(settings, organisations) {
      const base = await createDirectum(settings);
      return new Map(organisations.map((key) => [key, base.forOrganisation(key) as EdmsAdapter<unknown>]));
    },
  },
  delo: {
    name: '«Дело»',
    recordSchema: deloRecordSchema,
    createAdapter: createDelo,
    // One adapter for all: the exchange folders and the inbox are one.
    async createAdapters(settings, organisations) {
      const base = await createDelo(settings);
      return new Map(organisations.map((key) => [key, base]));
    },
  },
};

async function createDirectum({ edms, proxy, logger, observer, organisation }: AdapterSettings<'directum-rx'>) {
  const [{ DirectumAdapter }, { DEFAULT_READ_RETRY }] = await Promise.all([
    import('./directum-rx/adapter.js'),
    import('../src/http/client.js'),
  ]);
  return new DirectumAdapter({
    ...(organisation ? { organisation } : {}),
    baseUrl: requiredSetting(edms.baseUrl, 'DIRECTUM_BASE_URL'),
    username: requiredSetting(edms.username, 'DIRECTUM_USERNAME'),
    password: requiredSetting(edms.password, 'DIRECTUM_PASSWORD'),
    timeoutMs: edms.timeoutMs,
    proxy,
    observer,
    logger,
    retryReads: DEFAULT_READ_RETRY,
    requestEntityType: edms.requestEntityType,
    directories: { ttlMs: edms.directoryTtlMs },
  });
}

async function createDelo({ edms, logger }: AdapterSettings<'delo'>): Promise<EdmsAdapter<unknown>> {
  const { DeloAdapter } = await import('./delo/adapter.js');
  return new DeloAdapter({
    outboxDir: edms.outboxDir,
    inboxDir: edms.inboxDir,
    stateDir: edms.stateDir,
    durableWhen: edms.durableWhen,
    organisation: { ...(edms.sender ? { sender: edms.sender } : {}), ...(edms.recipient ? { recipient: edms.recipient } : {}) },
    ...(edms.idNamespace ? { idNamespace: edms.idNamespace } : {}),
    ...(edms.answerGraceMs !== undefined ? { answerGraceMs: edms.answerGraceMs } : {}),
    ...(edms.fileMode !== undefined ? { fileMode: edms.fileMode } : {}),
    ...(edms.retentionMs !== undefined ? { retention: { maxAgeMs: edms.retentionMs } } : {}),
    logger,
  });
}

export function edmsEntry<K extends EdmsKind>(kind: K): EdmsEntry<K> {
  return EDMS_REGISTRY[kind];
}

export function isEdmsKind(value: unknown): value is EdmsKind {
  return (EDMS_KINDS as readonly unknown[]).includes(value);
}
