import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/main.js';
import type { CliIO } from '../src/cli/io.js';

function io(env: Record<string, string>): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

const base = {
  POS_PLATFORM_CLIENT: 'platform:secret',
  POS_CLIENT_SECRET: 'org-secret',
  ADMIN_TOKEN: 'x'.repeat(32),
  DIRECTUM_BASE_URL: 'http://127.0.0.1:9/Integration/odata',
  DIRECTUM_USERNAME: 'u',
  DIRECTUM_PASSWORD: 'p',
  REDIS_URL: 'redis://127.0.0.1:1',
};

describe('pos-bridge start with a bad configuration', () => {
  afterEach(() => vi.restoreAllMocks());

  it('exits 2 with one line per problem and opens no connection', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const cli = io({ ...base, DATA_KEY: 'too-short', EDMS: 'sharepoint' });
    const code = await runCli(['start'], cli);
    expect(code).toBe(2);
    const lines = cli.err.join('').trim().split('\n').slice(1).map((line) => line.trim());
    expect(lines).toEqual([
      expect.stringMatching(/^POS_CLIENT_ID: is required/),
      expect.stringMatching(/^EDMS: must be directum-rx or delo/),
      expect.stringMatching(/^DATA_KEY: must be a 32-byte key/),
    ]);
    expect(connect).not.toHaveBeenCalled();
  });

  it('names a missing POS_CLIENT_ID alone when everything else is valid', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const cli = io({ ...base, DATA_KEY: 'b'.repeat(64), EDMS: 'directum-rx' });
    expect(await runCli(['start'], cli)).toBe(2);
    expect(cli.err.join('')).toMatch(/^ {2}POS_CLIENT_ID: is required/m);
    expect(cli.err.join('').trim().split('\n')).toHaveLength(2);
    expect(connect).not.toHaveBeenCalled();
  });

  it('exits 2 for sync as well, and 2 for an unknown role', async () => {
    expect(await runCli(['sync'], io({}))).toBe(2);
    const cli = io({});
    expect(await runCli(['start', '--role', 'everything'], cli)).toBe(2);
    expect(cli.err.join('')).toMatch(/Allowed choices are all, api, worker, scheduler/);
  });

  it('prints help and exits 0', async () => {
    const cli = io({});
    expect(await runCli(['--help'], cli)).toBe(0);
    const help = cli.out.join('');
    for (const command of ['start', 'sync', 'mappings', 'failed', 'demo']) expect(help).toContain(command);
  });
});
