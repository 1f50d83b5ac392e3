// Chooses the EDMS adapter the configuration names. The rest of the bridge sees only EdmsAdapter.
import type { EdmsAdapter, EdmsKind } from '../../adapters/contract.js';
import { DeloAdapter } from '../../adapters/delo/adapter.js';
import { DirectumAdapter } from '../../adapters/directum-rx/adapter.js';
import type { BridgeConfig } from '../config/load.js';
import { requiredSetting } from '../config/required.js';
import { DEFAULT_READ_RETRY, type HttpObserver } from '../http/client.js';
import type { Logger } from '../logging.js';

/** The EDMS as operators call it, for messages. */
export const EDMS_NAMES: Record<EdmsKind, string> = { 'directum-rx': 'Directum RX', delo: '«Дело»' };

/**
 * Each organisation's adapter: for Directum RX a view of one adapter (its links and card markers
 * carry the organisation's key; the connection, `$metadata` and directories are shared); for
 * «Дело» one adapter for all, whose exchange folders and inbox are one.
 */
export async function createAdapters(config: BridgeConfig, deps: { logger: Logger; observer?: HttpObserver }): Promise<Map<string, EdmsAdapter<unknown>>> {
  const base = await createAdapter(config, deps);
  const adapters = new Map<string, EdmsAdapter<unknown>>();
  for (const org of config.organisations) {
    adapters.set(org.key, base instanceof DirectumAdapter ? (base.forOrganisation(org.key) as EdmsAdapter<unknown>) : base);
  }
  return adapters;
}

export async function createAdapter(config: BridgeConfig, deps: { logger: Logger; observer?: HttpObserver }, organisation?: string): Promise<EdmsAdapter<unknown>> {
  const edms = config.edms;
  if (edms.kind === 'directum-rx') {
    return new DirectumAdapter({
      ...(organisation ? { organisation } : {}),
      baseUrl: requiredSetting(edms.baseUrl, 'DIRECTUM_BASE_URL'),
      username: requiredSetting(edms.username, 'DIRECTUM_USERNAME'),
      password: requiredSetting(edms.password, 'DIRECTUM_PASSWORD'),
      timeoutMs: edms.timeoutMs,
      proxy: config.proxy,
      observer: deps.observer,
      logger: deps.logger,
      retryReads: DEFAULT_READ_RETRY,
      requestEntityType: edms.requestEntityType,
      directories: { ttlMs: edms.directoryTtlMs },
    }) as EdmsAdapter<unknown>;
  }
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
    logger: deps.logger,
  }) as EdmsAdapter<unknown>;
}
