// Sections 7 and 8 of BENCHMARKS.md: the drain on a Sentinel set and a Redis Cluster against one
// redis-server, and with forked worker processes against one process. Each ends with what the
// numbers say, written from the numbers.
import type { DrainResult } from './drain.js';
import { med, n0, n1, n2, pct, table } from './format.js';
import type { Topology } from './lab-redis.js';
import type { TopologySeries, WorkerProcessesSeries } from './scaling.js';
import type { BenchResults } from './suite.js';

export const TOPOLOGIES_HEADING = '## 7. Redis topologies';
export const PROCESSES_HEADING = '## 8. Worker processes';

const TOPOLOGY_NAMES: Record<Topology, string> = {
  standalone: 'standalone `redis-server`',
  sentinel: 'Sentinel (1 master, 1 replica, 3 sentinels)',
  cluster: 'Cluster (3 masters + 3 replicas, QUEUE_PREFIX={pos-bridge})',
};

const rate = (runs: readonly DrainResult[]) => med(runs, (r) => r.appealsPerSecond);
/** Client CPU milliseconds per appeal (as in section 1). */
const cpuMs = (runs: readonly DrainResult[]) => med(runs, (r) => (r.cores.client * r.seconds * 1000) / r.appeals);
const allCores = (r: DrainResult) => r.cores.client + r.cores.emulators + r.cores.redis;
/** Per run: this variant's rate ÷ the baseline's in the same run. */
const perRun = (runs: readonly DrainResult[], base: readonly DrainResult[]) => runs.map((run, i) => run.appealsPerSecond / (base[i]?.appealsPerSecond ?? Number.NaN));
const duplicates = (runs: readonly DrainResult[]) => runs.reduce((sum, r) => sum + r.duplicates, 0);
const errors = (runs: readonly DrainResult[]) => runs.reduce((sum, r) => sum + r.log.errors, 0);

/** "1.00× … 0.93×": how a ratio reads in a sentence. */
const times = (value: number) => `${n2(value)}×`;

function topologyTable(series: TopologySeries): string {
  const base = series.runs.standalone;
  const rows = (Object.keys(TOPOLOGY_NAMES) as Topology[]).filter((t) => series.runs[t].length).map((topology) => {
    const runs = series.runs[topology];
    return [
      TOPOLOGY_NAMES[topology],
      runs[0]?.redisProcesses ?? '–',
      `**${n1(rate(runs))}**`,
      `**${times(rate(runs) / rate(base))}**`,
      n1(med(runs, (r) => r.seconds)),
      n2(med(runs, (r) => r.latencyP99Ms / 1000)),
      n2(med(runs, (r) => r.cores.client)),
      n2(cpuMs(runs)),
      times(cpuMs(runs) / cpuMs(base)),
      n2(med(runs, (r) => r.cores.emulators)),
      n2(med(runs, (r) => r.cores.redis)),
      n2(med(runs, (r) => (r.cores.redis * r.seconds * 1000) / r.appeals)),
      n2(med(runs, allCores)),
      duplicates(runs),
      `${runs.length}; ÷ standalone per run: ${perRun(runs, base).map(n2).join(', ')}`,
    ];
  });
  return table(
    ['Redis', 'redis processes', 'appeals/s', '÷ standalone', 'drain s', 'p99 pull→accept s', 'client cores', 'client CPU ms/appeal', '÷ standalone', 'emulator cores', 'Redis cores (all its processes)', 'Redis CPU ms/appeal', 'all cores', 'duplicates', 'runs'],
    rows,
  );
}

/** "about the same" within ±10 %, else the ratio: the shared machine moves single figures by that much. */
const against = (ratio: number) => (Math.abs(ratio - 1) < 0.1 ? `about the same (${times(ratio)})` : times(ratio));

function topologyFindings(series: TopologySeries, cores: number): string {
  const base = series.runs.standalone;
  const redisMs = (runs: readonly DrainResult[]) => med(runs, (r) => (r.cores.redis * r.seconds * 1000) / r.appeals);
  const said = (['sentinel', 'cluster'] as const).filter((t) => series.runs[t].length).map((topology) => {
    const runs = series.runs[topology];
    return `on ${topology === 'sentinel' ? 'the Sentinel set' : 'the Cluster'} the drain ran at ${against(rate(runs) / rate(base))} standalone's rate (per run ${perRun(runs, base).map(n2).join(', ')}) with ${against(cpuMs(runs) / cpuMs(base))} its client CPU per appeal, and Redis spent ${n2(redisMs(runs))} ms of CPU per appeal over its ${runs[0]?.redisProcesses ?? '?'} processes against ${n2(redisMs(base))} for one server`;
  });
  const all = [...series.runs.standalone, ...series.runs.sentinel, ...series.runs.cluster];
  return `What the numbers say: ${said.join('; ')}. Every appeal was registered once and accepted on every topology (${duplicates(all)} duplicates, ${errors(all)} errors logged). A replica applies every write its master makes, and the sentinels ping every server, so the topologies cost more Redis CPU for the same work; the Cluster holds all of the bridge's keys in one hash slot (QUEUE_PREFIX's hash tag), so one master serves the whole drain and the other two hold none of its keys: it buys failover, not throughput. On ${cores} cores the bridge, the emulators and every redis process share the machine ("all cores"), so the rates also carry that contention; CPU per appeal is the steadier comparison.`;
}

