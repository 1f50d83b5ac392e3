// Backlog drain: N appeals wait in the ПОС emulator; a client in a child process (the bridge's
// real CLI, or the raw floor) registers every one in the Directum emulator and marks it accepted.
// Timed on the emulator's clock, from the first pull page served to the last acceptance; latency
// per appeal from the first page that listed it to its acceptance.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeedAppeal } from '../fixtures/generator.js';
import { toPosAppeal } from '../fixtures/generator.js';
import { loadMappingForTarget } from '../src/mapping/load-file.js';
import { appealSchema } from '../src/pos/schemas.js';
import { startLab, type Lab } from './lab.js';
import type { Topology } from './lab-redis.js';
import { readCpuSeconds, spawnNode, type LogSummary, type NodeChild } from './processes.js';
import { median, mib, percentile } from './stats.js';

export type DrainClient = 'bridge' | 'floor';

export interface DrainSettings {
  concurrency: number;
  pageSize: number;
  timeoutMs: number;
  /** Write a V8 CPU profile of the client into this folder. */
  profileDir?: string;
}

export interface DrainResult {
  client: DrainClient;
  appeals: number;
  /** First page served → last acceptance. */
  seconds: number;
  appealsPerSecond: number;
  /** Process start → first page served. */
  startupSeconds: number;
  peakRssMiB: number;
  /** The median of the RSS samples taken during the drain: its settled size, less sensitive to a passing spike than the peak. */
  medianRssMiB: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Requests served per appeal, by ПОС route and by Directum route class and set. */
  requestsPerAppeal: { pos: Record<string, number>; directum: Record<string, number> };
  /** mark-accepted calls beyond the first, plus cards beyond one per appeal. */
  duplicates: number;
  /** Average cores busy during the drain: the client (with its forked workers), this process (the emulators), every redis process. */
  cores: CpuShare;
  /** What the client logged at warn level and above. */
  log: LogSummary;
  /** The same timeline per ПОС organisation that held appeals (one entry for a single one). */
  organisations: OrganisationDrain[];
  /** Redis processes the lab ran (servers and sentinels); absent from results saved before it was counted. */
  redisProcesses?: number;
}

export interface OrganisationDrain {
  /** The emulator's clientId of the organisation. */
  organisation: string;
  appeals: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The run's first page served → this organisation's last acceptance. */
  doneSeconds: number;
  /** Share of the other organisations' appeals accepted by then: how far their backlog had got. */
  othersAcceptedWhenDone: number;
}

export interface CpuShare {
  /** The client process, with its forked workers under `start --workers N`. */
  client: number;
  emulators: number;
  redis: number;
  /** The share of the time the client's JavaScript thread was ready to run but waited for a CPU. */
  clientWaiting: number;
}

/** CPU seconds used so far by the client, this process and Redis. */
export function cpuSnapshot(lab: Lab, child: NodeChild): CpuShare {
  const own = process.cpuUsage();
  const redis = lab.redisPids().reduce((sum, pid) => sum + readCpuSeconds(pid), 0);
  return { client: child.cpuSeconds(), emulators: (own.user + own.system) / 1e6, redis, clientWaiting: child.runDelaySeconds() };
}

/** Cores busy on average between two snapshots `seconds` apart. */
export function coresBetween(start: CpuShare, end: CpuShare, seconds: number): CpuShare {
  return {
    client: (end.client - start.client) / seconds,
    emulators: (end.emulators - start.emulators) / seconds,
    redis: (end.redis - start.redis) / seconds,
    clientWaiting: (end.clientWaiting - start.clientWaiting) / seconds,
  };
}

/** The bridge as operators run it, with the benchmark's page size and concurrency. */
export function bridgeEnv(lab: Lab, settings: DrainSettings, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...lab.env,
    POS_PAGE_SIZE: String(settings.pageSize),
    WORKER_CONCURRENCY: String(settings.concurrency),
    PULL_EVERY: '60s',
    // The drain is about inbound work; status pushes are measured on their own.
    WATCH_EVERY: '1h',
    RECONCILE_EVERY: '1h',
    ...extra,
  };
}

const recordFiles = new WeakMap<readonly SeedAppeal[], Record<string, unknown>>();

