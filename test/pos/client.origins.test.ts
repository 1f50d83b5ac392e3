// PosClient over real sockets on 127.0.0.1: the bearer token reaches the exact ПОС origin only,
// attachments come only from POS_ATTACHMENT_ORIGINS (redirects included), per-appeal caps, the
// total deadline of a call against a slow-drip server, and the cap on ПОС JSON answers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeConfig } from '../../src/config/load.js';
import {
  AppealTooLargeError,
  AttachmentOriginError,
  FileTooLargeError,
  MalformedResponseError,
  PermanentError,
  TransientError,
  type BridgeError,
} from '../../src/errors.js';
import { PosClient } from '../../src/pos/client.js';

interface Seen {
  path: string;
  authorization?: string;
}

interface Server {
  server: http.Server;
  origin: string;
  seen: Seen[];
  /** Closed sockets of drip responses, so a test can wait for the client to hang up. */
  hungUp: number;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, self: Server) => void;

async function serve(handler: Handler): Promise<Server> {
  const self = { seen: [], hungUp: 0 } as unknown as Server;
  self.server = http.createServer((req, res) => {
    self.seen.push({ path: String(req.url), authorization: req.headers.authorization });
    handler(req, res, self);
  });
  await new Promise<void>((resolve) => self.server.listen(0, '127.0.0.1', resolve));
  self.origin = `http://127.0.0.1:${(self.server.address() as AddressInfo).port}`;
  return self;
}

const file = (res: http.ServerResponse, name: string, body: Buffer | string) => {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Disposition': `attachment; filename=${name}` });
  res.end(body);
};

/** Writes one byte every 200 ms until the client hangs up: never idle, never done. */
const drip = (res: http.ServerResponse, self: Server, contentType: string) => {
  res.writeHead(200, { 'Content-Type': contentType });
  res.write('[');
  const timer = setInterval(() => res.write(' '), 200);
  res.on('close', () => {
    clearInterval(timer);
    self.hungUp += 1;
  });
};

let pos: Server; // ПОС itself: token, pages, files, redirects
let storage: Server; // an allowed file storage on another port of the same host
let other: Server; // an origin nobody allowed (think of 169.254.169.254 or an internal admin port)

function redirect(res: http.ServerResponse, location: string, status = 302) {
  res.writeHead(status, { Location: location });
  res.end();
}

beforeAll(async () => {
  other = await serve((_req, res) => file(res, 'secret.txt', 'internal data'));
  storage = await serve((req, res) => {
    if (req.url === '/blob/b.txt') return file(res, 'b.txt', 'from storage');
    if (req.url === '/signed/b') return redirect(res, '/blob/b.txt');
    if (req.url === '/to-pos') return redirect(res, `${pos.origin}/files/a.txt`, 307);
    if (req.url === '/to-other') return redirect(res, `${other.origin}/latest/meta-data/`);
    if (req.url === '/error') {
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Не удалось: Сидорова Мария, +7 912 345-67-89');
    }
    res.writeHead(404);
    res.end();
  });
  pos = await serve((req, res, self) => {
    const url = String(req.url);
    if (url.startsWith('/user-service/oauth/token')) {
      res.setHeader('Content-Type', 'application/json');
      return res.end(JSON.stringify({ access_token: 'pos-token', token_type: 'bearer', expires_in: 3600 }));
    }
    if (url.startsWith('/appeal-service/edms?') && url.includes('size=7')) return drip(res, self, 'application/json');
    if (url.startsWith('/appeal-service/edms?') && url.includes('size=8')) {
      res.setHeader('Content-Type', 'application/json');
      const content = Array.from({ length: 200 }, (_, i) => ({
        id: i + 1,
        description: 'я'.repeat(500),
        createdAt: '2024-01-01T00:00:00Z',
      }));
      return res.end(JSON.stringify({ content, last: true }));
    }
    if (url === '/files/a.txt') return file(res, 'a.txt', 'from pos');
    if (url.startsWith('/files/kb/')) return file(res, 'kb.bin', Buffer.alloc(1000, 1));
    if (url === '/files/drip') return drip(res, self, 'application/octet-stream');
    if (url === '/files/stall') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      res.write('x');
      return res.on('close', () => (self.hungUp += 1));
    }
    if (url === '/redirect/same') return redirect(res, '/files/a.txt');
    if (url === '/redirect/storage') return redirect(res, `${storage.origin}/signed/b`, 303);
    if (url === '/redirect/other') return redirect(res, `${other.origin}/latest/meta-data/?name=Ivanov`);
    if (url === '/redirect/storage-then-other') return redirect(res, `${storage.origin}/to-other`);
    if (url === '/redirect/storage-then-pos') return redirect(res, `${storage.origin}/to-pos`);
    if (url === '/redirect/loop') return redirect(res, '/redirect/loop');
    if (url === '/redirect/nowhere') {
      res.writeHead(302);
      return res.end();
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"messages":["нет"]}');
  });
});

