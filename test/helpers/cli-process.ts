// The real CLI (`pos-bridge …`) in a child process, as cron or an operator runs it: exit code and
// what it printed. A run still going after `killAfterMs` is killed and resolves with code null.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../fixtures/index.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCliProcess(args: string[], env: Record<string, string>, killAfterMs = 120_000): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot(), 'src/cli/entry.ts'), ...args], {
      cwd: packageRoot(),
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}
