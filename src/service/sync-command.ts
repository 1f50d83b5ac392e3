// `pos-bridge sync [--dry-run]`: the cron-friendly one-shot run.
import type { CliIO } from '../cli/io.js';
import { table } from '../cli/io.js';
import type { BridgeConfig } from '../config/load.js';
import { parseDuration } from '../config/schedule.js';
import { describeError } from '../errors.js';
import { createLogger } from '../logging.js';
import { recordReferences } from '../../adapters/record-references.js';
import { explainReferenceProblems } from '../mapping/against-edms.js';
import { FileMappings } from '../mapping/load-file.js';
import { startPipelineWorkers, workerSettingsOf } from '../pipeline/runtime.js';
import { runSync, syncExitCode, type SyncSummary } from '../pipeline/sync.js';
import { PosClient } from '../pos/client.js';
import { drainAppeals } from '../pos/pull.js';
import { warnOnEvictionPolicy } from '../redis.js';
import { createAdapter } from './edms.js';
import { buildServices } from './wiring.js';

export interface SyncCommandOptions {
  dryRun: boolean;
  timeout: string;
  json: boolean;
}

function printSummary(io: CliIO, summary: SyncSummary, json: boolean): void {
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
    ['still retrying', summary.stillRetrying],
    ['failed in this run', summary.newFailures.length],
    ['older failures waiting for an operator', summary.olderFailures],
  ];
  io.stderr(table(rows));
  for (const failure of summary.newFailures) {
    io.stderr(`failed: ${failure.id} appeal ${failure.posId ?? '-'}: ${failure.error.code}: ${failure.error.message}\n`);
  }
  if (summary.timedOut) io.stderr('sync: time budget ran out while jobs were still retrying; the next run continues them\n');
}

async function dryRun(config: BridgeConfig, io: CliIO, json: boolean): Promise<number> {
  const logger = createLogger({ level: config.logLevel });
  const pos = new PosClient({ pos: config.pos, proxy: config.proxy, logger });
  const mappings = new FileMappings(config.mappingsDir, { evaluationTimeoutMs: config.mappingTimeoutMs });
  try {
    const mapping = await mappings.forTarget(config.edms.kind);
    // Read-only against the EDMS too: a record whose references the installation lacks is never
    // promised a registration.
    const adapter = await createAdapter(config, { logger });
    const failures: { posId: number; code: string; message: string }[] = [];
    let mapped = 0;
    let warnings = 0;
    let report;
    try {
      report = await drainAppeals(
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
    } finally {
      await adapter.close();
    }
    const summary = { waiting: report.handedOn, wouldRegister: mapped, mappingWarnings: warnings, mappingFailures: failures, malformed: report.malformed };
    if (json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      io.stderr(table([['appeals waiting in ПОС', report.handedOn], ['would be registered', mapped], ['mapping warnings', warnings], ['mapping failures', failures.length], ['malformed in ПОС', report.malformed.length]]));
      for (const failure of failures) io.stderr(`would set aside: appeal ${failure.posId}: ${failure.code}: ${failure.message}\n`);
    }
    return failures.length > 0 || report.malformed.length > 0 ? 1 : 0;
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
  if (options.dryRun) return dryRun(config, io, options.json);
  const logger = createLogger({ level: config.logLevel });
  const services = await buildServices(config, logger, { watchMappings: false });
  await warnOnEvictionPolicy(services.redis, logger);
  const workers = startPipelineWorkers(services.ctx, services.redis, workerSettingsOf(config));
  try {
    const summary = await runSync(services.ctx, {
      timeoutMs,
      onProgress: io.isTTY && !options.json ? (phase, counts) => io.stderr(`\r${phase}: ${counts.waiting} waiting, ${counts.active} running, ${counts.delayed} delayed   `) : undefined,
    });
    if (io.isTTY && !options.json) io.stderr('\n');
    printSummary(io, summary, options.json);
    return syncExitCode(summary);
  } finally {
    await workers.close();
    await services.close();
  }
}
