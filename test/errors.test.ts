// The one error table: retry policy and HTTP status follow the code, never the raising site.
import { describe, expect, it } from 'vitest';
import { BridgeError, ERRORS, PermanentError, TransientError, bridgeError, sanitizedError, type ErrorCode } from '../src/errors.js';

describe('error table', () => {
  it('gives every code its retryability and admin status', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      const error = new BridgeError(code, 'x');
      expect({ code, retryable: error.retryable, status: error.httpStatus }).toEqual({
        code,
        retryable: ERRORS[code].retryable,
        status: ERRORS[code].httpStatus,
      });
    }
    expect([new TransientError('x').retryable, new PermanentError('x').retryable, new BridgeError('CONFLICT', 'x').retryable]).toEqual([
      true,
      false,
      false,
    ]);
    expect(Object.keys(ERRORS)).not.toContain('NOT_DURABLE_YET');
  });

  it('fills the message template from the details', () => {
    const error = bridgeError('PAYLOAD_INVALID', { kind: 'appeal', posId: 7 }, { posId: 7 });
    expect(error).toMatchObject({
      code: 'PAYLOAD_INVALID',
      retryable: false,
      posId: 7,
      message: "the sealed appeal in the job of appeal 7 is another appeal's",
    });
  });

  it('keeps the code, and so the retry policy, when sanitized', () => {
    expect(sanitizedError(new TransientError('ПОС answered 502'))).toMatchObject({ code: 'TRANSIENT', retryable: true });
    expect(sanitizedError(new PermanentError('HTTP 400'))).toMatchObject({ code: 'PERMANENT', retryable: false });
  });
});
