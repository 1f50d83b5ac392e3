// The adapter's durable state in stateDir, shared by every bridge process like the exchange folders:
//   records/<posId>.json      one record per appeal, replaced atomically
//   by-message/<MessageID>    MessageID → posId, written before the package becomes visible
//   changes.log               append-only "<seq> <posId>" lines; the line number order is the change order
//   files/answers/...         answer files copied out of the inbox, for readFile
//   waiting/<Report MessageID> when a reader first waited for that Report's answer package
//   locks/                    folder locks, fs/lock.ts (state, one per posId while its package is written)
// Every record change takes the state lock, appends the next sequence number to the log, then
// replaces the record; listChanged reads the log under the same lock, so it never sees a log line
// whose record is not written yet. A crash between the two steps leaves a line pointing at an
// unchanged record: listChanged reports that record once more, which is harmless.
// The state is the bridge's alone: folders 0700, files 0600, and only regular files are read (a
// symbolic link or the like where a state file should be is a PERMANENT error, never followed).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, link, open, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { BridgeError, PermanentError, TransientError } from '../../../src/errors.js';
import type { ChangedBatch } from '../../contract.js';
import { APPEND_NOFOLLOW, PRIVATE_MODES, errorCode, fsyncDir, makeDir, writeFileAtomic, writeFileSynced } from '../fs/atomic.js';
import { withLock, type LockOptions } from '../fs/lock.js';
import { READ_NOFOLLOW, isNoFollowRefusal, kindOf, readRegularFile } from '../fs/regular.js';
import { progressOf, registrationOf, statusOf } from './progress.js';
import type { DeloRecordState } from './types.js';

interface LogLine {
  seq: number;
  posId: number;
  /** Byte offset just after the line. */
  end: number;
}

/** Records, index entries and wait records are small; anything bigger is not a state file. */
const STATE_FILE_LIMIT = 16 * 1024 * 1024;

function parseCheckpoint(checkpoint: string | null): { seq: number; offset: number } {
  if (checkpoint === null) return { seq: 0, offset: 0 };
  const match = /^(\d+):(\d+)$/.exec(checkpoint);
  if (!match) throw new PermanentError(`not a «Дело» adapter checkpoint: ${checkpoint}`, [], { system: 'delo' });
  return { seq: Number(match[1]), offset: Number(match[2]) };
}

export class DeloStateStore {
  readonly dir: string;
  private readonly recordsDir: string;
  private readonly indexDir: string;
  private readonly filesDir: string;
  private readonly locksDir: string;
  private readonly waitingDir: string;
  private readonly logPath: string;
  private readonly lockOptions: LockOptions;

  constructor(
    dir: string,
    lockOptions: LockOptions = {},
    private readonly logger?: Logger,
  ) {
    this.dir = resolve(dir);
    this.recordsDir = join(this.dir, 'records');
    this.indexDir = join(this.dir, 'by-message');
    this.filesDir = join(this.dir, 'files');
    this.locksDir = join(this.dir, 'locks');
    this.waitingDir = join(this.dir, 'waiting');
    this.logPath = join(this.dir, 'changes.log');
    this.lockOptions = lockOptions;
  }

  /** Creates the folders 0700, and tightens those an earlier version left 0755 (the files inside then need no change). */
  async init(): Promise<void> {
    for (const dir of [this.recordsDir, this.indexDir, this.filesDir, this.locksDir, this.waitingDir])
      await makeDir(dir, PRIVATE_MODES.dir);
    for (const dir of [this.dir, this.recordsDir, this.indexDir, this.filesDir, this.locksDir, this.waitingDir]) {
      await chmod(dir, PRIVATE_MODES.dir).catch((error: unknown) => {
        // Not ours to change (another user's folder, a share without modes): say so, and go on.
        this.logger?.warn({ dir, code: errorCode(error) }, 'delo state: could not make the folder private (0700)');
      });
    }
    await chmod(this.logPath, PRIVATE_MODES.file).catch(() => undefined);
  }

  /** Reads a state file: null when it is not there, a PERMANENT error when it is not a regular file. */
  private async readStateFile(path: string, posId?: number): Promise<string | null> {
    const read = await readRegularFile(path, STATE_FILE_LIMIT);
    if (read.ok) return read.data.toString('utf8');
    if (read.missing) return null;
    throw this.refused(path, read.reason, posId);
  }

