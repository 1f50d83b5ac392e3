// `pos-bridge sync` as cron runs it: the real CLI in a child process, exit codes and summary, and
// the pre-flight that ends a run on a broken environment before anything is pulled.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { runCli } from '../../src/cli/main.js';
import { tmpdir } from 'node:os';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { runCliProcess, type CliRun } from '../helpers/cli-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startWorld, type World } from './harness.js';

function runSync(world: World, args: string[], env: Record<string, string> = {}, killAfterMs = 120_000): Promise<CliRun> {
  return runCliProcess(['sync', ...args], { ...world.env, ...env }, killAfterMs);
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

  /** The operator-facing lines (logs are JSON lines on the same stream). */
  const syncLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('sync:'));

  async function failedList(): Promise<unknown[]> {
    const out: string[] = [];
    const code = await runCli(['failed', 'list', '--json'], {
      env: world!.env,
      isTTY: false,
      stdout: (t) => out.push(t),
      stderr: () => undefined,
    });
    expect(code).toBe(0);
    return JSON.parse(out.join('')) as unknown[];
  }

  it('pre-flight: a wrong Directum password ends the run with one line, before ПОС is asked anything', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    await world.sandbox.pos.control.seed(generateAppeals(5, { seed: 93 }));
    const run = await runSync(world, [], { DIRECTUM_PASSWORD: 'not-the-password' });
    expect(run.code, run.stderr).toBe(1);
    expect(syncLines(run.stderr)).toEqual(['sync: Directum RX refused the credentials (AUTH_FAILED); nothing was pulled']);
    const stats = await world.sandbox.pos.control.stats();
    expect(stats.requests.pull).toBe(0);
    expect(stats.acceptedTotal).toBe(0);
    expect(await failedList()).toEqual([]);
  }, 90_000);

  it('pre-flight: Directum, ПОС or Redis that does not answer ends the run within the pre-flight budget', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    await world.sandbox.pos.control.seed(generateAppeals(3, { seed: 94 }));
    const nowhere = await freePort();

    const directum = await runSync(world, ['--preflight-timeout', '3s'], {
      DIRECTUM_BASE_URL: `http://127.0.0.1:${nowhere}/Integration/odata`,
    });
    expect(directum.code, directum.stderr).toBe(1);
    expect(syncLines(directum.stderr)).toEqual([
      expect.stringMatching(/^sync: Directum RX did not answer within 3 s \(TRANSIENT: .*ECONNREFUSED.*\); nothing was pulled$/),
    ]);

    await world.sandbox.pos.control.addFault({ route: 'token', kind: 'status', status: 503 });
    const pos = await runSync(world, ['--preflight-timeout', '3s']);
    expect(pos.code, pos.stderr).toBe(1);
    expect(syncLines(pos.stderr)).toEqual([
      expect.stringMatching(/^sync: ПОС did not answer within 3 s \(TRANSIENT: token: HTTP 503.*\); nothing was pulled$/),
    ]);
    await world.sandbox.pos.control.clearFaults();

    const redis = await runSync(world, ['--preflight-timeout', '3s'], { REDIS_URL: `redis://127.0.0.1:${nowhere}` });
    expect(redis.code, redis.stderr).toBe(1);
    expect(syncLines(redis.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`^sync: Redis at 127\\.0\\.0\\.1:${nowhere} did not answer within 3 s \\(.*\\); nothing was pulled$`),
      ),
    ]);

    const stats = await world.sandbox.pos.control.stats();
    expect(stats.requests.pull).toBe(0);
    expect(stats.acceptedTotal).toBe(0);
  }, 120_000);

  it("pre-flight: ПОС refusing the organisation's secret is named as such", async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const run = await runSync(world, [], { POS_CLIENT_SECRET: 'wrong' });
    expect(run.code, run.stderr).toBe(1);
    expect(syncLines(run.stderr)).toEqual(['sync: ПОС refused the credentials (AUTH_FAILED); nothing was pulled']);
    expect((await world.sandbox.pos.control.stats()).requests.pull).toBe(0);
  }, 60_000);

  it('pre-flight: Redis refusing the password is named as such, without the password', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-auth-redis-'));
    const port = await freePort();
    const server = await startRedisServer(port, dir, ['--requirepass', 'the-right-one']);
    try {
      const run = await runSync(world, [], { REDIS_URL: `redis://:a-wrong-one@127.0.0.1:${port}` });
      expect(run.code, run.stderr).toBe(1);
      expect(syncLines(run.stderr)).toEqual([`sync: Redis at 127.0.0.1:${port} refused the credentials (AUTH_FAILED); nothing was pulled`]);
      expect(run.stderr).not.toContain('a-wrong-one');
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('ends once its work is done when mapping threads ran, and names a runaway field by MAPPING_TIMEOUT', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const mappingsDir = join(world.workDir, 'mappings');
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    const file = join(mappingsDir, 'directum-rx.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(/\n {2}NotifyByEmail: [^\n]+\n/, '\n  NotifyByEmail: $contains(description, /^(a+)+$/)\n'),
    );
    // The runaway takes minutes; the deadline leaves the fields before it ample time on a loaded machine.
    const env = { MAPPINGS_DIR: mappingsDir, MAPPING_TIMEOUT: '2s' };
    const appeals = generateAppeals(3, { seed: 93 });
    const runaway = { ...appeals[0]!, description: `${'a'.repeat(34)}!` };
    await world.sandbox.pos.control.seed([runaway, ...appeals.slice(1)]);

    // A process held open by its mapping threads would never exit by itself: no exit code, the test times out.
    const dry = await runSync(world, ['--dry-run', '--json'], env);
    expect(dry.code, dry.stderr).toBe(1);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      wouldRegister: 2,
      mappingFailures: [
        {
          posId: runaway.id,
          code: 'MAPPING_TIMEOUT',
          message: 'mapping "directum-rx" field NotifyByEmail: stopped after 2000 ms (MAPPING_TIMEOUT)',
        },
      ],
    });

    const real = await runSync(world, [], env);
    expect(real.code).toBe(1);
    expect(real.stderr).toContain(
      `appeal ${runaway.id}: MAPPING_TIMEOUT: mapping "directum-rx" field NotifyByEmail: stopped after 2000 ms`,
    );
    expect((await world.sandbox.pos.control.stats()).acceptedTotal).toBe(2);
  }, 90_000);
});
