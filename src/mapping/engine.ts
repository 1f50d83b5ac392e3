// A compiled mapping version: evaluates every field of the target record, checks the record
// against the adapter's schema, and reports failures by field and reason, never by value.
// Where it runs: in the caller's thread when every field's fast path answers within the work
// budget, else in a worker thread under a deadline (README.md "Bounds").
import type { EdmsKind } from '../../adapters/contract.js';
import { BridgeError } from '../errors.js';
import type { PosAppeal } from '../pos/schemas.js';
import { DEOPTED, describeExpressionError, evaluateExpression, evaluateWithJsonata, runFast, withoutNulls } from './evaluate.js';
import { DEFAULT_MAPPING_TIMEOUT_MS, PROGRESS_CHECK, sharedEvaluationPool, type EvaluationPool } from './evaluation-pool.js';
import type { CompiledExpression } from './expression.js';
import { Deopt, FAST_WORK_BUDGET, budget } from './fast/semantics.js';
import type { CallContext, MappingRuntime } from './functions.js';
import type { TargetSpec } from './targets.js';
import type { CompiledMapping, MappingResult, StatusMap } from './types.js';
import type { WorkingCalendar } from './working-days.js';

export interface FieldPlan {
  name: string;
  expression: CompiledExpression;
}

export interface EngineParts {
  name: string;
  version: string;
  source: string;
  target: TargetSpec;
  statusMap: StatusMap;
  fields: FieldPlan[];
  runtime: MappingRuntime;
  evaluation?: EvaluationSettings;
}

/** How far evaluation may go beyond the fast path. */
export interface EvaluationSettings {
  /** false: every field through JSONata (benchmarks, diagnosis). */
  fastPath?: boolean;
  /** Deadline of one appeal in a worker thread (MAPPING_TIMEOUT); default 2 s. */
  timeoutMs?: number;
  /** Threads for what the fast path leaves; default the process's shared pool. */
  pool?: EvaluationPool;
}

