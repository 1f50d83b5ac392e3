// The register path's cost, reproducibly: one drain of the bridge and one of the raw floor (their
// same-run ratio), Redis commands per appeal from the bench Redis's INFO commandstats over the
// bridge's drain, and one more bridge drain under `node --cpu-prof` with MONITOR on its Redis
// (which commands come from a client, from a MULTI, or from inside a Lua script), its self time
// grouped by what it was spent for. Not part of `npm run bench`; run after `npm run build`:
//   node dist/bench/profile-drain.js            (PROFILE_SIZE=5000, PROFILE_OUTPUT=<json file>)
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { measureDrain, type DrainResult, type DrainSettings } from './drain.js';
import type { Lab } from './lab.js';
import { groupProfileFile, type GroupedProfile } from './profile-groups.js';
import { backlog } from './suite.js';

/** Per command name; `from` tells who issued it: a client (alone or queued in a MULTI) or a Lua script. */
export interface CommandCounts {
  total: number;
  byCommand: Record<string, number>;
}

const BENCH_OWN = new Set(['info', 'config|resetstat', 'config', 'monitor', 'ping']);

async function commandStats(url: string): Promise<Record<string, number>> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const text = await redis.info('commandstats');
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (!BENCH_OWN.has(match[1]!)) counts[match[1]!] = Number(match[2]);
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

/** Watches a lab's Redis: INFO commandstats over the drain, and optionally MONITOR by source. */
function redisObserver(withMonitor: boolean) {
  const monitored = { client: new Map<string, number>(), lua: new Map<string, number>() };
  let monitor: Redis | undefined;
  let stats: Record<string, number> = {};
  return {
    monitored,
    stats: () => stats,
    observe: {
      beforeStart: async (lab: Lab) => {
        const redis = new Redis(lab.redisUrl);
        await redis.config('RESETSTAT');
        if (withMonitor) {
          monitor = await redis.monitor();
          monitor.on('monitor', (_time: string, args: string[], source: string) => {
            const name = String(args[0]).toLowerCase();
            if (BENCH_OWN.has(name)) return;
            const into = source === 'lua' ? monitored.lua : monitored.client;
            into.set(name, (into.get(name) ?? 0) + 1);
          });
        }
        redis.disconnect();
      },
      afterDrain: async (lab: Lab) => {
        stats = await commandStats(lab.redisUrl);
        monitor?.disconnect();
      },
    },
  };
}

const perAppeal = (counts: Iterable<[string, number]>, appeals: number): CommandCounts => {
  const byCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, count] of [...counts].sort(([, a], [, b]) => b - a)) {
    byCommand[name] = count / appeals;
    total += count;
  }
  return { total: total / appeals, byCommand };
};

export interface DrainProfile {
  size: number;
  load: { before: number[]; after: number[] };
  bridge: DrainResult;
  floor: DrainResult;
  ratio: { throughput: number; cpuPerAppeal: number };
  /** INFO commandstats over the bridge's measured drain (script-internal calls included). */
  commands: CommandCounts;
  /** MONITOR over the profiled drain: what clients sent (MULTI members included) and what scripts called. */
  monitored: { client: CommandCounts; lua: CommandCounts };
  profile: GroupedProfile;
}

const cpuMsPerAppeal = (result: DrainResult) => (result.cores.client * result.seconds * 1000) / result.appeals;

export async function profileDrain(size: number, settings: DrainSettings): Promise<DrainProfile> {
  const appeals = backlog(size);
  const before = loadavg();
  const counted = redisObserver(false);
  const bridge = await measureDrain('bridge', appeals, settings, { observe: counted.observe });
  const floor = await measureDrain('floor', appeals, settings);
  const dir = join(tmpdir(), `pos-bridge-profile-drain-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const watched = redisObserver(true);
  await measureDrain('bridge', appeals, { ...settings, profileDir: dir }, { observe: watched.observe });
  const main = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  if (!main) throw new Error('the profiled bridge wrote no CPU profile');
  const profile = groupProfileFile(main);
  rmSync(dir, { recursive: true, force: true });
  return {
    size,
    load: { before, after: loadavg() },
    bridge,
    floor,
    ratio: { throughput: bridge.appealsPerSecond / floor.appealsPerSecond, cpuPerAppeal: cpuMsPerAppeal(bridge) / cpuMsPerAppeal(floor) },
    commands: perAppeal(Object.entries(counted.stats()), size),
    monitored: { client: perAppeal(watched.monitored.client, size), lua: perAppeal(watched.monitored.lua, size) },
    profile,
  };
}

const f2 = (value: number) => value.toFixed(2);

export function formatDrainProfile(p: DrainProfile): string {
  const lines = [
    `drain of ${p.size}; load average before ${p.load.before.map(f2).join(' ')}, after ${p.load.after.map(f2).join(' ')}`,
    '',
    '| client | appeals/s | p99 pull→accept s | client CPU ms/appeal |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of [p.bridge, p.floor])
    lines.push(`| ${r.client} | ${r.appealsPerSecond.toFixed(1)} | ${f2(r.latencyP99Ms / 1000)} | ${f2(cpuMsPerAppeal(r))} |`);
  lines.push(`| bridge ÷ floor | ${f2(p.ratio.throughput)} |  | ${f2(p.ratio.cpuPerAppeal)} |`, '');
  lines.push(
    `Redis commands per appeal (commandstats, script-internal calls included): ${p.commands.total.toFixed(1)}`,
    `sent by clients (MONITOR): ${p.monitored.client.total.toFixed(1)}; called inside Lua scripts: ${p.monitored.lua.total.toFixed(1)}`,
    '',
    '| command | per appeal (commandstats) | sent by clients | inside scripts |',
    '| --- | --- | --- | --- |',
  );
  for (const [name, count] of Object.entries(p.commands.byCommand)) {
    const base = name.split('|')[0]!;
    lines.push(`| ${name} | ${f2(count)} | ${f2(p.monitored.client.byCommand[base] ?? 0)} | ${f2(p.monitored.lua.byCommand[base] ?? 0)} |`);
  }
  const s = p.profile;
  lines.push(
    '',
    `CPU profile: ${(s.totalMs / 1000).toFixed(1)} s profiled, idle ${(s.idleShare * 100).toFixed(1)}%; busy ${(s.busyMs / p.size).toFixed(2)} ms/appeal`,
    '',
    '| spent for | share of busy | ms/appeal |',
    '| --- | --- | --- |',
  );
  for (const group of s.groups) lines.push(`| ${group.name} | ${(group.share * 100).toFixed(1)}% | ${f2(group.selfMs / p.size)} |`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const size = Number(process.env.PROFILE_SIZE ?? 5_000);
  const settings: DrainSettings = { concurrency: 8, pageSize: 100, timeoutMs: 1_200_000 };
  profileDrain(size, settings)
    .then((result) => {
      const output = process.env.PROFILE_OUTPUT ?? join(tmpdir(), `pos-bridge-profile-drain-${Date.now()}.json`);
      writeFileSync(output, `${JSON.stringify(result, null, 1)}\n`);
      process.stdout.write(`${formatDrainProfile(result)}\n\nraw: ${output}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`profile-drain failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
