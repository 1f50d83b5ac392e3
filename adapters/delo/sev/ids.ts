// Package identifiers. MessageIDs are UUIDs (delo-sev.md); the bridge derives them from the ПОС id
// (name-based UUID v5, RFC 4122 §4.3) so a replay after a crash computes the same id and finds the
// package, its temp folder or its state instead of writing a second one.
import { createHash, randomUUID } from 'node:crypto';

/** Default namespace of pos-bridge's «Дело» ids; an agency running two bridges may set its own. */
export const DEFAULT_ID_NAMESPACE = '6f1c2a9e-3b7d-5e4f-8a21-0c9d4b6e7f10';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

function uuidBytes(uuid: string): Buffer {
  if (!isUuid(uuid)) throw new TypeError(`not a UUID: ${uuid}`);
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** RFC 4122 name-based UUID, SHA-1 flavour (version 5). */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/** MessageID of the package that carries ПОС appeal `posId`; also the adapter's edmsId. */
export function messageIdFor(posId: number, namespace = DEFAULT_ID_NAMESPACE): string {
  return uuidV5(`pos-appeal:${posId}:package`, namespace);
}

/** DocumentID of the appeal's Document inside that package (Registration@DocumentID repeats it). */
export function documentIdFor(posId: number, namespace = DEFAULT_ID_NAMESPACE): string {
  return uuidV5(`pos-appeal:${posId}:document`, namespace);
}

/** Fresh random id for Reports and answer packages (the «Дело» side). */
export function newUuid(): string {
  return randomUUID();
}
