// `pos-bridge edms directories KIND` and `mappings check --against-edms`: what the installation
// has, and whether the mapping's own values are there. Read-only against the EDMS.
import { readFile } from 'node:fs/promises';
import type { DirectoryKind, EdmsAdapter } from '../../adapters/contract.js';
import type { BridgeConfig } from '../config/load.js';
import { describeError } from '../errors.js';
import { createLogger } from '../logging.js';
import { checkMappingAgainstEdms } from '../mapping/against-edms.js';
import { checkMappings, formatProblem } from '../mapping/cli.js';
import { compileMapping } from '../mapping/compile.js';
import { organisationVariants } from '../mapping/organisation-source.js';
import type { MappingProblem } from '../mapping/types.js';
import { createAdapter } from '../service/edms.js';
import { table, type CliIO } from './io.js';

async function withAdapter<T>(config: BridgeConfig, run: (adapter: EdmsAdapter<unknown>) => Promise<T>): Promise<T> {
  const adapter = await createAdapter(config, { logger: createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel }) });
  try {
    return await run(adapter);
  } finally {
    await adapter.close();
  }
}

export async function edmsDirectories(io: CliIO, config: BridgeConfig, kind: DirectoryKind, options: { json: boolean }): Promise<number> {
  try {
    const listing = await withAdapter(config, (adapter) => adapter.listDirectory(kind));
    if (options.json) io.stdout(`${JSON.stringify(listing, null, 2)}\n`);
    else if (!listing.available) io.stdout(`${config.edms.kind}: ${listing.reason}\n`);
    else {
      const rows = listing.entries.map((entry) => [
        entry.id,
        entry.name,
        Object.entries(entry.codes)
          .map(([name, code]) => `${name} ${code}`)
          .join(', '),
        entry.active ? '' : 'closed',
      ]);
      io.stdout(`${listing.directory}: ${listing.entries.length} entr${listing.entries.length === 1 ? 'y' : 'ies'}\n`);
      if (rows.length > 0) io.stdout(table([['Id', 'Name', 'Codes', 'Status'], ...rows]));
    }
    return 0;
  } catch (error) {
    const { code, message } = describeError(error);
    io.stderr(`pos-bridge edms directories: cannot read ${kind} from ${config.edms.kind}: ${code}: ${message}\n`);
    return 1;
  }
}

/** The ordinary check, then, for every valid mapping of this bridge's EDMS, the live one. */
export async function mappingsCheckAgainstEdms(
  io: CliIO,
  config: BridgeConfig,
  target: string,
  options: { json: boolean },
): Promise<number> {
  const { files, problems } = await checkMappings(target);
  const notes: string[] = [];
  let checked = 0;
  try {
    await withAdapter(config, async (adapter) => {
      for (const file of files) {
        if (problems.some((problem) => problem.file === file)) continue;
        const source = await readFile(file, 'utf8');
        const { mapping } = compileMapping(source, file);
        if (!mapping) continue;
        if (mapping.target !== adapter.kind) {
          notes.push(`${file}: target ${mapping.target}, not this bridge's EDMS (${adapter.kind}); not checked against it`);
          continue;
        }
        // The file as written, then each organisation's effective mapping made from it (its constants).
        const variants = [
          { source, label: file },
          ...organisationVariants({ edms: config.edms.kind, organisations: config.organisations }, file, mapping.name, source),
        ];
        for (const variant of variants) {
          const report = await checkMappingAgainstEdms(variant.source, variant.label, adapter);
          problems.push(...report.problems);
          notes.push(...report.notes.map((note) => `${variant.label}: ${note}`));
          checked += report.checked;
        }
      }
    });
  } catch (error) {
    const { code, message } = describeError(error);
    io.stderr(`pos-bridge mappings check: cannot check against ${config.edms.kind}: ${code}: ${message}\n`);
    return 1;
  }
  return report(io, { files, problems, notes, checked }, options.json);
}

function report(
  io: CliIO,
  result: { files: string[]; problems: MappingProblem[]; notes: string[]; checked: number },
  json: boolean,
): number {
  if (json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
  else {
    for (const note of result.notes) io.stderr(`note: ${note}\n`);
    if (result.problems.length === 0)
      io.stdout(`${result.files.length} mapping file(s) valid; ${result.checked} directory value(s) found in the EDMS\n`);
    else io.stdout(`${result.problems.map(formatProblem).join('\n')}\n`);
  }
  return result.problems.length === 0 && result.files.length > 0 ? 0 : 1;
}
