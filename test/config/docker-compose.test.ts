// Docker is not available where the tests run, so the deployment files are checked by structure,
// the sandbox configuration through the bridge's own config loader, and the image's HEALTHCHECK
// command by running it with node against a real admin server.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { SETTING_NAMES } from '../../src/config/schema.js';
import { makeFakes } from '../admin/fakes.js';
import { freePort } from '../helpers/redis-server.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** The configuration table of the interface contract (docs: "Configuration"). */
const INTERFACE_VARIABLES = [
  'REDIS_URL',
  'POS_BASE_URL',
  'POS_PLATFORM_CLIENT',
  'POS_CLIENT_ID',
  'POS_CLIENT_SECRET',
  'POS_PAGE_SIZE',
  'HTTPS_PROXY',
  'NO_PROXY',
  'EDMS',
  'DIRECTUM_BASE_URL',
  'DIRECTUM_USERNAME',
  'DIRECTUM_PASSWORD',
  'DELO_OUTBOX_DIR',
  'DELO_INBOX_DIR',
  'MAPPINGS_DIR',
  'HTTP_HOST',
  'HTTP_PORT',
  'ADMIN_TOKEN',
  'DATA_KEY',
  'PULL_EVERY',
  'WATCH_EVERY',
  'LOG_LEVEL',
  'BRIDGE_CONFIG',
];

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  profiles?: string[];
  env_file?: ({ path: string; required?: boolean } | string)[] | string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
  user?: string;
}

