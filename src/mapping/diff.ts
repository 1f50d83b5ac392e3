// Unified line diff for the mapping history (what an admin changed), by jsdiff (`diff`): its
// hunks, written the way `diff -u` writes them. Line ends are normalised first (CRLF and a missing
// final newline are not changes an admin made to a mapping).
import { structuredPatch } from 'diff';

const CONTEXT = 3;

function normalised(text: string): string {
  if (text === '') return '';
  const unix = text.replace(/\r\n/g, '\n');
  return unix.endsWith('\n') ? unix : `${unix}\n`;
}

/** jsdiff numbers an empty side by the line after it, `diff -u` by the line before (0 for an empty file). */
const start = (line: number, count: number) => (count === 0 ? line - 1 : line);

/** `diff -u` of two texts; empty when they have the same lines. */
export function unifiedDiff(before: string, after: string, name: string): string {
  const patch = structuredPatch(`a/${name}`, `b/${name}`, normalised(before), normalised(after), undefined, undefined, {
    context: CONTEXT,
  });
  if (patch.hunks.length === 0) return '';
  const out = [before === '' ? '--- /dev/null' : `--- a/${name}`, `+++ b/${name}`];
  for (const hunk of patch.hunks) {
    out.push(
      `@@ -${start(hunk.oldStart, hunk.oldLines)},${hunk.oldLines} +${start(hunk.newStart, hunk.newLines)},${hunk.newLines} @@`,
      ...hunk.lines,
    );
  }
  return `${out.join('\n')}\n`;
}
