// `edms directories` and `mappings check --against-edms` as an operator types them: exit codes,
// what a «Дело» installation says, and an unreachable EDMS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOREIGN_INSTALLATION } from '../../adapters/directum-rx/emulator/seed.js';
import { startDirectumEmulator, type DirectumEmulator } from '../../adapters/directum-rx/emulator/server.js';
import { packageRoot } from '../../fixtures/index.js';
import type { CliIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';

function io(env: Record<string, string>): CliIO & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t), out: () => out.join(''), err: () => err.join('') };
}

describe('pos-bridge edms directories / mappings check --against-edms', () => {
  let directum: DirectumEmulator;
  let deloDir: string;
  const mappings = join(packageRoot(), 'mappings');
  const directumEnv = () => ({
    EDMS: 'directum-rx',
    DIRECTUM_BASE_URL: directum.url,
    DIRECTUM_USERNAME: 'bridge',
    DIRECTUM_PASSWORD: 'bridge-secret',
    MAPPINGS_DIR: mappings,
    LOG_LEVEL: 'silent',
  });

  beforeAll(async () => {
    directum = await startDirectumEmulator({ installation: FOREIGN_INSTALLATION });
    deloDir = mkdtempSync(join(tmpdir(), 'pos-bridge-cli-delo-'));
  });
  afterAll(async () => {
    await directum.close();
    rmSync(deloDir, { recursive: true, force: true });
  });

  it('lists a directory as a table, with codes and closed entries', async () => {
    const cli = io(directumEnv());
    expect(await runCli(['edms', 'directories', 'questions'], cli)).toBe(0);
    expect(cli.out()).toMatch(/^IQuestions: \d+ entries/);
    expect(cli.out()).toMatch(/7006\s+Ремонт дорог \(до 2024 года\)\s+FullCode 0003\.0008\.0087\.0599\s+closed/);
  });

  it('exits 2 on a bad configuration or an unknown kind, before contacting anything', async () => {
    const missing = io({ MAPPINGS_DIR: mappings });
    expect(await runCli(['mappings', 'check', '--against-edms'], missing)).toBe(2);
    expect(missing.err()).toMatch(/EDMS: is required/);
    const noPassword = io({ ...directumEnv(), DIRECTUM_PASSWORD: '' });
    expect(await runCli(['edms', 'directories', 'departments'], noPassword)).toBe(2);
    expect(noPassword.err()).toMatch(/DIRECTUM_PASSWORD: is required/);
    const kind = io(directumEnv());
    expect(await runCli(['edms', 'directories', 'rubrics'], kind)).toBe(2);
    expect(kind.err()).toMatch(/Allowed choices are questions, document-kinds, delivery-methods, departments, business-units, employees/);
  });

  it('exits 1 naming the EDMS when it cannot be reached', async () => {
    const cli = io({ ...directumEnv(), DIRECTUM_BASE_URL: 'http://127.0.0.1:9/Integration/odata', DIRECTUM_TIMEOUT: '2s' });
    expect(await runCli(['mappings', 'check', '--against-edms'], cli)).toBe(1);
    expect(cli.err()).toMatch(/cannot check against directum-rx: TRANSIENT/);
  });

  it('«Дело»: says which directories the folder exchange cannot read, and checks the mapping file alone', async () => {
    const env = {
      EDMS: 'delo',
      DELO_OUTBOX_DIR: join(deloDir, 'out'),
      DELO_INBOX_DIR: join(deloDir, 'in'),
      DELO_STATE_DIR: join(deloDir, 'state'),
      MAPPINGS_DIR: mappings,
      LOG_LEVEL: 'silent',
    };
    const listing = io(env);
    expect(await runCli(['edms', 'directories', 'questions'], listing)).toBe(0);
    expect(listing.out()).toMatch(
      /^delo: the «Дело» folder exchange cannot read «Дело» directories: rubrics .* are checked by «Дело» itself/,
    );
    const check = io(env);
    expect(await runCli(['mappings', 'check', '--against-edms', join(mappings, 'delo.yaml')], check)).toBe(0);
    expect(check.err()).toMatch(/note: .*delo\.yaml: the «Дело» folder exchange cannot read/);
  });
});