  private refused(path: string, reason: string, posId?: number): BridgeError {
    const file = relative(this.dir, path).split(sep).join('/');
    return new PermanentError(`«Дело» adapter state file ${file} ${reason}; it is not read`, [], {
      system: 'delo',
      ...(posId !== undefined ? { posId } : {}),
      details: { file, refused: 'not-a-regular-file' },
    });
  }

  async read(posId: number): Promise<DeloRecordState | null> {
    const text = await this.readStateFile(join(this.recordsDir, `${posId}.json`), posId);
    if (text === null) return null;
    try {
      return JSON.parse(text) as DeloRecordState;
    } catch (error) {
      throw new PermanentError(`«Дело» adapter state of appeal ${posId} is unreadable`, [], { system: 'delo', posId, cause: error });
    }
  }

  async posIdOf(messageId: string): Promise<number | null> {
    const text = await this.readStateFile(join(this.indexDir, messageId.toLowerCase()));
    if (text === null) return null;
    const value = Number(text.trim());
    return Number.isInteger(value) && value > 0 ? value : null;
  }

  async indexMessage(messageId: string, posId: number): Promise<void> {
    await writeFileAtomic(join(this.indexDir, messageId.toLowerCase()), `${posId}\n`, PRIVATE_MODES.file);
  }

  /** Serialises work on one appeal across processes (used while its package is being written). */
  withAppealLock<T>(posId: number, work: () => Promise<T>): Promise<T> {
    return withLock(join(this.locksDir, `appeal-${posId}`), work, { staleMs: 60_000, ...this.lockOptions });
  }

  private withStateLock<T>(work: () => Promise<T>): Promise<T> {
    return withLock(join(this.locksDir, 'state'), work, this.lockOptions);
  }

  /**
   * Read-modify-write of one record under the state lock. `change` gets the current record (or
   * null) and returns the next one, or null to leave it as it is.
   */
  async update(
    posId: number,
    change: (current: DeloRecordState | null) => DeloRecordState | null,
  ): Promise<{ state: DeloRecordState | null; changed: boolean }> {
    return this.withStateLock(async () => {
      const current = await this.read(posId);
      const next = change(current === null ? null : structuredClone(current));
      if (next === null) return { state: current, changed: false };
      const seq = await this.appendChange(posId);
      next.status = statusOf(next);
      const registration = registrationOf(next.events);
      if (registration) next.registration = registration;
      else delete next.registration;
      next.changedSeq = seq;
      next.updatedAt = new Date().toISOString();
      await writeFileAtomic(join(this.recordsDir, `${posId}.json`), `${JSON.stringify(next, null, 2)}\n`, PRIVATE_MODES.file);
      return { state: next, changed: true };
    });
  }

  /** Appends the next sequence number for `posId` to the change log; returns it. Caller holds the state lock. */
  private async appendChange(posId: number): Promise<number> {
    const handle = await this.openLog(APPEND_NOFOLLOW);
    if (handle === null) throw new TransientError(`«Дело» adapter change log ${this.logPath} vanished`, { system: 'delo' });
    try {
      const { size } = await handle.stat();
      const tailLength = Math.min(size, 4096);
      const tail = Buffer.alloc(tailLength);
      if (tailLength > 0) await handle.read(tail, 0, tailLength, size - tailLength);
      const text = tail.toString('latin1');
      // A crash may have left half a line: close it so the next line starts clean (readers skip it).
      const prefix = tailLength > 0 && !text.endsWith('\n') ? '\n' : '';
      const lines = text.split('\n').slice(0, -1).reverse();
      let last = 0;
      for (const line of lines) {
        const match = /^(\d+) \d+$/.exec(line);
        if (match) {
          last = Number(match[1]);
          break;
        }
      }
      const seq = last + 1;
      await handle.write(`${prefix}${seq} ${posId}\n`);
      await handle.sync();
      return seq;
    } finally {
      await handle.close();
    }
  }

  /** Opens changes.log without following a symbolic link, and only if it is a regular file; null when absent. */
  private async openLog(flags: number) {
    let handle;
    try {
      handle = await open(this.logPath, flags, PRIVATE_MODES.file);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      if (isNoFollowRefusal(error)) throw this.refused(this.logPath, 'is a symbolic link, not a regular file');
      throw error;
    }
    const info = await handle.stat().catch(async (error: unknown) => {
      await handle.close();
      throw error;
    });
    if (!info.isFile()) {
      await handle.close();
      throw this.refused(this.logPath, `is ${kindOf(info)}, not a regular file`);
    }
    return handle;
  }

