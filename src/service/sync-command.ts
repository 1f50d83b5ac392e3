// `pos-bridge sync [--dry-run]`: the cron-friendly one-shot run.
import type { CliIO } from '../cli/io.js';
import { table } from '../cli/io.js';
import type { BridgeConfig, OrganisationConfig } from '../config/load.js';
import { parseDuration } from '../config/schedule.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../logging.js';
import { recordReferences } from '../../adapters/record-references.js';
import { explainReferenceProblems } from '../mapping/against-edms.js';
import { FileMappings } from '../mapping/load-file.js';
import { startOrganisationWorkers, workerSettingsOf } from '../pipeline/runtime.js';
import { runSync, syncExitCode, type SyncSummary } from '../pipeline/sync.js';
import { PosClient } from '../pos/client.js';
import { drainAppeals } from '../pos/pull.js';
import { warnOnEvictionPolicy } from '../redis.js';
import { EDMS_NAMES, createAdapter } from './edms.js';
import { PreflightFailure, checkEdms, checkPos, checkRedis } from './preflight.js';
import { buildServices } from './wiring.js';

export interface SyncCommandOptions {
  dryRun: boolean;
  timeout: string;
  json: boolean;
  /** How long Redis, ПОС and the EDMS may take to answer before anything is pulled (default 30s). */
  preflightTimeout?: string;
}

export const DEFAULT_PREFLIGHT_TIMEOUT = '30s';

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
    io.stderr(`sync: ${edmsName} became unavailable during the run (${summary.edmsUnavailable.code}); ${summary.edmsUnavailable.held} appeals stay unaccepted in ПОС and register once it answers\n`);
  }
  for (const problem of summary.problems) {
    const what = problem.phase === 'pull' ? 'the pull from ПОС' : 'reading the EDMS changes';
    io.stderr(problem.outOfTime
      ? `sync: time budget ran out before ${what} finished (${problem.code}: ${problem.message}); the next run continues\n`
      : `sync: ${what} failed (${problem.code}: ${problem.message})\n`);
  }
  if (summary.timedOut && !summary.problems.some((problem) => problem.outOfTime)) {
    io.stderr('sync: time budget ran out while jobs were still retrying; the next run continues them\n');
  }
}

interface DryRunReport {
  waiting: number;
  wouldRegister: number;
  mappingWarnings: number;
  mappingFailures: { posId: number; code: string; message: string }[];
  malformed: { id?: number | string; code: string; issues: string[] }[];
}

/** One organisation's dry run: its ПОС list with its token, its effective mapping, read-only against the EDMS. */
async function dryRunOrganisation(config: BridgeConfig, org: OrganisationConfig, mappings: FileMappings, logger: Logger): Promise<DryRunReport> {
  const pos = new PosClient({ pos: { ...config.pos, clientId: org.clientId, clientSecret: org.clientSecret }, organisation: org.key, proxy: config.proxy, logger });
  const mapping = await mappings.forOrganisation(org, config.edms.kind);
  // Read-only against the EDMS too: a record whose references the installation lacks is never
  // promised a registration.
  const adapter = await createAdapter(config, { logger }, org.key);
  const failures: DryRunReport['mappingFailures'] = [];
  let mapped = 0;
  let warnings = 0;
  try {
    // Each appeal on its own, as the real pull has it: intake limits and the schema set a bad one
    // aside in fetchPage (report.malformed), a mapping or reference failure here; the rest go on.
    const report = await drainAppeals(
      pos,
      async (appeal) => {
        try {
          const result = await mapping.map(appeal);
          const problems = await adapter.checkReferences(recordReferences(result.record, adapter.referenceFields));
          if (problems.length > 0) {
            failures.push({ posId: appeal.id, code: 'EDMS_REFERENCE_UNKNOWN', message: explainReferenceProblems(problems, mapping, adapter) });
            return;
          }
          mapped += 1;
          warnings += result.warnings.length;
        } catch (error) {
          failures.push({ posId: appeal.id, ...describeError(error) });
        }
      },
      { pageSize: config.pos.pageSize },
    );
    const malformed = report.malformed.map((bad) => ({ ...bad, code: bad.code ?? 'MALFORMED_APPEAL' }));
    return { waiting: report.handedOn, wouldRegister: mapped, mappingWarnings: warnings, mappingFailures: failures, malformed };
  } finally {
    await adapter.close();
    pos.close();
  }
}

function printDryRun(io: CliIO, report: DryRunReport): void {
  io.stderr(table([['appeals waiting in ПОС', report.waiting], ['would be registered', report.wouldRegister], ['mapping warnings', report.mappingWarnings], ['mapping failures', report.mappingFailures.length], ['malformed in ПОС', report.malformed.length]]));
  for (const failure of report.mappingFailures) io.stderr(`would set aside: appeal ${failure.posId}: ${failure.code}: ${failure.message}\n`);
  for (const bad of report.malformed) io.stderr(`would set aside: appeal ${bad.id ?? '-'}: ${bad.code}: ${bad.issues.join('; ')}\n`);
}

async function dryRun(config: BridgeConfig, io: CliIO, json: boolean): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  const mappings = new FileMappings(config.mappingsDir, { evaluationTimeoutMs: config.mappingTimeoutMs });
  try {
    const reports = new Map<string, DryRunReport>();
    for (const org of config.organisations) reports.set(org.key, await dryRunOrganisation(config, org, mappings, logger));
    const several = config.organisations.length > 1;
    if (json) io.stdout(`${JSON.stringify(several ? { organisations: Object.fromEntries(reports) } : reports.values().next().value, null, 2)}\n`);
    else {
      for (const [key, report] of reports) {
        if (several) io.stderr(`organisation ${key}:\n`);
        printDryRun(io, report);
      }
    }
    return [...reports.values()].some((report) => report.mappingFailures.length > 0 || report.malformed.length > 0) ? 1 : 0;
  } finally {
    await mappings.close();
  }
}

