// The benchmark harness end to end with tiny backlogs: real bridge and floor child processes,
// emulators, a private Redis. Checks that every figure is produced and sane and the report holds
// its tables and ratios; timings are not asserted (the machine is shared).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchOptions } from '../../bench/options.js';
import { BENCH_ORGANISATIONS } from '../../bench/organisations.js';
import { memoryRatio, renderReport, targets, throughputRatio } from '../../bench/report.js';
import { fairnessRatio, organisationsRatio } from '../../bench/report-organisations.js';
import { runBench, type BenchResults } from '../../bench/suite.js';

const workDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('npm run bench, in miniature', () => {
  let results: BenchResults;

  it('drains, pushes and maps with tiny N', async () => {
    const options = {
      ...benchOptions({ BENCH_QUICK: '1' }),
      runs: 1,
      drainSizes: [10, 20],
      pushAppeals: 10,
      ratePushAppeals: 10,
      rateLimit: 40,
      profile: false,
      organisations: { size: 12, small: 3 },
      mapping: { appeals: 20, runs: 1, warmupRuns: 0 },
      topologySize: 10,
      processSize: 10,
      timeoutMs: 60_000,
    };
    const lines: string[] = [];
    results = await runBench(options, (line) => lines.push(line), workDir);

    expect(results.drains.map((series) => series.size)).toEqual([10, 20]);
    for (const series of results.drains) {
      for (const run of [...series.bridge, ...series.floor]) {
        expect(run.appeals).toBe(series.size);
        expect(run.appealsPerSecond).toBeGreaterThan(0);
        expect(run.peakRssMiB).toBeGreaterThan(20);
        expect(run.medianRssMiB).toBeGreaterThan(20);
        expect(run.medianRssMiB).toBeLessThanOrEqual(run.peakRssMiB + 1);
        expect(run.latencyP99Ms).toBeGreaterThanOrEqual(run.latencyP50Ms);
        expect(run.duplicates).toBe(0);
        // A tiny drain can fit between two 10 ms CPU ticks: the share is measured, maybe as 0, never NaN.
        expect(Number.isFinite(run.cores.client) && run.cores.client >= 0, `cores ${run.cores.client}`).toBe(true);
        expect(Number.isFinite(run.cores.clientWaiting), `waiting ${run.cores.clientWaiting}`).toBe(true);
        expect(run.log.errors).toBe(0);
        // Both clients made one card, one link and one acceptance per appeal.
        expect(run.requestsPerAppeal.pos.accept).toBe(1);
        expect(run.requestsPerAppeal.directum['create IRequests']).toBe(1);
        expect(run.requestsPerAppeal.directum['create IExternalEntityLinks']).toBe(1);
      }
      expect(throughputRatio(series)).toBeGreaterThan(0);
      // The floor makes the bridge's calls: per route, at most a few requests apart (start-up checks).
      const [bridge, floor] = [series.bridge[0]!.requestsPerAppeal, series.floor[0]!.requestsPerAppeal];
      for (const system of ['pos', 'directum'] as const) {
        for (const route of new Set([...Object.keys(bridge[system]), ...Object.keys(floor[system])])) {
          const apart = Math.abs((bridge[system][route] ?? 0) - (floor[system][route] ?? 0)) * series.size;
          expect(apart, `${system} ${route}`).toBeLessThanOrEqual(3);
        }
      }
    }
    expect(memoryRatio(results)).toBeGreaterThan(0);

    const orgs = results.organisations!;
    expect(orgs.perOrganisation).toBe(3); // BENCH_CONCURRENCY 8 ÷ 3, rounded
    const clientIds = BENCH_ORGANISATIONS.map((o) => o.clientId);
    const thirds = clientIds.map((id): [string, number] => [id, 4]);
    const expected: ['single' | 'equalSlots' | 'sameSetting' | 'fairness', [string, number][]][] = [
      ['single', [['demo-org', 12]]],
      ['equalSlots', thirds],
      ['sameSetting', thirds],
      [
        'fairness',
        [
          [clientIds[0]!, 12],
          [clientIds[1]!, 3],
        ],
      ],
    ];
    for (const [variant, split] of expected) {
      const [run] = orgs[variant];
      expect(orgs[variant], variant).toHaveLength(1);
      expect(run!.appeals, variant).toBe(split.reduce((sum, [, count]) => sum + count, 0));
      expect(run!.duplicates, variant).toBe(0);
      expect(run!.log.errors, variant).toBe(0);
      expect(
        run!.organisations.map((o) => [o.organisation, o.appeals]),
        variant,
      ).toEqual(split);
      for (const o of run!.organisations) expect(o.latencyP99Ms).toBeGreaterThanOrEqual(o.latencyP50Ms);
    }
    // Which backlog finishes first is timing, not asserted at this size: only that each figure is a share.
    for (const o of orgs.fairness[0]!.organisations) {
      expect(o.othersAcceptedWhenDone).toBeGreaterThanOrEqual(0);
      expect(o.othersAcceptedWhenDone).toBeLessThanOrEqual(1);
    }
    expect(organisationsRatio(orgs)).toBeGreaterThan(0);
    expect(fairnessRatio(orgs, (o) => o.latencyP99Ms)).toBeGreaterThan(0);

    const [push] = results.push;
    expect(push?.appeals).toBe(10);
    expect(push?.appealsPerSecond).toBeGreaterThan(0);
    expect(push?.requestsPerAppeal).toBeGreaterThanOrEqual(2); // in work + final answer, at least
    for (const run of [...results.ratePush, ...results.rateUnpaced]) {
      expect(run.rateLimit).toBe(40);
      expect(run.shareOfLimit).toBeGreaterThan(0);
      // How many 429s a run draws is timing (the bench's target says 0 with POS_RATE_LIMIT): a count here.
      expect(Number.isInteger(run.rejected429), `429s ${run.rejected429}`).toBe(true);
    }
    expect(results.ratePush[0]?.posRateLimitSetting).toBe(40);
    expect(results.rateUnpaced[0]?.posRateLimitSetting).toBeUndefined();

    expect(results.mapping?.rows.length).toBeGreaterThanOrEqual(6);
    expect(lines.some((line) => line.startsWith('drain 20 bridge'))).toBe(true);
    expect(lines.some((line) => line.startsWith('organisations fairness run 1/1'))).toBe(true);

    // Sentinel and Cluster need redis-cli; without it only the standalone drain runs.
    const topologies = results.topologies!;
    const expectedProcesses = topologies.skipped ? { standalone: 1 } : { standalone: 1, sentinel: 5, cluster: 6 };
    for (const [topology, processes] of Object.entries(expectedProcesses) as [keyof typeof topologies.runs, number][]) {
      const [run] = topologies.runs[topology];
      expect(topologies.runs[topology], topology).toHaveLength(1);
      expect(run!.appeals, topology).toBe(10);
      expect(run!.duplicates, topology).toBe(0);
      expect(run!.log.errors, topology).toBe(0);
      expect(run!.redisProcesses, topology).toBe(processes);
      expect(Number.isFinite(run!.cores.redis), `${topology} redis cores`).toBe(true);
    }
    const processes = results.workerProcesses!;
    for (const run of [...processes.single, ...processes.forked]) {
      expect(run.appeals).toBe(10);
      expect(run.duplicates).toBe(0);
      expect(run.log.errors).toBe(0);
      expect(Number.isFinite(run.cores.client) && run.cores.client >= 0).toBe(true);
    }
    expect(processes.forked).toHaveLength(1);
  }, 300_000);

  it('renders BENCHMARKS.md with the machine, the command, every table and the ratios', () => {
    const report = renderReport(results);
    expect(report).toMatch(/on \d+ CPU cores/);
    expect(report).toContain('npm run bench');
    expect(report).toMatch(/\| 20 \| pos-bridge .*\| \*\*\d+\.\d\*\* \|/);
    expect(report).toMatch(/\| 20 \| raw floor .*\| \*\*\d+\.\d\*\* \|/);
    expect(report).toMatch(/\| 20 \| \*\*bridge ÷ floor\*\* \| \*\*\d+\.\d\d\*\* \|/);
    expect(report).toMatch(/peak RSS at 20 ÷ at 10 \| ≤ 1\.10 \| \d+\.\d\d \|/);
    expect(report).toMatch(/\| 20 \| pos-bridge .*\| \d+ \| \d+ \| \d+\.\d\d \|/); // peak and median RSS, cores
    expect(report).toMatch(/\| 40 req\/s \| 10 \| 40 \(= the limit\)/);
    expect(report).toMatch(/\| 40 req\/s \| 10 \| unset \|/);
    expect(report).toContain('## What limits these figures');
    expect(report).toMatch(/The bridge logged \d+ warnings and 0 errors/);
    // One process: each directory the shipped mapping refers to (4 of the 6) read once, whatever the number of appeals.
    expect(report).toMatch(/Directory reads by the bridge \([^)]*\): 4 in the whole drain/);
    expect(report).toContain('## 6. Several organisations (ЛКО)');
    expect(report).toMatch(/\| 3 organisations, same slots \| 3 × 4 \| 3 each \(9\) \| \*\*\d+\.\d\*\* \|/);
    expect(report).toMatch(/\| \*\*3 ÷ 1, same slots\*\* \| {2}\| {2}\| \*\*\d+\.\d\d\*\* \|/);
    expect(report).toMatch(/\| small \(`school-7`\) \| 3 \| \*\*\d+\.\d\d\*\* \|/);
    expect(report).toMatch(/\| \*\*small ÷ large\*\* \| {2}\| \*\*\d+\.\d\d\*\* \| \*\*\d+\.\d\d\*\* \|/);
    expect(report).toMatch(
      /drain of 3 organisations × 4 vs 1 × 12 \(same register slots\) \| ≥ 0\.90× \| \d+\.\d\d× \(by CPU per appeal: \d+\.\d\d×\) \|/,
    );
    expect(targets(results).length).toBe(2 + 1 + 1 + 1 + 1);
    expect(report).toMatch(/## 7\. Redis topologies\n\n[^\n]+\n\n\| Redis \|/);
    expect(report).toMatch(/\| `start --workers 2` \| 3 \(supervisor \+ 2 workers\) \| \*\*\d+\.\d\*\* \| \*\*\d+\.\d\d×\*\* \|/);
    expect(report.indexOf('## 8. Worker processes')).toBeLessThan(report.indexOf('## Profile of a drain'));
    expect(report).not.toContain('NaN');
  });
});
