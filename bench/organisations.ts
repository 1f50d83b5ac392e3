// Several organisations (ЛКО) in one bridge. Throughput: one backlog drained by one organisation,
// and the same appeals split over three (each with its own token, pull, queues and workers).
// Fairness: a large backlog in one organisation and a small one in another, seeded together.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateAppeals, type SeedAppeal } from '../fixtures/generator.js';
import { SAMPLE_ORGANISATIONS, organisationsYaml, type SampleOrganisation } from '../fixtures/organisations.js';
import { bridgeEnv, measureDrain, runDrain, type DrainResult, type DrainSettings } from './drain.js';
import type { Lab } from './lab.js';
import type { BenchOptions } from './options.js';

export type BenchOrganisation = SampleOrganisation;
/** The organisations have no mapping or constants of their own: the runs differ in organisations only. */
export const BENCH_ORGANISATIONS = SAMPLE_ORGANISATIONS;

export interface OrganisationsSeries {
  size: number;
  small: number;
  /**
   * WORKER_CONCURRENCY of each organisation in the equal-slots run: the single organisation runs
   * with three times this, so both have the same number of register slots.
   */
  perOrganisation: number;
  /** WORKER_CONCURRENCY of each organisation in the fairness run (the benchmark's setting). */
  fairnessConcurrency: number;
  /** 1 organisation × N, WORKER_CONCURRENCY = 3 × perOrganisation. */
  single: DrainResult[];
  /** 3 organisations × N/3, WORKER_CONCURRENCY = perOrganisation each. */
  equalSlots: DrainResult[];
  /** 3 organisations × N/3, WORKER_CONCURRENCY = 3 × perOrganisation each, as the single one. */
  sameSetting: DrainResult[];
  /** BENCH_ORGANISATIONS[0] with N appeals, [1] with `small`. */
  fairness: DrainResult[];
}

export type Backlogs = readonly { organisation: BenchOrganisation; appeals: readonly SeedAppeal[] }[];

/** Seeds each organisation's cabinet in the lab's ПОС and returns a bridge environment listing them in BRIDGE_CONFIG. */
function organisationsEnv(lab: Lab, backlogs: Backlogs, settings: DrainSettings): Record<string, string> {
  for (const { organisation, appeals } of backlogs) {
    const added = lab.pos.state.organisations.add({ clientId: organisation.clientId, secret: organisation.secret });
    if (!added.ok) throw new Error(added.message);
    lab.pos.state.seed(appeals, organisation.clientId);
  }
  // No mapping or constants of their own: the run differs from the single one only in organisations.
  const yaml = organisationsYaml(backlogs.map(({ organisation }) => organisation));
  const file = join(lab.workDir, 'bridge.yaml');
  writeFileSync(file, yaml);
  // POS_CLIENT_ID/POS_CLIENT_SECRET beside an organisations: list is a configuration error.
  const { POS_CLIENT_ID: _id, POS_CLIENT_SECRET: _secret, ...env } = bridgeEnv(lab, settings);
  return { ...env, BRIDGE_CONFIG: file, ...Object.fromEntries(backlogs.map(({ organisation: o }) => [o.secretEnv, o.secret])) };
}

export function measureOrganisationsDrain(backlogs: Backlogs, settings: DrainSettings): Promise<DrainResult> {
  const total = backlogs.reduce((sum, backlog) => sum + backlog.appeals.length, 0);
  return runDrain('bridge', total, settings, {}, async (lab) => organisationsEnv(lab, backlogs, settings));
}

/** The backlog dealt out in turn, so every organisation gets appeals of every age. */
export function splitOver(appeals: readonly SeedAppeal[], organisations: readonly BenchOrganisation[]): Backlogs {
  return organisations.map((organisation, index) => ({
    organisation,
    appeals: appeals.filter((_, i) => i % organisations.length === index),
  }));
}

/** The small organisation's appeals: ids after the large backlog's, created over the same six weeks. */
export function smallBacklog(large: readonly SeedAppeal[], count: number): SeedAppeal[] {
  const startId = large.reduce((max, appeal) => Math.max(max, appeal.id), 100_000) + 1;
  return generateAppeals(count, { seed: 20_250_302, startId, now: new Date() });
}

/** Three organisations at a third of the concurrency each: rounded, as WORKER_CONCURRENCY is whole. */
export const perOrganisationConcurrency = (concurrency: number) => Math.max(1, Math.round(concurrency / 3));

type Variant = 'single' | 'equalSlots' | 'sameSetting' | 'fairness';

/** Every variant once per run, in turn, so a load spike on the shared machine hits them alike. */
export async function runOrganisationsBench(
  options: BenchOptions,
  settings: DrainSettings,
  appeals: readonly SeedAppeal[],
  log: (line: string) => void,
): Promise<OrganisationsSeries> {
  const perOrganisation = perOrganisationConcurrency(settings.concurrency);
  const [large, small] = [BENCH_ORGANISATIONS[0]!, BENCH_ORGANISATIONS[1]!];
  const smallAppeals = smallBacklog(appeals, options.organisations.small);
  const three = splitOver(appeals, BENCH_ORGANISATIONS);
  const at = (concurrency: number): DrainSettings => ({ ...settings, concurrency });
  const variants: Record<Variant, () => Promise<DrainResult>> = {
    single: () => measureDrain('bridge', appeals, at(3 * perOrganisation)),
    equalSlots: () => measureOrganisationsDrain(three, at(perOrganisation)),
    sameSetting: () => measureOrganisationsDrain(three, at(3 * perOrganisation)),
    fairness: () =>
      measureOrganisationsDrain(
        [
          { organisation: large, appeals },
          { organisation: small, appeals: smallAppeals },
        ],
        settings,
      ),
  };
  const series: OrganisationsSeries = {
    size: appeals.length,
    small: smallAppeals.length,
    perOrganisation,
    fairnessConcurrency: settings.concurrency,
    single: [],
    equalSlots: [],
    sameSetting: [],
    fairness: [],
  };
  for (let run = 1; run <= options.runs; run++) {
    for (const variant of Object.keys(variants) as Variant[]) {
      const result = await variants[variant]();
      series[variant].push(result);
      const orgs = result.organisations
        .map(
          (o) =>
            `${o.organisation} ${o.appeals}: p50 ${(o.latencyP50Ms / 1000).toFixed(2)} s, p99 ${(o.latencyP99Ms / 1000).toFixed(2)} s, done ${o.doneSeconds.toFixed(1)} s`,
        )
        .join('; ');
      log(
        `organisations ${variant} run ${run}/${options.runs}: ${result.appealsPerSecond.toFixed(1)} appeals/s, ${result.seconds.toFixed(1)} s, client ${result.cores.client.toFixed(2)} cores; ${orgs}`,
      );
    }
  }
  return series;
}
