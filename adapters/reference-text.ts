// How a reference problem is told. One wording for the failed list, the pre-flight and the API.
// `showValue` only where the value is the mapping's own (a literal, a constant, a dictionary
// entry): a value computed from the appeal may be personal data and is never echoed.
import type { ReferenceProblem } from './contract.js';

const quoted = (value: ReferenceProblem['value']) => (typeof value === 'string' ? `"${value}"` : `{Id: ${value.Id}}`);

export function describeReferenceProblem(problem: ReferenceProblem, showValue: boolean): string {
  const what = showValue ? quoted(problem.value) : 'the mapped value';
  const ids = problem.matches.join(', ');
  switch (problem.reason) {
    case 'ambiguous':
      return `${problem.field}: ${what} matches ${problem.matches.length} entries of ${problem.directoryName} (ids ${ids}); write a code or {Id: n} instead`;
    case 'closed':
      return `${problem.field}: the entry of ${problem.directoryName} matching ${what} is closed (id ${ids})`;
    default: {
      const closest = showValue && problem.closest.length > 0 ? `; closest: ${problem.closest.map((name) => `«${name}»`).join(', ')}` : '';
      return `${problem.field}: ${showValue ? `${what} is not in ${problem.directoryName}` : `no entry of ${problem.directoryName} matches the mapped value`}${closest}`;
    }
  }
}
