// A value exactly as releases before the v2 envelope sealed it (v1: no associated data), to prove
// that jobs queued by an older bridge still open and that `pos-bridge reseal` upgrades them.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export function sealV1(key: Buffer, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return ['v1', keyId, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
}
