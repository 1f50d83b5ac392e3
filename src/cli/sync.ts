// `pos-bridge sync [--dry-run]`: prints what src/service/sync-command.ts reports and picks the exit code.
import type { BridgeConfig } from '../config/load.js';
import { syncExitCode, type SyncSummary } from '../pipeline/sync.js';
import type { PreflightFailure } from '../service/preflight.js';
import {
  runSyncCommand as runSync,
  type DryRunReport,
  type OrganisationSummary,
  type SyncCommandOptions,
} from '../service/sync-command.js';
import { table, type CliIO } from './io.js';

export interface SyncCliOptions extends SyncCommandOptions {
  json: boolean;
}

export async function runSyncCommand(config: BridgeConfig, options: SyncCliOptions, io: CliIO): Promise<number> {
  const showProgress = io.isTTY && !options.json;
  const result = await runSync(config, options, {
    onProgress: showProgress
      ? (phase, counts) => io.stderr(`\r${phase}: ${counts.waiting} waiting, ${counts.active} running, ${counts.delayed} delayed   `)
      : undefined,
  });
  switch (result.kind) {
    case 'usage':
      io.stderr(`pos-bridge sync: ${result.problem}\n`);
      return 2;
    case 'refused':
      io.stderr(`sync: ${result.failure.message}; nothing was pulled\n`);
      return 1;
    case 'unreachable':
      for (const [key, failure] of result.skipped) io.stderr(`sync: organisation ${key}: ${failure.message}\n`);
      io.stderr('sync: no organisation could reach ПОС; nothing was pulled\n');
      return 1;
    case 'dry-run':
      return printDryRuns(io, result.reports, options.json);
    case 'ran': {
      if (result.summaries.length === 1 && result.skipped.size === 0) {
        if (showProgress) io.stderr('\n');
        const { summary } = result.summaries[0]!;
        printSummary(io, summary, options.json, result.edmsName);
        const code = syncExitCode(summary);
        // --json prints the summary on stdout; the reason for a non-zero exit still goes to stderr.
        if (options.json && code !== 0) io.stderr(`sync: ${reasonOf(summary, result.edmsName)}\n`);
        return code;
      }
      return printOrganisations(io, result.summaries, result.skipped, options.json, result.edmsName);
    }
  }
}

