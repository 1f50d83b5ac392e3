// `pos-bridge mappings check|preview`.
import { resolve } from 'node:path';
import { describeError } from '../errors.js';
import { readFile } from 'node:fs/promises';
import { checkMappings, formatProblem, previewMapping } from '../mapping/cli.js';
import { compileMapping, mappingNameOf } from '../mapping/compile.js';
import { organisationVariants, type OrganisationMappings } from '../mapping/organisation-source.js';
import type { CliIO } from './io.js';

/**
 * Checks the files; with BRIDGE_CONFIG listing organisations, also each organisation's effective
 * mapping (the file with its constants), so a constant that breaks a mapping shows here too.
 */
export async function mappingsCheck(
  io: CliIO,
  path: string | undefined,
  options: { json: boolean },
  organisations?: OrganisationMappings,
): Promise<number> {
  const target = resolve(path ?? io.env.MAPPINGS_DIR ?? './mappings');
  const { files, problems } = await checkMappings(target);
  if (organisations) {
    for (const file of files) {
      if (problems.some((problem) => problem.file === file)) continue;
      const source = await readFile(file, 'utf8');
      for (const variant of organisationVariants(organisations, file, mappingNameOf(file), source)) {
        problems.push(...compileMapping(variant.source, variant.label).problems);
      }
    }
  }
  if (options.json) io.stdout(`${JSON.stringify({ files, problems }, null, 2)}\n`);
  else if (problems.length === 0) io.stdout(`${files.length} mapping file(s) valid: ${files.join(', ')}\n`);
  else io.stdout(`${problems.map(formatProblem).join('\n')}\n`);
  return problems.length === 0 && files.length > 0 ? 0 : 1;
}

export async function mappingsPreview(io: CliIO, mapping: string, appeal: string): Promise<number> {
  try {
    const result = await previewMapping(resolve(mapping), resolve(appeal));
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    const { code, message } = describeError(error);
    io.stderr(`pos-bridge mappings preview: ${code}: ${message}\n`);
    return 1;
  }
}
