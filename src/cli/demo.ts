// `pos-bridge demo`: prints the progress and the summary of the run src/demo/demo.ts makes.
import { runDemo as startDemo, type DemoOptions, type DemoProgress, type DemoRun } from '../demo/demo.js';
import { table, type CliIO } from './io.js';

function progressLine({ outcome: o, total, elapsedMs }: DemoProgress): string {
  return `[${(elapsedMs / 1000).toFixed(0).padStart(3)}s] accepted ${o.accepted}/${total} · statuses in ПОС ${o.statusesInPos} · final answers ${o.finalAnswers}/${total}`;
}

export async function runDemo(options: DemoOptions, io: CliIO): Promise<number> {
  const across = (options.organisations ?? 1) > 1 ? ` of ${options.organisations} organisations (ЛКО)` : '';
  io.stderr(`pos-bridge demo: ${options.appeals} appeals${across}, ПОС emulator → bridge → ${options.edms} emulator\n`);
  let lastPrint = 0;
  const run = await startDemo(options, {
    env: io.env,
    onNotice: (text) => io.stderr(`${text}\n`),
    onProgress: (progress) => {
      if (io.isTTY) io.stderr(`\r${progressLine(progress)}   `);
      else if (Date.now() - lastPrint > 5000) {
        io.stderr(`${progressLine(progress)}\n`);
        lastPrint = Date.now();
      }
    },
  });
  if (io.isTTY) io.stderr('\n');
  printSummary(io, options, run, across);
  if (options.keepRunning && run.links.api) {
    io.stdout(`Admin API:   ${run.links.api}/api  (Authorization: Bearer ${run.links.adminToken})\n`);
    io.stdout(
      `OpenAPI:     ${run.links.api}/docs\nQueue UI:    ${run.links.api}/ui?token=${run.links.adminToken}\nMetrics:     ${run.links.api}/metrics\n`,
    );
    io.stdout(`ПОС emulator: ${run.links.posEmulator}/_emulator/stats\nPress Ctrl-C to stop.\n`);
    await new Promise<void>((resolveStop) => process.once('SIGINT', () => resolveStop()));
  } else {
    io.stdout(
      'Next: `npm run demo -- --keep-running` leaves everything up to explore the admin API (/docs), the queue UI (/ui) and /metrics.\n',
    );
  }
  await run.stop();
  if (!run.complete) io.stderr(`demo: not everything landed before the deadline (see ${run.logPath})\n`);
  return run.complete && run.outcome.duplicateAccepts === 0 && run.outcome.outOfOrder === 0 ? 0 : 1;
}

function printSummary(io: CliIO, options: DemoOptions, run: DemoRun, across: string): void {
  const { outcome } = run;
  io.stdout(`\npos-bridge demo summary (${options.edms}${across}, ${(run.elapsedMs / 1000).toFixed(1)} s)\n`);
  io.stdout(
    table([
      ['appeals seeded in ПОС', run.seeded],
      ['pulled by the bridge', outcome.pulled],
      [`registered in ${options.edms}`, outcome.registered],
      ['accepted in ПОС', outcome.accepted],
      ['accepted twice (must be 0)', outcome.duplicateAccepts],
      ['statuses and answers in ПОС', outcome.statusesInPos],
      ['  final answers', outcome.finalAnswers],
      ['  of which forwarded / rejected', `${outcome.byAnswerType.FORWARDED ?? 0} / ${outcome.byAnswerType.REJECTED ?? 0}`],
      ['  postponements', outcome.byAnswerType.POSTPONED ?? 0],
      ['histories out of lifecycle order (must be 0)', outcome.outOfOrder],
      ['malformed appeals set aside', outcome.setAside],
      ['failed jobs', outcome.failedJobs],
    ]),
  );
  if (run.organisations) {
    io.stdout('\nper organisation (ЛКО): appeals accepted / final answers, each with its own token\n');
    io.stdout(
      table(
        run.organisations.map((org) => [
          org.key,
          org.name,
          `${outcome.byOrganisation[org.clientId]?.accepted ?? 0} / ${outcome.byOrganisation[org.clientId]?.answered ?? 0}`,
        ]),
      ),
    );
  }
  io.stdout(`\nBridge log (JSON, no personal data): ${run.logPath}\n`);
}
