// Mapping throughput on one core: the shipped mappings (fast path), the same mappings through
// JSONata alone, and hand-written TypeScript making the same records (bench/mapping-handwritten.ts).
// Warm-up first, then the median of several timed passes over realistic fixture appeals, the
// cases taking turns. Rates are appeals per CPU-second of the process: the fast path runs in this
// thread; the JSONata-only engine, as the bridge runs JSONata, in an evaluation thread (the shared
// pool, whose idle threads do not keep the process alive).
// Run: `node dist/bench/mapping.js` (after `npm run build`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { deloRecordSchema } from '../adapters/delo/record.js';
import { directumRecordSchema } from '../adapters/directum-rx/record.js';
import { generateAppeals, loadEdgeCaseAppeals, packageRoot, toPosAppeal } from '../fixtures/index.js';
import { compileMapping } from '../src/mapping/compile.js';
import type { CompiledMapping } from '../src/mapping/types.js';
import { appealSchema, type PosAppeal } from '../src/pos/schemas.js';
import { deloByHand, directumByHand, handTables, type HandTables } from './mapping-handwritten.js';

export interface MappingBenchOptions {
  /** Generated appeals per pass (plus the edge-case fixtures). */
  appeals?: number;
  /** Timed passes per case; the median counts. */
  runs?: number;
  /** Passes before timing starts. */
  warmupRuns?: number;
  /** Also time the JSONata-only engine (slow; for comparison). */
  includeJsonataOnly?: boolean;
}

export interface MappingBenchRow {
  name: string;
  appealsPerSecond: number;
}

export interface MappingBenchResult {
  rows: MappingBenchRow[];
  /** Directum mapping ÷ hand-written Directum (both checking the record against the schema). */
  ratio: number;
  /** The same per target. */
  ratios: { 'directum-rx': number; delo: number };
}

const NOW = new Date('2025-03-01T09:00:00Z');

export function benchAppeals(count: number): PosAppeal[] {
  const generated = generateAppeals(count, { seed: 42, now: NOW }).map((seed) =>
    toPosAppeal(seed, (file, index) => `https://pos.example/file-storage-service/filestorage/${seed.id}-${index}-${file.name.length}`),
  );
  return [...generated, ...loadEdgeCaseAppeals()].map((raw) => appealSchema.parse(raw));
}

export function shippedMapping(name: 'directum-rx' | 'delo', fastPath = true): { mapping: CompiledMapping; tables: HandTables } {
  const file = join(packageRoot(), 'mappings', `${name}.yaml`);
  const source = readFileSync(file, 'utf8');
  const { mapping, problems } = compileMapping(source, file, { fastPath });
  if (!mapping) throw new Error(`${file} is invalid: ${problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('; ')}`);
  return { mapping, tables: handTables(source) };
}

/** Hand-written mapper plus the schema check the pipeline needs anyway, as the engine does. */
export function handWritten(name: 'directum-rx' | 'delo', tables: HandTables, check = true): (appeal: PosAppeal) => unknown {
  const schema: z.ZodType = name === 'delo' ? deloRecordSchema : directumRecordSchema;
  const make = name === 'delo' ? deloByHand : directumByHand;
  return (appeal) => {
    const warnings: string[] = [];
    const record = make(appeal, tables, warnings);
    return check ? { record: schema.parse(record), warnings } : { record, warnings };
  };
}

type Runner = (appeal: PosAppeal) => unknown;

/**
 * Appeals per CPU-second of this thread's process for one pass. CPU time rather than wall time:
 * on a shared machine other processes' load then skews the figure far less.
 */
async function pass(run: Runner, appeals: PosAppeal[]): Promise<number> {
  const started = process.cpuUsage();
  for (const appeal of appeals) await run(appeal);
  const used = process.cpuUsage(started);
  return appeals.length / ((used.user + used.system) / 1e6);
}

const median = (values: number[]) => Math.round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number);

/** Cases run in turns, round after round, so a load spike hits them alike; medians count. */
async function measureTogether(
  cases: { name: string; run: Runner; appeals: PosAppeal[] }[],
  runs: number,
  warmupRuns: number,
): Promise<MappingBenchRow[]> {
  for (let i = 0; i < warmupRuns; i++) for (const item of cases) await pass(item.run, item.appeals);
  const rates = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [index, item] of cases.entries()) rates[index]?.push(await pass(item.run, item.appeals));
  }
  return cases.map((item, index) => ({ name: item.name, appealsPerSecond: median(rates[index] ?? []) }));
}

export async function runMappingBench(options: MappingBenchOptions = {}): Promise<MappingBenchResult> {
  const appeals = benchAppeals(options.appeals ?? 2_000);
  const runs = options.runs ?? 9;
  const warmupRuns = options.warmupRuns ?? 6;
  const rows: MappingBenchRow[] = [];
  const ratios = { 'directum-rx': 0, delo: 0 };
  for (const name of ['directum-rx', 'delo'] as const) {
    const { mapping, tables } = shippedMapping(name);
    const measured = await measureTogether(
      [
        { name: `${name}: mapping (fast path)`, run: (appeal) => mapping.map(appeal, NOW), appeals },
        { name: `${name}: hand-written TypeScript + schema check`, run: handWritten(name, tables), appeals },
        { name: `${name}: hand-written TypeScript, no schema check`, run: handWritten(name, tables, false), appeals },
      ],
      runs,
      warmupRuns,
    );
    rows.push(...measured);
    if (options.includeJsonataOnly ?? true) {
      const slow = shippedMapping(name, false).mapping;
      rows.push(
        ...(await measureTogether(
          [{ name: `${name}: mapping through JSONata only`, run: (appeal) => slow.map(appeal, NOW), appeals: appeals.slice(0, 300) }],
          3,
          1,
        )),
      );
    }
    ratios[name] = (measured[0]?.appealsPerSecond ?? 0) / (measured[1]?.appealsPerSecond ?? 1);
  }
  return { rows, ratio: ratios['directum-rx'], ratios };
}

function printTable(result: MappingBenchResult): void {
  const width = Math.max(34, ...result.rows.map((row) => row.name.length));
  console.log(`${'case (one thread, per CPU-second)'.padEnd(width)}  appeals/s`);
  for (const row of result.rows) console.log(`${row.name.padEnd(width)}  ${String(row.appealsPerSecond).padStart(9)}`);
  console.log(
    `\nmapping ÷ hand-written (both with schema check): directum-rx ${result.ratios['directum-rx'].toFixed(2)}, delo ${result.ratios.delo.toFixed(2)}`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMappingBench()
    .then(printTable)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
