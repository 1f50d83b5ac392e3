// Reads an answer letter's DocInfo package — an inbox subfolder of any name or a `.zip` holding the
// same files — into an InboundAnswer, checking every file against the card and the package limits.
// The DocInfo alone (parseAnswerDocInfo) is what the inbox index keeps of each package.
import { join } from 'node:path';
import { readRegularFile, type RegularRead } from '../fs/regular.js';
import { contentTypeOf } from '../sev/content-type.js';
import { extensionOf } from '../sev/docinfo.js';
import { isUuid } from '../sev/ids.js';
import { checkDocInfo } from '../sev/schema.js';
import { attr, child, childText, children, textOf, type XmlNode } from '../sev/xml.js';
import type { InboundAnswer, InboundAnswerFile } from '../transport.js';
import type { AnswerPackageLimits } from './answer-zip.js';
import { DOCINFO_FILE } from './outbox.js';

/** What a package's DocInfo says, before any of its files is read. */
export interface AnswerDocInfo {
  /** Header@MessageID of the answer package (lower case). */
  messageId: string;
  /** DocumentID of its MainDocument (lower case): what a Report's Answer@DocumentID names. */
  documentId: string;
  /** Per Link of the MainDocument, the ids it carries (UUID attributes or child texts, lower case). */
  links: string[][];
  files: { uniqueName: string; name: string; extension: string; size: number }[];
  text?: string;
  resolution?: string;
  number?: string;
  date?: string;
}

export type DocInfoParseResult = { ok: true; info: AnswerDocInfo } | { ok: false; reason: string; wellFormed: boolean };

function linkIds(link: XmlNode): string[] {
  if (typeof link === 'string') return isUuid(link.trim()) ? [link.trim().toLowerCase()] : [];
  const values = [
    ...Object.values(link.$ ?? {}),
    ...Object.entries(link)
      .filter(([k]) => k !== '$' && k !== '_')
      .flatMap(([k]) => children(link, k).map(textOf)),
  ];
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter(isUuid))];
}

export async function parseAnswerDocInfo(xml: string): Promise<DocInfoParseResult> {
  const checked = await checkDocInfo(xml);
  if (!checked.ok)
    return { ok: false, wellFormed: checked.wellFormed, reason: `its ${DOCINFO_FILE} is invalid: ${checked.issues.join('; ')}` };
  const header = child(checked.root, 'Header');
  const uniqueNames = new Map<string, string>();
  for (const resource of children(child(header, 'ResourceList'), 'Resource')) {
    uniqueNames.set(attr(resource, 'UID')!.toLowerCase(), attr(resource, 'UniqueName')!);
  }
  const document = children(child(checked.root, 'DocumentList'), 'Document').find((d) => attr(d, 'MainDocument') === 'true')!;
  const files = children(document, 'File').map((file) => {
    const uniqueName = uniqueNames.get(attr(file, 'ResourceID')!.toLowerCase())!;
    return {
      uniqueName,
      name: childText(file, 'Description') ?? uniqueName,
      extension: childText(file, 'Extension') ?? extensionOf(uniqueName),
      size: Number(attr(file, 'Size')),
    };
  });
  const info: AnswerDocInfo = {
    messageId: attr(header, 'MessageID')!.toLowerCase(),
    documentId: attr(document, 'DocumentID')!.toLowerCase(),
    links: children(document, 'Link')
      .map(linkIds)
      .filter((ids) => ids.length > 0),
    files,
  };
  const registration = child(document, 'RegistrationInfo');
  const text = textOf(child(document, 'Annotation'));
  if (text !== '') info.text = text;
  const number = childText(registration, 'Number');
  const date = childText(registration, 'Date');
  if (number) info.number = number;
  if (date) info.date = date;
  const resolution = children(document, 'AdditionalField').find((f) => attr(f, 'Name') === 'RESOLUTION');
  if (resolution !== undefined && textOf(resolution) !== '') info.resolution = textOf(resolution);
  return { ok: true, info };
}

/**
 * Why the package does not answer the appeal its Report names, or null. A Link that carries ids
 * must point back at the appeal's package (its MessageID) or its document; a package without such
 * a Link is taken on the Report's word.
 */
