// The several-organisations section of BENCHMARKS.md: 3 organisations against 1 draining the same
// appeals, and how long a small organisation's appeals wait beside another's large backlog.
import type { DrainResult, OrganisationDrain } from './drain.js';
import { med, n0, n1, n2, pct, table } from './format.js';
import { BENCH_ORGANISATIONS, type OrganisationsSeries } from './organisations.js';

type Runs = 'equalSlots' | 'sameSetting';

const cpuPerAppealMs = (run: DrainResult) => (run.cores.client * run.seconds * 1000) / run.appeals;

/** Throughput of three organisations ÷ one, medians of the runs. */
export function organisationsRatio(series: OrganisationsSeries, runs: Runs = 'equalSlots'): number {
  return med(series[runs], (r) => r.appealsPerSecond) / med(series.single, (r) => r.appealsPerSecond);
}

export const ORGANISATIONS_TARGET = 0.9;

export function organisationsTarget(series: OrganisationsSeries): { name: string; target: string; measured: string; met: boolean } {
  const ratio = organisationsRatio(series);
  // The rate a full core each would give: steadier than the rates on a shared machine.
  const byCpu = med(series.single, cpuPerAppealMs) / med(series.equalSlots, cpuPerAppealMs);
  return {
    name: `drain of 3 organisations × ${n0(series.size / 3)} vs 1 × ${n0(series.size)} (same register slots)`,
    target: `≥ ${ORGANISATIONS_TARGET.toFixed(2)}×`,
    measured: `${n2(ratio)}× (by CPU per appeal: ${n2(byCpu)}×)`,
    met: ratio >= ORGANISATIONS_TARGET,
  };
}

function drainTable(series: OrganisationsSeries): string {
  const k = series.perOrganisation;
  const line = (label: string, shape: string, concurrency: string, runs: readonly DrainResult[]) => [
    label,
    shape,
    concurrency,
    `**${n1(med(runs, (r) => r.appealsPerSecond))}**`,
    n1(med(runs, (r) => r.seconds)),
    n2(med(runs, (r) => r.latencyP50Ms / 1000)),
    n2(med(runs, (r) => r.latencyP99Ms / 1000)),
    n0(med(runs, (r) => r.peakRssMiB)),
    n2(med(runs, (r) => r.cores.client)),
    n2(med(runs, cpuPerAppealMs)),
    pct(med(runs, (r) => r.cores.clientWaiting)),
    n1(med(runs, (r) => r.startupSeconds)),
    runs.reduce((sum, r) => sum + r.duplicates, 0),
    runs.length,
  ];
  const ratio = (label: string, runs: Runs) => {
    const perRun = series[runs].map((run, i) => run.appealsPerSecond / (series.single[i]?.appealsPerSecond ?? Number.NaN));
    const cpu = med(series[runs], cpuPerAppealMs) / med(series.single, cpuPerAppealMs);
    return [
      label,
      '',
      '',
      `**${n2(organisationsRatio(series, runs))}**`,
      '',
      '',
      '',
      '',
      '',
      n2(cpu),
      '',
      '',
      '',
      `per run: ${perRun.map(n2).join(', ')}`,
    ];
  };
  const third = n0(series.size / 3);
  return table(
    [
      'bridge',
      'organisations × appeals',
      'WORKER_CONCURRENCY (register slots in all)',
      'appeals/s',
      'drain s',
      'p50 pull→accept s',
      'p99 pull→accept s',
      'peak RSS MiB',
      'client cores',
      'client CPU ms/appeal',
      'client waited for a CPU',
      'start-up s',
      'duplicates',
      'runs',
    ],
    [
      line('1 organisation (POS_CLIENT_ID)', `1 × ${n0(series.size)}`, `${3 * k} (${3 * k})`, series.single),
      line('3 organisations, same slots', `3 × ${third}`, `${k} each (${3 * k})`, series.equalSlots),
      line('3 organisations, same setting', `3 × ${third}`, `${3 * k} each (${9 * k})`, series.sameSetting),
      ratio('**3 ÷ 1, same slots**', 'equalSlots'),
      ratio('3 ÷ 1, same setting', 'sameSetting'),
    ],
  );
}

function organisationRuns(series: OrganisationsSeries, clientId: string): OrganisationDrain[] {
  return series.fairness.flatMap((run) => run.organisations.filter((o) => o.organisation === clientId));
}

