// `pos-bridge mappings check|preview`.
import { resolve } from 'node:path';
import { describeError } from '../errors.js';
import { checkMappings, formatProblem, previewMapping } from '../mapping/cli.js';
import type { CliIO } from './io.js';

export async function mappingsCheck(io: CliIO, path: string | undefined, options: { json: boolean }): Promise<number> {
  const target = resolve(path ?? io.env.MAPPINGS_DIR ?? './mappings');
  const { files, problems } = await checkMappings(target);
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
