// Builds the web console with the product's build script into a fresh directory, for the tests
// that serve it (the real bundle, not a stand-in).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../fixtures/index.js';

export interface BuiltConsole {
  dir: string;
  remove(): void;
}

export async function buildConsoleInto(): Promise<BuiltConsole> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-console-'));
  await promisify(execFile)(process.execPath, [join(packageRoot(), 'console', 'build.mjs'), '--outdir', dir], { timeout: 120_000 });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
