// A world of several organisations (ЛКО) on one ПОС emulator and one Directum RX emulator, each ЛКО
// with a business unit of its own in Directum, and BRIDGE_CONFIG listing them, as an agency with
// subordinate bodies sets it up.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { packageRoot } from '../../../fixtures/index.js';
import { SAMPLE_ORGANISATIONS, organisationsYaml } from '../../../fixtures/organisations.js';
import type { CliIO } from '../../../src/cli/io.js';
import { runCli } from '../../../src/cli/main.js';
import { statePrefixFor } from '../../../src/pipeline/organisation.js';
import { AppealStore } from '../../../src/pipeline/store.js';
import { startWorld, type World } from '../harness.js';

export const ORGANISATIONS = SAMPLE_ORGANISATIONS;

export interface OrganisationsWorld {
  world: World;
  /** Environment of a bridge configured with every organisation (secrets as given, or overridden). */
  env(overrides?: Record<string, string>): Record<string, string>;
  /** IBusinessUnits Id of each organisation's unit. */
  unitIds: Map<string, number>;
  store(key: string): AppealStore;
  redis: Redis;
  close(): Promise<void>;
}

/** The variable holding an organisation's SecretKey. */
const secretVariable = (key: string) => ORGANISATIONS.find((org) => org.key === key)!.secretEnv;

/** The shipped mapping with BusinessUnit mapped from a constant the organisations override. */
function writeMapping(dir: string): void {
  const shipped = readFileSync(join(packageRoot(), 'mappings', 'directum-rx.yaml'), 'utf8');
  const mapping = shipped
    .replace('  # BusinessUnit: $const.businessUnit', '  BusinessUnit: $const.businessUnit')
    .replace(/^constants:\n/m, `constants:\n  businessUnit: ${ORGANISATIONS[0]!.businessUnit}\n`);
  if (!mapping.includes('  BusinessUnit: $const.businessUnit'))
    throw new Error('the shipped mapping no longer has the BusinessUnit line this test uncomments');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'directum-rx.yaml'), mapping);
}

export async function startOrganisationsWorld(redisUrl: string, extraEnv: Record<string, string> = {}): Promise<OrganisationsWorld> {
  const world = await startWorld('directum-rx', redisUrl, extraEnv);
  if (world.sandbox.edms.kind !== 'directum-rx') throw new Error('directum world expected');
  const directum = world.sandbox.edms.directum;
  const unitIds = new Map<string, number>();
  for (const org of ORGANISATIONS) {
    await world.sandbox.pos.control.addOrganisation({ clientId: org.clientId, secret: org.secret, opaName: org.businessUnit });
    unitIds.set(org.key, Number(directum.state.create('IBusinessUnits', { Name: org.businessUnit, Status: 'Active' }).Id));
  }
  const mappingsDir = join(world.workDir, 'mappings');
  writeMapping(mappingsDir);
  writeFileSync(
    join(world.workDir, 'bridge.yaml'),
    organisationsYaml(ORGANISATIONS, (org) => ({ businessUnit: org.businessUnit })),
  );
  const { POS_CLIENT_ID: _id, POS_CLIENT_SECRET: _secret, ...rest } = world.env;
  const redis = new Redis(redisUrl);
  return {
    world,
    unitIds,
    redis,
    env: (overrides = {}) => ({
      ...rest,
      BRIDGE_CONFIG: join(world.workDir, 'bridge.yaml'),
      MAPPINGS_DIR: mappingsDir,
      ...Object.fromEntries(ORGANISATIONS.map((org) => [org.secretEnv, org.secret])),
      ...overrides,
    }),
    store: (key) => new AppealStore(redis, statePrefixFor(world.prefix, key)),
    close: async () => {
      redis.disconnect();
      await world.close();
    },
  };
}

export { secretVariable };

/** `pos-bridge ARGS` in this process, as cron would run it: exit code and what it printed. */
export async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { env, isTTY: false, stdout: (text) => out.push(text), stderr: (text) => err.push(text) };
  const code = await runCli(args, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}
