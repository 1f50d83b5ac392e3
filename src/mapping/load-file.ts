// A mapping read straight from MAPPINGS_DIR, for commands that must not touch Redis (sync
// --dry-run) and for tests; the service uses the Redis-backed registry instead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EdmsKind } from '../../adapters/contract.js';
import { BridgeError } from '../errors.js';
import { formatProblem } from './cli.js';
import { compileMapping } from './compile.js';
import type { CompiledMapping } from './types.js';

export async function loadMappingForTarget(dir: string, kind: EdmsKind): Promise<CompiledMapping> {
  const file = join(dir, `${kind}.yaml`);
  const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new BridgeError('MAPPING_INVALID', `cannot read mapping ${file}: ${error.code ?? error.message}`, false);
  });
  const { mapping, problems } = compileMapping(source, file);
  if (!mapping || problems.length > 0) {
    throw new BridgeError('MAPPING_INVALID', `mapping ${file} is not valid:\n${problems.map(formatProblem).join('\n')}`, false);
  }
  return mapping;
}

/** MappingSource over files: compiled once, as the registry would serve them. */
export class FileMappings {
  private readonly cache = new Map<EdmsKind, Promise<CompiledMapping>>();
  constructor(private readonly dir: string) {}

  forTarget(kind: EdmsKind): Promise<CompiledMapping> {
    let mapping = this.cache.get(kind);
    if (!mapping) {
      mapping = loadMappingForTarget(this.dir, kind);
      this.cache.set(kind, mapping);
    }
    return mapping;
  }
}
