// Chooses the EDMS adapter the configuration names (through adapters/registry.ts). The rest of the
// bridge sees only EdmsAdapter.
import type { EdmsAdapter, EdmsKind } from '../../adapters/contract.js';
import { EDMS_REGISTRY, type AdapterSettings, type EdmsEntry } from '../../adapters/registry.js';
import type { BridgeConfig } from '../config/load.js';
import type { HttpObserver } from '../http/client.js';
import type { Logger } from '../logging.js';

/** The EDMS as operators call it, for messages. */
export const EDMS_NAMES = Object.fromEntries(Object.entries(EDMS_REGISTRY).map(([kind, entry]) => [kind, entry.name])) as Record<
  EdmsKind,
  string
>;

interface AdapterDeps {
  logger: Logger;
  observer?: HttpObserver;
}

// The entry and the settings of the configured kind, typed as one pair.
function configured(
  config: BridgeConfig,
  deps: AdapterDeps,
  organisation?: string,
): { entry: EdmsEntry<EdmsKind>; settings: AdapterSettings<EdmsKind> } {
  const settings = { edms: config.edms, proxy: config.proxy, ...deps, ...(organisation ? { organisation } : {}) };
  return { entry: EDMS_REGISTRY[config.edms.kind] as EdmsEntry<EdmsKind>, settings };
}

/** Each organisation's adapter (see the registry for what they share). */
export async function createAdapters(config: BridgeConfig, deps: AdapterDeps): Promise<Map<string, EdmsAdapter<unknown>>> {
  const { entry, settings } = configured(config, deps);
  return entry.createAdapters(
    settings,
    config.organisations.map((org) => org.key),
  );
}

export async function createAdapter(config: BridgeConfig, deps: AdapterDeps, organisation?: string): Promise<EdmsAdapter<unknown>> {
  const { entry, settings } = configured(config, deps, organisation);
  return entry.createAdapter(settings);
}