export function topologiesSection(results: BenchResults): string {
  const series = results.topologies;
  if (!series) return 'Not run this time (`BENCH_ONLY=topologies npm run bench` runs it alone).';
  const intro = `The backlog drain of section 1 (${n0(series.size)} appeals, Directum RX, \`start --role all\`, WORKER_CONCURRENCY=${results.options.concurrency}, POS_PAGE_SIZE=${results.options.pageSize}) on three Redis topologies, each started afresh for every run from Debian's \`redis-server\` and \`redis-cli\` on loopback (\`fixtures/redis/\`), every data server with AOF fsynced every second. The bridge reaches the Sentinel set and the Cluster through BRIDGE_CONFIG (\`redis.sentinels\`, \`redis.cluster\`), as an operator would. Median of ${series.runs.standalone.length} run(s); within a run the three drains follow each other. Redis cores are summed over every redis process of the topology (servers and sentinels).`;
  if (series.skipped) return `${intro}\n\n${series.skipped}.`;
  return [intro, '', topologyTable(series), '', topologyFindings(series, results.machine.cores)].join('\n');
}

function processesTable(series: WorkerProcessesSeries): string {
  const line = (label: string, processes: string, runs: readonly DrainResult[]) => [
    label,
    processes,
    `**${n1(rate(runs))}**`,
    `**${times(rate(runs) / rate(series.single))}**`,
    n1(med(runs, (r) => r.seconds)),
    n2(med(runs, (r) => r.latencyP99Ms / 1000)),
    n2(med(runs, (r) => r.cores.client)),
    n2(cpuMs(runs)),
    n2(med(runs, (r) => r.cores.emulators)),
    n2(med(runs, (r) => r.cores.redis)),
    n2(med(runs, allCores)),
    pct(med(runs, (r) => r.cores.clientWaiting)),
    duplicates(runs),
    `${runs.length}; ÷ one process per run: ${perRun(runs, series.single).map(n2).join(', ')}`,
  ];
  return table(
    ['bridge', 'node processes', 'appeals/s', '÷ one process', 'drain s', 'p99 pull→accept s', 'client cores (all its processes)', 'client CPU ms/appeal', 'emulator cores', 'Redis cores', 'all cores', 'supervisor waited for a CPU', 'duplicates', 'runs'],
    [
      line('`start --role all`', '1', series.single),
      line(`\`start --workers ${series.workers}\``, `${series.workers + 1} (supervisor + ${series.workers} workers)`, series.forked),
    ],
  );
}

function processesFindings(series: WorkerProcessesSeries, cores: number): string {
  const ratio = rate(series.forked) / rate(series.single);
  const busy = med(series.forked, allCores);
  return `What the numbers say: with ${series.workers} worker processes the drain ran at ${against(ratio)} the rate of one process (per run ${perRun(series.forked, series.single).map(n2).join(', ')}). The bridge's processes kept ${n2(med(series.forked, (r) => r.cores.client))} cores busy against ${n2(med(series.single, (r) => r.cores.client))} for one, at ${n2(cpuMs(series.forked))} against ${n2(cpuMs(series.single))} ms of CPU per appeal (${against(cpuMs(series.forked) / cpuMs(series.single))}; each process keeps its own connections, directory cache and timers, and the supervisor its pull and schedules). Everything together used ${n2(busy)} of the machine's ${cores} cores against ${n2(med(series.single, allCores))} with one process. On ${cores} cores the emulators (${n2(med(series.forked, (r) => r.cores.emulators))} cores) and Redis (${n2(med(series.forked, (r) => r.cores.redis))}) compete with the bridge's processes for the same CPUs, so this shows a machine already near full, not what a core of its own would give each worker; where ПОС, the EDMS and Redis run on other machines, each worker process can have a core.`;
}

export function processesSection(results: BenchResults): string {
  const series = results.workerProcesses;
  if (!series) return 'Not run this time (`BENCH_ONLY=processes npm run bench` runs it alone).';
  const intro = `The backlog drain of section 1 (${n0(series.size)} appeals, Directum RX, one standalone \`redis-server\`) by one process, \`pos-bridge start --role all\` as section 1 runs it, and by \`pos-bridge start --workers ${series.workers}\`: a supervisor keeping the admin API and the schedules (the pull) that forks ${series.workers} worker processes, each with WORKER_CONCURRENCY=${results.options.concurrency} (the same setting per process, so ${series.workers * results.options.concurrency} registrations at once against ${results.options.concurrency}). Client cores are summed over the supervisor and its forked workers (\`/proc/<pid>/stat\` of each). Median of ${series.single.length} run(s); within a run the two drains follow each other.`;
  return [intro, '', processesTable(series), '', processesFindings(series, results.machine.cores)].join('\n');
}
