// A compiled mapping version: evaluates every field of the target record, checks the record
// against the adapter's schema, and reports failures by field and reason, never by value.
import type { EdmsKind } from '../../adapters/contract.js';
import { BridgeError } from '../errors.js';
import type { PosAppeal } from '../pos/schemas.js';
import { DEOPTED, describeExpressionError, evaluateExpression, evaluateWithJsonata, runFast, withoutNulls } from './evaluate.js';
import type { CompiledExpression } from './expression.js';
import type { CallContext, MappingRuntime } from './functions.js';
import type { TargetSpec } from './targets.js';
import type { CompiledMapping, MappingResult, StatusMap } from './types.js';

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
  private readonly spec: TargetSpec;
  private readonly fields: FieldPlan[];
  private readonly runtime: MappingRuntime;

  constructor(parts: EngineParts) {
    this.name = parts.name;
    this.version = parts.version;
    this.target = parts.target.kind;
    this.statusMap = parts.statusMap;
    this.source = parts.source;
    this.spec = parts.target;
    this.fields = parts.fields;
    this.runtime = parts.runtime;
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

  async map(appeal: PosAppeal, now: Date = new Date()): Promise<MappingResult> {
    const warnings = new Set<string>();
    const fieldWarnings: string[] = [];
    const defaultsUsed = new Set<string>();
    const call: CallContext = { runtime: this.runtime, now, warn: (message) => fieldWarnings.push(message), defaulted: (dictionary) => defaultsUsed.add(dictionary) };
    const record: Record<string, unknown> = {};
    for (const field of this.fields) {
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
      new BridgeError('RECORD_INVALID', `mapping "${this.name}" made an invalid ${this.target} record: ${summary}`, false, {
        posId: posIdOf(appeal),
        details: { mapping: this.name, version: this.version, issues },
      }),
    );
  }

  private failure(field: string, appeal: unknown, error: unknown): BridgeError {
    const reason = describeExpressionError(error);
    return new BridgeError('MAPPING_FAILED', `mapping "${this.name}" field ${field}: ${reason}`, false, {
      posId: posIdOf(appeal),
      details: { mapping: this.name, version: this.version, field },
    });
  }

  private raise(error: BridgeError): never {
    throw error;
  }
}
