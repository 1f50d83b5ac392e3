// The pre-flight of a mapping against the live EDMS (`mappings check --against-edms`, start-up,
// every mapping change): every value the mapping can write into a directory reference, known
// before any appeal arrives, is resolved in the installation's directories, and every mapped
// field is checked against the properties the installation's type declares. Problems come back
// located at the line that holds the value. Reads only; writes nothing anywhere.
import type { EdmsInstallation, ReferenceProblem } from '../../adapters/contract.js';
import { describeReferenceProblem } from '../../adapters/reference-text.js';
import { referenceKey, staticReferenceValues, type StaticValue, type ValueOrigin } from './reference-values.js';
import type { MappingProblem } from './types.js';

export interface EdmsCheckReport {
  problems: MappingProblem[];
  /** What could not be checked here and is checked elsewhere (e.g. «Дело» on registration). */
  notes: string[];
  /** How many distinct values were resolved. */
  checked: number;
}

function originLabel(origin: ValueOrigin): string {
  switch (origin.kind) {
    case 'constant':
      return `constants.${origin.name}`;
    case 'dictionary':
      return `dictionaries.${origin.name}.entries.${origin.key}`;
    case 'dictionary-default':
      return `dictionaries.${origin.name}.default`;
    default:
      return `fields.${origin.field}`;
  }
}

export async function checkMappingAgainstEdms(source: string, file: string, edms: EdmsInstallation): Promise<EdmsCheckReport> {
  const notes: string[] = [];
  const { located, values } = staticReferenceValues(source, file, edms.referenceFields);
  const unique = new Map<string, StaticValue>();
  for (const value of values) unique.set(`${value.field}\u0000${referenceKey(value.value)}`, value);
  const found = await edms.checkReferences([...unique.values()].map(({ field, value }) => ({ field, value })));
  const byKey = new Map<string, ReferenceProblem>(
    found.map((problem) => [`${problem.field}\u0000${referenceKey(problem.value)}`, problem]),
  );
  const problems: MappingProblem[] = [];
  for (const value of values) {
    const problem = byKey.get(`${value.field}\u0000${referenceKey(value.value)}`);
    if (problem)
      problems.push(located.problemAtOffset(value.offset, `${originLabel(value.origin)}: ${describeReferenceProblem(problem, true)}`));
  }
  if (edms.referenceFields.length === 0) {
    const listing = await edms.listDirectory('questions');
    if (!listing.available) notes.push(listing.reason);
  }

  const mapped = Object.keys(mappedFields(located.doc.toJS()));
  const declared = await edms.undeclaredFields(mapped);
  if (!declared.available) notes.push(declared.reason);
  else {
    for (const { field, property, type } of declared.undeclared) {
      problems.push(
        located.problemAtOffset(
          located.keyOffset(['fields'], field),
          `fields.${field}: this installation's ${type} does not declare the property ${property} ($metadata); remove the field or have the type extended`,
        ),
      );
    }
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { problems, notes, checked: unique.size };
}

function mappedFields(top: unknown): Record<string, unknown> {
  const fields = (top as { fields?: unknown } | null)?.fields;
  return fields && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : {};
}

const ownValues = new WeakMap<object, ReadonlySet<string>>();

/**
 * One appeal's reference problems as text. The value (and the closest names) is told only where
 * it is the mapping's own — a literal, a constant, a dictionary entry; a value computed from the
 * appeal may be personal data and stays hidden.
 */
export function explainReferenceProblems(
  problems: readonly ReferenceProblem[],
  mapping: { source: string },
  edms: Pick<EdmsInstallation, 'referenceFields'>,
): string {
  let own = ownValues.get(mapping);
  if (!own) {
    const { values } = staticReferenceValues(mapping.source, 'mapping', edms.referenceFields);
    own = new Set(values.map((value) => `${value.field}\u0000${referenceKey(value.value)}`));
    ownValues.set(mapping, own);
  }
  const known = own;
  return problems
    .map((problem) => describeReferenceProblem(problem, known.has(`${problem.field}\u0000${referenceKey(problem.value)}`)))
    .join('; ');
}
