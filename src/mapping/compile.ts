// compileMapping: YAML text → a checked, compiled mapping, or every problem in it at once, each
// at its line and column. Nothing here throws for a bad file; problems are the answer.
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import type { z } from 'zod';
import { isEdmsKind as isKind, type EdmsKind } from '../../adapters/registry.js';
import { MappingEngine, type FieldPlan } from './engine.js';
import type { EvaluationPool } from './evaluation-pool.js';
import { compileExpression, type ExpressionScope } from './expression.js';
import { mappingFileSchema, type MappingFile } from './format.js';
import type { Dictionary, MappingRuntime } from './functions.js';
import { LocatedSource, type PathSegment } from './locate.js';
import { targetSpec } from './targets.js';
import type { CompiledMapping, MappingProblem } from './types.js';

export function mappingVersion(source: string): string {
  return createHash('sha256').update(source).digest('hex').slice(0, 16);
}

/** File name without extension: the mapping's name (`mappings/delo.yaml` → `delo`). */
export function mappingNameOf(file: string): string {
  return basename(file, extname(file));
}

type Loose = Record<string, unknown>;
const asMap = (value: unknown): Loose | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : undefined;

function pathText(path: readonly PathSegment[]): string {
  return path.length > 0 ? path.join('.') : '(file)';
}

function issueProblems(located: LocatedSource, issue: z.core.$ZodIssue): MappingProblem[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => located.problemAtOffset(located.keyOffset(path, key), `${pathText(path)}: unknown setting "${key}"`));
  }
  const last = path[path.length - 1];
  if (issue.code === 'invalid_key' && typeof last === 'string') {
    return [
      located.problemAtOffset(
        located.keyOffset(path.slice(0, -1), last),
        `${pathText(path)}: name ${issue.issues[0]?.message ?? issue.message}`,
      ),
    ];
  }
  if (located.doc.hasIn(path)) return [located.problemAtOffset(located.offsetOf(path), `${pathText(path)}: ${issue.message}`)];
  // Something missing: point at the key of the section it is missing from.
  const parent = path.slice(0, -1);
  const parentKey = parent[parent.length - 1];
  const offset = typeof parentKey === 'string' ? located.keyOffset(parent.slice(0, -1), parentKey) : located.offsetOf(parent);
  return [located.problemAtOffset(offset, `${pathText(path)}: missing (${issue.message})`)];
}

/** Under keyType number every key must be a whole number; YAML keeps `12a` as text, caught here. */
function dictionaryKeyProblems(located: LocatedSource, dictionaries: Loose | undefined): MappingProblem[] {
  const problems: MappingProblem[] = [];
  for (const [name, spec] of Object.entries(dictionaries ?? {})) {
    if (asMap(spec)?.keyType !== 'number') continue;
    for (const key of located.keysOf(['dictionaries', name, 'entries'])) {
      const ok = typeof key.value === 'number' ? Number.isInteger(key.value) : /^-?\d+$/.test(String(key.value));
      if (!ok)
        problems.push(
          located.problemAtOffset(key.offset, `dictionaries.${name}: key "${String(key.value)}" is not a whole number (keyType: number)`),
        );
    }
  }
  return problems;
}

interface FieldContext {
  located: LocatedSource;
  kind: EdmsKind | undefined;
  scope: ExpressionScope;
  fastPath: boolean;
}

