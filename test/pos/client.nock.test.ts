// PosClient against nock: wire format of every call, token lifecycle, error classification,
// malformed bodies, uploads and streamed downloads with size limits.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import nock from 'nock';
import type { BridgeConfig } from '../../src/config/load.js';
import {
  AttachmentOriginError,
  AuthError,
  BridgeError,
  FileTooLargeError,
  MalformedResponseError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../../src/errors.js';
import { createLogger } from '../../src/logging.js';
import { PosClient, posRouteLabel, type PosClientOptions } from '../../src/pos/client.js';
import type { HttpObserver } from '../../src/http/client.js';

const BASE = 'https://pos.test';
const TOKEN = '/user-service/oauth/token';
const PULL = '/appeal-service/edms';

function posConfig(overrides: Partial<BridgeConfig['pos']> = {}): BridgeConfig['pos'] {
  return {
    baseUrl: BASE,
    platformClientId: 'pos-bridge',
    platformClientSecret: 'platform-secret',
    clientId: 'demo-org',
    clientSecret: 'demo-secret',
    pageSize: 20,
    timeoutMs: 2000,
    maxAttachmentBytes: 1024,
    ...overrides,
  };
}

function makeClient(overrides: Partial<BridgeConfig['pos']> = {}, extra: Partial<PosClientOptions> = {}): PosClient {
  return new PosClient({ pos: posConfig(overrides), ...extra });
}

let tokenCount = 0;
/** Token endpoint issuing tok-1, tok-2, … for `times` calls. */
function tokenEndpoint(times = 1, expiresIn: number | undefined = 3600) {
  return nock(BASE)
    .post(TOKEN)
    .times(times)
    .reply(200, () => {
      tokenCount += 1;
      return { access_token: `tok-${tokenCount}`, token_type: 'bearer', expires_in: expiresIn, scope: 'any', surname: 'Иванов' };
    });
}

function appeal(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    description: `Текст обращения ${id}`,
    createdAt: '2024-05-01T10:00:00+03:00',
    applicant: { surname: 'Петрова', name: 'Анна', phone: '+79990001122', email: 'anna@example.ru' },
    ...extra,
  };
}

function page(content: unknown[], extra: Record<string, unknown> = {}) {
  return {
    content,
    totalElements: content.length,
    totalPages: 1,
    number: 0,
    size: 20,
    last: true,
    first: true,
    empty: content.length === 0,
    ...extra,
  };
}

