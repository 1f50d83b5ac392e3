// Inbox file names. A reader claims a Report by renaming it to `.claimed-<pid>.<host>-<time>-<name>`:
// rename is atomic, so of several readers exactly one succeeds and the others get ENOENT. The
// claim time in the name (not the file's mtime, which rename keeps) tells a stale claim of a
// crashed reader from one in progress.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

const CLAIM_PREFIX = '.claimed-';
const HOST_TAG = createHash('sha1').update(hostname()).digest('hex').slice(0, 8);
export const REPORT_NAME = /^Report-[^/\\]+\.xml$/;

export interface ClaimInfo {
  owner: string;
  claimedAt: number;
  original: string;
}

export function claimNameFor(original: string, now = Date.now()): string {
  return `${CLAIM_PREFIX}${process.pid}.${HOST_TAG}-${now.toString(36)}-${original}`;
}

export function parseClaimName(name: string): ClaimInfo | null {
  const match = /^\.claimed-([^-]+)-([0-9a-z]+)-(.+)$/.exec(name);
  if (!match) return null;
  return { owner: match[1]!, claimedAt: parseInt(match[2]!, 36), original: match[3]! };
}

/** Names a writer uses while a file is incomplete: hidden temp names and `.tmp`/`.part` suffixes. */
export function isInProgressName(name: string): boolean {
  return (name.startsWith('.') && !name.startsWith(CLAIM_PREFIX)) || /\.(tmp|part|partial)$/i.test(name);
}
