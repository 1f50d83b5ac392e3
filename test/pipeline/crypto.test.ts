import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PayloadCipher, type SealContext } from '../../src/pipeline/crypto.js';
import { sealV1 } from '../helpers/legacy-seal.js';

const forA: SealContext = { purpose: 'appeal', posId: 5 };
const forB: SealContext = { purpose: 'appeal', posId: 6 };

describe('payload encryption', () => {
  const appeal = { id: 5, applicant: { surname: 'Иванова', phone: '+7 912 000-00-00' }, description: 'Яма 🕳️' };

  it('round-trips and never shows the plain text', () => {
    const cipher = new PayloadCipher(randomBytes(32));
    const sealed = cipher.sealJson(appeal, forA);
    expect(sealed).toMatch(/^v2\./);
    expect(sealed).not.toContain('Иванова');
    // The whole phone, spaces included: a short digit run like '912' turns up in random hex or base64.
    expect(sealed).not.toContain('912 000-00-00');
    expect(cipher.openJson(sealed, forA)).toEqual(appeal);
    expect(cipher.sealJson(appeal, forA)).not.toBe(sealed); // fresh IV each time
  });

  it('opens values sealed with the previous key after rotation, and flags them as stale', () => {
    const oldKey = randomBytes(32);
    const sealedOld = new PayloadCipher(oldKey).sealJson(appeal, forA);
    const rotated = new PayloadCipher(randomBytes(32), [oldKey]);
    expect(rotated.openJson(sealedOld, forA)).toEqual(appeal);
    expect(rotated.isStale(sealedOld)).toBe(true);
    expect(rotated.isStale(rotated.sealJson(appeal, forA))).toBe(false);
  });

  it('refuses tampered values and unknown keys with coded errors', () => {
    const cipher = new PayloadCipher(randomBytes(32));
    const sealed = cipher.sealJson(appeal, forA);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64');
    expect(() => cipher.open(parts.join('.'), forA)).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID', retryable: false }));
    expect(() => new PayloadCipher(randomBytes(32)).open(sealed, forA)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    for (const garbage of ['', 'v3.a.b.c.d', 'v2.x', 'not sealed at all']) {
      expect(() => cipher.open(garbage, forA), garbage).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    }
  });

  it("binds a value to its appeal: A's payload does not open as B's, nor an appeal as a progress", () => {
    const cipher = new PayloadCipher(randomBytes(32));
    const sealed = cipher.sealJson(appeal, forA);
    expect(() => cipher.openJson(sealed, forB)).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID', retryable: false, posId: 6 }));
    expect(() => cipher.openJson(sealed, { purpose: 'progress', posId: 5 })).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    expect(cipher.openJson(sealed, forA)).toEqual(appeal);
  });

  it('insists on a full 16-byte tag (a truncated tag is refused even when it is a true prefix)', () => {
    const key = randomBytes(32);
    const cipher = new PayloadCipher(key);
    for (const sealed of [cipher.sealJson(appeal, forA), sealV1(key, appeal)]) {
      const parts = sealed.split('.');
      for (const bytes of [4, 8, 12, 15]) {
        const truncated = [...parts];
        truncated[3] = Buffer.from(parts[3]!, 'base64').subarray(0, bytes).toString('base64');
        expect(() => cipher.open(truncated.join('.'), forA), `${parts[0]} with a ${bytes}-byte tag`).toThrow(
          expect.objectContaining({ code: 'PAYLOAD_INVALID' }),
        );
      }
      const longer = [...parts];
      longer[3] = Buffer.concat([Buffer.from(parts[3]!, 'base64'), Buffer.alloc(1)]).toString('base64');
      expect(() => cipher.open(longer.join('.'), forA)).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
    }
  });

  it('still opens v1 values written before associated data, and reseals them as v2', () => {
    const oldKey = randomBytes(32);
    const legacy = sealV1(oldKey, appeal);
    const sameKey = new PayloadCipher(oldKey);
    expect(sameKey.openJson(legacy, forA)).toEqual(appeal);
    expect(sameKey.isStale(legacy)).toBe(true); // same key, old format

    const rotated = new PayloadCipher(randomBytes(32), [oldKey]);
    const resealed = rotated.reseal(legacy, forA)!;
    expect(resealed).toMatch(/^v2\./);
    expect(rotated.isStale(resealed)).toBe(false);
    expect(rotated.reseal(resealed, forA)).toBeUndefined();
    expect(new PayloadCipher(randomBytes(32)).isStale(resealed)).toBe(true);
    expect(rotated.openJson(resealed, forA)).toEqual(appeal);
    expect(() => rotated.openJson(resealed, forB)).toThrow(expect.objectContaining({ code: 'PAYLOAD_INVALID' }));
  });
});
