// Retention of processed/ and quarantine/: entries (Reports, answer packages, quarantined files
// with their `.reason.txt`) modified longer than `maxAgeMs` ago are removed. The inbox poll calls
// `maybeSweep`: a sweep starts at most once per `everyMs`, and each call does bounded work (at
// most `maxRemovalsPerPass` removals and 20 times as many entries looked at). A sweep cut short
// by that bound resumes where it stopped, at most once per `continueEveryMs`, so a large backlog
// goes over the following polls without ever stalling one. Symbolic links are removed as links.
import { lstat, opendir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { errorCode } from '../fs/atomic.js';

export interface RetentionOptions {
  /** Entries older than this are removed (DELO_RETENTION, default 90 days). */
  maxAgeMs: number;
  /** How often a sweep starts (default 1 h). */
  everyMs?: number;
  /** How soon a sweep cut short by the bound goes on (default 1 min). */
  continueEveryMs?: number;
  /** Removals per pass (default 1000). */
  maxRemovalsPerPass?: number;
  /** The clock (tests). */
  now?: () => number;
}

export const DEFAULT_RETENTION_MS = 90 * 24 * 3_600_000;
const REASON_SUFFIX = '.reason.txt';

export interface SweepCounts {
  /** Entries removed, per folder name (processed, quarantine). */
  removed: Record<string, number>;
  /** False while the sweep was cut short by the bound and goes on at a later poll. */
  complete: boolean;
}

interface Folder {
  path: string;
  /** The last entry kept by the previous pass when it was cut short: the next pass starts after it. */
  resumeAfter: string | null;
  /** Whether this sweep still has to go through the folder. */
  pending: boolean;
}

export class RetentionSweeper {
  private readonly maxAgeMs: number;
  private readonly everyMs: number;
  private readonly continueEveryMs: number;
  private readonly maxRemovals: number;
  private readonly now: () => number;
  private readonly folders: Folder[];
  private nextSweepAt = 0;
  private nextPassAt = 0;
  private running: Promise<SweepCounts | null> | null = null;

  constructor(
    dirs: string[],
    options: RetentionOptions,
    private readonly logger?: Logger,
  ) {
    this.maxAgeMs = options.maxAgeMs;
    this.everyMs = options.everyMs ?? 3_600_000;
    this.continueEveryMs = options.continueEveryMs ?? 60_000;
    this.maxRemovals = Math.max(1, options.maxRemovalsPerPass ?? 1000);
    this.now = options.now ?? Date.now;
    this.folders = dirs.map((path) => ({ path, resumeAfter: null, pending: false }));
  }

  /** Runs a pass if one is due; null when none was. Never throws: a failure is logged and retried at the next sweep. */
  maybeSweep(): Promise<SweepCounts | null> {
    this.running ??= this.pass()
      .catch((error: unknown) => {
        this.logger?.warn({ err: error }, 'delo retention: sweep failed, tried again at the next one');
        for (const folder of this.folders) folder.pending = false;
        return null;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(): Promise<SweepCounts | null> {
    const now = this.now();
    const inSweep = this.folders.some((f) => f.pending);
    if (inSweep ? now < this.nextPassAt : now < this.nextSweepAt) return null;
    if (!inSweep) {
      this.nextSweepAt = now + this.everyMs;
      for (const folder of this.folders) folder.pending = true;
    }
    this.nextPassAt = now + this.continueEveryMs;
    const budget = { removals: this.maxRemovals, looks: this.maxRemovals * 20 };
    const removed: Record<string, number> = {};
    for (const folder of this.folders) {
      removed[basename(folder.path)] = 0;
      if (!folder.pending || budget.removals <= 0 || budget.looks <= 0) continue;
      removed[basename(folder.path)] = await this.sweepFolder(folder, now - this.maxAgeMs, budget);
    }
    const counts: SweepCounts = { removed, complete: !this.folders.some((f) => f.pending) };
    const total = Object.values(removed).reduce((a, b) => a + b, 0);
    if (total > 0 || counts.complete) {
      this.logger?.info(
        { ...removed, complete: counts.complete, olderThanDays: Math.round((this.maxAgeMs / 86_400_000) * 10) / 10 },
        'delo retention: removed old entries from processed and quarantine',
      );
    }
    return counts;
  }

  /** One bounded walk of a folder; returns how many entries it removed. */
  private async sweepFolder(folder: Folder, cutoff: number, budget: { removals: number; looks: number }): Promise<number> {
    let dir;
    try {
      dir = await opendir(folder.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      folder.pending = false;
      return 0;
    }
    let removed = 0;
    let skipping = folder.resumeAfter;
    let lastKept: string | null = null;
    let cut = false;
    try {
      for await (const entry of dir) {
        if (skipping !== null) {
          if (entry.name === skipping) skipping = null;
          continue;
        }
        if (budget.removals <= 0 || budget.looks <= 0) {
          cut = true;
          break;
        }
        budget.looks--;
        const path = join(folder.path, entry.name);
        let info;
        try {
          info = await lstat(path);
        } catch (error) {
          if (errorCode(error) === 'ENOENT') continue;
          throw error;
        }
        if (info.mtimeMs >= cutoff) {
          lastKept = entry.name;
          continue;
        }
        await rm(path, { recursive: true, force: true });
        // A quarantined file and its reason go together (the reason, written later, may be younger).
        if (!entry.name.endsWith(REASON_SUFFIX)) await rm(`${path}${REASON_SUFFIX}`, { force: true });
        budget.removals--;
        removed++;
      }
    } finally {
      await dir.close().catch(() => undefined); // for await closes it when the loop ends by itself
    }
    if (cut) {
      folder.resumeAfter = lastKept ?? folder.resumeAfter;
    } else if (skipping !== null) {
      // The entry to resume after is gone: go through the folder again from its start.
      folder.resumeAfter = null;
    } else {
      folder.resumeAfter = null;
      folder.pending = false;
    }
    return removed;
  }
}
