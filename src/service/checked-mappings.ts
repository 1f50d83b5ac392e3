// The admin API's mapping service: the registry, with every change checked against the live EDMS
// before it is applied. Values the installation lacks answer 400 with the located list (unless
// forced); when the EDMS cannot be reached the change is applied with a warning that it was not
// checked. The last result per mapping is kept for readiness and GET /api/status.
import type { EdmsInstallation, EdmsKind } from '../../adapters/contract.js';
import type { MappingService } from '../admin/deps.js';
import { describeError } from '../errors.js';
import type { Logger } from '../logging.js';
import { checkMappingAgainstEdms } from '../mapping/against-edms.js';
import { compileMapping } from '../mapping/compile.js';
import type { MappingRegistry } from '../mapping/registry.js';
import type { MappingProblem } from '../mapping/types.js';

export interface ReferenceCheckState {
  mapping: string;
  version: string;
  checkedAt: string;
  /** False when the EDMS could not be asked; `error` says why (code only). */
  checked: boolean;
  problems: MappingProblem[];
  notes: string[];
  error?: string;
}

const RECHECK_MS = 60_000;

export class EdmsMappingCheck {
  private readonly last = new Map<string, ReferenceCheckState>();

  constructor(
    private readonly edms: EdmsInstallation & { kind: EdmsKind },
    private readonly registry: MappingRegistry,
    private readonly logger: Logger,
  ) {}

  async check(name: string, version: string, source: string): Promise<ReferenceCheckState> {
    const base = { mapping: name, version, checkedAt: new Date().toISOString() };
    let state: ReferenceCheckState;
    try {
      const report = await checkMappingAgainstEdms(source, `${name}.yaml`, this.edms);
      state = { ...base, checked: true, problems: report.problems, notes: report.notes };
    } catch (error) {
      state = { ...base, checked: false, problems: [], notes: [], error: describeError(error).code };
    }
    this.last.set(name, state);
    return state;
  }

  /** The mapping in use for this EDMS, checked when its version changed since the last check. */
  async current(): Promise<ReferenceCheckState> {
    const mapping = await this.registry.forTarget(this.edms.kind);
    const known = this.last.get(mapping.name);
    // A clean result holds until the mapping changes; missing values are looked up again after a
    // minute, so an entry added in the EDMS clears readiness without a mapping change.
    if (
      known?.version === mapping.version &&
      known.checked &&
      (known.problems.length === 0 || Date.now() - Date.parse(known.checkedAt) < RECHECK_MS)
    )
      return known;
    const state = await this.check(mapping.name, mapping.version, mapping.source);
    if (state.problems.length > 0) {
      for (const problem of state.problems)
        this.logger.warn(
          { mapping: mapping.name, line: problem.line, column: problem.column, problem: problem.message },
          'mapping value not found in the EDMS',
        );
    }
    return state;
  }

  /** A draft's values in the EDMS, without remembering the result (that is the applied version's). */
  async checkDraft(name: string, source: string): Promise<{ ok: boolean; problems: MappingProblem[]; notes: string[]; checked: boolean }> {
    const { problems } = compileMapping(source, `${name}.yaml`);
    if (problems.length > 0) return { ok: false, problems, notes: ['the file has problems (see check); fix them first'], checked: false };
    try {
      const report = await checkMappingAgainstEdms(source, `${name}.yaml`, this.edms);
      return { ok: report.problems.length === 0, problems: report.problems, notes: report.notes, checked: true };
    } catch (error) {
      return {
        ok: true,
        problems: [],
        notes: [`the EDMS could not be asked (${describeError(error).code}); nothing was checked`],
        checked: false,
      };
    }
  }

  /** MappingService for the admin API: put is checked first. */
  service(): MappingService {
    const registry = this.registry;
    return {
      list: () => registry.list(),
      get: (name) => registry.get(name),
      history: (name) => registry.history(name),
      preview: (name, appeal) => registry.preview(name, appeal),
      previewDraft: (name, appeal, source) => registry.previewDraft(name, appeal, source),
      check: (name, source) => registry.check(name, source),
      diff: (name, source) => registry.diff(name, source),
      // A rollback brings back a version that was applied before: not refused for values the EDMS lacks now.
      rollback: (name, version, author, comment) => registry.rollback(name, version, author, comment),
      checkAgainstEdms: (name, source) => this.checkDraft(name, source),
      put: async (name, source, author, options) => {
        const { mapping } = compileMapping(source, `${name}.yaml`);
        const warnings: string[] = [];
        if (mapping && mapping.target === this.edms.kind) {
          const state = await this.check(name, mapping.version, source);
          if (state.problems.length > 0 && !options?.force) return { ok: false, problems: state.problems, reason: 'edms' as const };
          if (!state.checked)
            warnings.push(
              `not checked against the EDMS (${state.error}): it could not be reached; run pos-bridge mappings check --against-edms later`,
            );
          if (state.problems.length > 0) warnings.push(`applied with ${state.problems.length} value(s) the EDMS lacks (force=true)`);
        }
        const saved = await registry.put(name, source, author, options?.comment ? { comment: options.comment } : {});
        if (saved.ok && warnings.length > 0)
          this.logger.warn({ mapping: name, version: saved.version, warnings }, 'mapping applied with warnings');
        return saved.ok ? { ...saved, warnings } : saved;
      },
    };
  }
}
