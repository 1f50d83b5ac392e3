// BENCHMARKS.md from one `npm run bench`: the setup, one table per benchmark with medians of the
// runs, the targets, the profile of a drain and a closing note on what limits the figures.
import type { DrainResult } from './drain.js';
import { LARGE_DRAIN } from './options.js';
import type { PushResult } from './push.js';
import { med, n0, n1, n2, pct, table } from './format.js';
import { closingNote } from './report-notes.js';
import { organisationsSection, organisationsTarget } from './report-organisations.js';
import { PROCESSES_HEADING, processesSection, TOPOLOGIES_HEADING, topologiesSection } from './report-scaling.js';
import type { BenchResults, DrainSeries } from './suite.js';

export const REPRODUCE = 'npm ci && npm run bench';

/** Client CPU milliseconds per appeal: what one appeal costs the process, whatever else loads the machine. */
export const cpuPerAppealMs = (run: DrainResult) => (run.cores.client * run.seconds * 1000) / run.appeals;

export function throughputRatio(series: DrainSeries): number {
  return med(series.bridge, (r) => r.appealsPerSecond) / med(series.floor, (r) => r.appealsPerSecond);
}

export function memoryRatio(results: BenchResults, pick: (run: DrainResult) => number = (r) => r.peakRssMiB): number {
  const first = results.drains[0];
  const last = results.drains.at(-1);
  if (!first || !last || first === last) return Number.NaN;
  return med(last.bridge, pick) / med(first.bridge, pick);
}

/** The ratio the bridge would reach with a full core each: floor CPU per appeal ÷ the bridge's. */
export function cpuRatio(series: DrainSeries): number {
  return med(series.floor, cpuPerAppealMs) / med(series.bridge, cpuPerAppealMs);
}

function drainTable(results: BenchResults): string {
  const rows: (string | number)[][] = [];
  for (const series of results.drains) {
    for (const client of ['bridge', 'floor'] as const) {
      const runs = series[client];
      rows.push([
        n0(series.size),
        client === 'bridge' ? 'pos-bridge (`start --role all`)' : 'raw floor (`bench/floor.ts`)',
        `**${n1(med(runs, (r) => r.appealsPerSecond))}**`,
        n1(med(runs, (r) => r.seconds)),
        n2(med(runs, (r) => r.latencyP50Ms / 1000)),
        n2(med(runs, (r) => r.latencyP99Ms / 1000)),
        n0(med(runs, (r) => r.peakRssMiB)),
        n0(med(runs, (r) => r.medianRssMiB)),
        n2(med(runs, (r) => r.cores.client)),
        n2(med(runs, cpuPerAppealMs)),
        n2(med(runs, (r) => r.cores.emulators)),
        n2(med(runs, (r) => r.cores.redis)),
        pct(med(runs, (r) => r.cores.clientWaiting)),
        n1(med(runs, (r) => r.startupSeconds)),
        runs.reduce((sum, r) => sum + r.duplicates, 0),
        runs.length,
      ]);
    }
    const perRun = series.bridge.map((run, i) => run.appealsPerSecond / (series.floor[i]?.appealsPerSecond ?? Number.NaN));
    rows.push([
      n0(series.size),
      '**bridge ÷ floor**',
      `**${n2(throughputRatio(series))}**`,
      '',
      '',
      '',
      '',
      '',
      '',
      n2(med(series.bridge, cpuPerAppealMs) / med(series.floor, cpuPerAppealMs)),
      '',
      '',
      '',
      '',
      '',
      `per run: ${perRun.map(n2).join(', ')}`,
    ]);
  }
  return table(
    [
      'backlog',
      'client',
      'appeals/s',
      'drain s',
      'p50 pull→accept s',
      'p99 pull→accept s',
      'peak RSS MiB',
      'median RSS MiB',
      'client cores',
      'client CPU ms/appeal',
      'emulator cores',
      'Redis cores',
      'client waited for a CPU',
      'start-up s',
      'duplicates',
      'runs',
    ],
    rows,
  );
}