function printSummary(io: CliIO, summary: SyncSummary, json: boolean, edmsName: string): void {
  if (json) {
    io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const rows: (string | number)[][] = [
    ['appeals handed to registration', summary.pulled.handedOn],
    ['appeals accepted in ПОС', summary.accepted],
    ['malformed appeals set aside', summary.pulled.malformed],
    ['EDMS changes read', summary.changesRead],
    ['statuses and answers pushed', summary.pushesSent],
    ['awaiting EDMS registration', summary.awaitingRegistration],
    ['waiting for the EDMS to answer', summary.edmsUnavailable?.held ?? 0],
    ['still retrying', summary.stillRetrying],
    ['continued from earlier runs', summary.continued],
    ['failed in this run', summary.newFailures.length],
    ['older failures waiting for an operator', summary.olderFailures],
  ];
  io.stderr(table(rows));
  for (const failure of summary.newFailures) {
    io.stderr(`failed: ${failure.id} appeal ${failure.posId ?? '-'}: ${failure.error.code}: ${failure.error.message}\n`);
  }
  if (summary.awaitingRegistration > 0) {
    io.stderr(`sync: ${summary.awaitingRegistration} appeals wait for ${edmsName} to register them; the next run accepts them\n`);
  }
  if (summary.edmsUnavailable) {
    io.stderr(
      `sync: ${edmsName} became unavailable during the run (${summary.edmsUnavailable.code}); ${summary.edmsUnavailable.held} appeals stay unaccepted in ПОС and register once it answers\n`,
    );
  }
  for (const problem of summary.problems) {
    const what = problem.phase === 'pull' ? 'the pull from ПОС' : 'reading the EDMS changes';
    io.stderr(
      problem.outOfTime
        ? `sync: time budget ran out before ${what} finished (${problem.code}: ${problem.message}); the next run continues\n`
        : `sync: ${what} failed (${problem.code}: ${problem.message})\n`,
    );
  }
  if (summary.timedOut && !summary.problems.some((problem) => problem.outOfTime)) {
    io.stderr('sync: time budget ran out while jobs were still retrying; the next run continues them\n');
  }
}

function printDryRuns(io: CliIO, reports: ReadonlyMap<string, DryRunReport>, json: boolean): number {
  const several = reports.size > 1;
  if (json)
    io.stdout(`${JSON.stringify(several ? { organisations: Object.fromEntries(reports) } : reports.values().next().value, null, 2)}\n`);
  else {
    for (const [key, report] of reports) {
      if (several) io.stderr(`organisation ${key}:\n`);
      printDryRun(io, report);
    }
  }
  return [...reports.values()].some((report) => report.mappingFailures.length > 0 || report.malformed.length > 0) ? 1 : 0;
}

function printDryRun(io: CliIO, report: DryRunReport): void {
  io.stderr(
    table([
      ['appeals waiting in ПОС', report.waiting],
      ['would be registered', report.wouldRegister],
      ['mapping warnings', report.mappingWarnings],
      ['mapping failures', report.mappingFailures.length],
      ['malformed in ПОС', report.malformed.length],
    ]),
  );
  for (const failure of report.mappingFailures)
    io.stderr(`would set aside: appeal ${failure.posId}: ${failure.code}: ${failure.message}\n`);
  for (const bad of report.malformed) io.stderr(`would set aside: appeal ${bad.id ?? '-'}: ${bad.code}: ${bad.issues.join('; ')}\n`);
}

/** Several organisations: a summary each, the skipped ones with their reason; exit 1 if any failed. */
function printOrganisations(
  io: CliIO,
  summaries: OrganisationSummary[],
  skipped: ReadonlyMap<string, PreflightFailure>,
  json: boolean,
  edmsName: string,
): number {
  const failedKeys = [...skipped.keys(), ...summaries.filter(({ summary }) => syncExitCode(summary) !== 0).map(({ key }) => key)];
  if (json) {
    const organisations = Object.fromEntries(summaries.map(({ key, summary }) => [key, summary]));
    const skippedOut = Object.fromEntries([...skipped].map(([key, failure]) => [key, { code: failure.code, message: failure.message }]));
    io.stdout(`${JSON.stringify({ organisations, skipped: skippedOut }, null, 2)}\n`);
  } else {
    for (const { key, summary } of summaries) {
      io.stderr(`organisation ${key}:\n`);
      printSummary(io, summary, false, edmsName);
    }
  }
  for (const [key, failure] of skipped) io.stderr(`sync: organisation ${key} skipped: ${failure.message}\n`);
  for (const { key, summary } of summaries) {
    if (syncExitCode(summary) !== 0) io.stderr(`sync: organisation ${key}: ${reasonOf(summary, edmsName)}\n`);
  }
  if (failedKeys.length > 0)
    io.stderr(
      `sync: ${failedKeys.length} of ${summaries.length + skipped.size} organisations did not finish cleanly: ${failedKeys.join(', ')}\n`,
    );
  return failedKeys.length > 0 ? 1 : 0;
}

function reasonOf(summary: SyncSummary, edmsName: string): string {
  if (summary.edmsUnavailable) return `${edmsName} became unavailable during the run (${summary.edmsUnavailable.code})`;
  const problem = summary.problems[0];
  if (problem)
    return `${problem.phase} did not finish (${problem.code}${problem.outOfTime ? ', time budget ran out' : ''}): ${problem.message}`;
  if (summary.newFailures.length > 0) return `${summary.newFailures.length} job(s) failed in this run`;
  return summary.timedOut ? 'time budget ran out while jobs were still retrying' : `${summary.stillRetrying} job(s) still retrying`;
}
