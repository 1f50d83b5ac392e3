// `npm run bench`: builds (see package.json), runs every benchmark and writes BENCHMARKS.md.
// Progress goes to stderr; the report to BENCH_OUTPUT (default BENCHMARKS.md at the package root).
// The raw results are kept as JSON in the temporary directory (its path is logged);
// BENCH_RENDER=<that file> writes the report from them again without measuring. With BENCH_ONLY
// only the sections measured are rewritten in the existing report.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { packageRoot } from '../fixtures/index.js';
import { benchOptions } from './options.js';
import { renderOnly } from './report-only.js';
import { renderReport } from './report.js';
import { runBench, type BenchResults } from './suite.js';

/** The whole report, or for BENCH_ONLY results the existing one with just those sections rewritten. */
function render(results: BenchResults, output: string): string {
  return results.options.only ? renderOnly(results, readFileSync(output, 'utf8')) : renderReport(results);
}

async function main(): Promise<void> {
  const options = benchOptions();
  const output = isAbsolute(options.output) ? options.output : join(packageRoot(), options.output);
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  if (process.env.BENCH_RENDER) {
    writeFileSync(output, render(JSON.parse(readFileSync(process.env.BENCH_RENDER, 'utf8')) as BenchResults, output));
    log(`wrote ${output} from ${process.env.BENCH_RENDER}`);
    return;
  }
  if (options.only && !existsSync(output))
    throw new Error(`BENCH_ONLY rewrites sections of an existing report, and ${output} is missing: run the whole npm run bench first`);
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-bench-run-'));
  try {
    const results = await runBench(options, log, workDir);
    const saved = join(tmpdir(), `pos-bridge-bench-${results.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(saved, `${JSON.stringify(results, null, 1)}\n`);
    writeFileSync(output, render(results, output));
    log(`wrote ${output} (raw results: ${saved})`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
