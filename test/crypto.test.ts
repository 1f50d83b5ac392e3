import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PayloadCipher } from '../src/pipeline/crypto.js';

describe('payload encryption', () => {
  const appeal = { id: 5, applicant: { surname: 'Иванова', phone: '+7 912 000-00-00' }, description: 'Яма 🕳️' };

  it('round-trips and never shows the plain text', () => {
    const cipher = new PayloadCipher(randomBytes(32));
    const sealed = cipher.sealJson(appeal);
    expect(sealed).not.toContain('Иванова');
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('912');
    expect(cipher.openJson(sealed)).toEqual(appeal);
    expect(cipher.sealJson(appeal)).not.toBe(sealed); // fresh IV each time
  });

  it('opens values sealed with the previous key after rotation, and flags them as stale', () => {
    const oldKey = randomBytes(32);
    const sealedOld = new PayloadCipher(oldKey).sealJson(appeal);
    const rotated = new PayloadCipher(randomBytes(32), [oldKey]);
    expect(rotated.openJson(sealedOld)).toEqual(appeal);
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.isStale(rotated.sealJson(appeal))).toBe(false);
  });

  it('refuses tampered values and unknown keys with coded errors', () => {
    const cipher = new PayloadCipher(randomBytes(32));
    const sealed = cipher.sealJson(appeal);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => cipher.open(parts.join('.'))).toThrow(expect.objectContaining({ code: 'PERMANENT' }));
    expect(() => new PayloadCipher(randomBytes(32)).open(sealed)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});
