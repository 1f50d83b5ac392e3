// The closing note of BENCHMARKS.md: what the measurements say limits the figures now.
import type { BenchResults } from './suite.js';
import { median } from './stats.js';

const n1 = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');
const n2 = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : '–');

export function closingNote(results: BenchResults): string {
  const largest = results.drains.at(-1);
  if (!largest) return 'No drain was measured.';
  const med = <T>(runs: readonly T[], pick: (run: T) => number) => median(runs.map(pick));
  const cpuMs = (runs: typeof largest.bridge) => med(runs, (r) => (r.cores.client * r.seconds * 1000) / r.appeals);
  const bridgeCores = med(largest.bridge, (r) => r.cores.client);
  const lines = [
    `- **CPU of the bridge process.** In the ${largest.size.toLocaleString('en-US')} drain the bridge kept ${n2(bridgeCores)} of its one JavaScript thread busy, the emulators ${n2(med(largest.bridge, (r) => r.cores.emulators))} cores and Redis ${n2(med(largest.bridge, (r) => r.cores.redis))}, on a ${results.machine.cores}-core machine. One appeal costs the bridge ${n1(cpuMs(largest.bridge))} ms of CPU against the floor's ${n1(cpuMs(largest.floor))} ms for the same HTTP calls: the difference is the bridge's own work per appeal (queue and state in Redis, mapping, sealing, validation, the pull's checks).`,
  ];
  return lines.join('\n');
}
