// A V8 .cpuprofile's busy time grouped by what it was spent for: each sample is charged to the
// nearest package or repository file up its stack (Node internals and natives to their caller,
// as bench/profile.ts does), with JSON, crypto and the garbage collector apart, and the
// repository's files folded into src/pipeline, src/mapping, adapters/… .
import { readFileSync } from 'node:fs';
import { originOf } from './profile.js';

interface Frame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: Frame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface GroupEntry {
  name: string;
  selfMs: number;
  share: number;
}

export interface GroupedProfile {
  totalMs: number;
  busyMs: number;
  idleShare: number;
  groups: GroupEntry[];
  /** The same time by package or repository file, unfolded. */
  files: GroupEntry[];
}

const JSON_NATIVES = new Set(['parse', 'stringify', 'JSONParse', 'JsonParse', 'JSONStringify', 'JsonStringify']);
const HTTP_PACKAGES = new Set(['axios', 'follow-redirects', 'form-data', 'proxy-from-env', 'https-proxy-agent', 'agent-base']);

const isCode = (origin: string) => !origin.startsWith('(') && origin !== 'node (internals)';

/** The group a package or repository file's time is shown under. */
export function groupOf(origin: string): string {
  if (HTTP_PACKAGES.has(origin) || origin === 'src/http/client') return 'axios + node http (src/http)';
  if (origin === 'src/pipeline/crypto') return 'crypto (seal/open)';
  const repo = /^(src\/[^/]+|adapters\/[^/]+|bench|fixtures)/.exec(origin);
  if (repo) return repo[1]!;
  return origin;
}

export function groupProfile(profile: CpuProfile, count = 25): GroupedProfile {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const charged = new Map<number, { group: string; file: string }>();
  const chargeOf = (id: number): { group: string; file: string } => {
    const cached = charged.get(id);
    if (cached) return cached;
    const own = byId.get(id)!.callFrame;
    let result: { group: string; file: string } | undefined;
    if (own.functionName === '(garbage collector)') result = { group: 'garbage collector', file: '(garbage collector)' };
    else if (!own.url && JSON_NATIVES.has(own.functionName)) result = { group: 'JSON (native parse/stringify)', file: 'JSON' };
    for (let at: number | undefined = id; !result && at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url.includes('internal/crypto')) result = { group: 'crypto (seal/open)', file: 'node:crypto' };
      else {
        const origin = originOf(frame.url, frame.functionName);
        if (isCode(origin)) result = { group: groupOf(origin), file: origin };
      }
    }
    result ??= { group: originOf(own.url, own.functionName), file: originOf(own.url, own.functionName) };
    charged.set(id, result);
    return result;
  };
  const groups = new Map<string, number>();
  const files = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const id = profile.samples[i]!;
    totalMs += ms;
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const { group, file } = chargeOf(id);
    groups.set(group, (groups.get(group) ?? 0) + ms);
    files.set(file, (files.get(file) ?? 0) + ms);
  }
  const busyMs = Math.max(1, totalMs - idleMs);
  const top = (map: Map<string, number>) =>
    [...map]
      .sort(([, a], [, b]) => b - a)
      .slice(0, count)
      .map(([name, selfMs]) => ({ name, selfMs, share: selfMs / busyMs }));
  return { totalMs, busyMs, idleShare: idleMs / Math.max(1, totalMs), groups: top(groups), files: top(files) };
}

export function groupProfileFile(file: string, count = 25): GroupedProfile {
  return groupProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count);
}
