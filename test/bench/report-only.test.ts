// BENCH_ONLY rewrites only the sections it measured: every other section and the header stay
// byte for byte, but for one header line naming what was measured when.
import { describe, expect, it } from 'vitest';
import { replaceSections } from '../../bench/report-only.js';

// The settings sentence names BENCH_ONLY too: it is not a note to replace.
const HEADER =
  '# Benchmarks\n\nMeasured 2026-12-01 on 2 CPU cores, code at 7b051be.\n\nReproduce: `npm run bench`; `BENCH_ONLY=topologies,processes` runs two.\n\n';
const TARGETS = '## Targets\n\n| figure | target |\n| --- | --- |\n| drain | ≥ 0.80× |\n\n';
const DRAIN = '## 1–2. Backlog drain and the raw floor\n\nText with trailing spaces   \nand **bold** | pipes.\n\n';
const OLD_TOPOLOGIES = '## 7. Redis topologies\n\nold numbers\n\n';
const PROFILE = '## Profile of a drain\n\none profile\n\n';
const LIMITS = '## What limits these figures\n\n- the last line, no newline at the end';
const NOTE = 'Measured on their own (`BENCH_ONLY=topologies`) 2026-12-02 at code abc1234: Redis topologies.';

const topologies = { heading: '## 7. Redis topologies', body: 'new numbers\n\n| a | b |' };
const processes = { heading: '## 8. Worker processes', body: 'processes numbers' };

describe('BENCH_ONLY section rewrite', () => {
  it('replaces a section in place and keeps every other one and the header byte for byte', () => {
    const report = HEADER + TARGETS + DRAIN + OLD_TOPOLOGIES + PROFILE + LIMITS;
    const rewritten = replaceSections(report, [topologies], NOTE, ['topologies']);
    const header = HEADER.replace('7b051be.\n\n', `7b051be.\n\n${NOTE}\n\n`);
    expect(rewritten).toBe(`${header}${TARGETS}${DRAIN}## 7. Redis topologies\n\nnew numbers\n\n| a | b |\n\n${PROFILE}${LIMITS}`);
  });

  it('inserts a section the report lacks before the profile of a drain', () => {
    const report = HEADER + TARGETS + DRAIN + OLD_TOPOLOGIES + PROFILE + LIMITS;
    const rewritten = replaceSections(report, [topologies, processes], NOTE, ['topologies', 'processes']);
    const at = rewritten.indexOf('## 8. Worker processes\n\nprocesses numbers\n\n## Profile of a drain');
    expect(at).toBeGreaterThan(rewritten.indexOf('## 7. Redis topologies'));
    expect(rewritten.startsWith(HEADER.slice(0, HEADER.indexOf('Reproduce')))).toBe(true);
    for (const kept of [TARGETS, DRAIN, PROFILE, LIMITS]) expect(rewritten).toContain(kept);
    expect(rewritten.endsWith(PROFILE + LIMITS)).toBe(true);
  });

  it('finds a renumbered section by its name and replaces the note of an earlier run of the same sections', () => {
    const first = replaceSections(HEADER + TARGETS + '## 9. Redis topologies\n\nold\n\n' + PROFILE, [topologies], NOTE, ['topologies']);
    const second = replaceSections(first, [{ ...topologies, body: 'newer' }], NOTE.replace('abc1234', 'def5678'), [
      'topologies',
      'processes',
    ]);
    expect(second).not.toContain('## 9.');
    expect(second).toContain('## 7. Redis topologies\n\nnewer\n\n## Profile of a drain');
    expect(second.match(/Measured on their own/g)).toHaveLength(1);
    expect(second).toContain('at code def5678');
    expect(second).toContain('`BENCH_ONLY=topologies,processes` runs two.');
    expect(second.slice(second.indexOf('## Targets'), second.indexOf('## 7.'))).toBe(TARGETS);
  });
});
