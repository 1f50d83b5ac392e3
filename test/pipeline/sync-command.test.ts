// `pos-bridge sync` as cron runs it: the real CLI in a child process, exit codes and summary.
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startWorld, type World } from './harness.js';

function runSync(world: World, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/entry.ts'), 'sync', ...args], {
      cwd: packageRoot(),
      env: { PATH: process.env.PATH ?? '', ...world.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('pos-bridge sync', () => {
  let world: World | undefined;
  afterEach(async () => world?.close());

  it('dry-run maps without writing, a real run exits 0, and a poison appeal makes it exit 1 with the reason', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const pos = world.sandbox.pos.control;
    const appeals = generateAppeals(12, { seed: 91 });
    await pos.seed(appeals);

    const dry = await runSync(world, ['--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ waiting: 12, wouldRegister: 12, mappingFailures: [] });
    expect((await pos.stats()).acceptedTotal).toBe(0);

    const real = await runSync(world, ['--json']);
    expect(real.code, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ accepted: 12, newFailures: [], stillRetrying: 0 });
    expect((await pos.stats()).acceptedTotal).toBe(12);

    const { attachments: _none, ...poison } = { ...generateAppeals(1, { seed: 92, startId: 950_001 })[0]!, attachments: undefined };
    await pos.seedRaw([{ ...poison, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/gone`] }]);
    const failing = await runSync(world, []);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(new RegExp(`failed: register\\.register-${poison.id} appeal ${poison.id}: PERMANENT: .*404`));
  }, 90_000);

  it('ends once its work is done when mapping threads ran, and names a runaway field by MAPPING_TIMEOUT', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const mappingsDir = join(world.workDir, 'mappings');
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    const file = join(mappingsDir, 'directum-rx.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n {2}NotifyByEmail: [^\n]+\n/, '\n  NotifyByEmail: $contains(description, /^(a+)+$/)\n'));
    const env = { MAPPINGS_DIR: mappingsDir, MAPPING_TIMEOUT: '500ms' };
    const appeals = generateAppeals(3, { seed: 93 });
    const runaway = { ...appeals[0]!, description: `${'a'.repeat(34)}!` };
    await world.sandbox.pos.control.seed([runaway, ...appeals.slice(1)]);

    let started = Date.now();
    const dry = await runSync(world, ['--dry-run', '--json'], env);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(dry.code, dry.stderr).toBe(1);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      wouldRegister: 2,
      mappingFailures: [{ posId: runaway.id, code: 'MAPPING_TIMEOUT', message: 'mapping "directum-rx" field NotifyByEmail: stopped after 500 ms (MAPPING_TIMEOUT)' }],
    });

    started = Date.now();
    const real = await runSync(world, [], env);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(real.code).toBe(1);
    expect(real.stderr).toContain(`appeal ${runaway.id}: MAPPING_TIMEOUT: mapping "directum-rx" field NotifyByEmail: stopped after 500 ms`);
    expect((await world.sandbox.pos.control.stats()).acceptedTotal).toBe(2);
  }, 90_000);
});
