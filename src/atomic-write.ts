// The one atomic file write: a file is either absent or complete, and a replaced file shows readers
// the old or the new content, never a mix, also after a power cut (temp name, fsync, rename, fsync
// of the directory). Used by the «Дело» exchange and state folders and the mapping files.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export function errorCode(error: unknown): string | undefined {
  return error && typeof error === 'object' && 'code' in error ? String(error.code) : undefined;
}

/** fsync of a directory makes the names in it (creations, renames) survive a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, constants.O_RDONLY);
    await handle.sync();
  } catch (error) {
    // Some platforms and network shares refuse fsync on a directory; the rename is still atomic.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Creating a new file fails if anything, a symbolic link included, is there already. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;

/** Writes and fsyncs a new file under its final name (for files inside a not-yet-visible folder); never replaces or follows anything there. */
export async function writeFileSynced(path: string, data: Buffer | string, mode?: number): Promise<void> {
  const handle = await open(path, CREATE_NEW, mode ?? 0o666);
  try {
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `path` atomically: readers see the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, data: Buffer | string, mode?: number): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.tmp-${basename(path)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFileSynced(temp, data, mode);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}
