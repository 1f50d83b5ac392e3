// `npm run emulator:delo`: a standalone ЭОС «Дело» emulator on two exchange folders for the demo and
// the operators' sandbox. DELO_OUTBOX_DIR, DELO_INBOX_DIR (required), DELO_ARCHIVE_DIR
// (`<outbox>/../delo-archive`), DELO_EMULATOR_PORT (8092), DELO_EMULATOR_HOST (127.0.0.1),
// DELO_EMULATOR_POLL_MS (200), DELO_EMULATOR_AUTO_REGISTER (true; false = register only on command),
// DELO_EMULATOR_ANSWER_NAMING (message-id | document-id | arbitrary | zip; default message-id),
// DELO_EMULATOR_ANSWER_DELAY_MS (0; > 0 writes each answer package that long after its Report).
import { createLogger } from '../../../src/logging.js';
import { ANSWER_PACKAGE_NAMINGS, startDeloEmulator, type AnswerPackageNaming } from './index.js';

const env = process.env;
const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', base: { service: 'delo-emulator' } });
const missing = ['DELO_OUTBOX_DIR', 'DELO_INBOX_DIR'].filter((name) => !env[name]);
const problems = missing.map((name) => `${name}: required (the «Дело» exchange folder)`);
const naming = env.DELO_EMULATOR_ANSWER_NAMING ?? 'message-id';
if (!(ANSWER_PACKAGE_NAMINGS as readonly string[]).includes(naming))
  problems.push(`DELO_EMULATOR_ANSWER_NAMING: must be one of ${ANSWER_PACKAGE_NAMINGS.join(', ')}`);
const answerDelayMs = Number(env.DELO_EMULATOR_ANSWER_DELAY_MS ?? 0);
if (!Number.isInteger(answerDelayMs) || answerDelayMs < 0)
  problems.push('DELO_EMULATOR_ANSWER_DELAY_MS: must be a whole number of milliseconds');
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  process.exit(2);
}

const emulator = await startDeloEmulator({
  outboxDir: env.DELO_OUTBOX_DIR!,
  inboxDir: env.DELO_INBOX_DIR!,
  ...(env.DELO_ARCHIVE_DIR ? { archiveDir: env.DELO_ARCHIVE_DIR } : {}),
  pollMs: Number(env.DELO_EMULATOR_POLL_MS ?? 200),
  autoRegister: (env.DELO_EMULATOR_AUTO_REGISTER ?? 'true') !== 'false',
  answerPackageNaming: naming as AnswerPackageNaming,
  answerPackageDelayMs: answerDelayMs,
  port: Number(env.DELO_EMULATOR_PORT ?? 8092),
  host: env.DELO_EMULATOR_HOST ?? '127.0.0.1',
  logger,
});
logger.info({ control: `${emulator.url}/_emulator`, outbox: env.DELO_OUTBOX_DIR, inbox: env.DELO_INBOX_DIR }, '«Дело» emulator running');

const stop = () => {
  emulator.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
