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
const perRun = (runs: readonly DrainResult[], base: readonly DrainResult[]) =>
  runs.map((run, i) => run.appealsPerSecond / (base[i]?.appealsPerSecond ?? Number.NaN));
const duplicates = (runs: readonly DrainResult[]) => runs.reduce((sum, r) => sum + r.duplicates, 0);
const errors = (runs: readonly DrainResult[]) => runs.reduce((sum, r) => sum + r.log.errors, 0);

/** "1.00× … 0.93×": how a ratio reads in a sentence. */
const times = (value: number) => `${n2(value)}×`;

/** "0.96, 0.77, 0.72". */
const list = (values: readonly number[]) => values.map(n2).join(', ');
const waited = (runs: readonly DrainResult[]) => pct(med(runs, (r) => r.cores.clientWaiting));
const redisMs = (runs: readonly DrainResult[]) => med(runs, (r) => (r.cores.redis * r.seconds * 1000) / r.appeals);

function topologyTable(series: TopologySeries): string {
  const base = series.runs.standalone;
  const rows = (Object.keys(TOPOLOGY_NAMES) as Topology[])
    .filter((t) => series.runs[t].length)
    .map((topology) => {
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
        n2(redisMs(runs)),
        n2(med(runs, allCores)),
        waited(runs),
        duplicates(runs),
        `${runs.length}; ÷ standalone per run: ${perRun(runs, base).map(n2).join(', ')}`,
      ];
    });
  return table(
    [
      'Redis',
      'redis processes',
      'appeals/s',
      '÷ standalone',
      'drain s',
      'p99 pull→accept s',
      'client cores',
      'client CPU ms/appeal',
      '÷ standalone',
      'emulator cores',
      'Redis cores (all its processes)',
      'Redis CPU ms/appeal',
      'all cores',
      'client waited for a CPU',
      'duplicates',
      'runs',
    ],
    rows,
  );
}

function topologyFindings(series: TopologySeries, cores: number): string {
  const base = series.runs.standalone;
  const measured = (['sentinel', 'cluster'] as const).filter((t) => series.runs[t].length);
  const name = (topology: 'sentinel' | 'cluster') => (topology === 'sentinel' ? 'the Sentinel set' : 'the Cluster');
  const rates = measured.map(
    (t, i) =>
      `${name(t)}${i === 0 ? ' drained' : ''} at ${times(rate(series.runs[t]) / rate(base))}${i === 0 ? " standalone's rate" : ''} (per run ${list(perRun(series.runs[t], base))})`,
  );
  const cpu = measured.map((t, i) => `${times(cpuMs(series.runs[t]) / cpuMs(base))}${i === 0 ? " standalone's" : ''} on ${name(t)}`);
  const redis = measured.map(
    (t) => `${n2(redisMs(series.runs[t]))} ms over the ${series.runs[t][0]?.redisProcesses ?? '?'} processes of ${name(t)}`,
  );
  const all = [...series.runs.standalone, ...series.runs.sentinel, ...series.runs.cluster];
  return [
    `What the numbers say: by the medians, ${rates.join(' and ')}.`,
    `The bridge's CPU per appeal was ${cpu.join(' and ')}; Redis spent ${redis.join(' and ')} per appeal, against ${n2(redisMs(base))} ms for one server: a replica applies every write of its master and the sentinels ping every server.`,
    `Every appeal was registered once and accepted on every topology (${duplicates(all)} duplicates, ${errors(all)} errors logged).`,
    `The Cluster holds all of the bridge's keys in one hash slot (QUEUE_PREFIX's hash tag), so one master serves the whole drain and the other two hold none of its keys: it buys failover, not throughput.`,
    `On ${cores} cores the bridge, the emulators and every redis process share the machine ("all cores") with other work on it: the bridge's JavaScript thread waited for a CPU ${measured.map((t) => `${waited(series.runs[t])} of the time on ${name(t)}`).join(', ')} and ${waited(base)} on standalone, so single runs spread widely; CPU per appeal is the steadier comparison.`,
  ].join(' ');
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
    waited(runs),
    duplicates(runs),
    `${runs.length}; ÷ one process per run: ${perRun(runs, series.single).map(n2).join(', ')}`,
  ];
  return table(
    [
      'bridge',
      'node processes',
      'appeals/s',
      '÷ one process',
      'drain s',
      'p99 pull→accept s',
      'client cores (all its processes)',
      'client CPU ms/appeal',
      'emulator cores',
      'Redis cores',
      'all cores',
      'supervisor waited for a CPU',
      'duplicates',
      'runs',
    ],
    [
      line('`start --role all`', '1', series.single),
      line(`\`start --workers ${series.workers}\``, `${series.workers + 1} (supervisor + ${series.workers} workers)`, series.forked),
    ],
  );
}

function processesFindings(series: WorkerProcessesSeries, cores: number): string {
  const ratio = rate(series.forked) / rate(series.single);
  return [
    `What the numbers say: with ${series.workers} worker processes the drain ran at ${times(ratio)} the rate of one process by the medians (${n1(rate(series.forked))} against ${n1(rate(series.single))} appeals/s; per run ${list(perRun(series.forked, series.single))}).`,
    `The bridge's processes kept ${n2(med(series.forked, (r) => r.cores.client))} cores busy against ${n2(med(series.single, (r) => r.cores.client))} for one, at ${n2(cpuMs(series.forked))} against ${n2(cpuMs(series.single))} ms of CPU per appeal (${times(cpuMs(series.forked) / cpuMs(series.single))}): each process keeps its own connections, directory cache and timers, and the supervisor its pull and schedules.`,
    `Everything measured used ${n2(med(series.forked, allCores))} of the machine's ${cores} cores with the workers against ${n2(med(series.single, allCores))} with one process, and other work shared the machine too: one process's JavaScript thread waited for a CPU ${waited(series.single)} of its drains, the supervisor's ${waited(series.forked)}, so single runs spread widely.`,
    `On ${cores} cores the emulators (${n2(med(series.forked, (r) => r.cores.emulators))} cores) and Redis (${n2(med(series.forked, (r) => r.cores.redis))}) compete with the bridge's processes for the same CPUs, so this shows a machine already near full, not what a core of its own would give each worker; where ПОС, the EDMS and Redis run on other machines, each worker process can have a core.`,
  ].join(' ');
}

export function processesSection(results: BenchResults): string {
  const series = results.workerProcesses;
  if (!series) return 'Not run this time (`BENCH_ONLY=processes npm run bench` runs it alone).';
  const intro = `The backlog drain of section 1 (${n0(series.size)} appeals, Directum RX, one standalone \`redis-server\`) by one process, \`pos-bridge start --role all\` as section 1 runs it, and by \`pos-bridge start --workers ${series.workers}\`: a supervisor keeping the admin API and the schedules (the pull) that forks ${series.workers} worker processes, each with WORKER_CONCURRENCY=${results.options.concurrency} (the same setting per process, so ${series.workers * results.options.concurrency} registrations at once against ${results.options.concurrency}). Client cores are summed over the supervisor and its forked workers (\`/proc/<pid>/stat\` of each). Median of ${series.single.length} run(s); within a run the two drains follow each other.`;
  return [intro, '', processesTable(series), '', processesFindings(series, results.machine.cores)].join('\n');
}