/** nock only fails the request with a real Error instance; a plain object leaves it hanging. */
function connectionReset(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

beforeEach(() => {
  tokenCount = 0;
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe('token', () => {
  it('sends Basic platform credentials and the password grant as a form', async () => {
    let form = '';
    let authorization = '';
    let contentType = '';
    nock(BASE)
      .post(TOKEN)
      .reply(function (_uri, body) {
        authorization = String(this.req.headers.authorization);
        contentType = String(this.req.headers['content-type']);
        form = typeof body === 'string' ? body : new URLSearchParams(body as Record<string, string>).toString();
        return [200, { access_token: 'tok-a', token_type: 'bearer', expires_in: 3600 }];
      });
    expect(await makeClient().token()).toBe('tok-a');
    expect(authorization).toBe(`Basic ${Buffer.from('pos-bridge:platform-secret').toString('base64')}`);
    expect(contentType).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(form))).toEqual({
      grant_type: 'password',
      username: 'demo-org',
      password: 'demo-secret',
      scope: 'any',
    });
  });

  it('caches the token, renews it shortly before expiry, and shares one request among concurrent callers', async () => {
    let now = 1_000_000;
    const client = makeClient({}, { now: () => now });
    const scope = tokenEndpoint(1, 120);
    const tokens = await Promise.all([client.token(), client.token(), client.token()]);
    expect(tokens).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(scope.isDone()).toBe(true);

    now += 100_000; // 100 s of 120: still outside the renewal margin (10 % = 12 s)
    expect(await client.token()).toBe('tok-1');
    tokenEndpoint(1, 120);
    now += 9_000; // 109 s: inside the margin
    expect(await client.token()).toBe('tok-2');
    expect(tokenCount).toBe(2);
  });

  it('assumes 3600 s when expires_in is missing, with a 60 s margin', async () => {
    let now = 0;
    const client = makeClient({}, { now: () => now });
    tokenEndpoint(1, undefined);
    expect(await client.token()).toBe('tok-1');
    now = 3_539_000;
    expect(await client.token()).toBe('tok-1');
    tokenEndpoint(1);
    now = 3_541_000;
    expect(await client.token()).toBe('tok-2');
  });

  it('a 401 on the token call is an AuthError at once, without a second attempt', async () => {
    const scope = nock(BASE).post(TOKEN).reply(401, { error: 'invalid_grant', error_description: 'Bad credentials' });
    const extra = nock(BASE).post(TOKEN).reply(200, { access_token: 'never' });
    const error = await caught(makeClient().fetchPage(0, 20));
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).status).toBe(401);
    expect(scope.isDone()).toBe(true);
    expect(extra.isDone()).toBe(false);
  });

  it('an OAuth invalid_grant in a 400 is an AuthError too', async () => {
    nock(BASE).post(TOKEN).reply(400, { error: 'invalid_grant' });
    expect(await caught(makeClient().ping())).toBeInstanceOf(AuthError);
  });

  it('a token body without access_token or not JSON is a MalformedResponseError', async () => {
    nock(BASE).post(TOKEN).reply(200, { token_type: 'bearer' });
    expect(await caught(makeClient().token())).toBeInstanceOf(MalformedResponseError);
    nock(BASE).post(TOKEN).reply(200, '<html>gateway</html>');
    expect(await caught(makeClient().token())).toBeInstanceOf(MalformedResponseError);
  });
});

describe('re-authentication', () => {
  for (const status of [401, 403]) {
    it(`${status} → one new token → the call is repeated and succeeds`, async () => {
      tokenEndpoint(2);
      const seen: string[] = [];
      nock(BASE)
        .get(PULL)
        .query(true)
        .times(2)
        .reply(function () {
          seen.push(String(this.req.headers.authorization));
          return seen.length === 1 ? [status, { messages: ['token expired'] }] : [200, page([appeal(1)])];
        });
      const result = await makeClient().fetchPage(0, 20);
      expect(result.appeals.map((a) => a.id)).toEqual([1]);
      expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    });

    it(`${status} twice → ${status === 401 ? 'AuthError' : 'POS_FORBIDDEN naming the organisation'}, no third attempt`, async () => {
      tokenEndpoint(2);
      const calls = nock(BASE)
        .post('/appeal-service/edms/7/mark-accepted')
        .times(2)
        .reply(status, { messages: ['denied'] });
      const third = nock(BASE).post('/appeal-service/edms/7/mark-accepted').reply(200, '');
      const error = await caught(makeClient({}, { organisation: 'school-7' }).markAccepted(7));
      if (status === 401) expect(error).toBeInstanceOf(AuthError);
      else {
        // A fresh token refused again: not this ЛКО's appeal; permanent, and says whose token it was.
        expect(error).toMatchObject({ code: 'POS_FORBIDDEN', retryable: false });
        expect((error as Error).message).toContain('organisation school-7');
      }
      expect((error as AuthError).status).toBe(status);
      expect(calls.isDone()).toBe(true);
      expect(third.isDone()).toBe(false);
      expect(tokenCount).toBe(2);
    });
  }
});

