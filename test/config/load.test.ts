import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, urlWithoutPassword } from '../../src/config/load.js';
import { requiredSetting } from '../../src/config/required.js';
import { parseSchedule } from '../../src/config/schedule.js';

const KEY_HEX = 'a'.repeat(64);
const valid = {
  POS_PLATFORM_CLIENT: 'platform:secret',
  POS_CLIENT_ID: 'org',
  POS_CLIENT_SECRET: 'org-secret',
  EDMS: 'directum-rx',
  DIRECTUM_BASE_URL: 'http://127.0.0.1:9/Integration/odata',
  DIRECTUM_USERNAME: 'u',
  DIRECTUM_PASSWORD: 'p',
  DATA_KEY: KEY_HEX,
  ADMIN_TOKEN: 'x'.repeat(32),
};

function problemsOf(env: Record<string, string>, command: 'start' | 'sync' | 'tool' = 'start'): string[] {
  try {
    loadConfig({ env, command, dotenvPath: false });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig({ env: valid, command: 'start', dotenvPath: false });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.pos.baseUrl).toBe('https://pos.gosuslugi.ru');
    expect(config.pos.pageSize).toBe(20);
    expect(config.pos.platformClientId).toBe('platform');
    expect(config.pos.platformClientSecret).toBe('secret');
    expect(config.edms.kind).toBe('directum-rx');
    expect(config.dataKey?.length).toBe(32);
    expect(config.schedules.pull).toEqual({ kind: 'every', ms: 60_000, text: '60s' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('lists every problem on its own line, naming the variable', () => {
    const { POS_CLIENT_ID: _drop, ...rest } = valid;
    const problems = problemsOf({ ...rest, DATA_KEY: 'short', EDMS: 'sharepoint', POS_PAGE_SIZE: '500', PULL_EVERY: 'sometimes' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^DATA_KEY: must be a 32-byte key/),
        expect.stringMatching(/^EDMS: must be directum-rx or delo/),
        expect.stringMatching(/^POS_PAGE_SIZE: must be at most 100/),
        expect.stringMatching(/^PULL_EVERY: must be a duration/),
      ]),
    );
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^POS_CLIENT_ID: is required/)]));
    expect(problems).toHaveLength(5);
    expect(problems.every((line) => /^[A-Z_]+: /.test(line))).toBe(true);
  });

  it('reports missing required settings per command', () => {
    const { POS_CLIENT_ID: _a, ADMIN_TOKEN: _b, DATA_KEY: _c, ...rest } = valid;
    expect(problemsOf(rest, 'start')).toEqual([
      expect.stringMatching(/^POS_CLIENT_ID: is required/),
      expect.stringMatching(/^ADMIN_TOKEN: is required for start/),
      expect.stringMatching(/^DATA_KEY: is required for start/),
    ]);
    expect(problemsOf(rest, 'sync')).toEqual([
      expect.stringMatching(/^POS_CLIENT_ID: is required/),
      expect.stringMatching(/^DATA_KEY: is required for sync/),
    ]);
  });

  it('requires the chosen EDMS settings', () => {
    expect(problemsOf({ ...valid, EDMS: 'delo' })).toEqual([
      expect.stringMatching(/^DELO_OUTBOX_DIR: is required with EDMS=delo/),
      expect.stringMatching(/^DELO_INBOX_DIR: is required with EDMS=delo/),
    ]);
  });

  it('reads the «Дело» Header, id namespace and answer grace, and refuses a namespace that is not a UUID', () => {
    const delo = { ...valid, EDMS: 'delo', DELO_OUTBOX_DIR: '/exchange/delo/in', DELO_INBOX_DIR: '/exchange/delo/out' };
    const defaults = loadConfig({ env: delo, command: 'start', dotenvPath: false }).edms;
    expect(defaults).toMatchObject({
      kind: 'delo',
      sender: undefined,
      recipient: undefined,
      idNamespace: undefined,
      answerGraceMs: undefined,
    });
    const set = loadConfig({
      env: {
        ...delo,
        DELO_SENDER: 'Администрация города',
        DELO_RECIPIENT: 'Общий отдел',
        DELO_ID_NAMESPACE: '0F4A2C1E-9B8D-4E7F-A6B5-C4D3E2F1A0B9',
        DELO_ANSWER_GRACE: '30s',
      },
      command: 'start',
      dotenvPath: false,
    }).edms;
    expect(set).toMatchObject({
      sender: 'Администрация города',
      recipient: 'Общий отдел',
      idNamespace: '0f4a2c1e-9b8d-4e7f-a6b5-c4d3e2f1a0b9',
      answerGraceMs: 30_000,
    });
    expect(loadConfig({ env: { ...delo, DELO_ANSWER_GRACE: '0s' }, command: 'start', dotenvPath: false }).edms).toMatchObject({
      answerGraceMs: 0,
    });
    expect(problemsOf({ ...delo, DELO_ID_NAMESPACE: 'pos-bridge', DELO_ANSWER_GRACE: 'a while', DELO_SENDER: ' ' })).toEqual([
      expect.stringMatching(/^DELO_SENDER: is required/),
      expect.stringMatching(/^DELO_ID_NAMESPACE: must be a UUID/),
      expect.stringMatching(/^DELO_ANSWER_GRACE: must be a duration/),
    ]);
  });

  it('reads MAPPING_TIMEOUT as a duration, 2 s unless set', () => {
    expect(loadConfig({ env: valid, command: 'start', dotenvPath: false }).mappingTimeoutMs).toBe(2_000);
    expect(loadConfig({ env: { ...valid, MAPPING_TIMEOUT: '500ms' }, command: 'start', dotenvPath: false }).mappingTimeoutMs).toBe(500);
    expect(problemsOf({ ...valid, MAPPING_TIMEOUT: 'soon' })).toEqual([
      'MAPPING_TIMEOUT: must be a duration like 500ms, 10s, 2m (got "soon")',
    ]);
  });

  it('reads WORKERS as a process count or auto, 1 unless set', () => {
    expect(loadConfig({ env: valid, command: 'start', dotenvPath: false }).worker.processes).toBe(1);
    expect(loadConfig({ env: { ...valid, WORKERS: '4' }, command: 'start', dotenvPath: false }).worker.processes).toBe(4);
    expect(loadConfig({ env: { ...valid, WORKERS: 'auto' }, command: 'start', dotenvPath: false }).worker.processes).toBe('auto');
    expect(problemsOf({ ...valid, WORKERS: '0' })).toEqual(['WORKERS: must be auto or a whole number from 1 to 64 (got "0")']);
  });

  it('accepts DATA_KEY as hex or base64 and refuses other lengths', () => {
    const base64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ env: { ...valid, DATA_KEY: base64 }, command: 'start', dotenvPath: false }).dataKey).toEqual(Buffer.alloc(32, 7));
    expect(problemsOf({ ...valid, DATA_KEY: Buffer.alloc(16).toString('base64') })).toHaveLength(1);
  });

  it('reads YAML and .env, with the environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(
      join(dir, 'bridge.yaml'),
      'POS_PAGE_SIZE: 50\nHTTP_PORT: 9000\nredis:\n  sentinels:\n    - { host: 10.0.0.1, port: 26379 }\n  name: main\n',
    );
    writeFileSync(join(dir, '.env'), 'HTTP_PORT=9100\nLOG_LEVEL=debug\n');
    const config = loadConfig({
      env: { ...valid, BRIDGE_CONFIG: join(dir, 'bridge.yaml'), LOG_LEVEL: 'warn' },
      command: 'start',
      dotenvPath: join(dir, '.env'),
    });
    expect(config.pos.pageSize).toBe(50);
    expect(config.http.port).toBe(9100);
    expect(config.logLevel).toBe('warn');
    expect(config.redis.topology).toEqual({ sentinels: [{ host: '10.0.0.1', port: 26379 }], name: 'main' });
  });

  it('reads the admin exposure settings: TRUST_PROXY, QUEUE_UI_WRITABLE and the UI session times', () => {
    const load = (env: Record<string, string>) => loadConfig({ env: { ...valid, ...env }, command: 'start', dotenvPath: false }).admin;
    expect(load({})).toMatchObject({
      trustProxy: false,
      queueUiWritable: false,
      uiSessionIdleMs: 30 * 60_000,
      uiSessionMaxMs: 8 * 3600_000,
    });
    expect(load({ QUEUE_UI_WRITABLE: 'true' }).queueUiWritable).toBe(true);
    expect(problemsOf({ ...valid, QUEUE_UI_WRITABLE: 'yes' })).toEqual([
      expect.stringMatching(/^QUEUE_UI_WRITABLE: must be true or false/),
    ]);
    expect(load({ TRUST_PROXY: 'true', UI_SESSION_IDLE: '10m', UI_SESSION_MAX: '2h' })).toMatchObject({
      trustProxy: true,
      uiSessionIdleMs: 600_000,
      uiSessionMaxMs: 7_200_000,
    });
    expect(load({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16' }).trustProxy).toBe('10.0.0.1,192.168.0.0/16');
    expect(problemsOf({ ...valid, TRUST_PROXY: 'yes please' })).toEqual([
      expect.stringMatching(/^TRUST_PROXY: must be true, false, or the proxies' addresses/),
    ]);
    expect(problemsOf({ ...valid, UI_SESSION_IDLE: 'forever' })).toEqual([expect.stringMatching(/^UI_SESSION_IDLE: must be a duration/)]);
  });

  it('on Redis Cluster, keeps one slot with a hash-tagged prefix, spreads the keys without one, and refuses a stray brace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'cluster.yaml'), 'redis:\n  cluster:\n    - { host: 10.0.0.1, port: 7000 }\n');
    const cluster = { ...valid, BRIDGE_CONFIG: join(dir, 'cluster.yaml') };
    const load = (env: Record<string, string>) => loadConfig({ env, command: 'start', dotenvPath: false });
    expect(load(cluster).redis.layout).toBe('spread');
    expect(load({ ...cluster, QUEUE_PREFIX: '{pb}' }).redis.layout).toBe('one-slot');
    expect(load({ ...valid, QUEUE_PREFIX: 'pb' }).redis.layout).toBe('one-slot'); // no Cluster, no slots
    expect(problemsOf({ ...cluster, QUEUE_PREFIX: 'pb{' })).toEqual([
      expect.stringMatching(/^QUEUE_PREFIX: on Redis Cluster, a brace must make a hash tag/),
    ]);
  });

  it('flags unknown YAML settings and unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'bad.yaml'), 'POS_PAGE_SIZ: 50\n');
    expect(problemsOf({ ...valid, BRIDGE_CONFIG: join(dir, 'bad.yaml') })).toEqual(['BRIDGE_CONFIG: unknown setting POS_PAGE_SIZ']);
    expect(problemsOf({ ...valid, BRIDGE_CONFIG: join(dir, 'missing.yaml') })).toEqual([
      expect.stringMatching(/^BRIDGE_CONFIG: file not found/),
    ]);
    writeFileSync(join(dir, 'list.yaml'), 'POS_PAGE_SIZE:\n  - 50\n');
    expect(problemsOf({ ...valid, BRIDGE_CONFIG: join(dir, 'list.yaml') })).toEqual([
      'BRIDGE_CONFIG: POS_PAGE_SIZE must be a single value (text, a number or true/false)',
    ]);
  });

  it('parses schedules as durations or cron expressions', () => {
    expect(parseSchedule('30s')).toMatchObject({ kind: 'every', ms: 30_000 });
    expect(parseSchedule('5m')).toMatchObject({ kind: 'every', ms: 300_000 });
    expect(parseSchedule('*/5 * * * *')).toMatchObject({ kind: 'cron', pattern: '*/5 * * * *' });
    expect(parseSchedule('soon')).toBeUndefined();
    expect(parseSchedule('0s')).toBeUndefined();
    expect(parseSchedule('0 */5 * * * *')).toMatchObject({ kind: 'cron' });
  });

  it('refuses a schedule that is no cron expression with one line naming the variable and the reason', () => {
    expect(problemsOf({ ...valid, PULL_EVERY: 'every five minutes please ok' })).toEqual([
      'PULL_EVERY: must be a duration like 30s, 5m, 1h or a cron expression; not a cron expression: Invalid characters, got value: every (got "every five minutes please ok")',
    ]);
    expect(problemsOf({ ...valid, WATCH_EVERY: '61 * * * *', RECONCILE_EVERY: '* * *' })).toEqual([
      expect.stringMatching(/^WATCH_EVERY: .*not a cron expression: Constraint error, got value 61 expected range 0-59/),
      expect.stringMatching(/^RECONCILE_EVERY: .*a cron expression has 5 or 6 fields, this has 3/),
    ]);
  });

  it('is frozen: nothing can change it at run time', () => {
    // Test modules are ES modules, so strict: assigning to a frozen property throws.
    const config = loadConfig({ env: valid, command: 'start', dotenvPath: false });
    expect(Object.isFrozen(config) && Object.isFrozen(config.pos) && Object.isFrozen(config.organisations[0]!.constants)).toBe(true);
    expect(() => {
      (config.pos as { pageSize: number }).pageSize = 1;
    }).toThrow(TypeError);
    expect(() => {
      (config.schedules.pull as { text: string }).text = '1s';
    }).toThrow(TypeError);
    expect(() => (config.organisations as unknown[]).push({})).toThrow(TypeError);
    expect(config.pos.pageSize).toBe(20);
  });

  it('reads how long and how many finished jobs are kept, with defaults', () => {
    expect(loadConfig({ env: valid, command: 'start', dotenvPath: false }).jobRetention).toEqual({
      completed: { age: 24 * 3600, count: 50_000 },
      failed: { age: 7 * 24 * 3600, count: 10_000 },
    });
    const set = { JOB_KEEP_COMPLETED_AGE: '2h', JOB_KEEP_COMPLETED_COUNT: '500', JOB_KEEP_FAILED_AGE: '30d', JOB_KEEP_FAILED_COUNT: '7' };
    expect(loadConfig({ env: { ...valid, ...set }, command: 'start', dotenvPath: false }).jobRetention).toEqual({
      completed: { age: 7200, count: 500 },
      failed: { age: 30 * 24 * 3600, count: 7 },
    });
    expect(problemsOf({ ...valid, JOB_KEEP_COMPLETED_AGE: 'a while', JOB_KEEP_FAILED_COUNT: '0' })).toEqual([
      expect.stringMatching(/^JOB_KEEP_COMPLETED_AGE: must be a duration like 24h, 7d/),
      'JOB_KEEP_FAILED_COUNT: must be at least 1',
    ]);
  });

  it('leaves a missing credential absent, never an empty string', () => {
    const { POS_PLATFORM_CLIENT: _platform, POS_CLIENT_ID: _id, POS_CLIENT_SECRET: _secret, DIRECTUM_PASSWORD: _password, ...rest } = valid;
    const config = loadConfig({ env: { ...rest, EDMS: '' }, command: 'tool', dotenvPath: false });
    expect(config.pos).not.toHaveProperty('platformClientId', '');
    expect(config.pos.platformClientId).toBeUndefined();
    expect(config.pos.platformClientSecret).toBeUndefined();
    expect(config.pos.clientId).toBeUndefined();
    expect(config.pos.clientSecret).toBeUndefined();
    expect(config.organisations[0]!.clientSecret).toBeUndefined();
    expect(config.edms.kind === 'directum-rx' && config.edms.password).toBeUndefined();
    // Its users ask for it where they need it: absence is a coded error naming the variable.
    expect(() => requiredSetting(config.pos.clientSecret, 'POS_CLIENT_SECRET')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', retryable: false, message: 'POS_CLIENT_SECRET: is required here but not set' }),
    );
  });

  it('allows attachments from the ПОС origin only, and bounds appeals and calls, by default', () => {
    const config = loadConfig({ env: valid, command: 'start', dotenvPath: false });
    expect(config.pos.attachmentOrigins).toEqual(['https://pos.gosuslugi.ru']);
    expect(config.pos).toMatchObject({
      maxAttachments: 20,
      maxAttachmentsTotalBytes: 100 * 1024 * 1024,
      maxResponseBytes: 16 * 1024 * 1024,
      totalTimeoutMs: 300_000,
    });
    const sandbox = loadConfig({ env: { ...valid, POS_BASE_URL: 'http://127.0.0.1:8090/' }, command: 'start', dotenvPath: false });
    expect(sandbox.pos.attachmentOrigins).toEqual(['http://127.0.0.1:8090']);
  });

  it('reads POS_ATTACHMENT_ORIGINS as origins, normalised, and the limits as given', () => {
    const config = loadConfig({
      env: {
        ...valid,
        POS_ATTACHMENT_ORIGINS: ' https://POS.gosuslugi.ru:443, https://files.example:8443/ ,https://files.example:8443',
        POS_MAX_ATTACHMENTS: '5',
        POS_MAX_ATTACHMENTS_TOTAL_MB: '7',
        POS_MAX_RESPONSE_MB: '2',
        HTTP_TOTAL_TIMEOUT: '90s',
      },
      command: 'start',
      dotenvPath: false,
    });
    expect(config.pos.attachmentOrigins).toEqual(['https://pos.gosuslugi.ru', 'https://files.example:8443']);
    expect(config.pos).toMatchObject({
      maxAttachments: 5,
      maxAttachmentsTotalBytes: 7 * 1024 * 1024,
      maxResponseBytes: 2 * 1024 * 1024,
      totalTimeoutMs: 90_000,
    });
  });

  it('refuses each attachment origin that is not a bare https origin, one line each', () => {
    const problems = problemsOf({
      ...valid,
      POS_ATTACHMENT_ORIGINS:
        'https://pos.gosuslugi.ru,https://files.example/docs,ftp://files.example,files.example,http://files.example,https://u:p@files.example,https://files.example?x=1',
    });
    expect(problems).toEqual([
      'POS_ATTACHMENT_ORIGINS: "https://files.example/docs" must be a bare origin scheme://host[:port], without path, query or credentials',
      'POS_ATTACHMENT_ORIGINS: "ftp://files.example" must start with https:// (or http://)',
      'POS_ATTACHMENT_ORIGINS: "files.example" is not a URL; write an origin like https://files.example',
      'POS_ATTACHMENT_ORIGINS: "https://u:p@files.example" must be a bare origin scheme://host[:port], without path, query or credentials',
      'POS_ATTACHMENT_ORIGINS: "https://files.example?x=1" must be a bare origin scheme://host[:port], without path, query or credentials',
      'POS_ATTACHMENT_ORIGINS: "http://files.example" is plain http; only https origins are allowed while POS_BASE_URL is https',
    ]);
    expect(problemsOf({ ...valid, POS_ATTACHMENT_ORIGINS: ' , ' })).toEqual([
      'POS_ATTACHMENT_ORIGINS: must name at least one origin, e.g. https://pos.gosuslugi.ru',
    ]);
    // Beside an http ПОС (a sandbox, the emulator) plain http origins are allowed.
    expect(
      problemsOf({
        ...valid,
        POS_BASE_URL: 'http://127.0.0.1:8090',
        POS_ATTACHMENT_ORIGINS: 'http://127.0.0.1:8090,http://127.0.0.1:8091',
      }),
    ).toEqual([]);
  });

  it('refuses limits that are not positive whole numbers or durations', () => {
    expect(
      problemsOf({
        ...valid,
        POS_MAX_ATTACHMENTS: '0',
        POS_MAX_ATTACHMENTS_TOTAL_MB: 'lots',
        POS_MAX_RESPONSE_MB: '1.5',
        HTTP_TOTAL_TIMEOUT: 'forever',
      }),
    ).toEqual([
      expect.stringMatching(/^HTTP_TOTAL_TIMEOUT: must be a duration/),
      'POS_MAX_ATTACHMENTS: must be at least 1',
      'POS_MAX_ATTACHMENTS_TOTAL_MB: must be a whole number',
      'POS_MAX_RESPONSE_MB: must be a whole number',
    ]);
  });

  it('shows URLs without their passwords', () => {
    expect(urlWithoutPassword('rediss://bridge:hunter2@redis.internal:6380/0')).toBe('rediss://bridge:[redacted]@redis.internal:6380/0');
    expect(urlWithoutPassword('http://proxyuser:s3cr%40t@proxy.local:3128')).toBe('http://proxyuser:[redacted]@proxy.local:3128/');
    expect(urlWithoutPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(urlWithoutPassword('not a url :hunter2@')).toBe('[redacted]');
  });
});
