// A mapping read straight from MAPPINGS_DIR, for commands that must not touch Redis (sync
// --dry-run) and for tests; the service uses the Redis-backed registry instead.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EdmsKind } from '../../adapters/contract.js';
import { BridgeError } from '../errors.js';
import { formatProblem } from './cli.js';
import { compileMapping, type CompileOptions } from './compile.js';
import { EvaluationPool } from './evaluation-pool.js';
import { effectiveSource } from './organisation-source.js';
import type { OrganisationMapping } from './registry.js';
import type { CompiledMapping } from './types.js';

export async function loadMappingForTarget(
  dir: string,
  kind: EdmsKind,
  options: CompileOptions = {},
  organisation?: OrganisationMapping,
): Promise<CompiledMapping> {
  const file = join(dir, `${organisation?.mapping ?? kind}.yaml`);
  const source = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new BridgeError('MAPPING_INVALID', `cannot read mapping ${file}: ${error.code ?? error.message}`);
  });
  const { mapping, problems } = compileMapping(organisation ? effectiveSource(source, organisation.constants) : source, file, options);
  if (!mapping || problems.length > 0) {
    throw new BridgeError('MAPPING_INVALID', `mapping ${file} is not valid:\n${problems.map(formatProblem).join('\n')}`);
  }
  return mapping;
}

/** MappingSource over files: compiled once, as the registry would serve them. */
export class FileMappings {
  private readonly cache = new Map<EdmsKind, Promise<CompiledMapping>>();
  private readonly byOrganisation = new Map<string, Promise<CompiledMapping>>();
  /** The threads that evaluate what the fast path leaves; stopped by close(). */
  private readonly pool = new EvaluationPool();

  constructor(
    private readonly dir: string,
    private readonly options: { evaluationTimeoutMs?: number } = {},
  ) {}

  /** An organisation's mapping: its own file or the EDMS's, with its constants (organisation-source.ts). */
  forOrganisation(organisation: OrganisationMapping, kind: EdmsKind): Promise<CompiledMapping> {
    const key = `${organisation.key}:${kind}`;
    let mapping = this.byOrganisation.get(key);
    if (!mapping) {
      mapping = loadMappingForTarget(this.dir, kind, { ...this.options, pool: this.pool }, organisation);
      this.byOrganisation.set(key, mapping);
    }
    return mapping;
  }

  forTarget(kind: EdmsKind): Promise<CompiledMapping> {
    let mapping = this.cache.get(kind);
    if (!mapping) {
      mapping = loadMappingForTarget(this.dir, kind, { ...this.options, pool: this.pool });
      this.cache.set(kind, mapping);
    }
    return mapping;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