export function linkProblem(info: Pick<AnswerDocInfo, 'links'>, appeal: { messageId: string; documentId?: string | null }): string | null {
  if (info.links.length === 0) return null;
  const ours = [appeal.messageId, appeal.documentId].filter((id): id is string => !!id).map((id) => id.toLowerCase());
  if (info.links.some((ids) => ids.some((id) => ours.includes(id)))) return null;
  return `its Link points at ${info.links.flat().join(', ')}, not at the appeal's package ${appeal.messageId}${appeal.documentId ? ` or its document ${appeal.documentId}` : ''}`;
}

/** What a package source gives for one file name (RegularRead without the mtime). */
export type SourceRead = { ok: true; data: Buffer } | Exclude<RegularRead, { ok: true }>;

/** Where a package's files come from: a folder, or the entries of a zip already checked and inflated. */
export interface PackageSource {
  /** The bytes of a file of the package if it is there, a regular file, and at most `maxBytes`. */
  read(name: string, maxBytes: number): Promise<SourceRead>;
}

/** A package folder: regular files only (a symbolic link, FIFO or device inside is refused, never read). */
export function folderSource(folder: string): PackageSource {
  return {
    async read(name, maxBytes) {
      const read = await readRegularFile(join(folder, name), maxBytes);
      return read.ok ? { ok: true, data: read.data } : read;
    },
  };
}

export function zipSource(entries: Map<string, Uint8Array>): PackageSource {
  return {
    read: async (name, maxBytes) => {
      const data = entries.get(name);
      if (!data) return { ok: false, missing: true };
      if (data.length > maxBytes)
        return { ok: false, tooLarge: true, size: data.length, reason: `has ${data.length} bytes, more than the ${maxBytes} allowed` };
      return { ok: true, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) };
    },
  };
}

export type AnswerReadResult = { ok: true; info: AnswerDocInfo; answer: InboundAnswer } | { ok: false; reason: string };

/** Reads DocInfo.xml and every file it lists; the declared sizes are checked against the limits before any file is read. */
export async function readAnswerPackage(source: PackageSource, limits: AnswerPackageLimits): Promise<AnswerReadResult> {
  const docInfo = await source.read(DOCINFO_FILE, limits.maxDocInfoBytes);
  if (!docInfo.ok) return { ok: false, reason: docInfo.missing ? `it has no ${DOCINFO_FILE}` : `its ${DOCINFO_FILE} ${docInfo.reason}` };
  const parsed = await parseAnswerDocInfo(docInfo.data.toString('utf8'));
  if (!parsed.ok) return parsed;
  const { info } = parsed;
  if (info.files.length + 1 > limits.maxFiles)
    return { ok: false, reason: `it lists ${info.files.length} files, more than the ${limits.maxFiles - 1} allowed` };
  const declaredTotal = info.files.reduce((sum, f) => sum + f.size, docInfo.data.length);
  if (declaredTotal > limits.maxTotalBytes)
    return { ok: false, reason: `its files add up to ${declaredTotal} bytes, more than the ${limits.maxTotalBytes} allowed` };
  const files: InboundAnswerFile[] = [];
  for (const file of info.files) {
    if (file.size > limits.maxFileBytes)
      return { ok: false, reason: `answer file ${file.uniqueName} has ${file.size} bytes, more than the ${limits.maxFileBytes} allowed` };
    // Never more than the card's size is read.
    const read = await source.read(file.uniqueName, file.size);
    if (!read.ok) {
      if (read.missing) return { ok: false, reason: `answer file ${file.uniqueName} is missing` };
      if (!read.tooLarge) return { ok: false, reason: `answer file ${file.uniqueName} ${read.reason}` };
      return {
        ok: false,
        reason: `answer file ${file.uniqueName} has ${read.size ?? `more than ${file.size}`} bytes, the card says ${file.size}`,
      };
    }
    if (read.data.length !== file.size)
      return { ok: false, reason: `answer file ${file.uniqueName} has ${read.data.length} bytes, the card says ${file.size}` };
    files.push({ uniqueName: file.uniqueName, name: file.name, contentType: contentTypeOf(file.extension), data: read.data });
  }
  const answer: InboundAnswer = { documentId: info.documentId, files };
  if (info.text !== undefined) answer.text = info.text;
  if (info.number !== undefined) answer.number = info.number;
  if (info.date !== undefined) answer.date = info.date;
  if (info.resolution !== undefined) answer.resolution = info.resolution;
  return { ok: true, info, answer };
}
