// BRIDGE_CONFIG's organisations: list (interface.md): each problem names the organisation and the field.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type BridgeConfig } from '../../src/config/load.js';

const base = {
  POS_PLATFORM_CLIENT: 'platform:secret',
  EDMS: 'directum-rx',
  DIRECTUM_BASE_URL: 'http://127.0.0.1:9/Integration/odata',
  DIRECTUM_USERNAME: 'u',
  DIRECTUM_PASSWORD: 'p',
  DATA_KEY: 'a'.repeat(64),
  ADMIN_TOKEN: 'x'.repeat(32),
};

function withYaml(yaml: string, env: Record<string, string> = {}): () => BridgeConfig {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-orgs-'));
  mkdirSync(join(dir, 'mappings'));
  writeFileSync(join(dir, 'mappings', 'city-directum.yaml'), 'target: directum-rx\n');
  writeFileSync(join(dir, 'bridge.yaml'), yaml);
  return () =>
    loadConfig({
      env: { ...base, MAPPINGS_DIR: join(dir, 'mappings'), BRIDGE_CONFIG: join(dir, 'bridge.yaml'), ...env },
      command: 'start',
      dotenvPath: false,
    });
}

function problemsOf(load: () => BridgeConfig): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

const TWO = `
organisations:
  - key: city
    clientId: 1234567
    clientSecretEnv: POS_SECRET_CITY
    mapping: city-directum
    constants: { businessUnit: Администрация города }
  - key: school-7
    clientId: "7654321"
    clientSecretEnv: POS_SECRET_SCHOOL7
`;

describe('organisations in BRIDGE_CONFIG', () => {
  it('reads each organisation with its secret from the environment, in order', () => {
    const config = withYaml(TWO, { POS_SECRET_CITY: 'city-secret', POS_SECRET_SCHOOL7: 'school-secret' })();
    expect(config.organisations).toEqual([
      {
        key: 'city',
        clientId: '1234567',
        clientSecret: 'city-secret',
        mapping: 'city-directum',
        constants: { businessUnit: 'Администрация города' },
      },
      { key: 'school-7', clientId: '7654321', clientSecret: 'school-secret', mapping: undefined, constants: {} },
    ]);
    // The first organisation's pair stays where single-organisation code reads it.
    expect(config.pos.clientId).toBe('1234567');
  });

  it('keeps a single-organisation setup as the organisation `default`', () => {
    const config = loadConfig({
      env: { ...base, POS_CLIENT_ID: 'org', POS_CLIENT_SECRET: 'org-secret' },
      command: 'start',
      dotenvPath: false,
    });
    expect(config.organisations).toEqual([{ key: 'default', clientId: 'org', clientSecret: 'org-secret', constants: {} }]);
  });

  it('names the organisation and field of every problem at once', () => {
    const yaml = `
organisations:
  - key: city
    clientId: "1"
    clientSecretEnv: POS_SECRET_CITY
    mapping: nowhere
  - key: city
    clientId: "1"
    clientSecretEnv: POS_SECRET_OTHER
  - key: Bad_Key
    clientSecretEnv: "not a name"
    colour: blue
`;
    const problems = problemsOf(withYaml(yaml, { POS_SECRET_CITY: 's' }));
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^BRIDGE_CONFIG: organisations\[0\] \(city\)\.mapping: no mapping "nowhere" in .*nowhere\.yaml/),
        'BRIDGE_CONFIG: organisations[1] (city).key: "city" is also used by city',
        'BRIDGE_CONFIG: organisations[1] (city).clientId: "1" is also used by city',
        "BRIDGE_CONFIG: organisations[1] (city).clientSecretEnv: POS_SECRET_OTHER is not set (it must hold the ЛКО's SecretKey)",
        'BRIDGE_CONFIG: organisations[2] (Bad_Key).key: must be 1 to 32 of a-z, 0-9 and -',
        expect.stringMatching(/^BRIDGE_CONFIG: organisations\[2\] \(Bad_Key\)\.clientId: is required/),
        'BRIDGE_CONFIG: organisations[2] (Bad_Key).clientSecretEnv: must be an environment variable name like POS_SECRET_CITY',
        'BRIDGE_CONFIG: organisations[2] (Bad_Key): unknown field colour',
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('refuses organisations: together with POS_CLIENT_ID, and an empty list', () => {
    const both = problemsOf(withYaml(TWO, { POS_SECRET_CITY: 'a', POS_SECRET_SCHOOL7: 'b', POS_CLIENT_ID: 'org', POS_CLIENT_SECRET: 'x' }));
    expect(both).toEqual([
      expect.stringMatching(/^POS_CLIENT_ID: must not be set when BRIDGE_CONFIG lists organisations:/),
      expect.stringMatching(/^POS_CLIENT_SECRET: must not be set when BRIDGE_CONFIG lists organisations:/),
    ]);
    expect(problemsOf(withYaml('organisations: []\n'))).toEqual([
      'BRIDGE_CONFIG: organisations: must be a non-empty list of {key, clientId, clientSecretEnv}',
    ]);
  });

  it('stops the CLI with exit 2 and one line per problem', async () => {
    const { runCli } = await import('../../src/cli/main.js');
    const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-orgs-cli-'));
    writeFileSync(join(dir, 'bridge.yaml'), TWO);
    const err: string[] = [];
    const code = await runCli(['start'], {
      env: { ...base, BRIDGE_CONFIG: join(dir, 'bridge.yaml'), POS_SECRET_CITY: 's' },
      isTTY: false,
      stdout: () => undefined,
      stderr: (text) => err.push(text),
    });
    expect(code).toBe(2);
    const lines = err
      .join('')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
    expect(lines).toEqual([
      expect.stringMatching(/^BRIDGE_CONFIG: organisations\[0\] \(city\)\.mapping: no mapping "city-directum"/),
      "BRIDGE_CONFIG: organisations[1] (school-7).clientSecretEnv: POS_SECRET_SCHOOL7 is not set (it must hold the ЛКО's SecretKey)",
    ]);
  });
});
