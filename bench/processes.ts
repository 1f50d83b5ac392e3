// Child processes under test (the bridge's real CLI, or the floor script) and their memory, read
// from /proc/<pid>/status: VmHWM is the kernel's own record of the peak resident set.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../fixtures/index.js';

/** Running from dist/ (npm run bench) children run compiled code; from sources (tests) through tsx. */
const FROM_SOURCES = fileURLToPath(import.meta.url).endsWith('.ts');

/** `node` arguments that run a repository module, e.g. `src/cli/entry.ts`. */
export function nodeArgsFor(sourcePath: string): string[] {
  const root = packageRoot();
  if (FROM_SOURCES) return ['--import', 'tsx', join(root, sourcePath)];
  const compiled = join(root, 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing: run npm run build first`);
  return [compiled];
}

export interface MemoryReading {
  rssBytes: number;
  peakRssBytes: number;
}

/** VmRSS and VmHWM of a live process; undefined once it is gone. */
export function readMemory(pid: number): MemoryReading | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  const rssBytes = kib('VmRSS');
  // A process that has exited but is not yet reaped has a status file without memory lines.
  if (Number.isNaN(rssBytes)) return undefined;
  return { rssBytes, peakRssBytes: kib('VmHWM') };
}

/** User + system CPU seconds a live process has used so far (/proc/<pid>/stat); NaN once it is gone. */
export function readCpuSeconds(pid: number, ticksPerSecond = 100): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state, field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** The parent pid in /proc/<pid>/stat (field 4); undefined once it is gone. */
function readParentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Pids of the live children of `pid` (a scan of /proc: the kernel's children list is not always there). */
export function childPids(pid: number): number[] {
  const pids = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
  return pids.filter((candidate) => readParentPid(candidate) === pid);
}

/**
 * Seconds the process's main thread (its JavaScript thread) spent runnable but waiting for a CPU
 * (/proc/<pid>/schedstat): how much other work on the machine held it back. NaN once it is gone.
 */
export function readRunDelaySeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return Number.NaN;
  }
}

/** What the child logged at warn level and above (pino JSON lines): counts and the commonest messages. */
export interface LogSummary {
  warnings: number;
  errors: number;
  messages: { message: string; count: number }[];
}

export interface NodeChild {
  child: ChildProcess;
  pid: number;
  /** Peak RSS seen so far (VmHWM, or the largest VmRSS sampled if the kernel does not report it). */
  peakRssBytes(): number;
  /** Resident set sizes sampled since `sinceMs` (epoch ms). */
  rssSamples(sinceMs: number): number[];
  /** CPU seconds used so far (the last sample once it has exited), with its children's when asked. */
  cpuSeconds(): number;
  /** Seconds its main thread waited for a CPU so far (the last sample once it has exited). */
  runDelaySeconds(): number;
  logSummary(): LogSummary;
  /** Exit code or signal once exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderrTail(): string;
  /** What it printed (the last 200 kB). */
  stdout(): string;
  /** SIGTERM and wait (a graceful stop also writes a --cpu-prof profile); SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  nodeFlags?: string[];
  args?: string[];
  sampleEveryMs?: number;
  /** Count the CPU of its child processes too (`start --workers N` forks its workers). */
  withChildren?: boolean;
}

/** How often the children are looked for: a scan of /proc costs the benchmark process CPU. */
const CHILD_SCAN_EVERY_MS = 1000;

export function spawnNode(sourcePath: string, options: SpawnOptions): NodeChild {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...nodeArgsFor(sourcePath), ...(options.args ?? [])], {
    cwd: packageRoot(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${sourcePath}`);
  const pid = child.pid;
  let stderr = '';
  let partial = '';
  const levels = { warnings: 0, errors: 0 };
  const messages = new Map<string, number>();
  const countLine = (line: string) => {
    const level = /"level":"?(warn|error|fatal|40|50|60)"?/.exec(line)?.[1];
    if (!level) return;
    if (level === 'warn' || level === '40') levels.warnings += 1;
    else levels.errors += 1;
    const message = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1] ?? line.slice(0, 120);
    messages.set(message, (messages.get(message) ?? 0) + 1);
  };
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stderr = (stderr + text).slice(-20_000);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) countLine(line);
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-200_000);
  });
  let peak = 0;
  let cpu = 0;
  let waited = 0;
  // The last reading of each child: one that exited keeps what it used.
  const childCpu = new Map<number, number>();
  let childrenScannedAt = 0;
  const sampleChildren = () => {
    if (Date.now() - childrenScannedAt >= CHILD_SCAN_EVERY_MS) {
      childrenScannedAt = Date.now();
      for (const childPid of childPids(pid)) if (!childCpu.has(childPid)) childCpu.set(childPid, 0);
    }
    for (const childPid of childCpu.keys()) {
      const used = readCpuSeconds(childPid);
      if (!Number.isNaN(used)) childCpu.set(childPid, used);
    }
  };
  const samples: { at: number; rss: number }[] = [];
  const sample = () => {
    const delay = readRunDelaySeconds(pid);
    if (!Number.isNaN(delay)) waited = delay;
    const reading = readMemory(pid);
    if (reading) {
      peak = Math.max(peak, Number.isNaN(reading.peakRssBytes) ? reading.rssBytes : reading.peakRssBytes);
      samples.push({ at: Date.now(), rss: reading.rssBytes });
    }
    const used = readCpuSeconds(pid);
    if (!Number.isNaN(used)) cpu = used;
    if (options.withChildren) sampleChildren();
  };
  const sampler = setInterval(sample, options.sampleEveryMs ?? 100);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(sampler);
      resolve({ code, signal });
    });
  });
  return {
    child,
    pid,
    peakRssBytes: () => {
      sample();
      return peak;
    },
    rssSamples: (sinceMs) => samples.filter((entry) => entry.at >= sinceMs).map((entry) => entry.rss),
    cpuSeconds: () => {
      sample();
      return cpu + [...childCpu.values()].reduce((sum, used) => sum + used, 0);
    },
    runDelaySeconds: () => {
      sample();
      return waited;
    },
    logSummary: () => ({
      ...levels,
      messages: [...messages]
        .sort(([, a], [, b]) => b - a)
        .slice(0, 5)
        .map(([message, count]) => ({ message, count })),
    }),
    exited,
    stderrTail: () => stderr,
    stdout: () => stdout,
    stop: async (graceMs = 30_000) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