  private async readLog(from: number): Promise<{ lines: LogLine[]; size: number }> {
    const handle = await this.openLog(READ_NOFOLLOW);
    if (handle === null) return { lines: [], size: 0 };
    try {
      const { size } = await handle.stat();
      const lines: LogLine[] = [];
      let position = Math.min(from, size);
      let carry = '';
      let carryStart = position;
      const chunk = Buffer.alloc(64 * 1024);
      while (position < size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
        if (bytesRead === 0) break;
        position += bytesRead;
        // The log is ASCII: byte offsets equal string offsets.
        const text = carry + chunk.subarray(0, bytesRead).toString('latin1');
        let lineStart = 0;
        for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', lineStart)) {
          const match = /^(\d+) (\d+)$/.exec(text.slice(lineStart, newline));
          const end = carryStart + newline + 1;
          if (match) lines.push({ seq: Number(match[1]), posId: Number(match[2]), end });
          lineStart = newline + 1;
        }
        carry = text.slice(lineStart);
        carryStart += lineStart;
      }
      return { lines, size: carryStart };
    } finally {
      await handle.close();
    }
  }

  /**
   * Records changed after `checkpoint` (opaque `<seq>:<byte offset>` in changes.log), at most
   * `limit`, oldest change first; a record appears once, at its latest change.
   */
  async listChanged(checkpoint: string | null, limit: number): Promise<ChangedBatch> {
    const start = parseCheckpoint(checkpoint);
    return this.withStateLock(async () => {
      let { lines, size } = await this.readLog(start.offset);
      if (start.offset > size) ({ lines, size } = await this.readLog(0)); // log replaced: rescan, the seq filter still holds
      const fresh = lines.filter((line) => line.seq > start.seq);
      const latest = new Map<number, LogLine>();
      for (const line of fresh) latest.set(line.posId, line);
      const ordered = fresh.filter((line) => latest.get(line.posId) === line);
      const items = [];
      let cursor = { seq: Math.max(start.seq, lines.at(-1)?.seq ?? 0), offset: size };
      let taken = 0;
      for (const line of ordered) {
        if (items.length >= Math.max(1, limit)) {
          break;
        }
        taken++;
        const record = await this.read(line.posId);
        cursor = { seq: line.seq, offset: line.end };
        // A package still being written is not «Дело»'s yet; its `written` change will list it.
        if (record && (record.delivery === 'written' || record.events.length > 0)) items.push(progressOf(record));
      }
      const done = taken >= ordered.length;
      if (done) cursor = { seq: Math.max(start.seq, lines.at(-1)?.seq ?? 0), offset: size };
      return { items, checkpoint: `${cursor.seq}:${cursor.offset}`, done };
    });
  }

  /**
   * When a reader first waited for the answer package of Report `reportId` (epoch ms). The first
   * caller records now; a complete temp file is linked into place, so of racing readers in several
   * processes one wins and the others read its time.
   */
  async waitingSince(reportId: string): Promise<number> {
    const path = join(this.waitingDir, reportId.toLowerCase());
    const recorded = async (): Promise<number | null> => {
      const text = await this.readStateFile(path);
      if (text === null) return null;
      const time = Date.parse(text.trim());
      return Number.isNaN(time) ? null : time;
    };
    const known = await recorded();
    if (known !== null) return known;
    const now = Date.now();
    const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    await writeFileSynced(temp, `${new Date(now).toISOString()}\n`, PRIVATE_MODES.file);
    try {
      await link(temp, path);
      await fsyncDir(this.waitingDir);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    return (await recorded()) ?? now;
  }

  async stopWaiting(reportId: string): Promise<void> {
    await rm(join(this.waitingDir, reportId.toLowerCase()), { force: true });
  }

  /** Directory that keeps one answer package's files. */
  answerDir(messageId: string, answerDocumentId: string): string {
    return join(this.filesDir, 'answers', messageId.toLowerCase(), answerDocumentId.toLowerCase());
  }

  /** File-ref string for a file kept under files/. */
  refFor(path: string): string {
    return relative(this.filesDir, path).split(sep).join('/');
  }

  /** Absolute path of a file-ref, refusing anything that would leave files/. */
  pathOf(ref: string): string {
    const path = resolve(this.filesDir, ref);
    if (!path.startsWith(this.filesDir + sep)) throw new PermanentError(`not a «Дело» file reference: ${ref}`, [], { system: 'delo' });
    return path;
  }

  /** The state folder is there and writable. */
  async ping(): Promise<void> {
    try {
      await access(this.recordsDir, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new TransientError(`«Дело» adapter state folder ${this.dir} is not writable`, { system: 'delo', cause: error });
    }
  }
}
