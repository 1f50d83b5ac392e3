// `mappings check --against-edms` checks each organisation's effective mapping (the file with its
// constants from BRIDGE_CONFIG), and names the organisation whose value the EDMS lacks.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { organisationsYaml } from '../../../fixtures/organisations.js';
import { testRedisUrl } from '../../helpers/redis.js';
import { ORGANISATIONS, cli, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

describe('mappings check --against-edms with organisations', () => {
  let orgs: OrganisationsWorld;
  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl());
  });
  afterEach(async () => {
    await orgs.close();
  });

  it("passes when every organisation's business unit exists, and names the organisation whose does not", async () => {
    const env = orgs.env();
    const good = await cli(['mappings', 'check', '--against-edms', env.MAPPINGS_DIR!], env);
    expect(good.code, `${good.stdout}${good.stderr}`).toBe(0);

    const yaml = join(orgs.world.workDir, 'bridge-typo.yaml');
    writeFileSync(
      yaml,
      organisationsYaml(ORGANISATIONS, (org) => ({ businessUnit: org.key === 'school-7' ? 'Школа номер семь' : org.businessUnit })),
    );
    const bad = await cli(['mappings', 'check', '--against-edms', env.MAPPINGS_DIR!], { ...env, BRIDGE_CONFIG: yaml });
    expect(bad.code).toBe(1);
    const lines = bad.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/directum-rx\.yaml \(organisation school-7, with its constants\):\d+:\d+ .*BusinessUnit.*Школа номер семь/);
  }, 60_000);
});
