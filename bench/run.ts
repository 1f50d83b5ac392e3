// `npm run bench`: builds (see package.json), runs every benchmark and writes BENCHMARKS.md.
// Progress goes to stderr; the report to BENCH_OUTPUT (default BENCHMARKS.md at the package root).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { packageRoot } from '../fixtures/index.js';
import { benchOptions } from './options.js';
import { renderReport } from './report.js';
import { runBench } from './suite.js';

async function main(): Promise<void> {
  const options = benchOptions();
  const workDir = mkdtempSync(join(tmpdir(), 'pos-bridge-bench-run-'));
  const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  try {
    const results = await runBench(options, log, workDir);
    const output = isAbsolute(options.output) ? options.output : join(packageRoot(), options.output);
    writeFileSync(output, renderReport(results));
    log(`wrote ${output}`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