describe('error classification', () => {
  it('429 with Retry-After seconds → RateLimitedError.retryAfterMs', async () => {
    tokenEndpoint();
    nock(BASE).get(PULL).query(true).reply(429, '', { 'Retry-After': '7' });
    const error = await caught(makeClient().fetchPage(0, 20));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(7000);
    expect((error as RateLimitedError).retryable).toBe(true);
  });

  it('429 with Retry-After as an HTTP date → the time until then', async () => {
    tokenEndpoint();
    const at = new Date(Date.now() + 30_000).toUTCString();
    nock(BASE)
      .post('/appeal-service/edms/5')
      .reply(429, { messages: ['slow down'] }, { 'Retry-After': at });
    const error = await caught(makeClient().postAnswer({ id: 5, answer: false, status: 'В работе' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBeGreaterThan(28_000);
    expect((error as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  for (const status of [500, 502, 503, 408]) {
    it(`${status} → TransientError`, async () => {
      tokenEndpoint();
      nock(BASE).get(PULL).query(true).reply(status, 'upstream trouble');
      const error = await caught(makeClient().fetchPage(0, 20));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).status).toBe(status);
    });
  }

  for (const status of [400, 404, 409]) {
    it(`${status} → PermanentError keeping known ПОС phrases only, never free text`, async () => {
      tokenEndpoint();
      nock(BASE)
        .post('/appeal-service/edms/9')
        .reply(status, {
          messages: ['Обращение с id 9 не найдено', 'Заявитель Сидорова Мария, тел. +7 912 345-67-89: адрес не совпадает'],
        });
      const error = await caught(makeClient().postAnswer({ id: 9, answer: false, status: 'В работе' }));
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as PermanentError).messages).toEqual(['Обращение с id 9 не найдено']);
      expect((error as PermanentError).message).toBe(`answer 9: HTTP ${status}: Обращение с id 9 не найдено`);
      expect((error as PermanentError).retryable).toBe(false);
    });
  }

  // An upstream body can echo what was sent: the applicant's name, phone, address.
  const PERSONAL = 'Сидорова Мария Ивановна, +7 912 345-67-89, sidorova@example.ru';
  const bodies: [string, unknown][] = [
    ['plain text', `Ошибка обработки: ${PERSONAL}`],
    ['HTML', `<html><body><h1>502</h1><p>${PERSONAL}</p></body></html>`],
    ['ПОС messages', { messages: [PERSONAL, 'Обращение не найдено'] }],
    ['OData message', { error: { code: 'Bad Request 89123456789', message: PERSONAL } }],
    ['OAuth description', { error: 'invalid_request', error_description: PERSONAL }],
  ];
  for (const status of [400, 404, 422, 500, 503]) {
    for (const [kind, body] of bodies) {
      it(`${status} with ${kind}: the message holds the status, never the body`, async () => {
        tokenEndpoint();
        nock(BASE)
          .get(PULL)
          .query(true)
          .reply(status, body as Record<string, unknown>);
        const error = (await caught(makeClient().fetchPage(0, 20))) as BridgeError;
        expect(error).toBeInstanceOf(status >= 500 ? TransientError : PermanentError);
        expect(error.message).toMatch(new RegExp(`^pull page 0: HTTP ${status}(: invalid_request)?$`));
        const shown = JSON.stringify({ ...error.toJSON(), messages: (error as PermanentError).messages, details: error.details });
        for (const fragment of ['Сидорова', '912', 'sidorova', 'example.ru', 'Ошибка', 'html', 'не найдено'])
          expect(shown).not.toContain(fragment);
      });
    }
  }

  it('a body that is not JSON is named so, without quoting it', async () => {
    tokenEndpoint();
    nock(BASE).get(PULL).query(true).reply(200, `{"content": "${PERSONAL}`);
    const error = (await caught(makeClient().fetchPage(0, 20))) as BridgeError;
    expect(error).toBeInstanceOf(MalformedResponseError);
    // Where, never what: the parser's position and the length, no quoted input.
    expect(error.message).toMatch(/^pull page 0: body is not JSON \(.*position \d+, \d+ characters\)$/);
    expect(error.message).not.toContain(PERSONAL);
  });

  it('a response slower than the timeout → TransientError', async () => {
    tokenEndpoint();
    nock(BASE).get(PULL).query(true).delay(1500).reply(200, page([]));
    const error = await caught(makeClient({ timeoutMs: 200 }).fetchPage(0, 20));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/timed out/);
  });

  it('a dropped connection → TransientError', async () => {
    tokenEndpoint();
    nock(BASE).post('/appeal-service/edms/3/mark-accepted').replyWithError(connectionReset());
    expect(await caught(makeClient().markAccepted(3))).toBeInstanceOf(TransientError);
  });

  it('a dropped connection on the token call → TransientError', async () => {
    nock(BASE).post(TOKEN).replyWithError(connectionReset());
    expect(await caught(makeClient().ping())).toBeInstanceOf(TransientError);
  });
});

describe('fetchPage', () => {
  it('sends page and size, returns valid appeals and page facts', async () => {
    tokenEndpoint();
    let query: Record<string, string> = {};
    nock(BASE)
      .get(PULL)
      .query((q) => ((query = q as Record<string, string>), true))
      .reply(200, page([appeal(11), appeal(12)], { number: 2, size: 2, totalElements: 9, totalPages: 5, last: false }));
    const result = await makeClient().fetchPage(2, 2);
    expect(query).toEqual({ page: '2', size: '2' });
    expect(result).toMatchObject({
      pageNumber: 2,
      pageSize: 2,
      last: false,
      totalElements: 9,
      totalPages: 5,
      elementCount: 2,
      malformed: [],
    });
    expect(result.appeals.map((a) => a.id)).toEqual([11, 12]);
  });

  it('works out `last` from totalPages or a short page when the flag is missing', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(PULL)
      .query(true)
      .reply(200, { content: [appeal(1)], number: 3, totalPages: 4, size: 1 });
    expect((await makeClient().fetchPage(3, 1)).last).toBe(true);
    tokenEndpoint();
    nock(BASE)
      .get(PULL)
      .query(true)
      .reply(200, { content: [appeal(1)], size: 5 });
    expect((await makeClient().fetchPage(0, 5)).last).toBe(true);
  });

  it('reports a broken element in `malformed` (id and issues, no personal data) and returns the others', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } });
    tokenEndpoint();
    const broken = { id: 22, createdAt: 'not a date', applicant: { surname: 'Секретова' } };
    const noId = { description: 'без номера', createdAt: '2024-05-01T10:00:00Z' };
    nock(BASE)
      .get(PULL)
      .query(true)
      .reply(200, page([appeal(21), broken, noId, appeal(23)]));
    const result = await makeClient({}, { logger }).fetchPage(0, 20);
    expect(result.appeals.map((a) => a.id)).toEqual([21, 23]);
    expect(result.elementCount).toBe(4);
    expect(result.malformed).toHaveLength(2);
    expect(result.malformed[0]!.id).toBe(22);
    expect(result.malformed[0]!.issues.some((i) => i.startsWith('description:'))).toBe(true);
    expect(result.malformed[0]!.issues.some((i) => i.startsWith('createdAt:'))).toBe(true);
    expect(result.malformed[1]!.id).toBeUndefined();
    expect(result.malformed[1]!.issues.some((i) => i.startsWith('id:'))).toBe(true);
    const logged = lines.join('\n');
    expect(logged).toContain('"posId":22');
    for (const secret of ['Секретова', 'Петрова', '+7999', 'anna@example.ru', 'not a date', 'Текст обращения', 'tok-1']) {
      expect(logged).not.toContain(secret);
    }
  });

  it('a body that is not JSON → MalformedResponseError', async () => {
    tokenEndpoint();
    nock(BASE).get(PULL).query(true).reply(200, '{"content": [', { 'Content-Type': 'application/json' });
    expect(await caught(makeClient().fetchPage(0, 20))).toBeInstanceOf(MalformedResponseError);
  });

  it('a page of the wrong shape → MalformedResponseError', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(PULL)
      .query(true)
      .reply(200, { items: [appeal(1)] });
    const error = await caught(makeClient().fetchPage(0, 20));
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as MalformedResponseError).details?.issues).toEqual([expect.stringMatching(/^content:/)]);
  });
});

