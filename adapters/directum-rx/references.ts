// The directory references a Directum record carries, and the error that sets an appeal aside
// when the installation lacks one (EDMS_REFERENCE_UNKNOWN, raised before anything is written).
import { BridgeError } from '../../src/errors.js';
import type { ReferenceProblem, ReferenceValue } from '../contract.js';
import { describeReferenceProblem } from '../reference-text.js';
import { recordReferences } from '../record-references.js';
import { DIRECTUM_REFERENCE_FIELDS, type DirectumRecord } from './record.js';

const LINK_FIELDS = [
  'DocumentKind',
  'DeliveryMethod',
  'Department',
  'BusinessUnit',
  'Addressee',
  'Assignee',
  'PreparedBy',
  'OurSignatory',
] as const;
export const QUESTION_FIELD = 'Questions[].Code';

export function referencesOf(record: DirectumRecord): { field: string; value: ReferenceValue }[] {
  return recordReferences(record, DIRECTUM_REFERENCE_FIELDS);
}

/** The problems travel in `details` for the pipeline, which may add the value where it is the mapping's own. */
export function referenceError(problems: ReferenceProblem[]): BridgeError {
  const message = problems.map((problem) => describeReferenceProblem(problem, false)).join('; ');
  return new BridgeError('EDMS_REFERENCE_UNKNOWN', message, { system: 'directum-rx', details: { problems } });
}

export { LINK_FIELDS };
