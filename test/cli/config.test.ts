import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

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
    const lines = cli.err
      .join('')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim());
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

describe('pos-bridge start --workers', () => {
  afterEach(() => vi.restoreAllMocks());
  const valid = { ...base, POS_CLIENT_ID: '1234567', DATA_KEY: 'b'.repeat(64), EDMS: 'directum-rx' };

  it('is a usage error with --role api or scheduler: exit 2, one line, nothing contacted', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    for (const role of ['api', 'scheduler']) {
      const cli = io(valid);
      expect(await runCli(['start', '--workers', '2', '--role', role], cli)).toBe(2);
      expect(cli.err.join('').trim().split('\n')).toEqual([
        `pos-bridge start: --workers forks worker processes and does not go with --role ${role} (use --role all or --role worker)`,
      ]);
    }
    expect(connect).not.toHaveBeenCalled();
  });

  it('takes a whole number from 1 to 64 or auto; anything else is one line and exit 2', async () => {
    for (const bad of ['0', '65', 'two', '1.5', '-1']) {
      const cli = io(valid);
      expect(await runCli(['start', '--workers', bad], cli)).toBe(2);
      expect(cli.err.join('').trim().split('\n')).toEqual([
        `pos-bridge start: --workers must be auto or a whole number from 1 to 64 (got "${bad}")`,
      ]);
    }
    const cli = io({ ...valid, WORKERS: 'many' });
    expect(await runCli(['start'], cli)).toBe(2);
    expect(cli.err.join('')).toMatch(/^ {2}WORKERS: must be auto or a whole number from 1 to 64 \(got "many"\)$/m);
  });

  it('keeps --worker-slot to the processes it forks', async () => {
    const cli = io(valid);
    expect(await runCli(['start', '--role', 'worker', '--workers', '1', '--worker-slot', '1'], cli)).toBe(2);
    expect(cli.err.join('').trim()).toBe('pos-bridge start: --worker-slot is set by start --workers on the processes it forks');
    expect(cli.out.join('') + cli.err.join('')).not.toContain('--worker-slot <');
    const help = io({});
    await runCli(['start', '--help'], help);
    expect(help.out.join('')).toContain('--workers <count>');
    expect(help.out.join('')).not.toContain('--worker-slot');
  });
});