describe('mark-accepted and answers', () => {
  it('mark-accepted posts no body and accepts an empty 200', async () => {
    tokenEndpoint();
    let length: string | undefined = 'unset';
    let body: unknown = 'unset';
    const scope = nock(BASE)
      .post('/appeal-service/edms/42/mark-accepted')
      .reply(function (_uri, requestBody) {
        length = this.req.headers['content-length'] as string | undefined;
        body = requestBody;
        return [200, ''];
      });
    await makeClient().markAccepted(42);
    expect(scope.isDone()).toBe(true);
    expect(length === undefined || length === '0').toBe(true);
    expect(body).toBe('');
  });

  it('mark-accepted tolerates a non-JSON 200 body (nothing is parsed)', async () => {
    tokenEndpoint();
    nock(BASE).post('/appeal-service/edms/43/mark-accepted').reply(200, 'OK', { 'Content-Type': 'application/json' });
    await expect(makeClient().markAccepted(43)).resolves.toBeUndefined();
  });

  it('postAnswer sends the JSON body with the bearer token', async () => {
    tokenEndpoint();
    let sent: unknown;
    nock(BASE)
      .post('/appeal-service/edms/8', (b) => ((sent = b), true))
      .matchHeader('authorization', 'Bearer tok-1')
      .reply(200, '');
    const answer = {
      id: 8,
      answer: true,
      status: 'Закрыто',
      statusText: 'Обращение рассмотрено',
      answerText: 'Яма заделана',
      appealAnswerType: 'SOLVED' as const,
      attachmentIds: ['f-1'],
    };
    await makeClient().postAnswer(answer);
    expect(sent).toEqual(answer);
  });

  it('postAnswer refuses an invalid body without any HTTP call', async () => {
    const anyCall = nock(BASE).post(/.*/).reply(200, {});
    const error = await caught(makeClient().postAnswer({ id: 8, answer: true, status: 'Закрыто' }));
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).code).toBe('ANSWER_INVALID');
    expect((error as BridgeError).posId).toBe(8);
    expect((error as BridgeError).retryable).toBe(false);
    expect(anyCall.isDone()).toBe(false);
  });
});

