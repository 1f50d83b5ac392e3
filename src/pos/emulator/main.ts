// Standalone ПОС emulator (`npm run emulator:pos`): listens, seeds generated appeals for each
// organisation and prints the settings a bridge needs to talk to it. Stops cleanly on SIGINT/SIGTERM.
import { DEFAULT_ORGANISATION, parseOrganisationList } from './organisations.js';
import { startPosEmulator } from './server.js';
import type { EmulatorOrganisation } from './types.js';

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

/**
 * POS_EMULATOR_ORGANISATIONS (`clientId:secret,...`) lists the organisations. POS_EMULATOR_CLIENT_ID
 * / _SECRET, when set, name one more that goes first (the one printed for the bridge); with
 * neither, the one default organisation.
 */
function organisationsFromEnv(): EmulatorOrganisation[] {
  let listed: EmulatorOrganisation[] = [];
  try {
    listed = parseOrganisationList(process.env.POS_EMULATOR_ORGANISATIONS ?? '');
  } catch (error) {
    process.stderr.write(`POS_EMULATOR_ORGANISATIONS: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const explicit = process.env.POS_EMULATOR_CLIENT_ID || process.env.POS_EMULATOR_CLIENT_SECRET;
  if (listed.length > 0 && !explicit) return listed;
  const single = {
    clientId: process.env.POS_EMULATOR_CLIENT_ID || DEFAULT_ORGANISATION.clientId,
    secret: process.env.POS_EMULATOR_CLIENT_SECRET || DEFAULT_ORGANISATION.secret,
  };
  return [single, ...listed];
}

async function main(): Promise<void> {
  const port = intFromEnv('POS_EMULATOR_PORT', 8090);
  const seedCount = intFromEnv('POS_EMULATOR_SEED_COUNT', 50);
  const seed = intFromEnv('POS_EMULATOR_SEED', 1);
  const platformClient = {
    id: process.env.POS_EMULATOR_PLATFORM_ID || 'pos-bridge',
    secret: process.env.POS_EMULATOR_PLATFORM_SECRET || 'platform-secret',
  };
  const organisations = organisationsFromEnv();
  const emulator = await startPosEmulator({
    port,
    host: process.env.POS_EMULATOR_HOST || '127.0.0.1',
    publicUrl: process.env.POS_EMULATOR_PUBLIC_URL || undefined,
    platformClient,
    organisations,
    logger: process.env.POS_EMULATOR_LOG === '1',
  });
  // Each organisation gets its own batch (seed, seed + 1, ...); ids continue across them.
  let seeded = 0;
  for (const [index, { clientId }] of organisations.entries()) {
    if (seedCount > 0) seeded += (await emulator.control.generate(seedCount, seed + index, { organisation: clientId })).length;
  }
  const [first, ...others] = organisations;
  process.stdout.write(
    [
      `ПОС emulator listening at ${emulator.url} (${seeded} appeals seeded for ${organisations.length} organisation(s), seed ${seed})`,
      'Point the bridge at it with:',
      `  POS_BASE_URL=${emulator.url}`,
      `  POS_PLATFORM_CLIENT=${platformClient.id}:${platformClient.secret}`,
      `  POS_CLIENT_ID=${first!.clientId}`,
      `  POS_CLIENT_SECRET=${first!.secret}`,
      ...others.map((o) => `Also organisation ${o.clientId} (its secret as given in POS_EMULATOR_ORGANISATIONS)`),
      `Control API: ${emulator.url}/_emulator (see src/pos/emulator/README.md)`,
      '',
    ].join('\n'),
  );
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ПОС emulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
