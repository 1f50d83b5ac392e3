// The one way zod issues are written for people: `path: message`. Zod's messages name types and
// rules, never the offending value, so these lines may go into errors and replies.
export interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * `a.b.0: message`. An issue of the whole value has no path: it is written `<whole>: message`
 * (`whole` names it, e.g. `(appeal)`; default empty), or as the bare message when `whole` is null.
 */
export function issueLine(issue: IssueLike, whole: string | null = ''): string {
  const path = issue.path.map(String).join('.');
  if (path) return `${path}: ${issue.message}`;
  return whole === null ? issue.message : `${whole}: ${issue.message}`;
}

export function issueLines(error: { issues: readonly IssueLike[] }, whole?: string | null): string[] {
  return error.issues.map((issue) => issueLine(issue, whole));
}
