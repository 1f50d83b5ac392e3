// The source of a version in a mapping's history. Entries keep the source they applied; older
// entries (written before they did) are rebuilt from the applied source by undoing the diffs of
// the entries after them, and accepted only when the result hashes to the version asked for.
import { applyPatch, parsePatch, reversePatch } from 'diff';
import { mappingVersion } from './compile.js';
import type { StoredHistoryEntry } from './store.js';

/** `undo` of one entry's diff: the source before it, or undefined when it does not apply. */
function before(source: string, diff: string): string | undefined {
  if (diff === '') return source;
  const [patch] = parsePatch(diff);
  if (!patch) return undefined;
  const result = applyPatch(source.replace(/\r\n/g, '\n'), reversePatch(patch));
  return result === false ? undefined : result;
}

/** Diffs are written of texts ending in a new line; the file may not have. */
function matching(text: string, version: string): string | undefined {
  if (mappingVersion(text) === version) return text;
  const trimmed = text.replace(/\n$/, '');
  return mappingVersion(trimmed) === version ? trimmed : undefined;
}

/**
 * `listed`: the version is in the history; `source`: its file, when kept or rebuilt exactly.
 * `entries` newest first; `applied` the source of the newest one.
 */
export function historySource(
  entries: readonly StoredHistoryEntry[],
  applied: string,
  version: string,
): { listed: boolean; source?: string } {
  const at = entries.findIndex((entry) => entry.version === version);
  if (at < 0) return { listed: false };
  const kept = entries[at]!.source;
  if (kept !== undefined) return { listed: true, source: kept };
  let text: string | undefined = entries[0]?.source ?? applied;
  for (let index = 0; index < at && text !== undefined; index++) text = entries[index + 1]!.source ?? before(text, entries[index]!.diff);
  const source = text === undefined ? undefined : matching(text, version);
  return source === undefined ? { listed: true } : { listed: true, source };
}