export async function runSyncCommand(config: BridgeConfig, options: SyncCommandOptions, io: CliIO): Promise<number> {
  const timeoutMs = parseDuration(options.timeout);
  if (!timeoutMs) {
    io.stderr(`pos-bridge sync: --timeout must be a duration like 30s or 10m (got "${options.timeout}")\n`);
    return 2;
  }
  const preflightText = options.preflightTimeout ?? DEFAULT_PREFLIGHT_TIMEOUT;
  const preflightMs = parseDuration(preflightText);
  if (!preflightMs) {
    io.stderr(`pos-bridge sync: --preflight-timeout must be a duration like 30s (got "${preflightText}")\n`);
    return 2;
  }
  if (options.dryRun) return dryRun(config, io, options.json);
  const logger = createLogger({ level: config.logLevel });
  const refused = (failure: PreflightFailure) => {
    io.stderr(`sync: ${failure.message}; nothing was pulled\n`);
    return 1;
  };
  const preflightDeadline = Date.now() + preflightMs;
  // Redis first, on a connection of its own that gives up: the bridge's own connection waits forever.
  try {
    await checkRedis(config.redis, preflightDeadline, preflightMs);
  } catch (error) {
    if (error instanceof PreflightFailure) return refused(error);
    throw error;
  }
  const services = await buildServices(config, logger, { watchMappings: false });
  let workers: ReturnType<typeof startOrganisationWorkers> | undefined;
  try {
    try {
      await checkEdms(services.ctx.adapter, preflightDeadline, preflightMs);
    } catch (error) {
      if (error instanceof PreflightFailure) return refused(error);
      throw error;
    }
    // ПОС per organisation: one ЛКО whose credentials or cabinet fail is skipped, the others run.
    const skipped = new Map<string, PreflightFailure>();
    for (const org of services.organisations) {
      try {
        await checkPos(org.pos, preflightDeadline, preflightMs);
      } catch (error) {
        if (!(error instanceof PreflightFailure)) throw error;
        if (services.organisations.length === 1) return refused(error);
        skipped.set(org.key, error);
        org.ctx.metrics.organisationUp.set({ organisation: org.key }, 0);
        logger.error({ organisation: org.key, code: error.code }, 'organisation skipped: ПОС refused or did not answer');
      }
    }
    const running = services.organisations.filter((org) => !skipped.has(org.key));
    if (running.length === 0) {
      for (const [key, failure] of skipped) io.stderr(`sync: organisation ${key}: ${failure.message}\n`);
      io.stderr('sync: no organisation could reach ПОС; nothing was pulled\n');
      return 1;
    }
    await warnOnEvictionPolicy(services.redis, logger);
    // The EDMS answers: lift a pause an earlier run or the service recorded, and wake the appeals it held.
    for (const org of running) await org.ctx.edmsGate.answered();
    workers = startOrganisationWorkers(running.map((org) => org.ctx), services.redis, workerSettingsOf(config));
    const several = services.organisations.length > 1;
    const summaries = await Promise.all(running.map(async (org) => ({
      key: org.key,
      summary: await runSync(org.ctx, {
        timeoutMs,
        onProgress: io.isTTY && !options.json && !several ? (phase, counts) => io.stderr(`\r${phase}: ${counts.waiting} waiting, ${counts.active} running, ${counts.delayed} delayed   `) : undefined,
      }),
    })));
    if (io.isTTY && !options.json && !several) io.stderr('\n');
    const edmsName = EDMS_NAMES[services.ctx.adapter.kind];
    if (!several) {
      const { summary } = summaries[0]!;
      printSummary(io, summary, options.json, edmsName);
      const code = syncExitCode(summary);
      // --json prints the summary on stdout; the reason for a non-zero exit still goes to stderr.
      if (options.json && code !== 0) io.stderr(`sync: ${reasonOf(summary, edmsName)}\n`);
      return code;
    }
    return printOrganisations(io, summaries, skipped, options.json, edmsName);
  } finally {
    await workers?.close();
    await services.close();
  }
}

/** Several organisations: a summary each, the skipped ones with their reason; exit 1 if any failed. */
function printOrganisations(io: CliIO, summaries: { key: string; summary: SyncSummary }[], skipped: ReadonlyMap<string, PreflightFailure>, json: boolean, edmsName: string): number {
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
  if (failedKeys.length > 0) io.stderr(`sync: ${failedKeys.length} of ${summaries.length + skipped.size} organisations did not finish cleanly: ${failedKeys.join(', ')}\n`);
  return failedKeys.length > 0 ? 1 : 0;
}

function reasonOf(summary: SyncSummary, edmsName: string): string {
  if (summary.edmsUnavailable) return `${edmsName} became unavailable during the run (${summary.edmsUnavailable.code})`;
  const problem = summary.problems[0];
  if (problem) return `${problem.phase} did not finish (${problem.code}${problem.outOfTime ? ', time budget ran out' : ''}): ${problem.message}`;
  if (summary.newFailures.length > 0) return `${summary.newFailures.length} job(s) failed in this run`;
  return summary.timedOut ? 'time budget ran out while jobs were still retrying' : `${summary.stillRetrying} job(s) still retrying`;
}
