// Cross-process mutual exclusion on a shared folder: `mkdir` is atomic on every local and network
// file system, so the process that creates the lock directory owns it. A holder refreshes its
// lock's mtime while it works; a lock left by a crashed process goes stale and is broken.
// In-process callers queue on a promise first, so one process never spins against itself.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { TransientError } from '../../../src/errors.js';
import { errorCode } from './atomic.js';

export interface LockOptions {
  /** A lock untouched for this long belongs to a dead process and is broken (default 30 s). */
  staleMs?: number;
  /** Give up (TransientError) after waiting this long (default 60 s). */
  timeoutMs?: number;
}

const localQueues = new Map<string, Promise<unknown>>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function breakIfStale(path: string, staleMs: number): Promise<void> {
  try {
    const info = await stat(path);
    if (Date.now() - info.mtimeMs < staleMs) return;
    // Rename first: of several processes that saw the same stale lock only one wins the rename.
    const grave = `${path}.stale-${randomBytes(4).toString('hex')}`;
    await rename(path, grave);
    await rm(grave, { recursive: true, force: true });
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

async function acquire(path: string, staleMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let pause = 2;
  for (;;) {
    try {
      await mkdir(path);
      return;
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') {
        await mkdir(join(path, '..'), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw error;
    }
    await breakIfStale(path, staleMs);
    if (Date.now() - started > timeoutMs) throw new TransientError(`lock ${path} is busy`, { system: 'delo' });
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
}

/** Runs `work` while holding the lock directory `path`. */
export async function withLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const previous = localQueues.get(path) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(async () => {
    await acquire(path, staleMs, timeoutMs);
    const heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, Math.max(50, Math.floor(staleMs / 3)));
    heartbeat.unref();
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
      await rmdir(path).catch(() => undefined);
    }
  });
  localQueues.set(path, run);
  try {
    return await run;
  } finally {
    if (localQueues.get(path) === run) localQueues.delete(path);
  }
}
