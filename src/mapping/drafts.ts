// Drafts an admin edits in the console, before they are applied: compiled with the same compiler
// as `pos-bridge mappings check`, then tried on the shipped appeal fixtures, and previewed on one
// appeal. Evaluation runs in an EvaluationPool of its own (one thread, the deadline of
// MAPPING_TIMEOUT): a runaway draft comes back as a timeout problem, and neither the API's event
// loop nor the threads the pipeline maps appeals with are held by it.
import { loadEdgeCaseFixtures, type NamedFixture } from '../../fixtures/index.js';
import { BridgeError } from '../errors.js';
import { appealSchema, type PosAppeal } from '../pos/schemas.js';
import { issueLines } from '../zod-issues.js';
import { compileMapping } from './compile.js';
import { EvaluationPool } from './evaluation-pool.js';
import { LocatedSource } from './locate.js';
import type { CompiledMapping, MappingProblem, MappingResult } from './types.js';

export interface DraftCheck {
  ok: boolean;
  problems: MappingProblem[];
  /** What the fixtures showed that is not an error of the file: records the EDMS adapter would refuse. */
  warnings: string[];
}

export type DraftPreview = MappingResult | { problems: string[] } | { invalid: MappingProblem[] };

/** Codes of a draft's own evaluation faults: located at the field and reported as problems. */
const EVALUATION_FAULTS = new Set(['MAPPING_TIMEOUT', 'MAPPING_FAILED']);

export class MappingDrafts {
  private readonly pool = new EvaluationPool({ size: 1 });
  private fixtures?: { name: string; appeal: PosAppeal }[];

  constructor(
    private readonly evaluationTimeoutMs?: number,
    private readonly loadFixtures: () => NamedFixture[] = loadEdgeCaseFixtures,
  ) {}

  compile(name: string, source: string): { mapping?: CompiledMapping; problems: MappingProblem[] } {
    return compileMapping(source, `${name}.yaml`, { pool: this.pool, evaluationTimeoutMs: this.evaluationTimeoutMs });
  }

  /** The file's problems; a file without any is also mapped onto every fixture, where faults are located at their field. */
  async check(name: string, source: string): Promise<DraftCheck> {
    const file = `${name}.yaml`;
    const { mapping, problems } = this.compile(name, source);
    if (!mapping) return { ok: false, problems, warnings: [] };
    const found: MappingProblem[] = [];
    const warnings: string[] = [];
    const located = new LocatedSource(source, file);
    const reported = new Set<string>();
    for (const fixture of this.shippedFixtures()) {
      try {
        await mapping.map(fixture.appeal);
      } catch (error) {
        if (!(error instanceof BridgeError)) throw error;
        const field = typeof error.details?.field === 'string' ? error.details.field : undefined;
        if (!EVALUATION_FAULTS.has(error.code)) {
          warnings.push(`fixture ${fixture.name}: ${error.message}`);
          continue;
        }
        // One problem per field: the first fixture it fails on tells the admin where to look.
        if (reported.has(field ?? '')) continue;
        reported.add(field ?? '');
        const offset = field ? located.keyOffset(['fields'], field) : located.offsetOf(['fields']);
        found.push(located.problemAtOffset(offset, `${error.message} (fixture ${fixture.name}, ${error.code})`));
        // One runaway is enough to know: the other fixtures would each wait out the deadline too.
        if (error.code === 'MAPPING_TIMEOUT') break;
      }
    }
    return { ok: found.length === 0, problems: found, warnings };
  }

  /** One appeal mapped by the draft; `invalid`: the draft does not compile. */
  async preview(name: string, source: string, appeal: unknown): Promise<DraftPreview> {
    const { mapping, problems } = this.compile(name, source);
    if (!mapping) return { invalid: problems };
    return mapAppeal(mapping, appeal);
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private shippedFixtures(): { name: string; appeal: PosAppeal }[] {
    this.fixtures ??= this.loadFixtures().flatMap((fixture) => {
      const parsed = appealSchema.safeParse(fixture.appeal);
      return parsed.success ? [{ name: fixture.name, appeal: parsed.data }] : [];
    });
    return this.fixtures;
  }
}

/** The preview answer of one mapping for one appeal: the record, or the reasons it cannot be made. */
export async function mapAppeal(mapping: CompiledMapping, appeal: unknown): Promise<MappingResult | { problems: string[] }> {
  const parsed = appealSchema.safeParse(appeal);
  if (!parsed.success) return { problems: issueLines(parsed.error, '(appeal)') };
  try {
    return await mapping.map(parsed.data);
  } catch (error) {
    if (error instanceof BridgeError) return { problems: [error.message] };
    throw error;
  }
}