describe('uploadFile', () => {
  it('sends multipart/form-data with field `file` and the Cyrillic file name', async () => {
    tokenEndpoint();
    let raw = Buffer.alloc(0);
    let contentType = '';
    nock(BASE)
      .post('/file-storage-service/filestorage')
      .reply(function (_uri, body) {
        contentType = String(this.req.headers['content-type']);
        raw = Buffer.from(body as string, typeof body === 'string' && /^[0-9a-f]+$/.test(body) ? 'hex' : 'utf8');
        return [200, { id: 'file-77', name: 'Ответ заявителю.pdf', size: 9, contentType: 'application/pdf', temporary: true }];
      });
    const uploaded = await makeClient().uploadFile({
      name: 'Ответ заявителю.pdf',
      contentType: 'application/pdf',
      data: Buffer.from('%PDF-1.4\n'),
    });
    expect(uploaded.id).toBe('file-77');
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
    expect(contentType.startsWith('multipart/form-data')).toBe(true);
    const text = raw.toString('utf8');
    expect(text).toContain(`--${boundary}\r\n`);
    expect(text).toContain('Content-Disposition: form-data; name="file"; filename="Ответ заявителю.pdf"');
    expect(text).toContain('Content-Type: application/pdf\r\n\r\n%PDF-1.4\n\r\n');
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
  });

  it('an upload answer without id → MalformedResponseError', async () => {
    tokenEndpoint();
    nock(BASE).post('/file-storage-service/filestorage').reply(200, { name: 'x' });
    const error = await caught(makeClient().uploadFile({ name: 'a.txt', contentType: 'text/plain', data: Buffer.from('a') }));
    expect(error).toBeInstanceOf(MalformedResponseError);
  });
});

