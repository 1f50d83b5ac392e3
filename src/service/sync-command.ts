// `pos-bridge sync [--dry-run]`: the cron-friendly one-shot run. Returns what happened as data;
// src/cli/sync.ts prints it and picks the exit code.
import type { BridgeConfig, OrganisationConfig } from '../config/load.js';
import { parseDuration } from '../config/schedule.js';
import { describeError } from '../errors.js';
import { createLogger, type Logger } from '../logging.js';
import { recordReferences } from '../../adapters/record-references.js';
import { explainReferenceProblems } from '../mapping/against-edms.js';
import { FileMappings } from '../mapping/load-file.js';
import { startOrganisationWorkers, workerSettingsOf } from '../pipeline/runtime.js';
import { runSync, type SyncPhase, type SyncSummary } from '../pipeline/sync.js';
import { PosClient } from '../pos/client.js';
import { drainAppeals } from '../pos/pull.js';
import { warnOnEvictionPolicy } from '../redis.js';
import { EDMS_NAMES, createAdapter } from './edms.js';
import { PreflightFailure, checkEdms, checkPos, checkRedis } from './preflight.js';
import { buildServices } from './wiring.js';

export interface SyncCommandOptions {
  dryRun: boolean;
  timeout: string;
  /** How long Redis, ПОС and the EDMS may take to answer before anything is pulled (default 30s). */
  preflightTimeout?: string;
}

export const DEFAULT_PREFLIGHT_TIMEOUT = '30s';

export interface DryRunReport {
  waiting: number;
  wouldRegister: number;
  mappingWarnings: number;
  mappingFailures: { posId: number; code: string; message: string }[];
  malformed: { id?: number | string; code: string; issues: string[] }[];
}

/** One organisation's dry run: its ПОС list with its token, its effective mapping, read-only against the EDMS. */
async function dryRunOrganisation(
  config: BridgeConfig,
  org: OrganisationConfig,
  mappings: FileMappings,
  logger: Logger,
): Promise<DryRunReport> {
  const pos = new PosClient({
    pos: { ...config.pos, clientId: org.clientId, clientSecret: org.clientSecret },
    organisation: org.key,
    proxy: config.proxy,
    logger,
  });
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
            failures.push({
              posId: appeal.id,
              code: 'EDMS_REFERENCE_UNKNOWN',
              message: explainReferenceProblems(problems, mapping, adapter),
            });
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

async function dryRun(config: BridgeConfig): Promise<Map<string, DryRunReport>> {
  const logger = createLogger({ level: config.logLevel });
  const mappings = new FileMappings(config.mappingsDir, { evaluationTimeoutMs: config.mappingTimeoutMs });
  try {
    const reports = new Map<string, DryRunReport>();
    for (const org of config.organisations) reports.set(org.key, await dryRunOrganisation(config, org, mappings, logger));
    return reports;
  } finally {
    await mappings.close();
  }
}

/** What one `sync` run came to; src/cli/sync.ts prints it and picks the exit code. */
export type SyncCommandResult =
  | { kind: 'usage'; problem: string }
  | { kind: 'refused'; failure: PreflightFailure }
  | { kind: 'unreachable'; skipped: ReadonlyMap<string, PreflightFailure> }
  | { kind: 'dry-run'; reports: ReadonlyMap<string, DryRunReport> }
  | { kind: 'ran'; edmsName: string; summaries: OrganisationSummary[]; skipped: ReadonlyMap<string, PreflightFailure> };

export interface OrganisationSummary {
  key: string;
  summary: SyncSummary;
}

export interface SyncCommandHooks {
  /** Called while a single organisation's jobs drain (several organisations report nothing on the way). */
  onProgress?: (phase: SyncPhase, counts: { waiting: number; active: number; delayed: number }) => void;
}

export async function runSyncCommand(
  config: BridgeConfig,
  options: SyncCommandOptions,
  hooks: SyncCommandHooks = {},
): Promise<SyncCommandResult> {
  const timeoutMs = parseDuration(options.timeout);
  if (!timeoutMs) {
    return { kind: 'usage', problem: `--timeout must be a duration like 30s or 10m (got "${options.timeout}")` };
  }
  const preflightText = options.preflightTimeout ?? DEFAULT_PREFLIGHT_TIMEOUT;
  const preflightMs = parseDuration(preflightText);
  if (!preflightMs) {
    return { kind: 'usage', problem: `--preflight-timeout must be a duration like 30s (got "${preflightText}")` };
  }
  if (options.dryRun) return { kind: 'dry-run', reports: await dryRun(config) };
  const logger = createLogger({ level: config.logLevel });
  const refused = (failure: PreflightFailure): SyncCommandResult => ({ kind: 'refused', failure });
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
    if (running.length === 0) return { kind: 'unreachable', skipped };
    await warnOnEvictionPolicy(services.redis, logger);
    // The EDMS answers: lift a pause an earlier run or the service recorded, and wake the appeals it held.
    for (const org of running) await org.ctx.edmsGate.answered();
    workers = startOrganisationWorkers(
      running.map((org) => org.ctx),
      services.redis,
      workerSettingsOf(config),
    );
    const several = services.organisations.length > 1;
    const summaries = await Promise.all(
      running.map(async (org) => ({
        key: org.key,
        summary: await runSync(org.ctx, {
          timeoutMs,
          onProgress: several ? undefined : hooks.onProgress,
        }),
      })),
    );
    return { kind: 'ran', edmsName: EDMS_NAMES[services.ctx.adapter.kind], summaries, skipped };
  } finally {
    await workers?.close();
    await services.close();
  }
}
