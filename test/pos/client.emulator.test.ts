// PosClient against the ПОС emulator: the whole appeal life (pull, download, accept, status,
// upload, final answer) and the emulator's faults surfacing as the right coded errors.
import { describe, expect, it } from 'vitest';
import { usePosEmulator } from '../helpers/pos-emulator.js';
import type { BridgeConfig } from '../../src/config/load.js';
import {
  AuthError,
  FileTooLargeError,
  MalformedResponseError,
  PermanentError,
  RateLimitedError,
  TransientError,
} from '../../src/errors.js';
import { PosClient } from '../../src/pos/client.js';

const emulator = usePosEmulator();

function posConfig(overrides: Partial<BridgeConfig['pos']> = {}): BridgeConfig['pos'] {
  return {
    baseUrl: emulator().url,
    platformClientId: 'pos-bridge',
    platformClientSecret: 'platform-secret',
    clientId: 'demo-org',
    clientSecret: 'demo-secret',
    pageSize: 20,
    timeoutMs: 5000,
    maxAttachmentBytes: 10 * 1024 * 1024,
    ...overrides,
  };
}

function newClient(overrides: Partial<BridgeConfig['pos']> = {}): PosClient {
  return new PosClient({ pos: posConfig(overrides) });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 0xff, 0xd9]);

describe('happy path', () => {
  it('pulls, downloads attachments, accepts, posts a status, uploads a file and posts the final answer', async () => {
    await emulator().control.seed([
      {
        id: 501,
        description: 'Яма на дороге у дома 5',
        createdAt: '2024-03-01T09:00:00+03:00',
        answerAt: '2024-03-31T09:00:00+03:00',
        applicant: { surname: 'Иванов', name: 'Пётр' },
        attachments: [{ name: 'Фото ямы №1.jpg', contentType: 'image/jpeg', data: PHOTO }],
      },
    ]);
    const ids = await emulator().control.generate(4, 7);
    const client = newClient();

    const page = await client.fetchPage(0, 20);
    expect(page.appeals.map((a) => a.id)).toEqual([501, ...ids]);
    expect(page).toMatchObject({ pageNumber: 0, last: true, totalElements: 5, malformed: [] });

    const first = page.appeals[0]!;
    expect(first.attachments).toHaveLength(1);
    const file = await client.downloadAttachment(first.attachments![0]!);
    expect(file).toEqual({ name: 'Фото ямы №1.jpg', contentType: 'image/jpeg', data: PHOTO });

    await client.markAccepted(501);
    const afterAccept = await client.fetchPage(0, 20);
    expect(afterAccept.appeals.map((a) => a.id)).toEqual(ids);

    await client.postAnswer({
      id: 501,
      answer: false,
      status: 'В работе',
      statusText: 'Обращение принято в работу',
      regNumber: 'ОГ-17/2024',
      regNumberSetAt: '2024-03-02T10:00:00+03:00',
      executorInfo: { surname: 'Сидорова', name: 'Мария' },
    });
    const uploaded = await client.uploadFile({
      name: 'Ответ заявителю.pdf',
      contentType: 'application/pdf',
      data: Buffer.from('%PDF-1.4\n%%EOF\n'),
    });
    expect(uploaded.name).toBe('Ответ заявителю.pdf');
    await client.postAnswer({
      id: 501,
      answer: true,
      status: 'Закрыто',
      statusText: 'Обращение рассмотрено',
      answerText: 'Яма заделана',
      appealAnswerType: 'SOLVED',
      attachmentIds: [uploaded.id],
    });

    const view = await emulator().control.appeal(501);
    expect(view.accepted).toBe(true);
    expect(view.acceptCount).toBe(1);
    expect(view.history.map((h) => h.body.answer)).toEqual([false, true]);
    expect(view.history[0]!.body.regNumber).toBe('ОГ-17/2024');
    expect(view.answerFiles.map((f) => f.name)).toEqual(['Ответ заявителю.pdf']);
    const stored = await emulator().control.file(String(uploaded.id));
    expect(stored.data.toString()).toBe('%PDF-1.4\n%%EOF\n');
    expect((await emulator().control.stats()).tokensIssued).toBe(1);
  });

  it('mark-accepted is idempotent; an unknown id is a PermanentError with the server message', async () => {
    const [id] = await emulator().control.generate(1, 3);
    const client = newClient();
    await client.markAccepted(id!);
    await client.markAccepted(id!);
    expect((await emulator().control.appeal(id!)).acceptCount).toBe(2);
    const error = await caught(client.markAccepted(999_999));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).status).toBe(404);
    expect((error as PermanentError).messages[0]).toContain('999999');
  });

  it('an answer to an appeal not yet accepted is refused by ПОС (409) as a PermanentError', async () => {
    const [id] = await emulator().control.generate(1, 4);
    const error = await caught(newClient().postAnswer({ id: id!, answer: false, status: 'В работе' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).status).toBe(409);
    expect((error as PermanentError).messages.length).toBeGreaterThan(0);
  });

  it('reports schema-breaking appeals in `malformed` and returns the rest', async () => {
    const ids = await emulator().control.generate(2, 5);
    await emulator().control.seedRaw([
      { id: 777, createdAt: '2024-01-01T00:00:00Z', applicant: { surname: 'Тайная' } },
      { description: 'нет id', createdAt: '2024-01-02T00:00:00Z' },
    ]);
    const page = await newClient().fetchPage(0, 20);
    expect(page.appeals.map((a) => a.id).sort()).toEqual([...ids].sort());
    expect(page.malformed).toHaveLength(2);
    expect(page.malformed.find((m) => m.id === 777)?.issues).toEqual([expect.stringMatching(/^description:/)]);
    expect(JSON.stringify(page.malformed)).not.toContain('Тайная');
  });

  it('reads pages of the size the server forces', async () => {
    await emulator().control.generate(10, 6);
    await emulator().control.settings({ forcePageSize: 3 });
    const page = await newClient().fetchPage(1, 20);
    expect(page).toMatchObject({ pageNumber: 1, pageSize: 3, last: false, totalElements: 10, totalPages: 4 });
    expect(page.appeals).toHaveLength(3);
  });
});

