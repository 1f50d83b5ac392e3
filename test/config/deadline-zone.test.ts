// DEADLINE_TIME_ZONE: an IANA zone Intl knows, Europe/Moscow by default; anything else stops `start` (exit 2).
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { loadConfig } from '../../src/config/load.js';

const env = {
  POS_PLATFORM_CLIENT: 'platform:secret',
  POS_CLIENT_ID: 'org',
  POS_CLIENT_SECRET: 'org-secret',
  EDMS: 'directum-rx',
  DIRECTUM_BASE_URL: 'http://127.0.0.1:9/Integration/odata',
  DIRECTUM_USERNAME: 'u',
  DIRECTUM_PASSWORD: 'p',
  DATA_KEY: 'a'.repeat(64),
  ADMIN_TOKEN: 'x'.repeat(32),
  REDIS_URL: 'redis://127.0.0.1:1',
};

describe('DEADLINE_TIME_ZONE', () => {
  afterEach(() => vi.restoreAllMocks());

  it('defaults to Europe/Moscow and takes another IANA zone', () => {
    expect(loadConfig({ env, command: 'start', dotenvPath: false }).deadlines.timeZone).toBe('Europe/Moscow');
    const yekaterinburg = loadConfig({ env: { ...env, DEADLINE_TIME_ZONE: 'Asia/Yekaterinburg' }, command: 'start', dotenvPath: false });
    expect(yekaterinburg.deadlines.timeZone).toBe('Asia/Yekaterinburg');
  });

  it('refuses a zone Intl does not know: a configuration problem, exit 2, no connection opened', async () => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const err: string[] = [];
    const io: CliIO = {
      env: { ...env, DEADLINE_TIME_ZONE: 'Moscow/Kremlin' },
      isTTY: false,
      stdout: () => undefined,
      stderr: (t) => err.push(t),
    };
    expect(await runCli(['start'], io)).toBe(2);
    expect(err.join('')).toMatch(/^ {2}DEADLINE_TIME_ZONE: must be an IANA time zone like Europe\/Moscow/m);
    expect(connect).not.toHaveBeenCalled();
  });
});
