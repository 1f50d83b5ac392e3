// Unified line diff (Myers' O(ND) algorithm) for the mapping history: what an admin changed.
// Common head and tail are trimmed first; a diff with more than MAX_EDITS edits is shown as
// "everything removed, everything added", which is still a correct unified diff.

type Op = ' ' | '-' | '+';
interface Edit {
  op: Op;
  line: string;
}

const CONTEXT = 3;
const MAX_EDITS = 2000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Shortest edit script between a and b, or undefined when it needs more than MAX_EDITS edits. */
function myers(a: readonly string[], b: readonly string[]): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v for diagonals -(d+1)..d+1 as it was before round d.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number)) ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return undefined;
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], last: number): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = last; d >= 0; d--) {
    const saved = trace[d] as Int32Array;
    const at = (k: number) => saved[k + d + 1] as number;
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : at(previousK);
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      edits.push({ op: ' ', line: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === previousX) edits.push({ op: '+', line: b[y - 1] as string });
      else edits.push({ op: '-', line: a[x - 1] as string });
    }
    x = previousX;
    y = previousY;
  }
  return edits.reverse();
}

function editScript(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  const middle = myers(middleA, middleB) ?? [
    ...middleA.map((line): Edit => ({ op: '-', line })),
    ...middleB.map((line): Edit => ({ op: '+', line })),
  ];
  const same = (line: string): Edit => ({ op: ' ', line });
  return [...a.slice(0, head).map(same), ...middle, ...a.slice(a.length - tail).map(same)];
}

/** `diff -u` of two texts; empty when they have the same lines. */
export function unifiedDiff(before: string, after: string, name: string): string {
  const edits = editScript(splitLines(before), splitLines(after));
  const changed = edits.flatMap((edit, index) => (edit.op === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const start = Math.max(0, index - CONTEXT);
    const end = Math.min(edits.length - 1, index + CONTEXT);
    const current = hunks[hunks.length - 1];
    if (current && start <= current[1] + 1) current[1] = end;
    else hunks.push([start, end]);
  }
  const out = [before === '' ? '--- /dev/null' : `--- a/${name}`, `+++ b/${name}`];
  // Line numbers of each edit in the old and new texts.
  let oldLine = 1;
  let newLine = 1;
  const positions = edits.map((edit) => {
    const position = { old: oldLine, new: newLine };
    if (edit.op !== '+') oldLine++;
    if (edit.op !== '-') newLine++;
    return position;
  });
  for (const [start, end] of hunks) {
    const slice = edits.slice(start, end + 1);
    const oldCount = slice.filter((edit) => edit.op !== '+').length;
    const newCount = slice.filter((edit) => edit.op !== '-').length;
    const first = positions[start] as { old: number; new: number };
    const oldStart = oldCount === 0 ? first.old - 1 : first.old;
    const newStart = newCount === 0 ? first.new - 1 : first.new;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const edit of slice) out.push(`${edit.op}${edit.line}`);
  }
  return `${out.join('\n')}\n`;
}
