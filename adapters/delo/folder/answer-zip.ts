// An answer package that «Дело»'s transport delivers as one `.zip` holding `DocInfo.xml` and its
// files at the top level. Read in memory with fflate: every entry is checked before anything is
// inflated (name, kind, declared size, count, total), and fflate never inflates an entry past the
// size it declares, so a zip cannot make the reader allocate more than the limits allow.
import { unzipSync, type UnzipFileInfo } from 'fflate';

/** Size limits of what the inbox reads: one answer package, folder or zip, and a Report (DeloAdapterOptions.answerLimits). */
export interface AnswerPackageLimits {
  /** Files in the package, DocInfo.xml included. */
  maxFiles: number;
  /** Bytes of one file. */
  maxFileBytes: number;
  /** Bytes of all files together (and, plus 1 MiB of zip overhead, of the .zip itself). */
  maxTotalBytes: number;
  /** Bytes of the package's DocInfo.xml. */
  maxDocInfoBytes: number;
  /** Bytes of one Report file (a few KiB in practice). */
  maxReportBytes: number;
}

export const ANSWER_PACKAGE_LIMITS: Readonly<AnswerPackageLimits> = Object.freeze({
  maxFiles: 100,
  maxFileBytes: 50 * 1024 * 1024,
  maxTotalBytes: 100 * 1024 * 1024,
  maxDocInfoBytes: 4 * 1024 * 1024,
  maxReportBytes: 1024 * 1024,
});

/** Room for local and central headers on top of the files themselves. */
export const ZIP_OVERHEAD_BYTES = 1024 * 1024;

/** The largest `.zip` read at all. */
export function maxZipBytes(limits: AnswerPackageLimits): number {
  return limits.maxTotalBytes + ZIP_OVERHEAD_BYTES;
}

export type ZipReadResult =
  { ok: true; entries: Map<string, Uint8Array>; names: string[] } | { ok: false; reason: string; unreadable: boolean };

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const DOS_DIRECTORY = 0x10;
const UNIX_HOST = 3;

/** What fflate does not report: the kind of each entry (central directory order), from its attributes. */
function entryKinds(data: Uint8Array): ('file' | 'directory' | 'symlink' | 'special')[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let end = data.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) {
    if (data.length - end > 65_557) return [];
    end--;
  }
  if (end < 0) return [];
  let count = view.getUint16(end + 10, true);
  let offset = view.getUint32(end + 16, true);
  if (end >= 20 && view.getUint32(end - 20, true) === 0x07064b50) {
    const zip64 = Number(view.getBigUint64(end - 12, true));
    if (zip64 + 56 <= data.length && view.getUint32(zip64, true) === 0x06064b50) {
      count = Number(view.getBigUint64(zip64 + 32, true));
      offset = Number(view.getBigUint64(zip64 + 48, true));
    }
  }
  const kinds: ('file' | 'directory' | 'symlink' | 'special')[] = [];
  for (let i = 0; i < count && offset + 46 <= data.length; i++) {
    if (view.getUint32(offset, true) !== 0x02014b50) break;
    const host = view.getUint16(offset + 4, true) >> 8;
    const external = view.getUint32(offset + 38, true);
    const mode = host === UNIX_HOST ? (external >>> 16) & S_IFMT : 0;
    if (mode === S_IFLNK) kinds.push('symlink');
    else if (mode === S_IFDIR || (external & DOS_DIRECTORY) !== 0) kinds.push('directory');
    else if (mode === 0 || mode === S_IFREG) kinds.push('file');
    else kinds.push('special');
    offset += 46 + view.getUint16(offset + 28, true) + view.getUint16(offset + 30, true) + view.getUint16(offset + 32, true);
  }
  return kinds;
}

/** Why an entry name cannot be a file of a package, or null. Packages are flat, as the folder form is. */
function nameProblem(name: string): string | null {
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return `entry ${JSON.stringify(name)} points outside the package (..)`;
  if (/^([\\/]|[A-Za-z]:)/.test(name)) return `entry ${JSON.stringify(name)} is an absolute path`;
  if (name.endsWith('/') || name.endsWith('\\'))
    return `entry ${JSON.stringify(name)} is a folder (an answer zip holds DocInfo.xml and its files at the top level)`;
  if (parts.length > 1)
    return `entry ${JSON.stringify(name)} is inside a folder (an answer zip holds DocInfo.xml and its files at the top level)`;
  // eslint-disable-next-line no-control-regex -- a control character makes the entry no file name
  if (name === '' || name === '.' || /[\u0000-\u001f]/.test(name)) return `entry ${JSON.stringify(name)} is not a file name`;
  return null;
}

