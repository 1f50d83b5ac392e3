// Reads regular files only, as the inbox and the state must: a symbolic link (to `.env`, say)
// would otherwise be read in full, and a FIFO or device could block or have side effects on open.
// lstat first (nothing but a regular file is ever opened), then open with O_NOFOLLOW and
// O_NONBLOCK, then fstat the descriptor: it must still be that same regular file.
import { constants, type Stats } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { errorCode } from './atomic.js';

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

/** Flags for opening an existing file to read it without following a symbolic link. */
export const READ_NOFOLLOW = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

type Kind = Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

/** "a symbolic link", "a FIFO", ...: what a non-regular entry is, for a reason line. */
export function kindOf(entry: Kind): string {
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isDirectory()) return 'a folder';
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  if (entry.isCharacterDevice() || entry.isBlockDevice()) return 'a device file';
  if (entry.isFile()) return 'a regular file';
  return 'not a file';
}

/** `ELOOP` (Linux), `EMLINK` (FreeBSD), `EFTYPE` (NetBSD): open with O_NOFOLLOW met a symbolic link. */
export function isNoFollowRefusal(error: unknown): boolean {
  return ['ELOOP', 'EMLINK', 'EFTYPE'].includes(errorCode(error) ?? '');
}

export type RegularRead =
  | { ok: true; data: Buffer; mtimeMs: number }
  | { ok: false; missing: true }
  /** `reason` completes "<file> ...": "is a symbolic link, not a regular file". `tooLarge`: a regular file over the cap (`size` when known). */
  | { ok: false; missing?: false; reason: string; tooLarge?: true; size?: number };

/** lstat, or null when nothing is there. */
export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return null;
    throw error;
  }
}

/** Why `entry` is not a regular file of at most `maxBytes`, or null. */
export function regularProblem(entry: Stats, maxBytes: number): Extract<RegularRead, { reason: string }> | null {
  if (!entry.isFile()) return { ok: false, reason: `is ${kindOf(entry)}, not a regular file` };
  if (entry.size > maxBytes)
    return { ok: false, tooLarge: true, size: entry.size, reason: `has ${entry.size} bytes, more than the ${maxBytes} allowed` };
  return null;
}

/** Reads `path` if it is a regular file of at most `maxBytes`; anything else is refused unread. */
export async function readRegularFile(path: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<RegularRead> {
  const seen = await lstatOrNull(path);
  if (seen === null) return { ok: false, missing: true };
  const problem = regularProblem(seen, maxBytes);
  if (problem) return problem;
  let handle;
  try {
    handle = await open(path, READ_NOFOLLOW);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { ok: false, missing: true };
    if (isNoFollowRefusal(error)) return { ok: false, reason: 'is a symbolic link, not a regular file' };
    if (errorCode(error) === 'ENXIO') return { ok: false, reason: 'is a socket, not a regular file' };
    throw error;
  }
  try {
    const opened = await handle.stat();
    const openedProblem = regularProblem(opened, maxBytes);
    if (openedProblem) return openedProblem;
    if (opened.ino !== seen.ino || opened.dev !== seen.dev) return { ok: false, reason: 'was replaced while it was being opened' };
    // A file still being written may grow past its fstat size: read to the end, never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(opened.size - total, 64 * 1024), maxBytes - total + 1));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) return { ok: false, tooLarge: true, reason: `has more than the ${maxBytes} bytes allowed` };
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return { ok: true, data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total), mtimeMs: opened.mtimeMs };
  } finally {
    await handle.close();
  }
}
