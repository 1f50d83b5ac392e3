// Standalone ПОС emulator (`npm run emulator:pos`): listens, seeds generated appeals and prints the
// settings a bridge needs to talk to it. Stops cleanly on SIGINT/SIGTERM.
import { startPosEmulator } from './server.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`${name}: must be a non-negative integer, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const port = intFromEnv('POS_EMULATOR_PORT', 8090);
  const seedCount = intFromEnv('POS_EMULATOR_SEED_COUNT', 50);
  const seed = intFromEnv('POS_EMULATOR_SEED', 1);
  const platformClient = { id: process.env.POS_EMULATOR_PLATFORM_ID || 'pos-bridge', secret: process.env.POS_EMULATOR_PLATFORM_SECRET || 'platform-secret' };
  const organisation = { clientId: process.env.POS_EMULATOR_CLIENT_ID || 'demo-org', secret: process.env.POS_EMULATOR_CLIENT_SECRET || 'demo-secret' };
  const emulator = await startPosEmulator({
    port,
    host: process.env.POS_EMULATOR_HOST || '127.0.0.1',
    publicUrl: process.env.POS_EMULATOR_PUBLIC_URL || undefined,
    platformClient,
    organisation,
    logger: process.env.POS_EMULATOR_LOG === '1',
  });
  const ids = seedCount > 0 ? await emulator.control.generate(seedCount, seed) : [];
  process.stdout.write(
    [
      `ПОС emulator listening at ${emulator.url} (${ids.length} appeals seeded, seed ${seed})`,
      'Point the bridge at it with:',
      `  POS_BASE_URL=${emulator.url}`,
      `  POS_PLATFORM_CLIENT=${platformClient.id}:${platformClient.secret}`,
      `  POS_CLIENT_ID=${organisation.clientId}`,
      `  POS_CLIENT_SECRET=${organisation.secret}`,
      `Control API: ${emulator.url}/_emulator (see src/pos/emulator/README.md)`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    emulator.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ПОС emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
