// Runs every benchmark `npm run bench` reports: backlog drains of the bridge and of the raw floor
// (alternating, so a load spike on the shared machine hits both alike), the same drain over several
// organisations, the status push with and without a ПОС rate limit, the mapping throughput, the
// drain on a Sentinel set and a Cluster and with forked worker processes, and optionally one
// profiled drain. BENCH_ONLY runs only some of the last sections.
import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { generateAppeals, type SeedAppeal } from '../fixtures/generator.js';
import { packageRoot } from '../fixtures/index.js';
import { measureDrain, type DrainResult, type DrainSettings } from './drain.js';
import { runMappingBench, type MappingBenchResult } from './mapping.js';
import { drainRuns, type BenchOptions } from './options.js';
import { runOrganisationsBench, type OrganisationsSeries } from './organisations.js';
import { summariseProfileFile, type ProfileSummary } from './profile.js';
import { measurePush, type PushResult } from './push.js';
import { runTopologiesBench, runWorkerProcessesBench, type TopologySeries, type WorkerProcessesSeries } from './scaling.js';

export interface Machine {
  /** Commit measured, with "+ uncommitted changes" when the working tree differed. */
  revision: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export interface DrainSeries {
  size: number;
  bridge: DrainResult[];
  floor: DrainResult[];
}

export interface BenchResults {
  options: BenchOptions;
  machine: Machine;
  startedAt: string;
  durationSeconds: number;
  drains: DrainSeries[];
  push: PushResult[];
  /** ПОС limited to R requests/s, POS_RATE_LIMIT=R. */
  ratePush: PushResult[];
  /** ПОС limited to R requests/s, POS_RATE_LIMIT left unset: what an unconfigured bridge does. */
  rateUnpaced: PushResult[];
  /** Absent from results saved before the benchmark existed. */
  organisations?: OrganisationsSeries;
  mapping?: MappingBenchResult;
  profile?: { size: number; summary: ProfileSummary };
  topologies?: TopologySeries;
  workerProcesses?: WorkerProcessesSeries;
}

export type Log = (line: string) => void;

function revision(): string {
  try {
    const run = (command: string) =>
      execSync(command, { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    const head = run('git rev-parse --short HEAD');
    return run('git status --porcelain --untracked-files=no') ? `${head} + uncommitted changes` : head;
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const list = cpus();
  return {
    revision: revision(),
    cores: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** The same realistic appeals for every run of a size (created in the six weeks before now). */
export function backlog(size: number): SeedAppeal[] {
  return generateAppeals(size, { seed: 20_250_301, now: new Date() });
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);

async function drains(options: BenchOptions, settings: DrainSettings, log: Log): Promise<DrainSeries[]> {
  const series: DrainSeries[] = [];
  for (const size of options.drainSizes) {
    const appeals = backlog(size);
    const entry: DrainSeries = { size, bridge: [], floor: [] };
    const runs = drainRuns(options, size);
    for (let run = 1; run <= runs; run++) {
      for (const client of ['bridge', 'floor'] as const) {
        const result = await measureDrain(client, appeals, settings);
        entry[client].push(result);
        log(
          `drain ${size} ${client} run ${run}/${runs}: ${fmt(result.appealsPerSecond)} appeals/s, ${fmt(result.seconds)} s, peak RSS ${fmt(result.peakRssMiB, 0)} MiB, client ${fmt(result.cores.client, 2)} cores`,
        );
      }
    }
    series.push(entry);
  }
  return series;
}

async function pushes(
  options: BenchOptions,
  settings: DrainSettings,
  log: Log,
): Promise<Pick<BenchResults, 'push' | 'ratePush' | 'rateUnpaced'>> {
  const push: PushResult[] = [];
  const appeals = backlog(options.pushAppeals);
  for (let run = 1; run <= options.runs; run++) {
    const result = await measurePush(appeals, settings);
    push.push(result);
    log(
      `push ${options.pushAppeals} run ${run}/${options.runs}: ${fmt(result.appealsPerSecond)} appeals/s, ${fmt(result.requestsPerSecond)} ПОС requests/s`,
    );
  }
  const limited = backlog(options.ratePushAppeals);
  const ratePush: PushResult[] = [];
  const rateUnpaced: PushResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    for (const [setting, list] of [
      [options.rateLimit, ratePush],
      [undefined, rateUnpaced],
    ] as const) {
      const result = await measurePush(limited, { ...settings }, options.rateLimit, setting);
      list.push(result);
      log(
        `push at ${options.rateLimit} req/s, POS_RATE_LIMIT=${setting ?? 'unset'}, run ${run}/${options.runs}: ${fmt((result.shareOfLimit ?? 0) * 100)}% of the limit, ${result.rejected429} × 429`,
      );
    }
  }
  return { push, ratePush, rateUnpaced };
}

async function profiledDrain(options: BenchOptions, settings: DrainSettings, log: Log): Promise<BenchResults['profile']> {
  const size = options.drainSizes[0]!;
  const dir = join(settings.profileDir ?? '', 'cpu-profile');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await measureDrain('bridge', backlog(size), { ...settings, profileDir: dir });
  // The main thread's profile is the largest one (a loader thread may write a small second one).
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name));
  const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!main) throw new Error('the profiled bridge wrote no CPU profile');
  log(`profiled drain ${size}: ${fmt(result.appealsPerSecond)} appeals/s under the profiler; profile ${main}`);
  return { size, summary: summariseProfileFile(main, 20) };
}

async function scalingSections(
  options: BenchOptions,
  settings: DrainSettings,
  log: Log,
): Promise<Pick<BenchResults, 'topologies' | 'workerProcesses'>> {
  const wanted = (section: 'topologies' | 'processes') => !options.only || options.only.includes(section);
  const topologies = wanted('topologies') ? await runTopologiesBench(options, settings, backlog(options.topologySize), log) : undefined;
  const workerProcesses = wanted('processes')
    ? await runWorkerProcessesBench(options, settings, backlog(options.processSize), log)
    : undefined;
  return { ...(topologies ? { topologies } : {}), ...(workerProcesses ? { workerProcesses } : {}) };
}

export async function runBench(options: BenchOptions, log: Log, workDir: string): Promise<BenchResults> {
  const started = Date.now();
  const measuredOn = machine();
  const settings: DrainSettings = {
    concurrency: options.concurrency,
    pageSize: options.pageSize,
    timeoutMs: options.timeoutMs,
    profileDir: workDir,
  };
  if (options.only) {
    log(
      `bench: only ${options.only.join(', ')}; ${options.runs} run(s) each; topology drains ${options.topologySize}, worker-process drains ${options.processSize}`,
    );
    const scaling = await scalingSections(options, { ...settings, profileDir: undefined }, log);
    return {
      options,
      machine: measuredOn,
      startedAt: new Date(started).toISOString(),
      durationSeconds: (Date.now() - started) / 1000,
      drains: [],
      push: [],
      ratePush: [],
      rateUnpaced: [],
      ...scaling,
    };
  }
  log(`bench: topology drains ${options.topologySize}, worker-process drains ${options.processSize}`);
  log(
    `bench: drains of ${options.drainSizes.map((size) => `${size} × ${drainRuns(options, size)}`).join(', ')}; ${options.runs} run(s) of the rest; push ${options.pushAppeals}; rate-limited push ${options.ratePushAppeals} at ${options.rateLimit} req/s; organisations ${options.organisations.size} and ${options.organisations.small}`,
  );
  const drainSeries = await drains(options, { ...settings, profileDir: undefined }, log);
  const organisations = await runOrganisationsBench(
    options,
    { ...settings, profileDir: undefined },
    backlog(options.organisations.size),
    log,
  );
  const pushResults = await pushes(options, { ...settings, profileDir: undefined }, log);
  const mapping = await runMappingBench({
    appeals: options.mapping.appeals,
    runs: options.mapping.runs,
    warmupRuns: options.mapping.warmupRuns,
    includeJsonataOnly: !options.quick,
  });
  log(`mapping: ${mapping.rows.map((row) => `${row.name} ${row.appealsPerSecond}/s`).join('; ')}`);
  const scaling = await scalingSections(options, { ...settings, profileDir: undefined }, log);
  const profile = options.profile ? await profiledDrain(options, settings, log) : undefined;
  return {
    options,
    machine: measuredOn,
    startedAt: new Date(started).toISOString(),
    durationSeconds: (Date.now() - started) / 1000,
    drains: drainSeries,
    ...pushResults,
    organisations,
    mapping,
    profile,
    ...scaling,
  };
}