const compose = parseYaml(read('docker-compose.yml')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const service = (name: string): Service => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

describe('docker-compose.yml', () => {
  it('runs Redis 7 with AOF and noeviction on a volume, with a healthcheck', () => {
    const redis = service('redis');
    expect(redis.image).toBe('redis:7');
    const command = redis.command!.join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    const dataVolume = redis.volumes!.find((volume) => volume.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(dataVolume!.split(':')[0]);
    expect(redis.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('builds the bridge, reads .env, waits for a healthy Redis and checks /health/live', () => {
    const bridge = service('bridge');
    expect(bridge.build).toBe('.');
    expect(bridge.profiles).toBeUndefined();
    const envFiles = Array.isArray(bridge.env_file) ? bridge.env_file : [bridge.env_file];
    expect(envFiles.map((file) => (typeof file === 'string' ? file : file?.path))).toContain('.env');
    expect(bridge.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    expect(bridge.environment!.REDIS_URL).toBe('redis://redis:6379');
    expect(bridge.healthcheck!.test.join(' ')).toContain('/health/live');
    // The admin port is reachable from the host's loopback only.
    for (const port of bridge.ports!) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('has a sandbox profile with both emulators and a bridge wired to them', () => {
    const pos = service('pos-emulator');
    const directum = service('directum-emulator');
    const sandbox = service('bridge-sandbox');
    for (const emulated of [pos, directum, sandbox]) expect(emulated.profiles).toEqual(['sandbox']);

    expect(pos.entrypoint).toEqual(['node', 'dist/src/pos/emulator/main.js']);
    expect(directum.entrypoint).toEqual(['node', 'dist/adapters/directum-rx/emulator/main.js']);
    // The compiled entry points come from these sources, and match the npm scripts.
    expect(existsSync(new URL('src/pos/emulator/main.ts', root))).toBe(true);
    expect(existsSync(new URL('adapters/directum-rx/emulator/main.ts', root))).toBe(true);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['emulator:pos']).toBe(`node ${pos.entrypoint![1]}`);
    expect(scripts['emulator:directum']).toBe(`node ${directum.entrypoint![1]}`);

    // Emulators listen on every interface of their container, on the ports the bridge uses.
    const env = sandbox.environment!;
    expect(pos.environment!.POS_EMULATOR_HOST).toBe('0.0.0.0');
    expect(directum.environment!.DIRECTUM_EMULATOR_HOST).toBe('0.0.0.0');
    expect(env.POS_BASE_URL).toBe(`http://pos-emulator:${pos.environment!.POS_EMULATOR_PORT}`);
    expect(new URL(env.DIRECTUM_BASE_URL!).host).toBe(`directum-emulator:${directum.environment!.DIRECTUM_EMULATOR_PORT}`);
    expect(env.DIRECTUM_USERNAME).toBe(directum.environment!.DIRECTUM_EMULATOR_USERNAME);
    expect(env.DIRECTUM_PASSWORD).toBe(directum.environment!.DIRECTUM_EMULATOR_PASSWORD);
    expect(sandbox.depends_on).toMatchObject({
      redis: { condition: 'service_healthy' },
      'pos-emulator': { condition: 'service_healthy' },
      'directum-emulator': { condition: 'service_healthy' },
    });
  });

  it("the sandbox bridge's settings pass the bridge's own validation for `start`", () => {
    const env = service('bridge-sandbox').environment!;
    const config = loadConfig({ env, command: 'start', dotenvPath: false });
    expect(config.edms).toMatchObject({ kind: 'directum-rx', baseUrl: 'http://directum-emulator:8091/Integration/odata' });
    expect(config.pos).toMatchObject({ platformClientId: 'pos-bridge', platformClientSecret: 'platform-secret', clientId: 'demo-org' });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(config.redis.prefix).toBe('sandbox');
    expect(config.dataKey).toHaveLength(32);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.reduce<string[][]>((all, line) => {
    if (line.startsWith('FROM ')) all.push([]);
    all.at(-1)?.push(line);
    return all;
  }, []);
  const [build, runtime] = stages as [string[], string[]];

  it('builds in one node:24-bookworm-slim stage (Node 24 LTS) and runs in another', () => {
    expect(stages).toHaveLength(2);
    expect(build[0]).toBe('FROM node:24-bookworm-slim AS build');
    expect(runtime[0]).toBe('FROM node:24-bookworm-slim AS runtime');
    expect(build.some((line) => /^RUN npm ci\b/.test(line))).toBe(true);
    expect(build).toContain('RUN npm run build');
    expect(runtime.some((line) => line.includes('npm ci --omit=dev --ignore-scripts'))).toBe(true);
    for (const copied of [
      '--from=build /app/dist ./dist',
      'bin ./bin',
      'mappings ./mappings',
      'fixtures ./fixtures',
      'package.json package-lock.json ./',
    ]) {
      expect(runtime, copied).toContain(`COPY ${copied}`);
    }
  });

  it('runs as a non-root user with the contract entry point', () => {
    const userLine = runtime.findIndex((line) => line.startsWith('USER '));
    expect(userLine).toBeGreaterThan(0);
    expect(runtime[userLine]).not.toMatch(/^USER (root|0)(:|$)/);
    expect(userLine).toBeLessThan(runtime.findIndex((line) => line.startsWith('ENTRYPOINT')));
    expect(runtime).toContain('ENTRYPOINT ["node", "bin/pos-bridge.js"]');
    expect(runtime).toContain('CMD ["start"]');
    expect(runtime).toContain('EXPOSE 8080');
    expect(runtime.some((line) => line.startsWith('ENV ') && line.includes('HTTP_HOST=0.0.0.0'))).toBe(true);
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK'))!;
    const imageCommand = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim()) as string[];
    const composeCommand = service('bridge').healthcheck!.test.slice(1);
    let server: AdminServer;

    beforeAll(async () => {
      server = await startAdminServer(makeFakes().deps, { host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await server.close();
    });

    it.each([
      ['image', imageCommand],
      ['compose', composeCommand],
    ])('%s check asks /health/live with node (no curl in slim images)', (_where, command) => {
      expect(command[0]).toBe('node');
      expect(command.join(' ')).toContain('/health/live');
    });

    it.each([
      ['image', imageCommand],
      ['compose', composeCommand],
    ])('%s check exits 0 against a live admin API, 1 when nothing answers', async (_where, command) => {
      const args = command.slice(1);
      const live = await run(process.execPath, args, { env: { ...process.env, HTTP_PORT: new URL(server.url).port }, timeout: 10_000 });
      expect(live.stderr).toBe('');
      const nobody = String(await freePort());
      await expect(run(process.execPath, args, { env: { ...process.env, HTTP_PORT: nobody }, timeout: 10_000 })).rejects.toMatchObject({
        code: 1,
      });
    });
  });
});

describe('.env.example and .dockerignore', () => {
  const example = read('.env.example');
  const named = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!));

  it('lists every variable of the interface contract and of the config schema', () => {
    for (const name of [...INTERFACE_VARIABLES, ...SETTING_NAMES]) expect(named, name).toContain(name);
  });

  it('as a .env, only asks for the secrets and ids an agency must supply', () => {
    const env = parseDotenv(example);
    let problems: string[] = [];
    try {
      loadConfig({ env, command: 'start', dotenvPath: false });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
      'ADMIN_TOKEN',
      'DATA_KEY',
      'DIRECTUM_PASSWORD',
      'DIRECTUM_USERNAME',
      'POS_CLIENT_ID',
      'POS_CLIENT_SECRET',
      'POS_PLATFORM_CLIENT',
    ]);
    for (const problem of problems) expect(problem).toContain('is required');
  });

  it('keeps secrets and build output out of the image build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['.env', 'node_modules', 'dist', '.git']) expect(ignored, entry).toContain(entry);
  });
});
