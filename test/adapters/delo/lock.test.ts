// The «Дело» folder lock between processes. Each contender is its own instance of the lock module
// (as a separate process would be: no in-process queue shared), all on one real folder. A
// contender that "stalls" has one file-system call held back until the others moved on; a holder
// that "dies" stops touching its lock. Only the timing is steered, never the outcome.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sleep as pause } from './helpers.js';

const sleep = (ms: number): Promise<void> => pause(ms).then(() => undefined);

const hooks = vi.hoisted(() => ({
  /** Which contender makes a call (set with `als.run`). */
  als: undefined as unknown as AsyncLocalStorage<string>,
  /** Contenders whose heartbeat does nothing: dead, or stalled, from the folder's point of view. */
  silent: new Set<string>(),
  /** Runs after each successful stat/lstat, before its result is returned to the caller. */
  afterStat: undefined as undefined | ((path: string, who: string | undefined) => Promise<void>),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const observed = <F>(fn: F): F =>
    (async (...args: unknown[]) => {
      const result = await (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      await hooks.afterStat?.(String(args[0]), hooks.als?.getStore());
      return result;
    }) as F;
  const utimes: typeof real.utimes = async (...args) => {
    if (hooks.silent.has(hooks.als?.getStore() ?? '')) return;
    return real.utimes(...args);
  };
  const mocked = { ...real, stat: observed(real.stat), lstat: observed(real.lstat), utimes };
  return { ...mocked, default: mocked };
});

type LockModule = typeof import('../../../adapters/delo/fs/lock.js');

/** A separate instance of the lock module: what another bridge process would run. */
async function contender(): Promise<LockModule> {
  vi.resetModules();
  return import('../../../adapters/delo/fs/lock.js');
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const STALE = 400;
let root: string;
let lockPath: string;
let inside = 0;
let most = 0;
const order: string[] = [];

/** Work that records who held the lock when, and whether two ever held it at once. */
async function critical(who: string, during: () => Promise<void>): Promise<void> {
  inside++;
  most = Math.max(most, inside);
  order.push(`${who}+`);
  try {
    await during();
  } finally {
    order.push(`${who}-`);
    inside--;
  }
}

/** Takes the lock as `who` and never touches it again (a process that died holding it); resolves once held. */
async function deadHolder(who: string): Promise<{ result: Promise<void>; wake: () => void; compromised: Error[] }> {
  const lock = await contender();
  hooks.silent.add(who);
  const held = deferred();
  const wake = deferred();
  const compromised: Error[] = [];
  const result = hooks.als.run(who, () =>
    lock.withLock(
      lockPath,
      async () => {
        held.resolve();
        await wake.promise;
      },
      { staleMs: STALE, onCompromised: (error) => compromised.push(error) },
    ),
  );
  result.catch(() => undefined);
  await held.promise;
  return { result, wake: wake.resolve, compromised };
}

beforeEach(async () => {
  hooks.als = new AsyncLocalStorage<string>();
  hooks.silent.clear();
  hooks.afterStat = undefined;
  inside = 0;
  most = 0;
  order.length = 0;
  root = await mkdtemp(join(tmpdir(), 'delo-lock-'));
  lockPath = join(root, 'locks', 'state');
});
afterEach(async () => {
  hooks.afterStat = undefined;
  await rm(root, { recursive: true, force: true });
});

describe('breaking a stale lock', () => {
  it('two contenders on a stale lock: exactly one wins, even the one acting on what it saw before the other took the lock', async () => {
    const dead = await deadHolder('H');
    await sleep(STALE + 200);
    const [a, b] = [await contender(), await contender()];
    // B looks at the stale lock, then stalls before acting on what it saw until A holds the lock.
    const bLooked = deferred();
    const aHolds = deferred();
    let stalled = false;
    hooks.afterStat = async (path, who) => {
      if (who !== 'B' || stalled || !(path === lockPath || path.startsWith(`${lockPath}/`))) return;
      stalled = true;
      bLooked.resolve();
      await aHolds.promise;
    };
    const bDone = hooks.als.run('B', () => b.withLock(lockPath, () => critical('B', () => sleep(50)), { staleMs: STALE }));
    await bLooked.promise;
    const aDone = hooks.als.run('A', () =>
      a.withLock(
        lockPath,
        () =>
          critical('A', async () => {
            aHolds.resolve();
            await sleep(300);
          }),
        { staleMs: STALE },
      ),
    );
    await Promise.all([aDone, bDone]);
    expect(most).toBe(1);
    expect(order).toEqual(['A+', 'A-', 'B+', 'B-']);

    // The dead holder, woken, learns its lock was taken over.
    dead.wake();
    await expect(dead.result).rejects.toMatchObject({ code: 'TRANSIENT', message: expect.stringMatching(/broken by another process/) });
  });

  it('several contenders released on one stale lock at the same moment: one holder at a time', async () => {
    await deadHolder('H'); // never woken: it died
    await sleep(STALE + 200);
    const names = ['A', 'B', 'C', 'D'];
    const modules = await Promise.all(names.map(() => contender()));
    const looked = new Set<string>();
    const all = deferred();
    hooks.afterStat = async (path, who) => {
      if (!who || !names.includes(who) || looked.has(who) || !path.startsWith(lockPath)) return;
      looked.add(who);
      if (looked.size === names.length) all.resolve();
      await Promise.race([all.promise, sleep(500)]);
    };
    await Promise.all(
      names.map((who, i) =>
        hooks.als.run(who, () => modules[i]!.withLock(lockPath, () => critical(who, () => sleep(40)), { staleMs: STALE })),
      ),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(2 * names.length);
  });
});

describe('a fresh lock', () => {
  it('is never stolen: a live holder keeps it for three times the stale time', async () => {
    const [holder, other] = [await contender(), await contender()];
    const held = deferred();
    const holding = hooks.als.run('H', () =>
      holder.withLock(
        lockPath,
        () =>
          critical('H', async () => {
            held.resolve();
            await sleep(3 * STALE);
          }),
        { staleMs: STALE },
      ),
    );
    await held.promise;
    const waiting = hooks.als.run('C', () => other.withLock(lockPath, () => critical('C', () => sleep(10)), { staleMs: STALE }));
    await expect(holding).resolves.toBeUndefined();
    await waiting;
    expect(most).toBe(1);
    expect(order).toEqual(['H+', 'H-', 'C+', 'C-']);
  });

  it('taken over from a stalled holder is not removed when that holder wakes up; the holder is told (onCompromised)', async () => {
    const dead = await deadHolder('H');
    await sleep(STALE + 200);
    const [a, d] = [await contender(), await contender()];
    const aHolds = deferred();
    const aMayGo = deferred();
    const aDone = hooks.als.run('A', () =>
      a.withLock(
        lockPath,
        () =>
          critical('A', async () => {
            aHolds.resolve();
            await aMayGo.promise;
          }),
        { staleMs: STALE },
      ),
    );
    await aHolds.promise;

    dead.wake();
    await expect(dead.result).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(dead.compromised).toHaveLength(1);
    const compromised: Error[] = [];

    // D arrives after the stalled holder released what it thought was its lock: A still holds it.
    const dDone = hooks.als.run('D', () =>
      d.withLock(lockPath, () => critical('D', () => sleep(10)), { staleMs: STALE, onCompromised: (e) => compromised.push(e) }),
    );
    await sleep(2 * STALE);
    expect(order).toEqual(['A+']);
    aMayGo.resolve();
    await Promise.all([aDone, dDone]);
    expect(most).toBe(1);
    expect(order).toEqual(['A+', 'A-', 'D+', 'D-']);
    expect(compromised).toEqual([]);
  });
});
