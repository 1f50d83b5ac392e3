// `pos-bridge sync` as cron runs it: the real CLI in a child process, exit codes and summary.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startWorld, type World } from './harness.js';

function runSync(world: World, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/entry.ts'), 'sync', ...args], {
      cwd: packageRoot(),
      env: { PATH: process.env.PATH ?? '', ...world.env },
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
});