/** The records the bridge's mapping makes of these appeals, for the floor (mapped before it starts). */
async function floorRecords(appeals: readonly SeedAppeal[], mappingsDir: string): Promise<Record<string, unknown>> {
  const cached = recordFiles.get(appeals);
  if (cached) return cached;
  const mapping = await loadMappingForTarget(mappingsDir, 'directum-rx');
  const records: Record<string, unknown> = {};
  for (const seed of appeals) {
    const appeal = appealSchema.parse(toPosAppeal(seed, (file) => `http://pos.invalid/file/${encodeURIComponent(file.name)}`));
    records[String(seed.id)] = (await mapping.map(appeal)).record;
  }
  recordFiles.set(appeals, records);
  return records;
}

export async function waitUntil(what: string, child: NodeChild, deadline: number, done: () => boolean, pollMs = 100): Promise<void> {
  for (;;) {
    if (done()) return;
    if (child.child.exitCode !== null || child.child.signalCode !== null) {
      throw new Error(
        `${what}: the client exited early (${child.child.exitCode ?? child.child.signalCode}): ${child.stderrTail().slice(-3000)}`,
      );
    }
    if (Date.now() > deadline) throw new Error(`${what}: timed out; client stderr: ${child.stderrTail().slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function acceptedCount(lab: Lab): number {
  let count = 0;
  for (const appeal of lab.pos.state.appeals.values()) if (appeal.accepted) count += 1;
  return count;
}

function perAppeal(counts: Iterable<[string, number]>, appeals: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, value] of [...counts].sort(([a], [b]) => a.localeCompare(b))) result[key] = value / appeals;
  return result;
}

interface Served {
  owner: string;
  served: number;
  accepted: number;
}

function served(lab: Lab): Served[] {
  return [...lab.pos.state.appeals.values()].map((appeal) => ({
    owner: appeal.owner,
    served: Date.parse(appeal.firstServedAt ?? ''),
    accepted: Date.parse(appeal.acceptedAt ?? ''),
  }));
}

/** Pull-to-acceptance times and the drain window, from the ПОС emulator's per-appeal record. */
function timeline(appeals: readonly Served[]): { firstServed: number; lastAccepted: number; latencies: number[] } {
  let firstServed = Number.POSITIVE_INFINITY;
  let lastAccepted = 0;
  const latencies: number[] = [];
  for (const appeal of appeals) {
    firstServed = Math.min(firstServed, appeal.served);
    lastAccepted = Math.max(lastAccepted, appeal.accepted);
    latencies.push(appeal.accepted - appeal.served);
  }
  return { firstServed, lastAccepted, latencies };
}

/** Each organisation's own timeline against the run's: does a small one wait behind a large one? */
function byOrganisation(appeals: readonly Served[], runStart: number): OrganisationDrain[] {
  const owners = [...new Set(appeals.map((appeal) => appeal.owner))];
  return owners.map((owner) => {
    const own = appeals.filter((appeal) => appeal.owner === owner);
    const others = appeals.filter((appeal) => appeal.owner !== owner);
    const { lastAccepted, latencies } = timeline(own);
    return {
      organisation: owner,
      appeals: own.length,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      doneSeconds: (lastAccepted - runStart) / 1000,
      othersAcceptedWhenDone: others.length
        ? others.filter((appeal) => appeal.accepted <= lastAccepted).length / others.length
        : Number.NaN,
    };
  });
}

/** The floor's own maxRSS from its summary line, once it has exited (it does when done). */
async function floorPeakRss(child: NodeChild): Promise<number> {
  await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  const line = child.stdout().trim().split('\n').at(-1) ?? '';
  try {
    return Number((JSON.parse(line) as { peakRssBytes?: number }).peakRssBytes ?? 0);
  } catch {
    return 0;
  }
}

/** Where and how the bridge runs: the lab's Redis topology and the `pos-bridge` arguments. */
export interface BridgeRun {
  topology?: Topology;
  /** Default `start --role all`: one process. */
  args?: string[];
  /** Called with the seeded lab just before the client starts, and once every appeal is accepted (bench/profile-drain.ts). */
  observe?: { beforeStart(lab: Lab): Promise<void>; afterDrain(lab: Lab): Promise<void> };
}

export async function measureDrain(
  client: DrainClient,
  appeals: readonly SeedAppeal[],
  settings: DrainSettings,
  run: BridgeRun = {},
): Promise<DrainResult> {
  return runDrain(client, appeals.length, settings, run, async (lab) => {
    lab.pos.state.seed(appeals);
    if (client === 'bridge') return bridgeEnv(lab, settings);
    const recordsFile = join(lab.workDir, 'records.json');
    writeFileSync(recordsFile, JSON.stringify(await floorRecords(appeals, lab.env.MAPPINGS_DIR!)));
    return {
      ...lab.env,
      FLOOR_APPEALS: String(appeals.length),
      FLOOR_RECORDS: recordsFile,
      WORKER_CONCURRENCY: String(settings.concurrency),
      POS_PAGE_SIZE: String(settings.pageSize),
    };
  });
}

/**
 * A drain of `total` appeals in a fresh lab: `prepare` seeds the lab's ПОС and returns the client's
 * environment (bench/organisations.ts seeds several organisations and configures them).
 */
export async function runDrain(
  client: DrainClient,
  total: number,
  settings: DrainSettings,
  run: BridgeRun,
  prepare: (lab: Lab) => Promise<Record<string, string>>,
): Promise<DrainResult> {
  const lab = await startLab(run.topology);
  try {
    const env = await prepare(lab);
    const profileFlags = settings.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`] : [];
    await run.observe?.beforeStart(lab);
    const spawnedAt = Date.now();
    const child = spawnNode(client === 'bridge' ? 'src/cli/entry.ts' : 'bench/floor.ts', {
      env,
      nodeFlags: profileFlags,
      args: client === 'bridge' ? (run.args ?? ['start', '--role', 'all']) : [],
      // `start --workers N` forks its workers: their CPU is the bridge's too.
      withChildren: client === 'bridge' && (run.args?.includes('--workers') ?? false),
    });
    try {
      let startCpu: { at: number; cpu: CpuShare } | undefined;
      await waitUntil(`${client} drain of ${total}`, child, Date.now() + settings.timeoutMs, () => {
        if (!startCpu && lab.pos.state.requests.pull > 0) startCpu = { at: Date.now(), cpu: cpuSnapshot(lab, child) };
        return acceptedCount(lab) === total;
      });
      const endCpu = cpuSnapshot(lab, child);
      const cpuWindow = (Date.now() - (startCpu?.at ?? spawnedAt)) / 1000;
      await run.observe?.afterDrain(lab);
      let peakRssBytes = child.peakRssBytes();
      if (client === 'floor') peakRssBytes = Math.max(peakRssBytes, await floorPeakRss(child));
      const appeals = served(lab);
      const { firstServed, lastAccepted, latencies } = timeline(appeals);
      const seconds = (lastAccepted - firstServed) / 1000;
      const stats = lab.pos.state.stats();
      const cards = lab.directum.state.count('IRequests');
      return {
        client,
        appeals: total,
        seconds,
        appealsPerSecond: total / seconds,
        startupSeconds: (firstServed - spawnedAt) / 1000,
        peakRssMiB: mib(peakRssBytes),
        // A drain shorter than one sampling interval has no sample in its window: its peak stands in.
        medianRssMiB: mib(median(child.rssSamples(startCpu?.at ?? spawnedAt)) || peakRssBytes),
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        requestsPerAppeal: { pos: perAppeal(Object.entries(stats.requests), total), directum: perAppeal(lab.directumRequests, total) },
        duplicates: stats.duplicatesAccepted + Math.max(0, cards - total),
        cores: coresBetween(startCpu?.cpu ?? endCpu, endCpu, cpuWindow),
        log: child.logSummary(),
        organisations: byOrganisation(appeals, firstServed),
        redisProcesses: lab.redisPids().length,
      };
    } finally {
      const exit = await child.stop();
      if (client === 'bridge' && exit.code !== 0 && exit.signal !== 'SIGTERM') {
        process.stderr.write(`bench: bridge exited with ${exit.code ?? exit.signal}: ${child.stderrTail().slice(-2000)}\n`);
      }
    }
  } finally {
    await lab.close();
  }
}