function requestMix(results: BenchResults): string {
  const series = results.drains.at(-1);
  const bridge = series?.bridge[0]?.requestsPerAppeal;
  const floor = series?.floor[0]?.requestsPerAppeal;
  if (!bridge || !floor) return '';
  const keys = (pick: 'pos' | 'directum') => [...new Set([...Object.keys(bridge[pick]), ...Object.keys(floor[pick])])].sort();
  const rows: (string | number)[][] = [];
  for (const system of ['pos', 'directum'] as const) {
    for (const key of keys(system)) {
      const b = bridge[system][key] ?? 0;
      const f = floor[system][key] ?? 0;
      if (b === 0 && f === 0) continue;
      rows.push([system === 'pos' ? 'ПОС' : 'Directum', key, n2(b), n2(f)]);
    }
  }
  const directories = /^read I(DocumentKinds|MailDeliveryMethods|Departments|BusinessUnits|Employees|Questions)$/;
  const directoryReads = Object.entries(bridge.directum)
    .filter(([key]) => directories.test(key))
    .reduce((sum, [, perAppeal]) => sum + perAppeal * series.size, 0);
  const note = `\n\nDirectory reads by the bridge (document kinds, delivery methods, departments, business units, employees, questions): ${n0(Math.round(directoryReads))} in the whole drain — each directory is read once per process and kept (DIRECTUM_DIRECTORY_TTL), so a registration in steady state reads none.`;
  return `Requests per appeal in the ${n0(series.size)} drain (first run), as the emulators counted them:\n\n${table(['system', 'route', 'bridge', 'floor'], rows)}${note}`;
}

/** What the bridge logged at warn level and above across all its measured runs. */
function bridgeLog(results: BenchResults): string {
  const o = results.organisations;
  const organisations = o ? [...o.single, ...o.equalSlots, ...o.sameSetting, ...o.fairness] : [];
  const runs = [
    ...results.drains.flatMap((series) => series.bridge),
    ...organisations,
    ...results.push,
    ...results.ratePush,
    ...results.rateUnpaced,
  ];
  const warnings = runs.reduce((sum, run) => sum + run.log.warnings, 0);
  const errors = runs.reduce((sum, run) => sum + run.log.errors, 0);
  const counts = new Map<string, number>();
  for (const run of runs) for (const { message, count } of run.log.messages) counts.set(message, (counts.get(message) ?? 0) + count);
  const top = [...counts]
    .sort(([, a], [, b]) => b - a)
    .slice(0, 5)
    .map(([message, count]) => `${count} × “${message}”`);
  return `The bridge logged ${warnings} warnings and ${errors} errors over all its measured runs (LOG_LEVEL=warn)${top.length ? `: ${top.join('; ')}` : ''}.`;
}

function pushTable(results: BenchResults): string {
  const line = (label: string, runs: PushResult[], setting: string) => [
    label,
    n0(runs[0]?.appeals ?? Number.NaN),
    setting,
    n1(med(runs, (r) => r.seconds)),
    `**${n1(med(runs, (r) => r.appealsPerSecond))}**`,
    n1(med(runs, (r) => r.requestsPerSecond)),
    n2(med(runs, (r) => r.requestsPerAppeal)),
    runs[0]?.rateLimit ? `**${pct(med(runs, (r) => r.shareOfLimit ?? Number.NaN))}**` : '–',
    runs.length ? `**${runs.map((r) => r.rejected429).join(', ')}**` : '–',
    runs.map((r) => r.missedRegisteredStatuses).join(', '),
    n0(med(runs, (r) => r.peakRssMiB)),
    n2(med(runs, (r) => r.cores.client)),
  ];
  const r = results.options.rateLimit;
  return table(
    [
      'ПОС limit',
      'answered appeals',
      'POS_RATE_LIMIT',
      'push s',
      'appeals/s',
      'ПОС requests/s',
      'requests/appeal',
      'share of limit',
      '429s (per run)',
      '"registered" missed (per run)',
      'peak RSS MiB',
      'bridge cores',
    ],
    [
      line('none', results.push, 'unset'),
      line(`${r} req/s`, results.ratePush, `${r} (= the limit)`),
      line(`${r} req/s`, results.rateUnpaced, 'unset'),
    ],
  );
}

function mappingTable(results: BenchResults): string {
  if (!results.mapping) return 'not run';
  return `${table(
    ['case (one thread, appeals per CPU-second)', 'appeals/s'],
    results.mapping.rows.map((r) => [r.name, n0(r.appealsPerSecond)]),
  )}\n\nDefault mapping ÷ hand-written TypeScript (both checking the record against the schema): Directum RX ${n2(results.mapping.ratios['directum-rx'])}, «Дело» ${n2(results.mapping.ratios.delo)}.`;
}