describe('downloadAttachment', () => {
  const FILE = '/file-storage-service/filestorage/abc/download';

  it('takes the RFC 5987 filename* over filename, with the bearer token', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(FILE)
      .matchHeader('authorization', 'Bearer tok-1')
      .reply(200, Buffer.from('photo-bytes'), {
        'Content-Type': 'image/jpeg',
        'Content-Disposition': `attachment; filename="photo.jpg"; filename*=UTF-8''${encodeURIComponent('Фото ямы.jpg')}`,
      });
    const file = await makeClient().downloadAttachment(`${BASE}${FILE}`);
    expect(file).toEqual({ name: 'Фото ямы.jpg', contentType: 'image/jpeg', data: Buffer.from('photo-bytes') });
  });

  it('uses a plain quoted filename, also when the server wrote raw UTF-8 bytes', async () => {
    tokenEndpoint(1);
    nock(BASE).get(FILE).reply(200, 'a', { 'Content-Disposition': 'attachment; filename="scan 1.pdf"' });
    const client = makeClient();
    expect((await client.downloadAttachment(`${BASE}${FILE}`)).name).toBe('scan 1.pdf');
    const rawUtf8 = Buffer.from('attachment; filename="Заявление.docx"', 'utf8').toString('latin1');
    nock(BASE).get(FILE).reply(200, 'b', { 'Content-Disposition': rawUtf8 });
    const file = await client.downloadAttachment(`${BASE}${FILE}`);
    expect(file.name).toBe('Заявление.docx');
    expect(file.contentType).toBe('application/octet-stream');
  });

  it('falls back to the last URL path segment without Content-Disposition', async () => {
    tokenEndpoint();
    nock(BASE).get('/files/%D0%BF%D0%BB%D0%B0%D0%BD.png').reply(200, 'png', { 'Content-Type': 'image/png' });
    const file = await makeClient().downloadAttachment(`${BASE}/files/%D0%BF%D0%BB%D0%B0%D0%BD.png`);
    expect(file.name).toBe('план.png');
  });

  it('refuses up front when Content-Length announces more than the limit', async () => {
    tokenEndpoint();
    nock(BASE).get(FILE).reply(200, Buffer.alloc(2048), { 'Content-Length': '2048' });
    const error = await caught(makeClient().downloadAttachment(`${BASE}${FILE}`));
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).details).toMatchObject({ maxBytes: 1024, announced: 2048 });
  });

  it('refuses a body without Content-Length once the streamed bytes pass the limit', async () => {
    tokenEndpoint();
    const chunks = Array.from({ length: 64 }, () => Buffer.alloc(256, 1));
    nock(BASE)
      .get(FILE)
      .reply(200, () => Readable.from(chunks));
    const error = await caught(makeClient().downloadAttachment(`${BASE}${FILE}`, { maxBytes: 600 }));
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as FileTooLargeError).details?.maxBytes).toBe(600);
    // Stopped at the first chunk past the limit (nock may deliver the chunks merged).
    expect((error as FileTooLargeError).details?.received as number).toBeGreaterThan(600);
  });

  it('accepts a streamed body without Content-Length that stays within the limit', async () => {
    tokenEndpoint();
    nock(BASE)
      .get(FILE)
      .reply(200, () => Readable.from([Buffer.alloc(500, 2), Buffer.alloc(524, 3)]));
    const file = await makeClient().downloadAttachment(`${BASE}${FILE}`);
    expect(file.data.length).toBe(1024);
  });

  it('a 404 download keeps the status, not the body; a 401 re-authenticates once', async () => {
    tokenEndpoint(2);
    const client = makeClient();
    nock(BASE)
      .get(FILE)
      .reply(404, { messages: ['Файл паспорт_Иванов_И_И.pdf не найден'] });
    const error = await caught(client.downloadAttachment(`${BASE}${FILE}`));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).messages).toEqual([]);
    expect((error as PermanentError).message).toBe('download attachment: HTTP 404');

    nock(BASE).get(FILE).reply(401, {}).get(FILE).reply(200, 'ok', { 'Content-Disposition': 'attachment; filename=ok.txt' });
    const file = await client.downloadAttachment(`${BASE}${FILE}`);
    expect(file.name).toBe('ok.txt');
    expect(tokenCount).toBe(2);
    expect(file.data.toString()).toBe('ok');
  });

  it('fetches nothing from an origin outside POS_ATTACHMENT_ORIGINS: other port, scheme, subdomain, metadata address', async () => {
    const scopes = [
      nock('https://pos.test:8443').get(/.*/).reply(200, 'x'),
      nock('http://pos.test').get(/.*/).reply(200, 'x'),
      nock('https://files.pos.test').get(/.*/).reply(200, 'x'),
      nock('http://169.254.169.254').get(/.*/).reply(200, 'x'),
      nock('https://10.0.0.5').get(/.*/).reply(200, 'x'),
    ];
    const token = tokenEndpoint();
    const client = makeClient({ attachmentOrigins: [BASE, 'http://pos.test'] }); // http beside an https ПОС: still refused
    const expected: [string, string][] = [
      [
        'https://pos.test:8443/f/1',
        'attachment origin https://pos.test:8443 is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal',
      ],
      ['http://pos.test/f/1', 'attachment origin http://pos.test is plain http while POS_BASE_URL is https; refused'],
      [
        'https://files.pos.test/f/1',
        'attachment origin https://files.pos.test is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal',
      ],
      [
        'http://169.254.169.254/latest/meta-data/',
        'attachment origin http://169.254.169.254 is plain http while POS_BASE_URL is https; refused',
      ],
      [
        'https://10.0.0.5/admin?user=ivanov',
        'attachment origin https://10.0.0.5 is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal',
      ],
    ];
    for (const [url, message] of expected) {
      const error = await caught(client.downloadAttachment(url));
      expect(error, url).toBeInstanceOf(AttachmentOriginError);
      expect((error as AttachmentOriginError).message).toBe(message);
    }
    for (const scope of scopes) expect(scope.isDone()).toBe(false);
    expect(token.isDone()).toBe(false);
  });

  it('never sends the bearer token to an allowed origin other than ПОС', async () => {
    let authorization: string | undefined = 'unset';
    nock('https://cdn.example.org')
      .get('/f/doc.pdf')
      .reply(function () {
        authorization = this.req.headers.authorization as string | undefined;
        return [200, 'pdf'];
      });
    const client = makeClient({ attachmentOrigins: [BASE, 'https://cdn.example.org'] });
    const file = await client.downloadAttachment('https://cdn.example.org/f/doc.pdf');
    expect(file.name).toBe('doc.pdf');
    expect(authorization).toBeUndefined();
    expect(tokenCount).toBe(0);
  });
});

