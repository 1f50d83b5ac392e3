// Scaling out: the same backlog drain on a Sentinel set and on a Redis Cluster against one
// redis-server, and with `start --workers 2` against one process. Within a run the variants
// follow each other, so a load spike on the shared machine hits them alike.
import { topologySkipReason } from '../fixtures/redis/topology.js';
import { measureDrain, type DrainResult, type DrainSettings } from './drain.js';
import { TOPOLOGIES, type Topology } from './lab-redis.js';
import type { BenchOptions } from './options.js';
import type { SeedAppeal } from '../fixtures/generator.js';
import type { Log } from './suite.js';

export interface TopologySeries {
  size: number;
  /** Why the Sentinel and Cluster drains did not run (no redis-cli), if they did not. */
  skipped?: string;
  runs: Record<Topology, DrainResult[]>;
}

export interface WorkerProcessesSeries {
  size: number;
  /** Worker processes `start --workers N` forked. */
  workers: number;
  /** `start --role all`: one process. */
  single: DrainResult[];
  /** `start --workers N`: the supervisor (API, schedules) and N forked workers. */
  forked: DrainResult[];
}

export const FORKED_WORKERS = 2;

const fmt = (value: number, digits = 1) => value.toFixed(digits);
const line = (result: DrainResult) =>
  `${fmt(result.appealsPerSecond)} appeals/s, client ${fmt(result.cores.client, 2)} cores, Redis ${fmt(result.cores.redis, 2)} cores (${result.redisProcesses ?? '?'} processes)`;

/** Drains of `appeals` (BENCH_TOPOLOGY_SIZE of them) on each topology. */
export async function runTopologiesBench(
  options: BenchOptions,
  settings: DrainSettings,
  appeals: readonly SeedAppeal[],
  log: Log,
): Promise<TopologySeries> {
  const size = appeals.length;
  const skipped = topologySkipReason();
  const series: TopologySeries = { size, ...(skipped ? { skipped } : {}), runs: { standalone: [], sentinel: [], cluster: [] } };
  if (skipped) log(`topologies: ${skipped}`);
  const topologies = skipped ? (['standalone'] as const) : TOPOLOGIES;
  for (let run = 1; run <= options.runs; run++) {
    for (const topology of topologies) {
      const result = await measureDrain('bridge', appeals, settings, { topology });
      series.runs[topology].push(result);
      log(`topology ${topology}, drain ${size}, run ${run}/${options.runs}: ${line(result)}`);
    }
  }
  return series;
}

/** Drains of `appeals` (BENCH_PROCESS_SIZE of them) by one process and by `start --workers 2`. */
export async function runWorkerProcessesBench(
  options: BenchOptions,
  settings: DrainSettings,
  appeals: readonly SeedAppeal[],
  log: Log,
): Promise<WorkerProcessesSeries> {
  const size = appeals.length;
  const series: WorkerProcessesSeries = { size, workers: FORKED_WORKERS, single: [], forked: [] };
  for (let run = 1; run <= options.runs; run++) {
    const single = await measureDrain('bridge', appeals, settings);
    series.single.push(single);
    log(`one process, drain ${size}, run ${run}/${options.runs}: ${line(single)}`);
    const forked = await measureDrain('bridge', appeals, settings, { args: ['start', '--workers', String(FORKED_WORKERS)] });
    series.forked.push(forked);
    log(`start --workers ${FORKED_WORKERS}, drain ${size}, run ${run}/${options.runs}: ${line(forked)}`);
  }
  return series;
}
