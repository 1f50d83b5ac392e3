// Citizens' personal data at rest in Redis (152-ФЗ): appeal payloads are sealed with AES-256-GCM
// under DATA_KEY. Each sealed value names the key it was sealed with (a short fingerprint), so
// after a rotation values sealed with DATA_KEY_PREVIOUS still open while new ones use the new key.
//
// Envelope: `<format>.<key id>.<iv>.<tag>.<ciphertext>` (base64 parts, 12-byte IV, 16-byte tag).
//   v2 (written): the associated data binds the value to what it is and to its ПОС id, so a value
//       copied into another appeal's job fails authentication instead of registering the wrong
//       citizen's appeal.
//   v1 (read only): no associated data; still opens so that jobs queued before the upgrade go
//       through. `pos-bridge reseal` rewrites them as v2.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { BridgeError } from '../errors.js';

const CURRENT_FORMAT = 'v2';
const LEGACY_FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** What a sealed value holds and for which appeal: the associated data of a v2 value. */
export interface SealContext {
  purpose: 'appeal' | 'progress' | 'executor';
  posId: number;
}

function associatedData(context: SealContext): Buffer {
  return Buffer.from(`pos-bridge/${context.purpose}/${context.posId}`, 'utf8');
}

function fingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function invalid(message: string, context: SealContext, cause?: unknown): BridgeError {
  return new BridgeError('PAYLOAD_INVALID', message, { posId: context.posId, ...(cause === undefined ? {} : { cause }) });
}

function decodePart(text: string | undefined, bytes: number | undefined): Buffer | undefined {
  if (text === undefined || !BASE64.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64');
  return bytes === undefined || decoded.length === bytes ? decoded : undefined;
}

export class PayloadCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
    if (currentKey.length !== 32) throw new BridgeError('CONFIG_INVALID', 'DATA_KEY must be 32 bytes');
    this.currentId = fingerprint(currentKey);
    this.keys.set(this.currentId, currentKey);
    for (const key of previousKeys) if (!this.keys.has(fingerprint(key))) this.keys.set(fingerprint(key), key);
  }

  seal(plain: string, context: SealContext): string {
    const key = this.keys.get(this.currentId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [CURRENT_FORMAT, this.currentId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(
      '.',
    );
  }

  /** Opens a v2 value sealed for `context`, or a v1 value (which carries no context to check). */
  open(sealed: string, context: SealContext): string {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    const [format, keyId, ivText, tagText, bodyText] = parts;
    if (parts.length !== 5 || (format !== CURRENT_FORMAT && format !== LEGACY_FORMAT) || !keyId) {
      throw invalid('sealed payload has an unknown format', context);
    }
    const iv = decodePart(ivText, IV_BYTES);
    // Node accepts a shorter tag unless told its length; a 4-byte tag could be forged by brute force.
    const tag = decodePart(tagText, TAG_BYTES);
    const body = decodePart(bodyText, undefined);
    if (!iv || !tag || !body) throw invalid('sealed payload is malformed (IV, tag or body of the wrong size)', context);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new BridgeError('CONFIG_INVALID', `payload was sealed with key ${keyId}, which is neither DATA_KEY nor DATA_KEY_PREVIOUS`, {
        posId: context.posId,
      });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (format === CURRENT_FORMAT) decipher.setAAD(associatedData(context));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (error) {
      throw invalid(
        `sealed ${context.purpose} payload failed authentication for appeal ${context.posId} (tampered, sealed for another appeal, or wrong key)`,
        context,
        error,
      );
    }
  }

  sealJson(value: unknown, context: SealContext): string {
    return this.seal(JSON.stringify(value), context);
  }

  openJson<T>(sealed: string, context: SealContext): T {
    const plain = this.open(sealed, context);
    try {
      return JSON.parse(plain) as T;
    } catch (error) {
      throw invalid(`sealed ${context.purpose} payload of appeal ${context.posId} is not JSON`, context, error);
    }
  }

  /** Whether a value should be sealed again: an older key, or the v1 format without associated data. */
  isStale(sealed: string): boolean {
    const [format, keyId] = sealed.split('.');
    return format !== CURRENT_FORMAT || keyId !== this.currentId;
  }

  /** The value sealed again under DATA_KEY as v2, or undefined when it already is. Throws as open does. */
  reseal(sealed: string, context: SealContext): string | undefined {
    const plain = this.open(sealed, context);
    return this.isStale(sealed) ? this.seal(plain, context) : undefined;
  }
}