function posIdOf(appeal: unknown): number | undefined {
  const id = (appeal as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : undefined;
}

export class MappingEngine implements CompiledMapping {
  readonly name: string;
  readonly version: string;
  readonly target: EdmsKind;
  readonly statusMap: StatusMap;
  readonly source: string;
  readonly calendar: WorkingCalendar;
  private readonly spec: TargetSpec;
  private readonly fields: FieldPlan[];
  private readonly runtime: MappingRuntime;
  private readonly evaluation: EvaluationSettings;
  /** Every field has a fast path: an appeal is tried in this thread first. */
  private readonly allFast: boolean;

  constructor(parts: EngineParts) {
    this.name = parts.name;
    this.version = parts.version;
    this.target = parts.target.kind;
    this.statusMap = parts.statusMap;
    this.source = parts.source;
    this.spec = parts.target;
    this.fields = parts.fields;
    this.runtime = parts.runtime;
    this.calendar = parts.runtime.calendar;
    this.evaluation = parts.evaluation ?? {};
    this.allFast = this.fields.every((field) => field.expression.fast);
  }

  /** Fields the fast path evaluates; the rest go through JSONata (see fallbackReasons). */
  get fastFields(): string[] {
    return this.fields.filter((field) => field.expression.fast).map((field) => field.name);
  }

  get fallbackReasons(): Record<string, string> {
    const reasons: Record<string, string> = {};
    for (const field of this.fields) if (field.expression.fallbackReason) reasons[field.name] = field.expression.fallbackReason;
    return reasons;
  }

  get fieldNames(): string[] {
    return this.fields.map((field) => field.name);
  }

  /**
   * Maps one appeal: on the fast path in this thread when it answers every field within its work
   * budget, else in a worker thread that is stopped at the deadline (MAPPING_TIMEOUT).
   */
  async map(appeal: PosAppeal, now: Date = new Date()): Promise<MappingResult> {
    if (this.allFast) {
      const result = this.mapOnFastPath(appeal, now);
      if (result !== DEOPTED) return result;
    }
    return (this.evaluation.pool ?? sharedEvaluationPool()).evaluate({
      name: this.name,
      version: this.version,
      source: this.source,
      fastPath: this.evaluation.fastPath ?? true,
      fields: this.fieldNames,
      timeoutMs: this.evaluation.timeoutMs ?? DEFAULT_MAPPING_TIMEOUT_MS,
      appeal,
      now,
    });
  }

  /** Synchronous and bounded: every field, the nulls left out and the check within one work budget. */
  private mapOnFastPath(appeal: PosAppeal, now: Date): MappingResult | typeof DEOPTED {
    const warnings = new Set<string>();
    const fieldWarnings: string[] = [];
    const defaultsUsed = new Set<string>();
    const call: CallContext = {
      runtime: this.runtime,
      now,
      warn: (message) => fieldWarnings.push(message),
      defaulted: (dictionary) => defaultsUsed.add(dictionary),
    };
    const record: Record<string, unknown> = {};
    let units = FAST_WORK_BUDGET;
    for (const field of this.fields) {
      let kept: unknown;
      try {
        const value = field.expression.fast?.run(appeal, call, units);
        // Paid for too: the record check and whoever writes the record walk all of it.
        kept = withoutNulls(value, true);
        units = budget.left;
      } catch (error) {
        // Nothing of this attempt is kept: the thread evaluates the whole appeal again.
        if (error instanceof Deopt) return DEOPTED;
        throw this.failure(field.name, appeal, error);
      }
      if (fieldWarnings.length > 0) {
        for (const warning of fieldWarnings) warnings.add(`${field.name}: ${warning}`);
        fieldWarnings.length = 0;
      }
      if (kept !== undefined) record[field.name] = kept;
    }
    return { record: this.check(record, appeal), warnings: [...warnings], defaultsUsed: [...defaultsUsed] };
  }

  /**
   * Maps one appeal in this thread, JSONata included, with no bound: for the evaluation thread
   * only, which the pool stops at the deadline. `stage` hears field index + 1, then the check.
   */
  async evaluateHere(appeal: PosAppeal, now: Date, stage: (value: number) => void = () => undefined): Promise<MappingResult> {
    const warnings = new Set<string>();
    const fieldWarnings: string[] = [];
    const defaultsUsed = new Set<string>();
    const call: CallContext = {
      runtime: this.runtime,
      now,
      warn: (message) => fieldWarnings.push(message),
      defaulted: (dictionary) => defaultsUsed.add(dictionary),
    };
    const record: Record<string, unknown> = {};
    for (const [index, field] of this.fields.entries()) {
      stage(index + 1);
      let value: unknown;
      try {
        // Synchronous when the fast path answers: no promise per field.
        value = runFast(field.expression, appeal, call, fieldWarnings);
        if (value === DEOPTED) value = await evaluateExpression(field.expression, appeal, call, fieldWarnings, false);
      } catch (error) {
        throw this.failure(field.name, appeal, error);
      }
      if (fieldWarnings.length > 0) {
        for (const warning of fieldWarnings) warnings.add(`${field.name}: ${warning}`);
        fieldWarnings.length = 0;
      }
      const kept = withoutNulls(value);
      if (kept !== undefined) record[field.name] = kept;
    }
    stage(PROGRESS_CHECK);
    return { record: this.check(record, appeal), warnings: [...warnings], defaultsUsed: [...defaultsUsed] };
  }

  /** One field, evaluated one way only: for tests proving both ways agree. */
  async evaluateField(name: string, appeal: unknown, now: Date, way: 'fast' | 'jsonata'): Promise<{ value: unknown; warnings: string[] }> {
    const field = this.fields.find((candidate) => candidate.name === name);
    if (!field) throw new Error(`no field ${name}`);
    const warnings: string[] = [];
    const call: CallContext = { runtime: this.runtime, now, warn: (message) => warnings.push(message) };
    if (way === 'jsonata') return { value: await evaluateWithJsonata(field.expression, appeal, call), warnings };
    if (!field.expression.fast) throw new Error(`field ${name} has no fast path`);
    return { value: field.expression.fast.run(appeal, call), warnings };
  }

  private check(record: Record<string, unknown>, appeal: unknown): unknown {
    const parsed = this.spec.schema.safeParse(record);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
    const summary = issues.map((issue) => `${issue.path || '(record)'}: ${issue.message}`).join('; ');
    return this.raise(
      new BridgeError('RECORD_INVALID', `mapping "${this.name}" made an invalid ${this.target} record: ${summary}`, {
        posId: posIdOf(appeal),
        details: { mapping: this.name, version: this.version, issues },
      }),
    );
  }

  private failure(field: string, appeal: unknown, error: unknown): BridgeError {
    const reason = describeExpressionError(error);
    return new BridgeError('MAPPING_FAILED', `mapping "${this.name}" field ${field}: ${reason}`, {
      posId: posIdOf(appeal),
      details: { mapping: this.name, version: this.version, field },
    });
  }

  private raise(error: BridgeError): never {
    throw error;
  }
}
