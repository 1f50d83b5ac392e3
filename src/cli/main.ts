// `pos-bridge` command line (interface.md "Commands"). Exit codes: 0 done, 1 something failed,
// 2 bad configuration or usage. Logs go to stderr as JSON; human output to stdout, or JSON with --json.
import { resolve } from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { ConfigError, loadConfig, type Command as ConfigCommand } from '../config/load.js';
import { processIO, type CliIO } from './io.js';
import { failedList, failedRetry } from './failed.js';
import { mappingsCheck, mappingsPreview } from './mappings.js';
import { DIRECTORY_KINDS, type DirectoryKind } from '../../adapters/contract.js';
import { EDMS_KINDS, type EdmsKind } from '../../adapters/registry.js';
import { ROLES, type Role } from '../pipeline/runtime.js';
import { parseWorkerCount, WORKER_COUNT_PROBLEM } from '../config/schema.js';
import { ADMIN_ROLES, type AdminRole } from '../admin/principal.js';

export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Loads config for a command; a bad config prints one line per problem and exits 2. */
export function configFor(io: CliIO, command: ConfigCommand) {
  try {
    return loadConfig({ env: io.env, command });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`pos-bridge: configuration is not valid:\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      throw new ExitCode(2);
    }
    throw error;
  }
}

interface StartOptions {
  role: Role;
  workers?: string;
  workerSlot?: string;
}

/** `start`'s options that commander cannot check; a problem is one line for stderr (exit 2). */
function startUsage(options: StartOptions, forked: boolean): { problem: string } | { workers?: number | 'auto'; workerSlot?: number } {
  const workers = options.workers === undefined ? undefined : parseWorkerCount(options.workers);
  if (options.workers !== undefined && workers === undefined)
    return { problem: `--workers ${WORKER_COUNT_PROBLEM} (got "${options.workers}")` };
  if (workers !== undefined && (options.role === 'api' || options.role === 'scheduler')) {
    return { problem: `--workers forks worker processes and does not go with --role ${options.role} (use --role all or --role worker)` };
  }
  if (options.workerSlot === undefined) return { workers };
  const slot = parseWorkerCount(options.workerSlot);
  if (typeof slot !== 'number' || options.role !== 'worker' || workers !== 1 || !forked) {
    return { problem: '--worker-slot is set by start --workers on the processes it forks' };
  }
  return { workers, workerSlot: slot };
}

function buildProgram(io: CliIO, setCode: (code: number) => void): Command {
  const program = new Command('pos-bridge')
    .description('Bridge between the Gosuslugi Feedback Platform (ПОС) and the agency EDMS (Directum RX, ЭОС «Дело»)')
    .version(process.env.npm_package_version ?? '0.1.0')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError();

  program
    .command('start')
    .description('run the service: admin API, queue workers and schedules (or one of them with --role)')
    .addOption(new Option('--role <role>', 'which part to run in this process').choices([...ROLES]).default('all'))
    .option(
      '--workers <count>',
      'fork this many worker processes (a number, or auto: one per core); this process keeps the API and the schedules (default: WORKERS, 1)',
    )
    // Set by the supervisor on the processes it forks; not for operators.
    .addOption(new Option('--worker-slot <n>').hideHelp())
    .action(async (options: StartOptions) => {
      const { forkedBySupervisor, workerProcessCount } = await import('../service/multi-process.js');
      const start = startUsage(options, forkedBySupervisor(io.env));
      if ('problem' in start) {
        io.stderr(`pos-bridge start: ${start.problem}\n`);
        return setCode(2);
      }
      const config = configFor(io, 'start');
      const { runService } = await import('../service/service.js');
      const workers = workerProcessCount(start.workers ?? config.worker.processes);
      setCode(await runService(config, options.role, io.env, { workers, workerSlot: start.workerSlot }));
    });

  program
    .command('sync')
    .description('one full cycle, then exit: pull, register and accept every waiting appeal, push every pending status')
    .option('--dry-run', 'read ПОС and map every waiting appeal, write nothing anywhere', false)
    .option('--timeout <duration>', 'how long to wait for retries before giving up', '10m')
    .option('--preflight-timeout <duration>', 'how long Redis, ПОС and the EDMS may take to answer before anything is pulled', '30s')
    .option('--json', 'print the summary as JSON', false)
    .action(async (options: { dryRun: boolean; timeout: string; preflightTimeout: string; json: boolean }) => {
      const config = configFor(io, 'sync');
      const { runSyncCommand } = await import('./sync.js');
      setCode(await runSyncCommand(config, options, io));
    });

  const mappings = program.command('mappings').description('validate and try out mapping files');
  mappings
    .command('check [path]')
    .description('validate mapping files (a file or a folder; default MAPPINGS_DIR or ./mappings)')
    .option(
      '--against-edms',
      'also resolve every value the mapping can write into a directory reference in the configured EDMS, and check fields against its metadata (read-only)',
      false,
    )
    .option('--json', 'print problems as JSON', false)
    .action(async (path: string | undefined, options: { json: boolean; againstEdms: boolean }) => {
      if (!options.againstEdms) {
        // Organisations' constants are checked too when the configuration lists them.
        const config = io.env.BRIDGE_CONFIG ? configFor(io, 'tool') : undefined;
        return setCode(await mappingsCheck(io, path, options, config && { edms: config.edms.kind, organisations: config.organisations }));
      }
      const config = configFor(io, 'edms');
      const { mappingsCheckAgainstEdms } = await import('./edms.js');
      setCode(await mappingsCheckAgainstEdms(io, config, resolve(path ?? config.mappingsDir), options));
    });
  mappings
    .command('coverage')
    .description('ПОС categories (subjectId, subsubjectId, factId) seen at registration, and how often each dictionary fell to its default')
    .option('--json', 'print as JSON', false)
    .action(async (options: { json: boolean }) => {
      const { mappingsCoverage } = await import('./coverage.js');
      setCode(await mappingsCoverage(io, configFor(io, 'tool'), options));
    });
  mappings
    .command('preview <mapping> <appeal>')
    .description('print, as JSON, the EDMS record MAPPING makes from the ПОС appeal in the JSON file APPEAL')
    .action(async (mapping: string, appeal: string) => setCode(await mappingsPreview(io, mapping, appeal)));

  program
    .command('edms')
    .description('look into the connected EDMS installation')
    .command('directories')
    .description("list one of the installation's directories, to fill the mapping's dictionaries with its names and codes")
    .addArgument(new Argument('<kind>', 'which directory').choices([...DIRECTORY_KINDS]))
    .option('--json', 'print as JSON', false)
    .action(async (kind: DirectoryKind, options: { json: boolean }) => {
      const config = configFor(io, 'edms');
      const { edmsDirectories } = await import('./edms.js');
      setCode(await edmsDirectories(io, config, kind, options));
    });

  const failed = program.command('failed').description('jobs that ran out of retries');
  failed
    .command('list')
    .description('list failed jobs with their appeal id and last error')
    .option('--json', 'print as JSON', false)
    .option('--organisation <key>', "only this organisation's (ЛКО's) failed jobs")
    .action(async (options: { json: boolean; organisation?: string }) => setCode(await failedList(io, configFor(io, 'tool'), options)));
  failed
    .command('retry [id]')
    .description('replay one failed job, all with --all, or all of one organisation with --organisation KEY')
    .option('--all', 'replay every failed job', false)
    .option('--organisation <key>', 'replay every failed job of this organisation (ЛКО)')
    .action(async (id: string | undefined, options: { all: boolean; organisation?: string }) =>
      setCode(await failedRetry(io, configFor(io, 'tool'), id, options)),
    );

  program
    .command('reseal')
    .description(
      'seal the payloads of kept jobs again under DATA_KEY (after a key rotation with the old key in DATA_KEY_PREVIOUS, or after an upgrade)',
    )
    .option('--json', 'print the counts as JSON', false)
    .action(async (options: { json: boolean }) => {
      const config = configFor(io, 'reseal');
      const { reseal } = await import('./reseal.js');
      setCode(await reseal(io, config, options));
    });

  const redisCommand = program.command('redis').description('the Redis keys of the bridge');
  redisCommand
    .command('migrate-layout')
    .description(
      "move a one-slot installation's keys (QUEUE_PREFIX {pos-bridge} on a Cluster) to the spread layout of today's QUEUE_PREFIX; every bridge process stopped",
    )
    .requiredOption('--from <prefix>', "the old QUEUE_PREFIX, with its hash tag, e.g. '{pos-bridge}'")
    .option('--dry-run', 'count the keys, move nothing', false)
    .option('--json', 'print the counts as JSON', false)
    .action(async (options: { from: string; dryRun: boolean; json: boolean }) => {
      const config = configFor(io, 'tool');
      const { migrateLayout } = await import('./redis.js');
      setCode(await migrateLayout(io, config, options));
    });

  const users = program.command('users').description("the console's users and their roles (ADMIN_USERS_FILE)");
  users
    .command('add <name>')
    .description('add a user and print their token, once')
    .addOption(new Option('--role <role>', 'what the user may do').choices([...ADMIN_ROLES]).makeOptionMandatory())
    .option('--json', 'print {name, role, token} as JSON', false)
    .action(async (name: string, options: { role: AdminRole; json: boolean }) => {
      const { usersAdd } = await import('./users.js');
      setCode(await usersAdd(io, configFor(io, 'users'), name, options));
    });
  users
    .command('list')
    .description('list the users with their roles')
    .option('--json', 'print as JSON', false)
    .action(async (options: { json: boolean }) => {
      const { usersList } = await import('./users.js');
      setCode(await usersList(io, configFor(io, 'users'), options));
    });
  users
    .command('remove <name>')
    .description('remove a user; their token stops working and their console sessions end')
    .action(async (name: string) => {
      const { usersRemove } = await import('./users.js');
      setCode(await usersRemove(io, configFor(io, 'users'), name));
    });

  program
    .command('demo')
    .description('start emulators of ПОС and an EDMS, feed realistic appeals, run the bridge against them, print a summary')
    .addOption(new Option('--edms <edms>', 'which EDMS to emulate').choices([...EDMS_KINDS]).default(EDMS_KINDS[0]))
    .option('--appeals <count>', 'how many appeals to seed', '300')
    .option('--keep-running', 'leave the emulators and the bridge running after the summary (Ctrl-C to stop)', false)
    .option('--organisations <count>', 'organisation cabinets (ЛКО) in ПОС, all into the one EDMS', '1')
    .action(async (options: { edms: EdmsKind; appeals: string; keepRunning: boolean; organisations: string }) => {
      const organisations = Number(options.organisations);
      if (!Number.isInteger(organisations) || organisations < 1 || organisations > 20) {
        io.stderr(`pos-bridge demo: --organisations must be a whole number from 1 to 20 (got "${options.organisations}")\n`);
        return setCode(2);
      }
      const { runDemo } = await import('./demo.js');
      setCode(await runDemo({ edms: options.edms, appeals: Number(options.appeals), keepRunning: options.keepRunning, organisations }, io));
    });
  return program;
}

export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (value) => (code = value));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr(`pos-bridge: ${(error as Error).message}\n`);
    return 1;
  }
}
