// Crash-safe file primitives for the exchange and state folders: a file is either absent or
// complete (src/atomic-write.ts: temp name, fsync, rename, fsync of the directory), and a move
// never overwrites.
import { constants } from 'node:fs';
import { chmod, cp, link, lstat, mkdir, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, fsyncDir } from '../../../src/atomic-write.js';

export { errorCode, fsyncDir, writeFileAtomic, writeFileSynced } from '../../../src/atomic-write.js';

/** Whether anything, a dangling symbolic link included, has this name. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Appending to a file (created if absent) never follows a symbolic link. */
export const APPEND_NOFOLLOW = constants.O_RDWR | constants.O_CREAT | constants.O_APPEND | O_NOFOLLOW;

/**
 * Modes of what the bridge creates. `file` unset: the process umask decides (0666 & ~umask);
 * set, the file gets exactly that mode, whatever the umask.
 */
export interface Modes {
  file?: number;
  dir?: number;
}

/** The folder mode that goes with a file mode: search (x) wherever read (r) is allowed, 0640 → 0750. */
export function dirModeFor(fileMode: number): number {
  return fileMode | ((fileMode & 0o444) >> 2);
}

/** The bridge's own state: nobody but the bridge's user reads it. */
export const PRIVATE_MODES: Readonly<Required<Modes>> = Object.freeze({ file: 0o600, dir: 0o700 });

/** mkdir -p; a folder this call creates gets exactly `mode` (when given). */
export async function makeDir(path: string, mode?: number): Promise<void> {
  const created = await mkdir(path, { recursive: true, ...(mode !== undefined ? { mode } : {}) });
  if (created !== undefined && mode !== undefined) await chmod(path, mode);
}

/** Name in `dir` that does not exist yet: `name`, then `name.1`, `name.2`, ... */
function freeName(dir: string, name: string, attempt: number): string {
  return join(dir, attempt === 0 ? name : `${name}.${attempt}`);
}

/**
 * Moves a file or folder into `targetDir` under `name` without ever overwriting what is there
 * (a clash gets a numeric suffix). A symbolic link is moved as the link, never followed.
 * Returns the final path.
 */
export async function moveNoClobber(source: string, targetDir: string, name: string, dirMode?: number): Promise<string> {
  await makeDir(targetDir, dirMode);
  const isDir = (await lstat(source)).isDirectory();
  for (let attempt = 0; attempt < 1000; attempt++) {
    const target = freeName(targetDir, name, attempt);
    if (!isDir) {
      try {
        // link fails with EEXIST instead of replacing: the only no-clobber move POSIX offers.
        await link(source, target);
        await unlink(source);
        await fsyncDir(targetDir);
        return target;
      } catch (error) {
        const code = errorCode(error);
        if (code === 'EEXIST') continue;
        if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw error;
      }
    }
    if (await exists(target)) continue;
    try {
      await rename(source, target);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOTEMPTY' || code === 'EEXIST') continue;
      if (code !== 'EXDEV') throw error;
      // processed/quarantine on another volume: copy, then remove (a crash in between leaves a copy, never nothing).
      await cp(source, target, { recursive: true, errorOnExist: true, force: false });
      await rm(source, { recursive: true, force: true });
    }
    await fsyncDir(targetDir);
    return target;
  }
  throw new Error(`no free name for ${name} in ${targetDir}`);
}
