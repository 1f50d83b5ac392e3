// Cross-process mutual exclusion on a shared folder. A lock is the folder `path` holding one token
// file `owner-<random>`; the holder touches that file while it works. Every step is one atomic
// call whose outcome names the lock it acted on, so a stale view can never hurt a fresh lock:
// * take: build `<path>.new-<token>/owner-<token>` aside, then rename it to `path` when there is
//   no lock. A rename onto a lock (never empty) fails, so of several contenders exactly one wins.
// * break: unlink `path/owner-<token>` of the token seen stale. Only one contender can unlink it,
//   and a lock taken since has another token, so the unlink fails (ENOENT) and takes nothing.
// * release: unlink our own token; ENOENT means the lock was broken while held (compromised).
// README.md ("Locks") has the whole argument. In-process callers queue on a promise first, so one
// process never spins against itself.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TransientError } from '../../../src/errors.js';
import { errorCode } from './atomic.js';

export interface LockOptions {
  /** A lock whose holder has not touched it for this long belongs to a dead process and is broken (default 30 s). */
  staleMs?: number;
  /** Give up (TransientError) after waiting this long (default 60 s). */
  timeoutMs?: number;
  /** Called when this process's lock was broken by another while it held it (it stalled longer than staleMs). */
  onCompromised?: (error: Error) => void;
}

const OWNER_PREFIX = 'owner-';
const localQueues = new Map<string, Promise<unknown>>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** rename onto an existing non-empty folder: ENOTEMPTY on Linux, EEXIST elsewhere; EPERM/EACCES on some shares. */
const BUSY = new Set(['ENOTEMPTY', 'EEXIST', 'EPERM', 'EACCES', 'EISDIR', 'ENOTDIR']);

interface HeldLock {
  path: string;
  ownerFile: string;
  compromised: Error | null;
}

/** Builds the lock aside: a folder holding only our token file, ready to be renamed into place. */
async function prepare(path: string, token: string): Promise<string> {
  const aside = `${path}.new-${token}`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await mkdir(aside, { mode: 0o700 });
  const handle = await open(join(aside, `${OWNER_PREFIX}${token}`), 'wx', 0o600);
  try {
    await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
  } finally {
    await handle.close();
  }
  return aside;
}

/** The names in the lock folder, or null when there is no lock. */
async function lockNames(path: string): Promise<string[] | null> {
  try {
    return await readdir(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Breaks the lock at `path` if its holder stopped touching it `staleMs` ago. Each step acts only on
 * what it names: the unlink removes exactly the token that was seen stale, the rmdir only an empty
 * folder (a lock is never empty), so a lock taken meanwhile by another process is left alone.
 */
async function breakIfStale(path: string, names: string[], staleMs: number): Promise<void> {
  const owners = names.filter((name) => name.startsWith(OWNER_PREFIX));
  if (owners.length === 0) {
    // A lock broken or released halfway (token gone, folder left), or one of an older bridge
    // version (an empty folder whose mtime its holder touches): removed once stale as well.
    try {
      if (Date.now() - (await stat(path)).mtimeMs >= staleMs) await rmdir(path);
    } catch (error) {
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST'].includes(errorCode(error) ?? '')) throw error;
    }
    return;
  }
  for (const owner of owners) {
    try {
      if (Date.now() - (await stat(join(path, owner))).mtimeMs < staleMs) continue;
      await unlink(join(path, owner));
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      continue; // another contender broke it first, or its holder released it
    }
    await rmdir(path).catch(() => undefined); // ENOTEMPTY: a new lock is in place already
  }
}

async function acquire(path: string, staleMs: number, timeoutMs: number): Promise<HeldLock> {
  const started = Date.now();
  const token = randomBytes(12).toString('hex');
  const aside = await prepare(path, token);
  const asideOwner = join(aside, `${OWNER_PREFIX}${token}`);
  let touched = Date.now();
  let pause = 2;
  try {
    for (;;) {
      const names = await lockNames(path);
      if (names === null) {
        // Our token must look fresh the moment it is in place, however long we waited.
        if (Date.now() - touched > staleMs / 4) {
          const now = new Date();
          await utimes(asideOwner, now, now);
          touched = now.getTime();
        }
        try {
          await rename(aside, path);
          return { path, ownerFile: join(path, `${OWNER_PREFIX}${token}`), compromised: null };
        } catch (error) {
          if (!BUSY.has(errorCode(error) ?? '')) throw error;
        }
      } else {
        await breakIfStale(path, names, staleMs);
      }
      if (Date.now() - started > timeoutMs) throw new TransientError(`lock ${path} is busy`, { system: 'delo' });
      await sleep(pause + Math.random() * pause);
      pause = Math.min(pause * 2, 50);
    }
  } finally {
    await rm(aside, { recursive: true, force: true });
  }
}

function compromisedError(lock: HeldLock): Error {
  return new TransientError(
    `lock ${lock.path} was broken by another process while this one held it (it stalled longer than the stale time); the work may have overlapped`,
    {
      system: 'delo',
      details: { lock: basename(lock.path) },
    },
  );
}

/** Releases our lock: our token, then the folder if it is empty. Never touches another holder's lock. */
async function release(lock: HeldLock): Promise<void> {
  try {
    await unlink(lock.ownerFile);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    lock.compromised ??= compromisedError(lock);
    return;
  }
  await rmdir(lock.path).catch(() => undefined); // ENOTEMPTY/ENOENT: another contender moved in already
}

/** Runs `work` while holding the lock `path` (a folder). Throws TransientError if the lock was broken while held. */
export async function withLock<T>(path: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const staleMs = options.staleMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const previous = localQueues.get(path) ?? Promise.resolve();
  const run = previous
    .catch(() => undefined)
    .then(async () => {
      const lock = await acquire(path, staleMs, timeoutMs);
      const compromise = () => {
        if (lock.compromised) return;
        lock.compromised = compromisedError(lock);
        options.onCompromised?.(lock.compromised);
      };
      const heartbeat = setInterval(
        () => {
          if (lock.compromised) return;
          const now = new Date();
          // Our own token: if it is gone, our lock was broken; touching it never refreshes another's.
          // The folder's mtime too, which is what a bridge of an older version looks at.
          utimes(lock.ownerFile, now, now).then(
            () => utimes(lock.path, now, now).catch(() => undefined),
            (error: unknown) => {
              if (errorCode(error) === 'ENOENT') compromise();
            },
          );
        },
        Math.max(50, Math.floor(staleMs / 3)),
      );
      heartbeat.unref();
      let result: T;
      try {
        result = await work();
      } finally {
        clearInterval(heartbeat);
        const known = lock.compromised;
        await release(lock).catch(() => undefined);
        if (!known && lock.compromised) options.onCompromised?.(lock.compromised);
      }
      if (lock.compromised) throw lock.compromised;
      return result;
    });
  localQueues.set(path, run);
  try {
    return await run;
  } finally {
    if (localQueues.get(path) === run) localQueues.delete(path);
  }
}
