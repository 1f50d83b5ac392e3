// The answer packages waiting in the inbox, by the DocumentID of their MainDocument. The name of
// a package (a subfolder, or a `.zip`) is the transport's choice (delo-sev.md), so a Report's
// Answer@DocumentID is looked up here, by content. Each package's DocInfo is parsed once: the
// summary is kept by name, DocInfo/zip mtime and size, and a poll only stats what it lists.
import type { Dirent } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../fs/atomic.js';
import { kindOf, readRegularFile, type RegularRead } from '../fs/regular.js';
import { parseAnswerDocInfo, type AnswerDocInfo } from './answer-package.js';
import { maxZipBytes, readZipDocInfo, type AnswerPackageLimits } from './answer-zip.js';
import { isInProgressName, parseClaimName } from './claims.js';
import { DOCINFO_FILE } from './outbox.js';

export type PackageKind = 'folder' | 'zip';

/** What the index keeps of a package: who it answers, never its files. */
export type PackageIdentity = Pick<AnswerDocInfo, 'messageId' | 'documentId' | 'links'>;

export interface InboxPackage {
  /** Its name in the inbox now (a claim name while a reader holds it). */
  name: string;
  /** The name the transport gave it. */
  original: string;
  kind: PackageKind;
  /** A live claim of another reader (or of this one): leave it alone. */
  busy: boolean;
  identity?: PackageIdentity;
  /** Why it can never be read (so no Report can be matched to it). */
  unreadable?: string;
}

type Summary = { identity: PackageIdentity } | { unreadable: string } | 'incomplete';

export function isZipName(name: string): boolean {
  return /\.zip$/i.test(name);
}

export interface AnswerIndexOptions {
  inboxDir: string;
  limits: AnswerPackageLimits;
  partialGraceMs: number;
  claimStaleMs: number;
}

/** The packages of one poll's listing; `take` removes one this poll has claimed or moved. */
export class InboxPackages {
  constructor(readonly all: InboxPackage[]) {}

  /** Packages answering `documentId` that no reader holds, and whether a reader holds one. */
  find(documentId: string): { free: InboxPackage[]; busy: boolean } {
    const id = documentId.toLowerCase();
    const matching = this.all.filter((p) => p.identity?.documentId === id);
    return { free: matching.filter((p) => !p.busy), busy: matching.some((p) => p.busy) };
  }

  take(name: string): void {
    const at = this.all.findIndex((p) => p.name === name);
    if (at >= 0) this.all.splice(at, 1);
  }
}

export class AnswerIndex {
  private readonly cache = new Map<string, { key: string; summary: Exclude<Summary, 'incomplete'> }>();

  constructor(private readonly options: AnswerIndexOptions) {}

  /** Summarises every package of an inbox listing (parsing only what changed since the last poll). */
  async build(listing: Dirent[]): Promise<InboxPackages> {
    const out: InboxPackage[] = [];
    const listed = new Set<string>();
    for (const entry of listing) {
      const claim = parseClaimName(entry.name);
      const original = claim?.original ?? entry.name;
      if (!claim && isInProgressName(entry.name)) continue;
      if (isInProgressName(original)) continue;
      const kind: PackageKind | null = entry.isDirectory() ? 'folder' : entry.isFile() && isZipName(original) ? 'zip' : null;
      if (!kind) continue;
      listed.add(original);
      const summary = await this.summarise(entry.name, original, kind);
      if (summary === null || summary === 'incomplete') continue;
      const pkg: InboxPackage = {
        name: entry.name,
        original,
        kind,
        busy: claim !== null && Date.now() - claim.claimedAt < this.options.claimStaleMs,
      };
      if ('identity' in summary) pkg.identity = summary.identity;
      else pkg.unreadable = summary.unreadable;
      out.push(pkg);
    }
    for (const name of this.cache.keys()) if (!listed.has(name)) this.cache.delete(name);
    return new InboxPackages(out.sort((a, b) => a.original.localeCompare(b.original)));
  }

  /** null: the package went away meanwhile. Only regular files are read: a symbolic link or the like makes the package unreadable. */
  private async summarise(name: string, original: string, kind: PackageKind): Promise<Summary | null> {
    const path = join(this.options.inboxDir, name);
    const described = kind === 'folder' ? join(path, DOCINFO_FILE) : path;
    let info;
    try {
      info = await lstat(described);
    } catch (error) {
      // A folder without DocInfo.xml is still being filled by a transport that writes in place.
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return kind === 'folder' ? 'incomplete' : null;
      throw error;
    }
    if (!info.isFile())
      return {
        unreadable:
          kind === 'folder' ? `its ${DOCINFO_FILE} is ${kindOf(info)}, not a regular file` : `it is ${kindOf(info)}, not a regular file`,
      };
    const key = `${kind}:${info.ino}:${info.mtimeMs}:${info.size}`;
    const cached = this.cache.get(original);
    if (cached?.key === key) return cached.summary;
    const fresh = Date.now() - info.mtimeMs < this.options.partialGraceMs;
    const { limits } = this.options;
    const read = await readRegularFile(described, kind === 'folder' ? limits.maxDocInfoBytes : maxZipBytes(limits));
    if (!read.ok && read.missing) return kind === 'folder' ? 'incomplete' : null;
    const summary: Summary = !read.ok
      ? { unreadable: refusal(kind, read) }
      : kind === 'folder'
        ? await this.identify(read.data.toString('utf8'), fresh)
        : await this.summariseZip(read.data, fresh);
    if (summary !== 'incomplete') this.cache.set(original, { key, summary });
    return summary;
  }

  private async summariseZip(data: Buffer, fresh: boolean): Promise<Summary> {
    const read = readZipDocInfo(data, this.options.limits, DOCINFO_FILE);
    if (!read.ok) return read.notZip && fresh ? 'incomplete' : { unreadable: read.reason };
    return this.identify(Buffer.from(read.data).toString('utf8'), fresh);
  }

  private async identify(xml: string, fresh: boolean): Promise<Summary> {
    const parsed = await parseAnswerDocInfo(xml);
    if (parsed.ok) return { identity: { messageId: parsed.info.messageId, documentId: parsed.info.documentId, links: parsed.info.links } };
    return !parsed.wellFormed && fresh ? 'incomplete' : { unreadable: parsed.reason };
  }
}

function refusal(kind: PackageKind, read: Extract<RegularRead, { reason: string }>): string {
  return kind === 'folder' ? `its ${DOCINFO_FILE} ${read.reason}` : `the zip ${read.reason}`;
}
