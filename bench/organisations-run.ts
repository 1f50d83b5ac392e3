// Only the several-organisations benchmark, without the rest of `npm run bench`: its section of
// BENCHMARKS.md goes to stdout, progress to stderr, and BENCHMARKS.md is left alone. The same
// settings apply (BENCH_ORG_SIZE, BENCH_ORG_SMALL, BENCH_RUNS, BENCH_CONCURRENCY, BENCH_PAGE_SIZE).
//   npm run build && node dist/bench/organisations-run.js
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOptions } from './options.js';
import { runOrganisationsBench } from './organisations.js';
import { organisationsSection, organisationsTarget } from './report-organisations.js';
import { backlog, machine } from './suite.js';

async function main(): Promise<void> {
  const options = benchOptions();
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const settings = { concurrency: options.concurrency, pageSize: options.pageSize, timeoutMs: options.timeoutMs };
  const measuredOn = machine();
  const series = await runOrganisationsBench(options, settings, backlog(options.organisations.size), log);
  const saved = join(tmpdir(), `pos-bridge-bench-organisations-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(saved, `${JSON.stringify({ options, machine: measuredOn, series }, null, 1)}\n`);
  const target = organisationsTarget(series);
  process.stdout.write(
    `Measured on ${measuredOn.cores} cores (${measuredOn.cpuModel}), code at ${measuredOn.revision}, ${options.runs} run(s).\n\n`,
  );
  process.stdout.write(`Target: ${target.name}: ${target.target}, measured ${target.measured} (${target.met ? 'met' : 'not met'}).\n\n`);
  process.stdout.write(`${organisationsSection(series)}\n`);
  log(`raw results: ${saved}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