function fieldProblems({ located, kind, scope, fastPath }: FieldContext, fields: Loose | undefined, plans: FieldPlan[]): MappingProblem[] {
  const problems: MappingProblem[] = [];
  const spec = kind ? targetSpec(kind) : undefined;
  for (const [name, raw] of Object.entries(fields ?? {})) {
    if (spec && !spec.fields.includes(name)) {
      problems.push(
        located.problemAtOffset(
          located.keyOffset(['fields'], name),
          `fields: "${name}" is not a field of the ${kind} record (known: ${spec.fields.join(', ')})`,
        ),
      );
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') continue; // reported by the schema
    const text = String(raw);
    const { expression, problems: found } = compileExpression(text, scope, { fastPath });
    for (const problem of found) {
      const offset =
        typeof raw === 'string' ? located.offsetInScalar(['fields', name], problem.offset) : located.offsetOf(['fields', name]);
      problems.push(located.problemAtOffset(offset, `fields.${name}: ${problem.message}`));
    }
    if (expression) plans.push({ name, expression });
  }
  if (spec && fields) {
    for (const required of spec.required) {
      if (!(required in fields)) {
        problems.push(
          located.problemAtOffset(
            located.keyOffset([], 'fields'),
            `fields: required field "${required}" of the ${kind} record is not mapped`,
          ),
        );
      }
    }
  }
  return problems;
}

function buildRuntime(file: MappingFile): MappingRuntime {
  const dictionaries = new Map<string, Dictionary>();
  for (const [name, spec] of Object.entries(file.dictionaries ?? {})) {
    dictionaries.set(name, { keyType: spec.keyType, default: spec.default, entries: new Map(Object.entries(spec.entries)) });
  }
  return {
    constants: Object.freeze({ ...(file.constants ?? {}) }),
    dictionaries,
    calendar: {
      holidays: new Set(file.controlDays?.holidays ?? []),
      workingWeekends: new Set(file.controlDays?.workingWeekends ?? []),
    },
    controlDays: file.controlDays?.workingDays ?? 0,
  };
}

function byPosition(a: MappingProblem, b: MappingProblem): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column;
}

export interface CompileOptions {
  /** false: evaluate every field with JSONata only (for benchmarks and diagnosis). */
  fastPath?: boolean;
  /** Longest one appeal's evaluation may run in a worker thread before MAPPING_TIMEOUT (default 2 s). */
  evaluationTimeoutMs?: number;
  /** The threads that evaluate what the fast path leaves (default: the process's shared pool). */
  pool?: EvaluationPool;
}

export function compileMapping(
  source: string,
  file: string,
  options: CompileOptions = {},
): { mapping?: CompiledMapping; problems: MappingProblem[] } {
  const located = new LocatedSource(source, file);
  const problems = located.syntaxProblems();
  let raw: unknown;
  try {
    raw = located.doc.toJS();
  } catch {
    raw = undefined;
  }
  const top = asMap(raw);
  if (!top) {
    if (problems.length === 0) problems.push(located.problemAtOffset(0, 'a mapping file is a YAML map with target, fields and statuses'));
    return { problems: problems.sort(byPosition) };
  }
  const parsed = mappingFileSchema.safeParse(top);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(...issueProblems(located, issue));

  const kind = isKind(top.target) ? top.target : undefined;
  const name = mappingNameOf(file);
  if (kind && isKind(name) && name !== kind) {
    problems.push(
      located.problemAtOffset(
        located.offsetOf(['target']),
        `target: the file ${name}.yaml is the mapping for ${name}, but its target is ${kind}`,
      ),
    );
  }
  problems.push(...dictionaryKeyProblems(located, asMap(top.dictionaries)));
  const scope: ExpressionScope = {
    dictionaries: new Set(Object.keys(asMap(top.dictionaries) ?? {})),
    constants: new Set(Object.keys(asMap(top.constants) ?? {})),
  };
  const plans: FieldPlan[] = [];
  problems.push(...fieldProblems({ located, kind, scope, fastPath: options.fastPath ?? true }, asMap(top.fields), plans));

  if (problems.length > 0 || !parsed.success || !kind) return { problems: problems.sort(byPosition) };
  const mapping = new MappingEngine({
    name,
    version: mappingVersion(source),
    source,
    target: targetSpec(kind),
    statusMap: parsed.data.statuses,
    fields: plans,
    runtime: buildRuntime(parsed.data),
    evaluation: { fastPath: options.fastPath ?? true, timeoutMs: options.evaluationTimeoutMs, pool: options.pool },
  });
  return { mapping, problems: [] };
}
