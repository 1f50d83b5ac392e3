// Readiness against the real dependencies: 200 while Redis, ПОС and the EDMS answer; 503 naming
// the one that stopped. And the failed-list commands on a real failed job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/pipeline/sync.js';
import { startRole, type RunningService } from '../../src/service/service.js';
import { buildServices } from '../../src/service/wiring.js';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, type World } from '../pipeline/harness.js';

type Ready = { status: string; checks: Record<string, { ok: boolean }> };

describe('readiness with real dependencies', () => {
  let world: World | undefined;
  let service: RunningService | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await service?.stop().catch(() => undefined);
    await world?.close().catch(() => undefined);
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function ready(): Promise<{ code: number; body: Ready }> {
    const response = await fetch(`${service!.api!.url}/health/ready`);
    return { code: response.status, body: (await response.json()) as Ready };
  }

  it('flips to 503 when the ПОС emulator stops, and when Redis stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-ready-'));
    const port = await freePort();
    const redis = await startRedisServer(port, dir);
    cleanups.push(() => {
      redis.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    world = await startWorld('directum-rx', `redis://127.0.0.1:${port}`);
    const config = loadConfig({ env: world.env, command: 'start', dotenvPath: false });
    service = await startRole(config, 'api', await buildServices(config, pino({ level: 'silent' }), { watchMappings: false }));

    expect(await ready()).toMatchObject({
      code: 200,
      body: { status: 'ready', checks: { redis: { ok: true }, pos: { ok: true }, edms: { ok: true } } },
    });
    await world.sandbox.pos.close();
    expect(await ready()).toMatchObject({ code: 503, body: { checks: { redis: { ok: true }, pos: { ok: false }, edms: { ok: true } } } });
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    expect(await ready()).toMatchObject({ code: 503, body: { checks: { redis: { ok: false } } } });
  }, 60_000);

  it('failed list and failed retry show and replay a real failed job', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const [appeal] = generateAppeals(1, { seed: 81 });
    const { attachments: _none, ...rest } = appeal!;
    await world.sandbox.pos.control.seedRaw([
      { ...rest, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/missing`] },
    ]);
    const bridge = await startBridge(world);
    await runSync(bridge.ctx, { timeoutMs: 20_000 });
    await bridge.stop();

    const out: string[] = [];
    const io: CliIO = { env: world.env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => out.push(t) };
    expect(await runCli(['failed', 'list', '--json'], io)).toBe(0);
    const listed = JSON.parse(out.join('')) as { id: string; posId: number; error: { code: string } }[];
    expect(listed).toEqual([expect.objectContaining({ posId: appeal!.id, error: expect.objectContaining({ code: 'PERMANENT' }) })]);
    out.length = 0;
    expect(await runCli(['failed', 'retry', listed[0]!.id], io)).toBe(0);
    expect(out.join('')).toContain(`Replayed ${listed[0]!.id}`);
    out.length = 0;
    expect(await runCli(['failed', 'retry', 'register.nope'], io)).toBe(1);
    expect(await runCli(['failed', 'retry'], io)).toBe(2);
  }, 60_000);
});