export function targets(results: BenchResults): { name: string; target: string; measured: string; met: boolean }[] {
  const list: { name: string; target: string; measured: string; met: boolean }[] = [];
  for (const series of results.drains) {
    const ratio = throughputRatio(series);
    list.push({
      name: `drain of ${n0(series.size)} vs raw floor`,
      target: '≥ 0.80×',
      measured: `${n2(ratio)}× (by CPU per appeal: ${n2(cpuRatio(series))}×)`,
      met: ratio >= 0.8,
    });
  }
  const memory = memoryRatio(results);
  if (Number.isFinite(memory)) {
    const [small, large] = [results.drains[0]!.size, results.drains.at(-1)!.size];
    list.push({ name: `peak RSS at ${n0(large)} ÷ at ${n0(small)}`, target: '≤ 1.10', measured: n2(memory), met: memory <= 1.1 });
  }
  if (results.organisations) list.push(organisationsTarget(results.organisations));
  const mapping = results.mapping?.rows.find((r) => r.name.startsWith('directum-rx: mapping'));
  if (mapping)
    list.push({
      name: 'mapping (Directum RX, default mapping)',
      target: '≥ 50,000 appeals/s/core',
      measured: `${n0(mapping.appealsPerSecond)}/s`,
      met: mapping.appealsPerSecond >= 50_000,
    });
  const share = med(results.ratePush, (r) => r.shareOfLimit ?? Number.NaN);
  const rejected = results.ratePush.reduce((sum, r) => sum + r.rejected429, 0);
  list.push({
    name: `status push under a ${results.options.rateLimit} req/s ПОС limit, POS_RATE_LIMIT=${results.options.rateLimit}`,
    target: '≥ 90% of the limit, 0 × 429',
    measured: `${pct(share)}, ${rejected} × 429`,
    met: share >= 0.9 && rejected === 0,
  });
  return list;
}

function profileSection(results: BenchResults): string {
  const profile = results.profile;
  if (!profile) return 'Not run this time (`BENCH_PROFILE=1` adds one profiled drain).';
  const s = profile.summary;
  const entries = (list: { name: string; share: number }[]) => list.slice(0, 12).map((e) => [e.name.replace(/\|/g, '\\|'), pct(e.share)]);
  return [
    `One extra ${n0(profile.size)}-appeal drain with \`node --cpu-prof\` on the bridge (not counted above). Profiled ${n1(s.totalMs / 1000)} s, idle ${pct(s.idleShare)}; shares are of busy time.`,
    '',
    table(['package or file the time was spent for (Node internals charged to their caller)', 'share'], entries(s.onBehalfOf)),
    '',
    table(['function (self time)', 'share'], entries(s.functions)),
  ].join('\n');
}

