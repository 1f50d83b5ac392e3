// Citizens' personal data at rest in Redis (152-ФЗ): appeal payloads are sealed with AES-256-GCM
// under DATA_KEY. Each sealed value names the key it was sealed with (a short fingerprint), so
// after a rotation values sealed with DATA_KEY_PREVIOUS still open while new ones use the new key.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { BridgeError } from '../errors.js';

const FORMAT = 'v1';

function fingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export class PayloadCipher {
  private readonly keys = new Map<string, Buffer>();
  private readonly currentId: string;

  constructor(currentKey: Buffer, previousKeys: Buffer[] = []) {
    if (currentKey.length !== 32) throw new BridgeError('CONFIG_INVALID', 'DATA_KEY must be 32 bytes', false);
    this.currentId = fingerprint(currentKey);
    this.keys.set(this.currentId, currentKey);
    for (const key of previousKeys) this.keys.set(fingerprint(key), key);
  }

  seal(plain: string): string {
    const key = this.keys.get(this.currentId)!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [FORMAT, this.currentId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  open(sealed: string): string {
    const [format, keyId, iv, tag, body] = sealed.split('.');
    if (format !== FORMAT || !keyId || !iv || !tag || body === undefined) {
      throw new BridgeError('PERMANENT', 'sealed payload has an unknown format', false);
    }
    const key = this.keys.get(keyId);
    if (!key) {
      throw new BridgeError('CONFIG_INVALID', `payload was sealed with key ${keyId}, which is neither DATA_KEY nor DATA_KEY_PREVIOUS`, false);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new BridgeError('PERMANENT', 'sealed payload failed authentication (tampered or wrong key)', false, { cause: error });
    }
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string): T {
    return JSON.parse(this.open(sealed)) as T;
  }

  /** Whether a value was sealed with an older key (re-seal it during rotation). */
  isStale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.currentId;
  }
}