afterAll(async () => {
  for (const { server } of [pos, storage, other]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

beforeEach(() => {
  for (const server of [pos, storage, other]) server.seen.length = 0;
});

function posConfig(overrides: Partial<BridgeConfig['pos']> = {}): BridgeConfig['pos'] {
  return {
    baseUrl: pos.origin,
    platformClientId: 'pos-bridge',
    platformClientSecret: 'platform-secret',
    clientId: 'demo-org',
    clientSecret: 'demo-secret',
    pageSize: 20,
    timeoutMs: 2000,
    maxAttachmentBytes: 64 * 1024,
    attachmentOrigins: [pos.origin, storage.origin],
    ...overrides,
  };
}

const client = (overrides: Partial<BridgeConfig['pos']> = {}) => new PosClient({ pos: posConfig(overrides) });

async function caught(promise: Promise<unknown>): Promise<BridgeError> {
  try {
    await promise;
  } catch (error) {
    return error as BridgeError;
  }
  throw new Error('expected a rejection');
}

const fileCalls = (server: Server) => server.seen.filter((seen) => !seen.path.startsWith('/user-service'));

describe('the bearer token goes to the ПОС origin only', () => {
  it('is sent to the ПОС origin and not to another port of the same host, even an allowed one', async () => {
    const pos1 = client();
    expect((await pos1.downloadAttachment(`${pos.origin}/files/a.txt`)).data.toString()).toBe('from pos');
    expect((await pos1.downloadAttachment(`${storage.origin}/blob/b.txt`)).data.toString()).toBe('from storage');
    expect(fileCalls(pos)).toEqual([{ path: '/files/a.txt', authorization: 'Bearer pos-token' }]);
    expect(storage.seen).toEqual([{ path: '/blob/b.txt', authorization: undefined }]);
  });

  it('refuses an origin outside POS_ATTACHMENT_ORIGINS without a request, naming the origin only', async () => {
    const error = await caught(client().downloadAttachment(`${other.origin}/latest/meta-data/iam?fio=Ivanov`));
    expect(error).toBeInstanceOf(AttachmentOriginError);
    expect(error).toMatchObject({ code: 'ATTACHMENT_ORIGIN_NOT_ALLOWED', retryable: false });
    expect(error.message).toBe(`attachment origin ${other.origin} is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal`);
    expect(other.seen).toEqual([]);
    expect(pos.seen).toEqual([]); // not even a token was fetched
  });

  it('by default allows the ПОС origin alone', async () => {
    const error = await caught(client({ attachmentOrigins: undefined }).downloadAttachment(`${storage.origin}/blob/b.txt`));
    expect(error).toBeInstanceOf(AttachmentOriginError);
    expect(storage.seen).toEqual([]);
  });

  it('refuses schemes other than http(s) and URLs with credentials', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://127.0.0.1/x', `http://user:pass@${pos.origin.slice(7)}/files/a.txt`]) {
      expect(await caught(client().downloadAttachment(url)), url).toBeInstanceOf(AttachmentOriginError);
    }
    expect(pos.seen).toEqual([]);
  });
});

describe('redirects', () => {
  it('are followed within the ПОС origin with the token', async () => {
    const got = await client().downloadAttachment(`${pos.origin}/redirect/same`);
    expect(got).toMatchObject({ name: 'a.txt', data: Buffer.from('from pos') });
    expect(fileCalls(pos)).toEqual([
      { path: '/redirect/same', authorization: 'Bearer pos-token' },
      { path: '/files/a.txt', authorization: 'Bearer pos-token' },
    ]);
  });

  it('drop the token when hopping to an allowed file storage, which may redirect again (302 within it)', async () => {
    const got = await client().downloadAttachment(`${pos.origin}/redirect/storage`);
    expect(got.data.toString()).toBe('from storage');
    expect(storage.seen).toEqual([
      { path: '/signed/b', authorization: undefined },
      { path: '/blob/b.txt', authorization: undefined },
    ]);
  });

  it('a 302 from file storage to itself is followed, not a failure', async () => {
    expect((await client().downloadAttachment(`${storage.origin}/signed/b`)).data.toString()).toBe('from storage');
  });

  it('give the token back only on a hop that returns to the ПОС origin', async () => {
    await client().downloadAttachment(`${pos.origin}/redirect/storage-then-pos`);
    expect(storage.seen).toEqual([{ path: '/to-pos', authorization: undefined }]);
    expect(fileCalls(pos).map((seen) => seen.authorization)).toEqual(['Bearer pos-token', 'Bearer pos-token']);
  });

  it('outside the allowed origins are refused without following them, at any hop', async () => {
    for (const path of ['/redirect/other', '/redirect/storage-then-other']) {
      const error = await caught(client().downloadAttachment(`${pos.origin}${path}`));
      expect(error).toBeInstanceOf(AttachmentOriginError);
      expect(error.message).toBe(
        `attachment redirected to origin ${other.origin}, which is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal`,
      );
    }
    expect(other.seen).toEqual([]);
  });

  it('stop after 5, and a redirect without Location is a permanent failure', async () => {
    const loop = await caught(client().downloadAttachment(`${pos.origin}/redirect/loop`));
    expect(loop).toBeInstanceOf(PermanentError);
    expect(loop.message).toBe('download attachment: more than 5 redirects');
    expect(fileCalls(pos)).toHaveLength(6);
    expect(await caught(client().downloadAttachment(`${pos.origin}/redirect/nowhere`))).toBeInstanceOf(PermanentError);
  });

  it('an error answer from file storage keeps its status, never its body', async () => {
    const error = await caught(client().downloadAttachment(`${storage.origin}/error`));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('download attachment: HTTP 500');
  });
});

describe('per-appeal caps', () => {
  const kb = (n: number) => `${pos.origin}/files/kb/${n}`;

  it('refuses an appeal with more than POS_MAX_ATTACHMENTS attachments before fetching any', async () => {
    const error = await caught(client({ maxAttachments: 2 }).downloadAttachments([kb(1), kb(2), kb(3)]));
    expect(error).toBeInstanceOf(AppealTooLargeError);
    expect(error).toMatchObject({ code: 'APPEAL_TOO_LARGE', retryable: false });
    expect(error.message).toBe('the appeal has 3 attachments, more than POS_MAX_ATTACHMENTS (2)');
    expect(pos.seen).toEqual([]);
    expect(await client({ maxAttachments: 2 }).downloadAttachments([kb(1), kb(2)])).toHaveLength(2);
  });

  it('refuses an appeal whose attachments together pass POS_MAX_ATTACHMENTS_TOTAL_MB, each file within its own limit', async () => {
    const capped = client({ maxAttachmentBytes: 1024, maxAttachmentsTotalBytes: 2500 });
    expect(await capped.downloadAttachments([kb(1), kb(2)])).toHaveLength(2);
    const error = await caught(capped.downloadAttachments([kb(1), kb(2), kb(3)]));
    expect(error).toBeInstanceOf(AppealTooLargeError);
    expect(error.message).toMatch(/^the appeal's attachments together are larger than POS_MAX_ATTACHMENTS_TOTAL_MB/);
    // A single file over its own limit stays FILE_TOO_LARGE.
    expect(await caught(client({ maxAttachmentBytes: 999 }).downloadAttachments([kb(1)]))).toBeInstanceOf(FileTooLargeError);
  });

  it('checks every origin before the first download', async () => {
    const error = await caught(client().downloadAttachments([kb(1), kb(2), `${other.origin}/x`]));
    expect(error).toBeInstanceOf(AttachmentOriginError);
    expect(pos.seen).toEqual([]);
    expect(other.seen).toEqual([]);
  });
});

describe('bounded calls', () => {
  it('a download from a slow-drip server is cut by the total deadline, though it is never idle', async () => {
    const hungUp = pos.hungUp;
    const started = Date.now();
    const error = await caught(client({ timeoutMs: 1000, totalTimeoutMs: 1200 }).downloadAttachment(`${pos.origin}/files/drip`));
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('download attachment: timed out: not complete within the total deadline of 1.2 s');
    // The drip never ends: only the deadline, not an early cut, stops it.
    expect(elapsed).toBeGreaterThanOrEqual(1100);
    await expect.poll(() => pos.hungUp).toBeGreaterThan(hungUp);
  });

  it('a body that stalls after the headers is cut by the deadline too', async () => {
    const error = await caught(client({ timeoutMs: 300, totalTimeoutMs: 900 }).downloadAttachment(`${pos.origin}/files/stall`));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/total deadline of 0.9 s$/);
  });

  it('a JSON call gets twice the idle timeout at most', async () => {
    const error = await caught(client({ timeoutMs: 500, totalTimeoutMs: 60_000 }).fetchPage(0, 7));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('pull page 0: timed out: not complete within the total deadline of 1 s');
  });

  it('a ПОС answer larger than POS_MAX_RESPONSE_MB is refused', async () => {
    const error = await caught(client({ maxResponseBytes: 64 * 1024 }).fetchPage(0, 8));
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toBe('pull page 0: response larger than the limit of 65536 bytes');
    expect((await client().fetchPage(0, 8)).appeals).toHaveLength(200);
  });
});
