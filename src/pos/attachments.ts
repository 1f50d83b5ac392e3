// Files to and from ПОС: the attachment's name from Content-Disposition (or its URL), a body reader
// that stops as soon as a size limit is passed, and the multipart body of a file-storage upload.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AppealFile } from '../../adapters/contract.js';
import { FileTooLargeError } from '../errors.js';

const MAX_NAME_LENGTH = 255;

/** Splits a header value into `key=value` parameters, honouring quoted strings with `\` escapes. */
function headerParameters(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /;\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (const match of `;${header}`.matchAll(pattern)) {
    const key = match[1]!.toLowerCase();
    let value = match[2]!.trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    }
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

function decodeUtf8Strict(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Percent-decodes to bytes; undefined when the text holds a `%` that is not an escape. */
function percentBytes(text: string): Buffer | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '%') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** RFC 5987 ext-value: `charset'language'percent-encoded`. UTF-8 and ISO-8859-1 are understood. */
function decodeExtValue(value: string): string | undefined {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (!match) return undefined;
  const charset = match[1]!.toLowerCase();
  const bytes = percentBytes(match[2]!);
  if (!bytes) return undefined;
  if (charset === 'utf-8' || charset === 'utf8' || charset === '') return decodeUtf8Strict(bytes);
  if (charset === 'iso-8859-1' || charset === 'latin1') return bytes.toString('latin1');
  return undefined;
}

/**
 * Plain `filename=`. Node hands header bytes over as latin1, so a server that writes raw UTF-8
 * (common for Cyrillic names) shows up as mojibake: re-read such text as UTF-8 when that is valid.
 * Some Java servers percent-encode this parameter too; decode it when that yields non-ASCII text.
 */
function decodePlainName(value: string): string {
  if (/[\u0080-\u00ff]/.test(value) && !/[\u0100-\uffff]/.test(value)) {
    const utf8 = decodeUtf8Strict(Buffer.from(value, 'latin1'));
    if (utf8 !== undefined) return utf8;
  }
  if (/%[0-9A-Fa-f]{2}/.test(value)) {
    const bytes = percentBytes(value);
    const decoded = bytes ? decodeUtf8Strict(bytes) : undefined;
    if (decoded !== undefined && /[\u0080-\uffff]/.test(decoded)) return decoded;
  }
  return value;
}

/** A name safe to hand to an EDMS or write to disk: no directories, no control characters. */
export function sanitizeFileName(name: string): string | undefined {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const clean = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (!clean || clean === '.' || clean === '..') return undefined;
  if (clean.length <= MAX_NAME_LENGTH) return clean;
  const dot = clean.lastIndexOf('.');
  const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  return clean.slice(0, MAX_NAME_LENGTH - extension.length) + extension;
}

/** File name from a Content-Disposition header: `filename*` (RFC 5987) wins over `filename`. */
export function fileNameFromContentDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const params = headerParameters(header);
  const extended = params.get('filename*');
  if (extended !== undefined) {
    const decoded = decodeExtValue(extended);
    const safe = decoded === undefined ? undefined : sanitizeFileName(decoded);
    if (safe) return safe;
  }
  const plain = params.get('filename');
  return plain === undefined ? undefined : sanitizeFileName(decodePlainName(plain));
}

/** The last non-empty path segment of the URL, percent-decoded; `attachment` when there is none. */
export function fileNameFromUrl(url: string): string {
  let segment = '';
  try {
    segment = new URL(url, 'http://localhost/').pathname.split('/').filter(Boolean).pop() ?? '';
  } catch {
    // not a URL: no segment, so the name falls back to `attachment`
  }
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // keep the raw segment: a stray `%` is still a usable name
  }
  return sanitizeFileName(decoded) ?? 'attachment';
}

export function attachmentName(url: string, contentDisposition: string | undefined): string {
  return fileNameFromContentDisposition(contentDisposition) ?? fileNameFromUrl(url);
}

/** Content-Type as sent (parameters such as charset kept); octet-stream when absent. */
export function attachmentContentType(header: unknown): string {
  return typeof header === 'string' && header.trim() ? header.trim() : 'application/octet-stream';
}

function tooLarge(what: string, maxBytes: number, details: Record<string, unknown>): FileTooLargeError {
  return new FileTooLargeError(`${what}: larger than the limit of ${maxBytes} bytes`, { system: 'pos', details: { maxBytes, ...details } });
}

/** Refuses up front when Content-Length already announces more than the limit. */
export function checkAnnouncedLength(header: unknown, maxBytes: number, what: string): void {
  const announced = typeof header === 'string' || typeof header === 'number' ? Number(header) : Number.NaN;
  if (Number.isFinite(announced) && announced > maxBytes) throw tooLarge(what, maxBytes, { announced });
}

/**
 * Reads a body stream into memory, destroying it the moment more than `maxBytes` have arrived, so
 * an oversized file costs at most one chunk past the limit. Stream errors are rethrown as they are.
 */
export async function readLimited(stream: Readable, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      total += buffer.length;
      if (total > maxBytes) throw tooLarge(what, maxBytes, { received: total });
      chunks.push(buffer);
    }
  } finally {
    if (!stream.readableEnded) stream.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** WHATWG form encoding of a name inside a multipart header: UTF-8 kept, `"` CR LF escaped. */
function escapeMultipartName(name: string): string {
  return name.replace(/["\r\n]/g, (char) => ({ '"': '%22', '\r': '%0D', '\n': '%0A' })[char] ?? char);
}

/** A multipart/form-data body holding one file under `field`, its (Cyrillic) name kept in UTF-8. */
export function multipartFileBody(field: string, file: AppealFile): { body: Buffer; contentType: string } {
  const boundary = `----pos-bridge-${randomBytes(12).toString('hex')}`;
  const head =
    `--${boundary}\r\n` +
    `Content-Disposition: form-data; name="${escapeMultipartName(field)}"; filename="${escapeMultipartName(file.name)}"\r\n` +
    `Content-Type: ${file.contentType || 'application/octet-stream'}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head, 'utf8'), file.data, Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