describe('authentication', () => {
  it('wrong organisation credentials → AuthError after exactly one token call', async () => {
    const error = await caught(newClient({ clientSecret: 'wrong' }).fetchPage(0, 20));
    expect(error).toBeInstanceOf(AuthError);
    const stats = await emulator().control.stats();
    expect(stats.requests.token).toBe(1);
    expect(stats.requests.pull).toBe(0);
  });

  it('wrong platform pair → AuthError', async () => {
    expect(await caught(newClient({ platformClientSecret: 'nope' }).ping())).toBeInstanceOf(AuthError);
  });

  it('a token that expires early is renewed transparently, once for concurrent callers', async () => {
    await emulator().control.generate(3, 8);
    const client = newClient();
    await client.fetchPage(0, 20);
    expect(await emulator().control.expireTokens()).toBe(1);
    const pages = await Promise.all([0, 0, 0, 0].map((p) => client.fetchPage(p, 20)));
    expect(pages.every((p) => p.appeals.length === 3)).toBe(true);
    const stats = await emulator().control.stats();
    expect(stats.tokensIssued).toBe(2);
    expect(stats.unauthorized).toBe(4);
  });
});

describe('faults', () => {
  it('429 with Retry-After → RateLimitedError', async () => {
    await emulator().control.addFault({ route: 'pull', kind: 'status', status: 429, retryAfter: 3, times: 1 });
    const error = await caught(newClient().fetchPage(0, 20));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3000);
  });

  for (const status of [500, 502, 503]) {
    it(`${status} → TransientError`, async () => {
      await emulator().control.addFault({ route: 'accept', kind: 'status', status, times: 1 });
      const [id] = await emulator().control.generate(1, 9);
      const error = await caught(newClient().markAccepted(id!));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).status).toBe(status);
      expect((await emulator().control.appeal(id!)).accepted).toBe(false);
    });
  }

  it('a dropped connection → TransientError (also on the token call)', async () => {
    await emulator().control.addFault({ route: 'pull', kind: 'drop', times: 1 });
    expect(await caught(newClient().fetchPage(0, 20))).toBeInstanceOf(TransientError);
    await emulator().control.addFault({ route: 'token', kind: 'drop', times: 1 });
    expect(await caught(newClient().ping())).toBeInstanceOf(TransientError);
  });

  it('a response lost after the work was done (drop-after) → TransientError; the replay is harmless', async () => {
    const [id] = await emulator().control.generate(1, 10);
    await emulator().control.addFault({ route: 'accept', kind: 'drop-after', times: 1 });
    const client = newClient();
    expect(await caught(client.markAccepted(id!))).toBeInstanceOf(TransientError);
    await client.markAccepted(id!);
    expect((await emulator().control.appeal(id!)).accepted).toBe(true);
  });

  it('an answer slower than the client timeout → TransientError', async () => {
    await emulator().control.addFault({ route: 'pull', kind: 'slow', delayMs: 2000, times: 1 });
    const error = await caught(newClient({ timeoutMs: 300 }).fetchPage(0, 20));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/timed out/);
  });

  it('a cut-off JSON body → MalformedResponseError (pull, token, upload)', async () => {
    await emulator().control.generate(2, 11);
    await emulator().control.addFault({ route: 'pull', kind: 'malformed', times: 1 });
    const client = newClient();
    expect(await caught(client.fetchPage(0, 20))).toBeInstanceOf(MalformedResponseError);
    await emulator().control.addFault({ route: 'upload', kind: 'malformed', times: 1 });
    expect(await caught(client.uploadFile({ name: 'a.txt', contentType: 'text/plain', data: Buffer.from('a') }))).toBeInstanceOf(
      MalformedResponseError,
    );
    await emulator().control.addFault({ route: 'token', kind: 'malformed', times: 1 });
    expect(await caught(newClient().ping())).toBeInstanceOf(MalformedResponseError);
  });

  it('a 404 download → PermanentError; an over-limit attachment → FileTooLargeError', async () => {
    await emulator().control.seed([
      {
        id: 601,
        description: 'с большим вложением',
        createdAt: '2024-03-01T09:00:00Z',
        attachments: [{ name: 'скан.pdf', contentType: 'application/pdf', data: Buffer.alloc(5000, 1) }],
      },
    ]);
    const client = newClient({ maxAttachmentBytes: 4096 });
    const [appeal] = (await client.fetchPage(0, 20)).appeals;
    const url = appeal!.attachments![0]!;
    expect(await caught(client.downloadAttachment(url))).toBeInstanceOf(FileTooLargeError);
    expect((await client.downloadAttachment(url, { maxBytes: 5000 })).data.length).toBe(5000);
    const missing = await caught(client.downloadAttachment(url.replace(/[^/]+$/, 'no-such-file')));
    expect(missing).toBeInstanceOf(PermanentError);
    expect((missing as PermanentError).status).toBe(404);
  });
});
