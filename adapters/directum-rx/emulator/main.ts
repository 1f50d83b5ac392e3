// `npm run emulator:directum`: a standalone Directum RX emulator for the demo and operators' sandbox.
// DIRECTUM_EMULATOR_PORT (8091), DIRECTUM_EMULATOR_HOST (127.0.0.1), DIRECTUM_EMULATOR_USERNAME /
// _PASSWORD (bridge / bridge-secret), DIRECTUM_EMULATOR_AUTO_REGISTER_MS (0; "off" = only on command),
// DIRECTUM_EMULATOR_INSTALLATION (shipped: the directories the shipped mapping names; foreign: an
// agency unlike it).
import { createLogger } from '../../../src/logging.js';
import { INSTALLATIONS } from './seed.js';
import { startDirectumEmulator } from './server.js';

const env = process.env;
const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', base: { service: 'directum-emulator' } });
const autoRegister = env.DIRECTUM_EMULATOR_AUTO_REGISTER_MS;
const installationName = env.DIRECTUM_EMULATOR_INSTALLATION ?? 'shipped';
if (!Object.hasOwn(INSTALLATIONS, installationName)) {
  logger.error(`DIRECTUM_EMULATOR_INSTALLATION must be one of ${Object.keys(INSTALLATIONS).join(', ')}, not '${installationName}'`);
  process.exit(2);
}
const installation = INSTALLATIONS[installationName as keyof typeof INSTALLATIONS];

const emulator = await startDirectumEmulator({
  port: Number(env.DIRECTUM_EMULATOR_PORT ?? 8091),
  host: env.DIRECTUM_EMULATOR_HOST ?? '127.0.0.1',
  username: env.DIRECTUM_EMULATOR_USERNAME ?? 'bridge',
  password: env.DIRECTUM_EMULATOR_PASSWORD ?? 'bridge-secret',
  autoRegisterAfterMs: autoRegister === 'off' ? null : Number(autoRegister ?? 0),
  installation,
  logger,
});
logger.info(
  { url: emulator.url, control: `${emulator.origin}/_emulator`, installation: installation.name },
  'Directum RX emulator listening',
);

const stop = () => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