describe('metrics labels', () => {
  it('reports latency per route with ids folded and foreign hosts hidden', async () => {
    const events: Parameters<HttpObserver>[0][] = [];
    const client = makeClient({ attachmentOrigins: [BASE, 'https://cdn.example.org'] }, { observer: (event) => void events.push(event) });
    tokenEndpoint();
    nock(BASE).post('/appeal-service/edms/123/mark-accepted').reply(200, '');
    nock(BASE).get('/file-storage-service/filestorage/9f1c2d7e-aaaa').reply(200, 'x');
    nock('https://cdn.example.org').get('/secret/passport-ivanov.pdf').reply(503, '');
    await client.markAccepted(123);
    await client.downloadAttachment(`${BASE}/file-storage-service/filestorage/9f1c2d7e-aaaa`);
    await client.downloadAttachment('https://cdn.example.org/secret/passport-ivanov.pdf').catch(() => undefined);
    expect(events.map((e) => `${e.method} ${e.route} ${e.status}`)).toEqual([
      'POST /user-service/oauth/token 200',
      'POST /appeal-service/edms/{id}/mark-accepted 200',
      'GET /file-storage-service/filestorage/{id} 200',
      'GET external-attachment 503',
    ]);
    expect(events.map((e) => e.system)).toEqual(['pos', 'pos', 'pos', 'pos']);
    expect(events.filter((e) => !Number.isFinite(e.seconds))).toEqual([]);
  });

  it('posRouteLabel folds file ids and hides other origins', () => {
    expect(posRouteLabel('/appeal-service/edms', BASE)).toBe('/appeal-service/edms');
    expect(posRouteLabel(`${BASE}/file-storage-service/filestorage/abc/download`, BASE)).toBe('/file-storage-service/filestorage/{id}');
    expect(posRouteLabel('https://evil.example/x', BASE)).toBe('external-attachment');
  });
});