export function renderReport(results: BenchResults): string {
  const { options, machine } = results;
  const quick = options.quick ? ' (quick smoke run: small N, one run each — not for comparison)' : '';
  const lines = [
    '# Benchmarks',
    '',
    `Measured ${results.startedAt.slice(0, 10)} on ${machine.cores} CPU cores (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, Node ${machine.node}, ${machine.platform}, code at ${machine.revision}${quick}. The whole run took ${n1(results.durationSeconds / 60)} min.`,
    '',
    `Reproduce: \`${REPRODUCE}\`${options.quick ? ' (this file: `BENCH_QUICK=1 npm run bench`)' : ''}. \`npm run bench\` builds, runs everything below and rewrites this file; \`BENCH_QUICK=1\` is a two-minute smoke run. Settings: \`BENCH_RUNS\` (runs per figure, default 3), \`BENCH_LARGE_RUNS\` (default 1), \`BENCH_SIZES\` (default 5000,50000), \`BENCH_PUSH\`, \`BENCH_RATE\`, \`BENCH_RATE_PUSH\`, \`BENCH_CONCURRENCY\`, \`BENCH_PAGE_SIZE\`, \`BENCH_ORG_SIZE\`, \`BENCH_ORG_SMALL\`, \`BENCH_TOPOLOGY_SIZE\` (default 2000), \`BENCH_PROCESS_SIZE\` (default 5000), \`BENCH_PROFILE=0\`, \`BENCH_ONLY=topologies,processes\` (only those sections, rewritten in place; see \`bench/options.ts\`).`,
    '',
    `Every figure is the median of ${options.runs} run(s)${options.drainSizes.some((size) => size >= LARGE_DRAIN) ? ` (drains of ${n0(LARGE_DRAIN)} appeals or more: ${options.largeRuns}, as one such drain of the bridge and of the floor takes about ten minutes here; \`BENCH_LARGE_RUNS=3\` for medians)` : ''}. Each run starts from nothing: a fresh private \`redis-server\` (AOF, fsync every second, as the compose file runs it), fresh ПОС and Directum RX emulators in the benchmark process, and the client under test in a child process of its own — the bridge's real CLI (\`pos-bridge start --role all\`, WORKER_CONCURRENCY=${options.concurrency}, POS_PAGE_SIZE=${options.pageSize}) or the raw floor — so its CPU and memory are its own. Peak RSS is the kernel's VmHWM of that process. Times come from the ПОС emulator's clock: when a pull page first listed an appeal, when it was accepted. Loopback only; the machine is shared, so CPU milliseconds per appeal are given beside the rates.`,
    '',
    '## Targets',
    '',
    table(
      ['figure', 'target', 'measured', 'met'],
      targets(results).map((t) => [t.name, t.target, t.measured, t.met ? 'yes' : '**no**']),
    ),
    '',
    '## 1–2. Backlog drain and the raw floor',
    '',
    `N appeals wait in ПОС (the shared generator's realistic appeals; ~30% carry 1–3 attachments), Directum RX is the target. Time from the first pull page to the last acceptance; every appeal registered exactly once (one card, one link) and accepted. The raw floor (\`bench/floor.ts\`) makes the same ПОС and Directum calls for the same appeals with the same keep-alive HTTP stack and concurrency, and nothing else: no queue, no Redis, no mapping engine (its records are mapped before it starts), no encryption, no schema checks. The bridge runs its schedules as shipped (the first pull at start, PULL_EVERY=60s), with the watch and reconcile moved out of the way (1h), since status pushes are measured in section 3.`,
    '',
    drainTable(results),
    '',
    requestMix(results),
    '',
    bridgeLog(results),
    '',
    '## 3. Status push',
    '',
    `The bridge registers and accepts N appeals and delivers their "registered" status; then the clerks assign an executor and answer every request at once (a third with an answer document), and the bridge (WATCH_EVERY=250ms) is timed from its next ПОС request until every final answer is in ПОС. Rate-limited: ПОС allows ${options.rateLimit} requests/s over all routes (token bucket, burst ${options.rateLimit}); share = answered ПОС requests in that window ÷ the most the limit allowed in it (rate × window + one full bucket).`,
    '',
    pushTable(results),
    '',
    '## 4. Mapping',
    '',
    `\`bench/mapping.ts\`: the shipped mappings against hand-written TypeScript making the same records, on one thread, appeals per CPU-second (median of ${options.mapping.runs} passes over ${n0(options.mapping.appeals)} generated appeals plus the edge-case fixtures).`,
    '',
    mappingTable(results),
    '',
    '## 5. Memory growth',
    '',
    Number.isFinite(memoryRatio(results))
      ? `Peak RSS of the bridge: ${results.drains.map((s) => `${n0(med(s.bridge, (r) => r.peakRssMiB))} MiB at ${n0(s.size)}`).join(', ')} → ratio **${n2(memoryRatio(results))}**. Median RSS during the drain: ${results.drains.map((s) => `${n0(med(s.bridge, (r) => r.medianRssMiB))} MiB`).join(', ')} → ratio ${n2(memoryRatio(results, (r) => r.medianRssMiB))}. The bridge's RSS climbs over its first minute or so (V8 growing its heap, code being compiled) and then stays flat however many appeals follow; a ${n0(results.drains[0]!.size)}-appeal drain is over within that minute, so its median sits lower than a long drain's, while the peaks compare like with like.`
      : 'Needs two backlog sizes.',
    '',
    '## 6. Several organisations (ЛКО)',
    '',
    organisationsSection(results.organisations),
    '',
    TOPOLOGIES_HEADING,
    '',
    topologiesSection(results),
    '',
    PROCESSES_HEADING,
    '',
    processesSection(results),
    '',
    '## Profile of a drain',
    '',
    profileSection(results),
    '',
    '## What limits these figures',
    '',
    closingNote(results),
    '',
  ];
  return lines.join('\n');
}