/** Small ÷ large of a latency percentile: 1 means the small organisation waits no longer per appeal. */
export function fairnessRatio(series: OrganisationsSeries, pick: (o: OrganisationDrain) => number): number {
  const [large, small] = [BENCH_ORGANISATIONS[0]!, BENCH_ORGANISATIONS[1]!];
  return med(organisationRuns(series, small.clientId), pick) / med(organisationRuns(series, large.clientId), pick);
}

function fairnessTable(series: OrganisationsSeries): string {
  const [large, small] = [BENCH_ORGANISATIONS[0]!, BENCH_ORGANISATIONS[1]!];
  const line = (label: string, clientId: string) => {
    const runs = organisationRuns(series, clientId);
    return [
      label,
      n0(runs[0]?.appeals ?? Number.NaN),
      `**${n2(med(runs, (o) => o.latencyP50Ms / 1000))}**`,
      `**${n2(med(runs, (o) => o.latencyP99Ms / 1000))}**`,
      n1(med(runs, (o) => o.doneSeconds)),
      pct(med(runs, (o) => o.othersAcceptedWhenDone)),
      runs.length,
    ];
  };
  const p50 = fairnessRatio(series, (o) => o.latencyP50Ms);
  const p99 = fairnessRatio(series, (o) => o.latencyP99Ms);
  return table(
    [
      'organisation',
      'appeals',
      'p50 pull→accept s',
      'p99 pull→accept s',
      'its last acceptance, s after the first page',
      "the other's backlog accepted by then",
      'runs',
    ],
    [
      line(`large (\`${large.key}\`)`, large.clientId),
      line(`small (\`${small.key}\`)`, small.clientId),
      ['**small ÷ large**', '', `**${n2(p50)}**`, `**${n2(p99)}**`, '', '', ''],
    ],
  );
}

function bridgeLog(series: OrganisationsSeries): string {
  const runs = [...series.single, ...series.equalSlots, ...series.sameSetting, ...series.fairness];
  const warnings = runs.reduce((sum, run) => sum + run.log.warnings, 0);
  const errors = runs.reduce((sum, run) => sum + run.log.errors, 0);
  return `The bridge logged ${warnings} warnings and ${errors} errors over these runs.`;
}

export function organisationsSection(series: OrganisationsSeries | undefined): string {
  if (!series) return 'Not run this time.';
  const k = series.perOrganisation;
  return [
    `One bridge serving several ЛКО (BRIDGE_CONFIG \`organisations:\`), each with its own ПОС token, pull, queues (\`register-<key>\`…) and workers, on one Redis and one Directum RX. ${n0(series.size)} appeals (the generator's, as in section 1) wait either in one organisation's cabinet (the bridge configured with POS_CLIENT_ID, as before) or dealt out in turn over three (${n0(series.size / 3)} each, of every age); the organisations have no mapping or constants of their own, so the two differ in organisations only. Timed as in section 1, from the first pull page of any organisation to the last acceptance; the variants take turns within each run.`,
    '',
    `**Concurrency.** WORKER_CONCURRENCY is per worker, and each organisation has its own register worker, so three organisations at WORKER_CONCURRENCY=c run 3c registrations at once. The target compares like with like: the three organisations get ${k} each (BENCH_CONCURRENCY=${series.fairnessConcurrency} ÷ 3, rounded to a whole number) and the single one ${3 * k}: ${3 * k} register slots in both. The "same setting" row is what an operator gets by leaving WORKER_CONCURRENCY as it was: ${3 * k} each, ${9 * k} slots, against the same single-organisation runs.`,
    '',
    drainTable(series),
    '',
    `**Fairness.** ${n0(series.size)} appeals in \`${BENCH_ORGANISATIONS[0]!.key}\` and ${n0(series.small)} in \`${BENCH_ORGANISATIONS[1]!.key}\`, seeded together before the bridge starts (WORKER_CONCURRENCY=${series.fairnessConcurrency} each, the benchmark's setting). Pull→accept is per appeal, from the first page that listed it to its acceptance; the large backlog's pull pages on at the pace its workers accept, so its figure is not the whole wait of its last appeals — the last two columns show when the small organisation was done and how far the large backlog had got by then.`,
    '',
    fairnessTable(series),
    '',
    bridgeLog(series),
  ].join('\n');
}
