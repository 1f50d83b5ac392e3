// The closing note of BENCHMARKS.md: what the measurements say limits the figures now. Numbers
// come from the run; the reasons behind them were found with the profiler (see the profile section).
import type { DrainResult } from './drain.js';
import { med, n0, n1, n2, pct } from './format.js';
import type { BenchResults } from './suite.js';

const cpuMs = (runs: readonly DrainResult[]) => med(runs, (r) => (r.cores.client * r.seconds * 1000) / r.appeals);

function requestsPerAppeal(run: DrainResult | undefined, system: 'pos' | 'directum'): number {
  return run ? Object.values(run.requestsPerAppeal[system]).reduce((sum, value) => sum + value, 0) : Number.NaN;
}

function profileShare(results: BenchResults, ...names: string[]): number {
  const list = results.profile?.summary.onBehalfOf ?? [];
  return list.filter((entry) => names.includes(entry.name)).reduce((sum, entry) => sum + entry.share, 0);
}

export function closingNote(results: BenchResults): string {
  const largest = results.drains.at(-1);
  if (!largest) return 'No drain was measured.';
  const bridgeMs = cpuMs(largest.bridge);
  const floorMs = cpuMs(largest.floor);
  const httpPerAppeal = requestsPerAppeal(largest.floor[0], 'pos') + requestsPerAppeal(largest.floor[0], 'directum');
  const redisShare = profileShare(results, 'ioredis', 'bullmq', 'msgpackr', 'redis-parser');
  const httpShare = profileShare(results, 'axios', 'src/http/client');
  const push = results.push;
  const limited = results.ratePush;
  const unpaced = results.rateUnpaced;
  const mapping = results.mapping?.rows.find((row) => row.name.startsWith('directum-rx: mapping'));
  const hand = results.mapping?.rows.find((row) => row.name.startsWith('directum-rx: hand-written TypeScript +'));
  const lines = [
    `- **One JavaScript thread per process, busy.** In the ${n0(largest.size)} drain the bridge kept ${n2(med(largest.bridge, (r) => r.cores.client))} cores busy (its event loop is single-threaded; the rest is Node's helper threads), the floor ${n2(med(largest.floor, (r) => r.cores.client))}, while the emulators used ${n2(med(largest.bridge, (r) => r.cores.emulators))} and Redis ${n2(med(largest.bridge, (r) => r.cores.redis))} of the machine's ${results.machine.cores} cores. Both clients are CPU-bound, so throughput is 1 ÷ CPU time per appeal: ${n1(bridgeMs)} ms for the bridge against ${n1(floorMs)} ms for the floor. Given a full core each, the bridge would drain at ${n2(floorMs / bridgeMs)}× the floor's rate; measured it drained at ${n2(med(largest.bridge, (r) => r.appealsPerSecond) / med(largest.floor, (r) => r.appealsPerSecond))}× (the rest is how much the shared machine held either back).`,
    `- **The transport itself is the HTTP client.** An appeal takes ${n1(httpPerAppeal)} HTTP requests (Directum ${n1(requestsPerAppeal(largest.floor[0], 'directum'))}: link lookup, person lookups and creations, card, a version and its body per file, link; ПОС ${n1(requestsPerAppeal(largest.floor[0], 'pos'))}). On loopback the servers answer in well under a millisecond; what the floor spends its ${n1(floorMs)} ms on is the client side of those requests — axios (config merging, header objects, interceptors) and Node's http module (a socket write per request). ${results.profile ? `In the profiled drain axios and the shared HTTP wrapper account for ${pct(httpShare)} of the bridge's busy time, with Node's socket writes on top. ` : ''}A leaner client (undici's pool) would lower the floor and the bridge alike.`,
    `- **What the bridge adds per appeal** (${n1(bridgeMs - floorMs)} ms): durable queueing and state in Redis — about 25 Redis commands per appeal (counted with MONITOR): BullMQ's scripts to add, fetch and finish the job, the pull's checks of job and appeal state, the per-appeal lock and its release, the appeal's state transitions, the mapping version check${results.profile ? `, ${pct(redisShare)} of the busy time in ioredis and BullMQ` : ''}; sealing and opening the appeal (AES-256-GCM over its JSON); the mapping; validating every ПОС appeal and every Directum response against their schemas; metrics. None dominates; the Redis round trips are the largest share (measured apart: adding a BullMQ job costs ~0.3–0.4 ms of client CPU and running an empty one ~0.3 ms). They are what make the drain crash-safe and exactly-once, and each costs CPU on the bridge's one thread. On two cores a second worker process adds little: the emulators and Redis need the other core (section 8 measures \`--workers 2\` against one process in the same run).`,
  ];
  const first = results.drains[0]!;
  const memory = med(largest.bridge, (r) => r.peakRssMiB) / med(first.bridge, (r) => r.peakRssMiB);
  const settled = med(largest.bridge, (r) => r.medianRssMiB) / med(first.bridge, (r) => r.medianRssMiB);
  const worstP99 = Math.max(...results.drains.map((series) => med(series.bridge, (r) => r.latencyP99Ms)));
  if (largest !== first) {
    lines.push(
      `- **Memory** ${memory <= 1.1 ? 'does not grow' : 'grows'} with the backlog (peak RSS ×${n2(memory)} from ${n0(first.size)} to ${n0(largest.size)}; the median during the drain, ×${n2(settled)}, also counts the first minute's warm-up, which a short drain does not outlast): the pull reads ПОС page by page at the pace its workers accept (pull→acceptance p99 at most ${n1(worstP99 / 1000)} s at any size here), the queue lives in Redis, and the pull keeps only the ids it has seen.`,
    );
  }
  if (push.length && limited.length) {
    lines.push(
      `- **Status push under a ПОС rate limit.** One push job makes ${n1(med(push, (r) => r.requestsPerAppeal))} ПОС requests (a status, the final answer, an upload for a third of them), so POS_RATE_LIMIT paces *requests*, not jobs: every ПОС call takes a slot from one limiter in Redis shared by all processes (GCRA, one script call per request). With it set to ПОС's limit the bridge used ${pct(med(limited, (r) => r.shareOfLimit ?? Number.NaN))} of the limit with ${limited.map((r) => r.rejected429).join(', ')} × 429 per run; what is left of the limit is the slots' even spacing (no bursts) and the time between a slot and the request's arrival. Without POS_RATE_LIMIT the same push drew ${unpaced.map((r) => r.rejected429).join(', ')} × 429 and used ${pct(med(unpaced, (r) => r.shareOfLimit ?? Number.NaN))} (each 429 pauses the queue for Retry-After). Unlimited, the push runs at ${n0(med(push, (r) => r.appealsPerSecond))} appeals/s (${n0(med(push, (r) => r.requestsPerSecond))} ПОС requests/s), CPU-bound like the drain.`,
    );
  }
  const missed = [...push, ...limited, ...unpaced].map((r) => r.missedRegisteredStatuses);
  if (missed.some((count) => count > 0)) {
    lines.push(
      `- **A status the watch can miss.** After the drains of the push runs, ${missed.join(', ')} "registered" statuses (per run) were still undelivered with nothing left in flight. \`DirectumAdapter.listChanged\` reports only cards that already have their ПОС link, yet moves its checkpoint past every card it read; a card read between its last write and its link (written last) is passed over, and creating the link does not change the card's Modified. Its status goes out with the card's next change or at the next reconcile (RECONCILE_EVERY, an hour by default). Fix: end the batch's checkpoint before the first unlinked card.`,
    );
  }
  if (mapping && hand) {
    lines.push(
      `- **Mapping** is not what limits a drain: the default Directum mapping maps ${n0(mapping.appealsPerSecond)} appeals per CPU-second (${n2(1000 / mapping.appealsPerSecond)} ms each, against ${n1(bridgeMs)} ms for the whole appeal), ${n2(mapping.appealsPerSecond / hand.appealsPerSecond)}× the hand-written TypeScript with the same schema check.`,
    );
  }
  lines.push(
    "- **The emulators are kinder than a large real Directum.** The Directum emulator answers the lookups a registration makes from an index, whatever its size. On a real Integration Service the person lookup, `tolower(LastName) eq … and tolower(FirstName) eq …`, may not use an index (a function over the column) and returns every namesake (up to 100) for the bridge to compare e-mails and phones; with hundreds of thousands of persons that lookup, 1.3 times per appeal, can cost more than everything measured here. (The marker search for cards an interrupted attempt left, a `contains` scan, is already skipped on an appeal's first attempt.)",
    `- **The machine is shared**: other work ran on the same ${results.machine.cores} cores during this run — the bridge's JavaScript thread waited for a CPU ${pct(med(largest.bridge, (r) => r.cores.clientWaiting))} of the ${n0(largest.size)} drain, the floor's ${pct(med(largest.floor, (r) => r.cores.clientWaiting))} — so rates wander between runs; CPU milliseconds per appeal, measured side by side, are steadier than the rates.`,
  );
  return lines.join('\n');
}
