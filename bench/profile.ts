// Reads a V8 .cpuprofile (node --cpu-prof) and sums self time per function and per origin (a
// package under node_modules, a repository file, Node's internals, the garbage collector), so a
// drain's bottlenecks can be read in the report without a profiler UI.
// Run on its own: `node dist/bench/profile.js <file.cpuprofile> [top]`.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Sampled time the thread had nothing to do. */
  idleShare: number;
  functions: ProfileEntry[];
  origins: ProfileEntry[];
  /** Self time of Node internals and natives charged to the nearest package or repository caller. */
  onBehalfOf: ProfileEntry[];
}

const isCode = (origin: string) => !origin.startsWith('(') && origin !== 'node (internals)';

/** Where a function comes from: `pkg` for node_modules/pkg (scoped too), a repo path, or `node:internal`. */
export function originOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return 'node (internals)';
  const repo = /\/(?:dist\/)?((?:src|adapters|bench|fixtures)\/.*?)(?:\.js|\.ts)?$/.exec(url);
  return repo ? repo[1]! : url;
}

function shortName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${originOf(url, functionName)}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

function top(map: Map<string, number>, totalMs: number, count: number): ProfileEntry[] {
  return [...map]
    .sort(([, a], [, b]) => b - a)
    .slice(0, count)
    .map(([name, selfMs]) => ({ name, selfMs: Math.round(selfMs), share: selfMs / totalMs }));
}

export function summariseProfile(profile: CpuProfile, count = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas) {
    // Each sample's time is the delta to the next sample.
    for (let i = 0; i < profile.samples.length; i++) {
      const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const id = profile.samples[i]!;
      selfMs.set(id, (selfMs.get(id) ?? 0) + delta);
    }
  } else {
    const interval =
      (profile.endTime - profile.startTime) /
      1000 /
      Math.max(
        1,
        profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0),
      );
    for (const node of profile.nodes) selfMs.set(node.id, (node.hitCount ?? 0) * interval);
  }
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const callerOrigin = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      const origin = frame ? originOf(frame.url, frame.functionName) : '';
      if (isCode(origin)) return origin;
    }
    const frame = byId.get(id)?.callFrame;
    return frame ? originOf(frame.url, frame.functionName) : '(unknown)';
  };
  const functions = new Map<string, number>();
  const origins = new Map<string, number>();
  const onBehalfOf = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const name = shortName(node);
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const origin = originOf(node.callFrame.url, node.callFrame.functionName);
    origins.set(origin, (origins.get(origin) ?? 0) + ms);
    const payer = callerOrigin(id);
    onBehalfOf.set(payer, (onBehalfOf.get(payer) ?? 0) + ms);
  }
  const busyMs = Math.max(1, totalMs - idleMs);
  return {
    totalMs: Math.round(totalMs),
    idleShare: idleMs / Math.max(1, totalMs),
    functions: top(functions, busyMs, count),
    origins: top(origins, busyMs, count),
    onBehalfOf: top(onBehalfOf, busyMs, count),
  };
}

export function summariseProfileFile(file: string, count = 15): ProfileSummary {
  return summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count);
}

export function formatProfile(summary: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const lines = [
    `profiled ${(summary.totalMs / 1000).toFixed(1)} s, idle ${pct(summary.idleShare)}; shares are of busy time`,
    '',
    'self time by origin:',
  ];
  for (const entry of summary.origins) lines.push(`  ${pct(entry.share).padStart(6)}  ${entry.name}`);
  lines.push('', 'time by the package or file that caused it (Node internals and natives charged to their caller):');
  for (const entry of summary.onBehalfOf) lines.push(`  ${pct(entry.share).padStart(6)}  ${entry.name}`);
  lines.push('', 'self time by function:');
  for (const entry of summary.functions) lines.push(`  ${pct(entry.share).padStart(6)}  ${entry.name}`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatProfile(summariseProfileFile(file, Number(process.argv[3] ?? 25)))}\n`);
}
