// The one sanitizer (src/redact.ts) and the places errors leave the process through it:
// describeError, the HTTP error classification, the error handed to BullMQ.
import { AxiosError, AxiosHeaders } from 'axios';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { BridgeError, describeError, PermanentError, sanitizedError } from '../src/errors.js';
import { classifyHttpError } from '../src/http/client.js';
import { toJobError } from '../src/pipeline/job-errors.js';
import { jsonErrorWhere, redactKnown, redactQuoted, safeMessage, scrubText } from '../src/redact.js';

const PD = {
  surname: 'Тестпд1',
  email: 'pd1@example.test',
  phone: '+7 900 111-22-33',
  address: 'ул. Маркерная, 7',
  text: 'Прошу отремонтировать дорогу у дома семь на Маркерной улице, яма уже год',
};

function axios400(body: unknown): AxiosError {
  const config = { headers: new AxiosHeaders(), url: '/IPersons', method: 'post' };
  return new AxiosError(
    'Request failed with status code 400',
    'ERR_BAD_REQUEST',
    config,
    {},
    {
      status: 400,
      statusText: 'Bad Request',
      data: body,
      headers: {},
      config,
    },
  );
}

describe('safeMessage', () => {
  it('keeps what went wrong and where, drops contacts and document numbers', () => {
    const text = `no answer from ${PD.email} or ${PD.phone}, 8 (900) 111 22 33, 89001112233; ИНН 7707083893, СНИЛС 112-233-445 95, паспорт 4510 123456`;
    expect(scrubText(text)).toBe(
      'no answer from [redacted] or [redacted], [redacted], [redacted]; ИНН [redacted], СНИЛС [redacted], паспорт [redacted]',
    );
    // Ids, versions, dates and codes are not personal data and stay.
    const ids =
      'appeal 950001 job register-12345678901 push-5-1234567890123456 at 2024-05-01T10:00:00.000Z code "0003.0009.0099.0700" Directum IRequests(123)';
    expect(scrubText(ids)).toBe(ids);
  });

  it('turns V8 JSON errors into where, never what', () => {
    const body = `{"applicant": {"surname": ${PD.surname}}}`;
    let parseError: unknown;
    try {
      JSON.parse(body);
    } catch (error) {
      parseError = error;
    }
    expect((parseError as Error).message).toContain(PD.surname);
    expect(safeMessage(parseError)).toBe('Unexpected token in JSON');
    expect(jsonErrorWhere(parseError, body)).toBe(`unexpected character near position ${body.indexOf(PD.surname)}`);
    expect(safeMessage(`pull: unreadable response: ${(parseError as Error).message}`)).toBe(
      'pull: unreadable response: Unexpected token in JSON',
    );
  });

  it('cuts known personal values out, also pieces of a long text a server quoted', () => {
    const echoed = `person ${PD.surname} exists; text: «${PD.text.slice(10, 50)}»`;
    const safe = redactKnown(echoed, [PD.surname, PD.text]);
    expect(safe).not.toContain(PD.surname);
    expect(safe).not.toMatch(/отремонтировать дорогу у дома/);
    expect(safeMessage(new Error(echoed), { known: [PD.surname, PD.text] })).toBe(safe);
  });

  it('drops quoted values from servers’ texts and keeps quoted identifiers', () => {
    expect(
      redactQuoted(
        `Cannot convert the literal '${PD.surname}' to the expected type 'Edm.Int32'; property "LastName" doesn't match «${PD.address}»`,
      ),
    ).toBe(`Cannot convert the literal '…' to the expected type 'Edm.Int32'; property "LastName" doesn't match «…»`);
  });

  it('names unencodable text instead of failing on it, and never returns a lone surrogate', () => {
    let uriError: unknown;
    try {
      encodeURIComponent('\ud800');
    } catch (error) {
      uriError = error;
    }
    expect(safeMessage(uriError)).toBe('text that is not valid Unicode could not be encoded');
    expect(safeMessage(`x${'я'.repeat(1998)}\ud83d\ude00tail`)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('errors leaving the process', () => {
  it('an EDMS 4xx that quotes the applicant keeps the status and the error code, not the data', () => {
    const error = classifyHttpError(
      axios400({ error: { code: 'BadRequest', message: `The value '${PD.surname}' of 'IPersons.LastName' is taken by ${PD.email}` } }),
      'directum-rx',
      'Directum POST IPersons',
    );
    expect(error).toBeInstanceOf(PermanentError);
    // Free text of an upstream body never travels (src/http/upstream-details.ts): the OData code does.
    expect(error.message).toBe('Directum POST IPersons: HTTP 400: BadRequest');
    expect((error as PermanentError).messages.join()).not.toContain(PD.surname);
  });

  it('describeError and sanitizedError carry the code and retry policy with the sanitized text only', () => {
    const original = new BridgeError('EDMS_REJECTED', `refused: ${PD.surname} ${PD.phone}`, { posId: 7, cause: new Error(PD.text) });
    expect(describeError(original, { known: [PD.surname] })).toEqual({ code: 'EDMS_REJECTED', message: 'refused: [redacted] [redacted]' });
    const safe = sanitizedError(original, { known: [PD.surname] }) as BridgeError;
    expect(safe).toMatchObject({ code: 'EDMS_REJECTED', retryable: false, posId: 7, message: 'refused: [redacted] [redacted]' });
    expect(safe.cause).toBeUndefined();
    expect(safe.stack).toBe('BridgeError: refused: [redacted] [redacted]');
    const internal = sanitizedError(new TypeError(`cannot read ${PD.email}`));
    expect(internal.message).toBe('cannot read [redacted]');
    expect(internal.stack).toMatch(/^Error: cannot read \[redacted\]\n\s+at /);
  });

  it('what BullMQ stores (message and stack) is the sanitized reason; coded errors carry no frames', async () => {
    const queue = { rateLimit: async () => undefined } as unknown as Queue;
    const coded = await toJobError(new PermanentError(`Directum: HTTP 400: ${PD.email}`), queue);
    expect(coded.name).toBe('UnrecoverableError');
    expect(coded.message).toBe('PERMANENT: Directum: HTTP 400: [redacted]');
    expect(coded.stack).toBe('UnrecoverableError: PERMANENT: Directum: HTTP 400: [redacted]');
    const unexpected = await toJobError(new RangeError(`bad value ${PD.phone}`), queue);
    expect(unexpected.stack).toMatch(/^Error: INTERNAL: bad value \[redacted\]\n\s+at /);
    expect(unexpected.stack).not.toContain(PD.phone);
  });
});
