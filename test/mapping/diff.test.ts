// The mapping history's diff: a correct `diff -u` (applying it to the old text gives the new one),
// headers as `diff -u` writes them, and nothing for a change of line ends only.
import { applyPatch } from 'diff';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/mapping/diff.js';
import { mulberry32 } from '../../fixtures/prng.js';

const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');

describe('unifiedDiff', () => {
  it('turns the old text into the new one when applied, for many random edits', () => {
    const random = mulberry32(11);
    for (let round = 0; round < 500; round += 1) {
      const before = Array.from({ length: Math.floor(random() * 40) }, () => `key${Math.floor(random() * 8)}: value`);
      const after = before.flatMap((line) => {
        const roll = random();
        if (roll < 0.15) return [];
        if (roll < 0.3) return [line, `added${Math.floor(random() * 5)}: x`];
        return roll < 0.4 ? ['changed: y'] : [line];
      });
      const patch = unifiedDiff(text(before), text(after), 'directum-rx.yaml');
      if (text(before) === text(after)) expect(patch).toBe('');
      else expect(applyPatch(text(before), patch)).toBe(text(after));
    }
  });

  it('writes a new file against /dev/null and an insertion by the line before it, as diff -u does', () => {
    expect(unifiedDiff('', 'a\nb\n', 'm.yaml')).toBe('--- /dev/null\n+++ b/m.yaml\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    const before = text(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const after = text(['1', '2', '3', '4', '5', 'X', '6', '7', '8', '9', '10']);
    expect(unifiedDiff(before, after, 'm.yaml')).toBe('--- a/m.yaml\n+++ b/m.yaml\n@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+X\n 6\n 7\n 8\n');
  });

  it('sees no change in line ends or a missing final newline', () => {
    expect(unifiedDiff('a: 1\r\nb: 2\r\n', 'a: 1\nb: 2', 'm.yaml')).toBe('');
  });
});
