// DirectumClient and DirectumAdapter against nock: wire format (Basic auth, JSON headers, OData
// query strings) and every failure path mapped to the bridge's coded errors.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectumAdapter } from '../../../adapters/directum-rx/adapter.js';
import { DirectumClient } from '../../../adapters/directum-rx/client.js';
import { AuthError, BridgeError, MalformedResponseError, PermanentError, RateLimitedError, TransientError } from '../../../src/errors.js';

const HOST = 'https://rx.agency.test';
const BASE = `${HOST}/Integration/odata`;
const AUTH = `Basic ${Buffer.from('bridge:s3cret:with-colon').toString('base64')}`;

const client = (timeoutMs = 2000) =>
  new DirectumClient({ baseUrl: `${BASE}/`, username: 'bridge', password: 's3cret:with-colon', timeoutMs });
const adapter = (timeoutMs = 2000) => new DirectumAdapter({ baseUrl: BASE, username: 'bridge', password: 's3cret:with-colon', timeoutMs });

async function caught(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BridgeError);
    return error as BridgeError;
  }
  throw new Error('expected a failure');
}

beforeEach(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('wire format', () => {
  it('sends Basic auth and Accept on reads and encodes OData options', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: AUTH, accept: 'application/json' } })
      .get('/IRequests')
      .query({ $filter: "Subject eq 'O''Brien & Co'", $select: 'Id,Subject', $top: '5', $count: 'true' })
      .reply(200, { '@odata.count': 1, value: [{ Id: 7, Subject: "O'Brien & Co" }] });
    const result = await client().list('IRequests', { filter: "Subject eq 'O''Brien & Co'", select: 'Id,Subject', top: 5, count: true });
    expect(result).toEqual({ value: [{ Id: 7, Subject: "O'Brien & Co" }], count: 1 });
    scope.done();
  });

  it('posts JSON with Content-Type and Return: representation, uploads bodies as octet-stream', async () => {
    const scope = nock(BASE, { reqheaders: { authorization: AUTH, 'content-type': 'application/json', return: 'representation' } })
      .post('/IRequests(3)/Versions', { Note: 'Фото.jpg', AssociatedApplication: { Id: 12 } })
      .reply(201, { Id: 40, Number: 1, Note: 'Фото.jpg' });
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const upload = nock(BASE, { reqheaders: { 'content-type': 'application/octet-stream' } })
      .put('/IRequests(3)/Versions(40)/Body/$value', (body) => Buffer.from(body as string, 'hex').equals(bytes))
      .reply(204);
    const c = client();
    expect(await c.createVersion('IRequests(3)', 'Фото.jpg', 12)).toMatchObject({ Id: 40 });
    await c.uploadBody('IRequests(3)', 40, bytes);
    scope.done();
    upload.done();
  });

  it('reads a version body as bytes', async () => {
    const bytes = Buffer.from('%PDF-1.4\n\u00ff\u0000', 'latin1');
    nock(BASE).get('/IOutgoingLetters(2)/Versions(5)/Body/$value').reply(200, bytes, { 'content-type': 'application/octet-stream' });
    const file = await adapter().readFile({ ref: 'IOutgoingLetters(2)/Versions(5)', name: 'Ответ.pdf', contentType: 'application/pdf' });
    expect(file.data.equals(bytes)).toBe(true);
    expect(file.name).toBe('Ответ.pdf');
  });
});

