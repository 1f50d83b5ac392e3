// What `npm run bench` measures and how hard, from the environment:
//   BENCH_QUICK=1        a smoke run (small N, one run each), about two minutes
//   BENCH_RUNS=3         runs per figure (the median is reported)
//   BENCH_LARGE_RUNS=1   runs of each drain of 20,000 appeals or more (one 50,000 drain of the
//                        bridge and one of the floor take ~10 minutes on two cores)
//   BENCH_SIZES=5000,50000   backlog sizes of the drain (the memory ratio is largest ÷ smallest)
//   BENCH_PUSH=2000      answered appeals in the status push
//   BENCH_RATE=40        ПОС rate limit (requests/s) of the rate-limited push
//   BENCH_RATE_PUSH=400  answered appeals in the rate-limited push
//   BENCH_CONCURRENCY=8  WORKER_CONCURRENCY of the bridge, and the floor's concurrency
//   BENCH_PAGE_SIZE=100  POS_PAGE_SIZE of the bridge and the floor
//   BENCH_ORG_SIZE=5000  appeals of the several-organisations drains (1 organisation × N against
//                        3 × N/3) and of the large backlog of the fairness run; four drains of N
//                        per run, about a minute each at ~110 appeals/s
//   BENCH_ORG_SMALL=10   appeals of the small organisation in the fairness run
//   BENCH_PROFILE=1      one extra drain with --cpu-prof on the bridge, summarised in the report
//                        (on by default, off in quick mode; BENCH_PROFILE=0 leaves it out)
//   BENCH_TOPOLOGY_SIZE=2000   appeals of each drain on standalone Redis, a Sentinel set and a Cluster
//   BENCH_PROCESS_SIZE=5000    appeals of each drain with `start --workers 2` and with one process
//   BENCH_ONLY=topologies,processes   run only these sections and rewrite only them in BENCH_OUTPUT
//                        (the other sections and the header stay as they are, but for one line
//                        saying when and at which commit these were measured)
//   BENCH_OUTPUT=BENCHMARKS.md

/** Sections BENCH_ONLY can run on their own: their figures feed no other section of the report. */
export const SEPARATE_SECTIONS = ['topologies', 'processes'] as const;
export type SeparateSection = (typeof SEPARATE_SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  /** BENCH_ONLY: just these sections; absent: everything. */
  only?: SeparateSection[];
  /** Appeals of each drain of the Redis topologies section. */
  topologySize: number;
  /** Appeals of each drain of the worker processes section. */
  processSize: number;
  runs: number;
  /** Runs of drains of LARGE_DRAIN appeals or more. */
  largeRuns: number;
  drainSizes: number[];
  pushAppeals: number;
  rateLimit: number;
  ratePushAppeals: number;
  concurrency: number;
  pageSize: number;
  profile: boolean;
  /** Several organisations (bench/organisations.ts): drain size and the fairness run's small backlog. */
  organisations: { size: number; small: number };
  mapping: { appeals: number; runs: number; warmupRuns: number };
  output: string;
  /** Longest wait for one drain or push before the run counts as failed. */
  timeoutMs: number;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number (got "${raw}")`);
  return value;
}

function sizes(env: NodeJS.ProcessEnv, fallback: number[]): number[] {
  const raw = env.BENCH_SIZES;
  if (!raw) return fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value <= 0)) {
    throw new Error(`BENCH_SIZES must be positive whole numbers separated by commas (got "${raw}")`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function onlySections(env: NodeJS.ProcessEnv): SeparateSection[] | undefined {
  const raw = env.BENCH_ONLY?.trim();
  if (!raw) return undefined;
  const names = [
    ...new Set(
      raw
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((name) => !(SEPARATE_SECTIONS as readonly string[]).includes(name));
  if (unknown.length || names.length === 0) {
    // The other sections feed the Targets table and the closing note: they are measured together.
    throw new Error(
      `BENCH_ONLY takes ${SEPARATE_SECTIONS.join(', ')} separated by commas (got "${raw}"); the other sections run only in a full npm run bench`,
    );
  }
  return SEPARATE_SECTIONS.filter((name) => names.includes(name));
}

export function benchOptions(env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const only = onlySections(env);
  return {
    quick,
    ...(only ? { only } : {}),
    topologySize: positiveInt(env, 'BENCH_TOPOLOGY_SIZE', quick ? 300 : 2_000),
    processSize: positiveInt(env, 'BENCH_PROCESS_SIZE', quick ? 600 : 5_000),
    runs: positiveInt(env, 'BENCH_RUNS', quick ? 1 : 3),
    largeRuns: positiveInt(env, 'BENCH_LARGE_RUNS', 1),
    drainSizes: sizes(env, quick ? [500, 2_500] : [5_000, 50_000]),
    pushAppeals: positiveInt(env, 'BENCH_PUSH', quick ? 300 : 2_000),
    rateLimit: positiveInt(env, 'BENCH_RATE', 40),
    ratePushAppeals: positiveInt(env, 'BENCH_RATE_PUSH', quick ? 150 : 400),
    concurrency: positiveInt(env, 'BENCH_CONCURRENCY', 8),
    pageSize: positiveInt(env, 'BENCH_PAGE_SIZE', 100),
    organisations: { size: positiveInt(env, 'BENCH_ORG_SIZE', quick ? 600 : 5_000), small: positiveInt(env, 'BENCH_ORG_SMALL', 10) },
    profile:
      env.BENCH_PROFILE === undefined || env.BENCH_PROFILE === '' ? !quick : env.BENCH_PROFILE === '1' || env.BENCH_PROFILE === 'true',
    mapping: quick ? { appeals: 500, runs: 3, warmupRuns: 1 } : { appeals: 2_000, runs: 9, warmupRuns: 3 },
    output: env.BENCH_OUTPUT || 'BENCHMARKS.md',
    timeoutMs: positiveInt(env, 'BENCH_TIMEOUT_S', 1_200) * 1000,
  };
}

export const LARGE_DRAIN = 20_000;

/** How many runs a drain of `size` appeals gets. */
export function drainRuns(options: BenchOptions, size: number): number {
  return size >= LARGE_DRAIN ? options.largeRuns : options.runs;
}