/**
 * Checks every entry of a zip and inflates those `want` accepts. A problem with any entry refuses
 * the whole package (`unreadable: false`); a file that is not a zip at all is `unreadable: true`.
 */
export function readAnswerZip(data: Uint8Array, limits: AnswerPackageLimits, want: (name: string) => boolean = () => true): ZipReadResult {
  if (data.length > maxZipBytes(limits)) {
    return { ok: false, unreadable: false, reason: `zip has ${data.length} bytes, more than the ${maxZipBytes(limits)} allowed` };
  }
  let kinds: ReturnType<typeof entryKinds>;
  try {
    kinds = entryKinds(data);
  } catch {
    kinds = [];
  }
  const problems: string[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  const check = (file: UnzipFileInfo): void => {
    names.push(file.name);
    if (problems.length > 0) return;
    const kind = kinds[names.length - 1] ?? 'file';
    const problem =
      nameProblem(file.name) ??
      (kind !== 'file' ? `entry ${JSON.stringify(file.name)} is a ${kind}, not a regular file` : null) ??
      (seen.has(file.name.toLowerCase()) ? `entry ${JSON.stringify(file.name)} repeats` : null) ??
      (names.length > limits.maxFiles ? `zip holds more than ${limits.maxFiles} files` : null) ??
      (Math.max(file.originalSize, file.size) > limits.maxFileBytes
        ? `entry ${JSON.stringify(file.name)} has ${file.originalSize} bytes, more than the ${limits.maxFileBytes} allowed for one file`
        : null) ??
      (total + file.originalSize > limits.maxTotalBytes
        ? `zip files add up to more than the ${limits.maxTotalBytes} bytes allowed`
        : null) ??
      (file.compression !== 0 && file.compression !== 8
        ? `entry ${JSON.stringify(file.name)} uses compression method ${file.compression} (only stored and deflate are read)`
        : null);
    if (problem) problems.push(problem);
    seen.add(file.name.toLowerCase());
    total += file.originalSize;
  };
  let inflated: Record<string, Uint8Array>;
  try {
    // The first pass only looks (the filter refuses every entry), so nothing is inflated before
    // every entry passed; the second inflates what was asked for, each into a buffer of its declared size.
    unzipSync(data, { filter: (file) => (check(file), false) });
    if (problems.length > 0) return { ok: false, unreadable: false, reason: problems[0]! };
    inflated = unzipSync(data, { filter: (file) => want(file.name) });
  } catch (error) {
    return { ok: false, unreadable: true, reason: `not a readable zip: ${(error as Error).message}` };
  }
  return { ok: true, entries: new Map(Object.entries(inflated)), names: [...names] };
}

/**
 * Only the package description of a zip, whatever its other entries: enough for the inbox index to
 * know which Report the package belongs to, so that a refusal of the whole zip reaches that Report.
 * `notZip`: the file is not (yet) a readable zip.
 */
export function readZipDocInfo(
  data: Uint8Array,
  limits: AnswerPackageLimits,
  name: string,
): { ok: true; data: Uint8Array } | { ok: false; reason: string; notZip: boolean } {
  if (data.length > maxZipBytes(limits)) {
    return { ok: false, notZip: false, reason: `zip has ${data.length} bytes, more than the ${maxZipBytes(limits)} allowed` };
  }
  let declared: UnzipFileInfo | undefined;
  let found: Record<string, Uint8Array>;
  try {
    found = unzipSync(data, {
      filter: (file) => {
        if (file.name !== name) return false;
        declared = file;
        return Math.max(file.size, file.originalSize) <= limits.maxDocInfoBytes && (file.compression === 0 || file.compression === 8);
      },
    });
  } catch (error) {
    return { ok: false, notZip: true, reason: `not a readable zip: ${(error as Error).message}` };
  }
  const docInfo = found[name];
  if (docInfo) return { ok: true, data: docInfo };
  if (!declared) return { ok: false, notZip: false, reason: `the zip has no ${name} at its top level` };
  return {
    ok: false,
    notZip: false,
    reason: `its ${name} has ${declared.originalSize} bytes, more than the ${limits.maxDocInfoBytes} allowed`,
  };
}
