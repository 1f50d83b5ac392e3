// The executor's name rests sealed in the appeal record, bound to its appeal; contacts are never kept.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PayloadCipher } from '../../src/pipeline/crypto.js';
import { officialName, openExecutor, sealExecutor } from '../../src/pipeline/executor.js';

describe('executor name', () => {
  it('is surname, name, patronymic, without contacts', () => {
    expect(officialName({ surname: 'Орлов', name: 'Денис', patronymic: 'Ильич', phone: '+7 495 000-00-01', email: 'o@x.ru' })).toBe(
      'Орлов Денис Ильич',
    );
    expect(officialName({ surname: 'Орлов', name: ' ' })).toBe('Орлов');
    expect(officialName({ phone: '+7 495 000-00-01' })).toBeUndefined();
    expect(officialName(undefined)).toBeUndefined();
  });

  it('is sealed for its appeal: opens there, not for another appeal, nor after its key is gone', () => {
    const key = randomBytes(32);
    const cipher = new PayloadCipher(key);
    const sealed = sealExecutor(cipher, 7, 'Орлов Денис');
    expect(sealed).not.toContain('Орлов');
    expect(openExecutor(cipher, 7, sealed)).toBe('Орлов Денис');
    expect(openExecutor(cipher, 8, sealed)).toBeUndefined();
    expect(openExecutor(new PayloadCipher(randomBytes(32), [key]), 7, sealed)).toBe('Орлов Денис');
    expect(openExecutor(new PayloadCipher(randomBytes(32)), 7, sealed)).toBeUndefined();
    expect(openExecutor(cipher, 7, undefined)).toBeUndefined();
  });
});
