// DELO_FILE_MODE and DELO_RETENTION: parsed into the «Дело» configuration, one line per problem
// (exit 2 through ConfigError), and unset they leave the adapter's defaults.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { messageIdFor } from '../../../adapters/delo/sev/ids.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { createAdapter } from '../../../src/service/edms.js';
import { deloDirs, sampleRecord } from './helpers.js';

const delo = {
  POS_PLATFORM_CLIENT: 'platform:secret',
  POS_CLIENT_ID: 'org',
  POS_CLIENT_SECRET: 'org-secret',
  DATA_KEY: 'a'.repeat(64),
  ADMIN_TOKEN: 'x'.repeat(32),
  EDMS: 'delo',
  DELO_OUTBOX_DIR: '/exchange/delo/in',
  DELO_INBOX_DIR: '/exchange/delo/out',
};
const edmsOf = (env: Record<string, string>) => loadConfig({ env: { ...delo, ...env }, command: 'start', dotenvPath: false }).edms;

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env: { ...delo, ...env }, command: 'start', dotenvPath: false });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('DELO_FILE_MODE and DELO_RETENTION', () => {
  it('unset: the umask decides the mode and the adapter keeps 90 days', () => {
    expect(edmsOf({})).toMatchObject({ kind: 'delo', fileMode: undefined, retentionMs: undefined });
  });

  it('parse an octal mode and a duration in days or hours', () => {
    expect(edmsOf({ DELO_FILE_MODE: '0640', DELO_RETENTION: '90d' })).toMatchObject({ fileMode: 0o640, retentionMs: 90 * 86_400_000 });
    expect(edmsOf({ DELO_FILE_MODE: '660', DELO_RETENTION: '36h' })).toMatchObject({ fileMode: 0o660, retentionMs: 36 * 3_600_000 });
    expect(edmsOf({ DELO_FILE_MODE: '0o600', DELO_RETENTION: '1h' })).toMatchObject({ fileMode: 0o600, retentionMs: 3_600_000 });
  });

  it.each([
    ['DELO_FILE_MODE', 'rw-r-----', /^DELO_FILE_MODE: must be an octal file mode like 0640 or 0660 \(got "rw-r-----"\)$/],
    ['DELO_FILE_MODE', '0888', /^DELO_FILE_MODE: must be an octal file mode/],
    ['DELO_FILE_MODE', '04640', /^DELO_FILE_MODE: must be an octal file mode/],
    ['DELO_FILE_MODE', '0440', /^DELO_FILE_MODE: must let the owner read and write/],
    ['DELO_FILE_MODE', '0750', /^DELO_FILE_MODE: must be a file mode without execute bits/],
    ['DELO_FILE_MODE', '0666', /^DELO_FILE_MODE: must not let every user write/],
    ['DELO_RETENTION', 'forever', /^DELO_RETENTION: must be a duration like 90d, 30d or 12h \(got "forever"\)$/],
    ['DELO_RETENTION', '0d', /^DELO_RETENTION: must be at least 1h/],
    ['DELO_RETENTION', '30m', /^DELO_RETENTION: must be at least 1h/],
  ])('%s=%s is refused with one line', (name, value, line) => {
    expect(problemsOf({ [name]: value })).toEqual([expect.stringMatching(line)]);
  });

  it('both wrong at once: one line each, in the documented order', () => {
    expect(problemsOf({ DELO_FILE_MODE: 'x', DELO_RETENTION: 'y' })).toEqual([
      expect.stringMatching(/^DELO_FILE_MODE: /),
      expect.stringMatching(/^DELO_RETENTION: /),
    ]);
  });

  it('reach the adapter: DELO_FILE_MODE=0640 gives the package files 0640', async () => {
    const dirs = await deloDirs('config');
    try {
      const config = loadConfig({
        env: {
          ...delo,
          DELO_OUTBOX_DIR: dirs.outboxDir,
          DELO_INBOX_DIR: dirs.inboxDir,
          DELO_STATE_DIR: dirs.stateDir,
          DELO_FILE_MODE: '0640',
          DELO_RETENTION: '30d',
        },
        command: 'start',
        dotenvPath: false,
      });
      const adapter = await createAdapter(config, { logger: pino({ level: 'silent' }) });
      try {
        await adapter.register({ posId: 401, record: sampleRecord(), files: [] });
        const pkg = join(dirs.outboxDir, messageIdFor(401));
        expect((await stat(join(pkg, (await readdir(pkg))[0]!))).mode & 0o777).toBe(0o640);
      } finally {
        await adapter.close();
      }
    } finally {
      await dirs.remove();
    }
  });
});
