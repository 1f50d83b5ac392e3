// The benchmark compares the mapping engine with hand-written TypeScript; the comparison is only
// fair if both make the same records. This proves it on every fixture; timing is not asserted.
import { describe, expect, it } from 'vitest';
import { deloRecordSchema } from '../../adapters/delo/record.js';
import { directumRecordSchema } from '../../adapters/directum-rx/record.js';
import { benchAppeals, runMappingBench, shippedMapping } from '../../bench/mapping.js';
import { deloByHand, directumByHand } from '../../bench/mapping-handwritten.js';
import { cleanText } from '../../src/mapping/functions.js';
import type { PosAppeal } from '../../src/pos/schemas.js';

const NOW = new Date('2025-03-01T09:00:00Z');

/** The fixtures, plus variants that take the other branches (unknown codes, no deadline, fast track). */
function appeals(): PosAppeal[] {
  const base = benchAppeals(400);
  const variants = base.slice(0, 60).flatMap((appeal, index) => [
    { ...appeal, subjectId: 990 + index, subsubjectId: null, factId: null },
    { ...appeal, answerAt: null, fastTrack: true, attachments: [] },
    {
      ...appeal,
      applicant: appeal.applicant ? { ...appeal.applicant, name: '  ', surname: ` ${appeal.applicant.surname ?? ''}\t` } : null,
    },
  ]);
  return [...base, ...variants];
}

describe('hand-written reference mappers', () => {
  const all = appeals();

  it.each([
    ['directum-rx', directumByHand, directumRecordSchema],
    ['delo', deloByHand, deloRecordSchema],
  ] as const)('make exactly the records and warnings of the shipped %s mapping', async (name, byHand, schema) => {
    const { mapping, tables } = shippedMapping(name);
    for (const appeal of all) {
      const engine = await mapping.map(appeal, NOW);
      const warnings: string[] = [];
      const record = schema.parse(byHand(appeal, tables, warnings));
      expect(record, `${name} ${appeal.id}`).toEqual(engine.record);
      expect([...new Set(warnings)].sort(), `${name} ${appeal.id} warnings`).toEqual([...engine.warnings].sort());
    }
  });

  it('share the engine’s text tidying, which matches a plain regular expression', () => {
    const samples = ['', ' ', 'Анна', ' Анна', 'Анна ', 'Анна  Петровна', 'a\tb', 'a\u00a0b', 'a \n b', '\u3000x', 'x\ufeff', 'a b c'];
    for (const sample of samples) {
      const expected = sample.replace(/\s+/g, ' ').trim();
      expect(cleanText(sample), JSON.stringify(sample)).toBe(expected === '' ? undefined : expected);
    }
  });

  it('runs the benchmark end to end (numbers are printed by the script, not checked here)', async () => {
    const result = await runMappingBench({ appeals: 20, runs: 1, warmupRuns: 0, includeJsonataOnly: false });
    expect(result.rows.map((row) => row.name)).toEqual([
      'directum-rx: mapping (fast path)',
      'directum-rx: hand-written TypeScript + schema check',
      'directum-rx: hand-written TypeScript, no schema check',
      'delo: mapping (fast path)',
      'delo: hand-written TypeScript + schema check',
      'delo: hand-written TypeScript, no schema check',
    ]);
    for (const row of result.rows) expect(row.appealsPerSecond).toBeGreaterThan(0);
    expect(result.ratio).toBe(result.ratios['directum-rx']);
  });
});