describe('failures become coded errors', () => {
  it('a response slower than the timeout → TransientError', async () => {
    nock(BASE).get('/IRequests').query(true).delay(1500).reply(200, { value: [] });
    const error = await caught(adapter(200).ping());
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'TRANSIENT', retryable: true, system: 'directum-rx' });
    expect(error.message).toMatch(/timed out/);
  });

  it.each([500, 502, 503, 504])('HTTP %i → TransientError keeping the OData code, never its free text', async (status) => {
    nock(BASE)
      .get('/IRequests')
      .query(true)
      .reply(status, { error: { code: 'InternalServerError', message: 'Иванова Анна, +7 999 000-11-22: база данных недоступна' } });
    const error = await caught(adapter().ping());
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ status, retryable: true });
    expect(error.message).toMatch(new RegExp(`HTTP ${status}: InternalServerError$`));
    expect(error.message).not.toMatch(/Иванова|999|недоступна/);
  });

  it('429 with Retry-After → RateLimitedError with the wait', async () => {
    nock(BASE)
      .post('/IPersons')
      .reply(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '12' });
    const error = await caught(client().create('IPersons', { LastName: 'А', FirstName: 'Б' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(12_000);
  });

  it('401 → AuthError, not retryable', async () => {
    nock(BASE)
      .get('/IExternalEntityLinks')
      .query(true)
      .reply(401, { error: { code: 'Unauthorized', message: 'Authentication failed' } });
    const error = await caught(adapter().findByPosId(5));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', retryable: false, status: 401 });
  });

  it('400 → PermanentError with the OData code only', async () => {
    nock(BASE)
      .post('/IRequests')
      .reply(400, { error: { code: 'BadRequest', message: "The value 'Петров Пётр, 89161234567' of 'Colour' is invalid" } });
    const error = await caught(client().create('IRequests', { Colour: 'red' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).messages).toEqual(['BadRequest']);
    expect(error.message).toBe('Directum POST IRequests: HTTP 400: BadRequest');
  });

  it("400 about the request's structure keeps the message: it names properties and types, never values", async () => {
    nock(BASE)
      .post('/IRequests')
      .reply(400, { error: { code: 'BadRequest', message: "The property 'FastTrack' does not exist on type 'Sungero.Domain.IRequest'" } });
    const error = await caught(client().create('IRequests', { FastTrack: true }));
    expect(error.message).toBe(
      "Directum POST IRequests: HTTP 400: BadRequest; The property 'FastTrack' does not exist on type 'Sungero.Domain.IRequest'",
    );
    nock(BASE)
      .post('/IRequests')
      .reply(400, { error: { code: 'BadRequest', message: 'Navigation property DeliveryMethod must be an object like {"Id": n}' } });
    expect((await caught(client().create('IRequests', { DeliveryMethod: 'x' }))).message).toContain(
      'Navigation property DeliveryMethod must be an object like {"Id": n}',
    );
  });

  it('a dropped connection → TransientError', async () => {
    nock(BASE)
      .post('/IExternalEntityLinks')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const error = await caught(client().create('IExternalEntityLinks', { EntityId: 1 }));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/ECONNRESET/);
  });

  it('a malformed or mis-shaped body → MalformedResponseError', async () => {
    nock(BASE).get('/IRequests').query(true).reply(200, '{"value":[{"Id":1,"Subj', { 'content-type': 'application/json' });
    expect(await caught(adapter().ping())).toBeInstanceOf(MalformedResponseError);
    nock(BASE).get('/IRequests').query(true).reply(200, { items: [] });
    expect(await caught(adapter().ping())).toBeInstanceOf(MalformedResponseError);
    nock(BASE).post('/IPersons').reply(201, { Name: 'no id' });
    expect(await caught(client().create('IPersons', {}))).toBeInstanceOf(MalformedResponseError);
  });

  it('error messages name the call but carry no filter values (personal data)', async () => {
    nock(BASE).get('/IPersons').query(true).reply(503, '');
    const error = await caught(client().list('IPersons', { filter: "tolower(LastName) eq 'иванова'" }));
    expect(error.message).toContain('GET IPersons');
    expect(error.message).not.toMatch(/иванова/i);
  });

  it('a filter value that is not valid Unicode (a lone surrogate) sets the record aside instead of retrying', async () => {
    const error = await caught(client().list('IPersons', { filter: "tolower(LastName) eq 'ив\ud800анова'" }));
    expect(error).toMatchObject({
      code: 'RECORD_INVALID',
      retryable: false,
      message: 'Directum query $filter: a value holds text that is not valid Unicode',
    });
  });

  it('a bad file reference or checkpoint is refused before any call', async () => {
    expect(await caught(adapter().readFile({ ref: '../../etc/passwd', name: 'x', contentType: 'text/plain' }))).toBeInstanceOf(
      PermanentError,
    );
    expect(await caught(adapter().listChanged('yesterday', 10))).toBeInstanceOf(PermanentError);
  });
});
