// Bull-Board behind the admin token (bearer, or the ?token= → cookie flow), the real socket
// server, and what request logging writes.
import { createHmac } from 'node:crypto';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { UI_SESSION_COOKIE } from '../../src/admin/auth.js';
import { redactUrl } from '../../src/admin/redact-url.js';
import { RedisUiSessions, type SessionRedis } from '../../src/admin/sessions.js';
import { startAdminServer, type AdminServer } from '../../src/admin/server.js';
import { ADMIN_TOKEN, auth, makeFakes, sampleAppeal, uiSessionStore, type Fakes } from './fakes.js';
import { shippedMappings } from './shipped-mappings.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

let app: FastifyInstance | undefined;
let server: AdminServer | undefined;

afterEach(async () => {
  await app?.close();
  await server?.close();
  app = undefined;
  server = undefined;
});

function sessionCookie(setCookie: string | string[] | undefined): string {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  const pair = header?.split(';')[0];
  if (!pair) throw new Error('no Set-Cookie');
  return pair;
}

describe('Bull-Board at /ui', () => {
  it('answers 401 without credentials, serves the board with the bearer token', async () => {
    app = await buildAdminApp(makeFakes().deps);
    for (const url of ['/ui', '/ui/', '/ui/api/queues', '/ui/queue/pull']) {
      const stranger = await app.inject({ url });
      expect(stranger.statusCode, url).toBe(401);
      expect(stranger.json()).toMatchObject({ error: 'unauthorized' });
    }
    const wrong = await app.inject({ url: '/ui', headers: { authorization: 'Bearer nope' } });
    expect(wrong.statusCode).toBe(401);

    const page = await app.inject({ url: '/ui', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<base href="/ui/"');
    const queues = await app.inject({ url: '/ui/api/queues', headers: auth });
    expect(queues.statusCode).toBe(200);
    expect(queues.json()).toMatchObject({ queues: [] });
  });

  it('?token= sets an HttpOnly SameSite=Strict cookie and drops the token from the address', async () => {
    app = await buildAdminApp(makeFakes().deps);
    const badToken = await app.inject({ url: '/ui?token=guess' });
    expect(badToken.statusCode).toBe(401);
    expect(badToken.headers['set-cookie']).toBeUndefined();

    const login = await app.inject({ url: `/ui/queue/pull?status=failed&token=${encodeURIComponent(ADMIN_TOKEN)}` });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/ui/queue/pull?status=failed');
    const setCookie = String(login.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${UI_SESSION_COOKIE}=`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/ui');
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    const cookie = sessionCookie(login.headers['set-cookie']);

    const page = await app.inject({ url: '/ui/queue/pull?status=failed', headers: { cookie } });
    expect(page.statusCode).toBe(200);
    // Static assets the page refers to load with the cookie.
    const script = /src="(static\/[^"]+\.js)"/.exec(page.body)?.[1];
    expect(script).toBeDefined();
    const asset = await app.inject({ url: `/ui/${script}`, headers: { cookie } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect((await app.inject({ url: `/ui/${script}` })).statusCode).toBe(401);
    // The board's own API calls carry the cookie too.
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: `other=1; ${cookie}` } })).statusCode).toBe(200);

    // The cookie opens the UI only: /api still needs the bearer header.
    expect((await app.inject({ url: '/api/queues', headers: { cookie } })).statusCode).toBe(401);
    // A forged cookie does not open it.
    expect((await app.inject({ url: '/ui', headers: { cookie: `${UI_SESSION_COOKIE}=${ADMIN_TOKEN}` } })).statusCode).toBe(401);
  });

  it('a cookie from another ADMIN_TOKEN stops working after rotation', async () => {
    const uiSessions = uiSessionStore();
    app = await buildAdminApp({ ...makeFakes().deps, uiSessions });
    const cookie = sessionCookie((await app.inject({ url: `/ui?token=${ADMIN_TOKEN}` })).headers['set-cookie']);
    expect((await app.inject({ url: '/ui', headers: { cookie } })).statusCode).toBe(200);
    await app.close();
    app = await buildAdminApp({ ...makeFakes().deps, uiSessions, adminToken: 'rotated-token-abcdefghijklmnop' });
    expect((await app.inject({ url: '/ui', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('UI sessions', () => {
  const login = async (target: FastifyInstance, headers: Record<string, string> = {}) => {
    const response = await target.inject({ url: `/ui?token=${ADMIN_TOKEN}`, headers });
    expect(response.statusCode).toBe(303);
    return { cookie: sessionCookie(response.headers['set-cookie']), setCookie: String(response.headers['set-cookie']) };
  };

  it('are random server-side ids, not a value derived from the token, and each login gets its own', async () => {
    app = await buildAdminApp(makeFakes().deps);
    const first = await login(app);
    const second = await login(app);
    expect(first.cookie).not.toBe(second.cookie);
    expect(first.cookie).toMatch(new RegExp(`^${UI_SESSION_COOKIE}=[A-Za-z0-9_-]{43}$`));
    // What the cookie used to be (an HMAC of the token, the same for every login) opens nothing.
    const derived = createHmac('sha256', ADMIN_TOKEN).update('pos-bridge admin UI session v1').digest('base64url');
    expect((await app.inject({ url: '/ui', headers: { cookie: `${UI_SESSION_COOKIE}=${derived}` } })).statusCode).toBe(401);
    // A made-up id of the right shape opens nothing either.
    expect((await app.inject({ url: '/ui', headers: { cookie: `${UI_SESSION_COOKIE}=${'A'.repeat(43)}` } })).statusCode).toBe(401);
    for (const { cookie } of [first, second])
      expect((await app.inject({ url: '/ui/api/queues', headers: { cookie } })).statusCode).toBe(200);
    // Eight hours at most, on the browser side too.
    expect(first.setCookie).toContain(`Max-Age=${8 * 3600}`);
  });

  it('end at logout (GET or POST), for that browser only; logout needs no session', async () => {
    app = await buildAdminApp(makeFakes().deps);
    const kept = await login(app);
    for (const method of ['GET', 'POST'] as const) {
      const { cookie } = await login(app);
      const out = await app.inject({ method, url: '/ui/logout', headers: { cookie } });
      expect(out.statusCode, method).toBe(200);
      expect(out.json()).toMatchObject({ status: 'logged_out' });
      expect(String(out.headers['set-cookie'])).toMatch(
        new RegExp(`^${UI_SESSION_COOKIE}=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0`),
      );
      const after = await app.inject({ url: '/ui/api/queues', headers: { cookie } });
      expect(after.statusCode, method).toBe(401);
      expect(after.json().message).toContain('session has ended');
    }
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: kept.cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/ui/logout' })).statusCode).toBe(200);
  });

  it('expire after the idle time without a request', async () => {
    app = await buildAdminApp({ ...makeFakes().deps, uiSessions: uiSessionStore({ idleMs: 300 }) });
    const idle = await login(app);
    await new Promise((resolve) => setTimeout(resolve, 400)); // longer can only make it surer
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: idle.cookie } })).statusCode).toBe(401);
  });

  it('restart the idle time on each use, and end at the absolute time however busy', async () => {
    // The store's clock is the test's; the idle time is Redis's expiry, so the renewals are recorded.
    let clock = Date.now();
    const redis = testRedis();
    const renewals: number[] = [];
    const recording: SessionRedis = {
      set: (key, value, px, ms) => redis.set(key, value, px, ms),
      get: (key) => redis.get(key),
      pexpire: (key, ms) => {
        renewals.push(ms);
        return redis.pexpire(key, ms);
      },
      del: (key) => redis.del(key),
    };
    try {
      const uiSessions = new RedisUiSessions(recording, uniquePrefix('ui'), { idleMs: 60_000, absoluteMs: 120_000, now: () => clock });
      app = await buildAdminApp({ ...makeFakes().deps, uiSessions });
      const busy = await login(app);
      const use = async () => (await app!.inject({ url: '/ui/api/queues', headers: { cookie: busy.cookie } })).statusCode;
      clock += 40_000;
      expect(await use()).toBe(200);
      clock += 40_000;
      expect(await use()).toBe(200);
      // A full idle time each use, then only what is left of the absolute time (40 s).
      expect(renewals).toEqual([60_000, 40_000]);
      clock += 40_000;
      expect(await use()).toBe(401);
      expect(renewals).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });

  it('set Secure over TLS as the proxy tells it only with TRUST_PROXY', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    app = await buildAdminApp(makeFakes().deps);
    expect((await login(app, https)).setCookie).not.toContain('Secure');
    await app.close();
    app = await buildAdminApp(makeFakes().deps, { trustProxy: true });
    expect((await login(app)).setCookie).not.toContain('Secure');
    const behindTls = await login(app, https);
    expect(behindTls.setCookie).toMatch(/; Secure$/);
    const out = await app.inject({ method: 'POST', url: '/ui/logout', headers: { ...https, cookie: behindTls.cookie } });
    expect(String(out.headers['set-cookie'])).toContain('Secure');
    await app.close();
    app = await buildAdminApp(makeFakes().deps, { trustProxy: '10.0.0.1' }); // inject comes from 127.0.0.1: not that proxy
    expect((await login(app, https)).setCookie).not.toContain('Secure');
  });

  it('answer 503 when the session store does not answer', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    down.on('error', () => undefined);
    app = await buildAdminApp({ ...makeFakes().deps, uiSessions: new RedisUiSessions(down, 'x') });
    const response = await app.inject({ url: `/ui?token=${ADMIN_TOKEN}` });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: 'transient' });
    expect((await app.inject({ url: '/ui', headers: { cookie: `${UI_SESSION_COOKIE}=${'A'.repeat(43)}` } })).statusCode).toBe(503);
    down.disconnect();
  });
});

/** One request as written, over a socket: clients like fetch drop fragments and fix escapes. */
function rawGet(base: string, target: string, headers: Record<string, string> = {}): Promise<string> {
  const { hostname, port } = new URL(base);
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n${head}\r\n`),
    );
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

describe('the admin token in URLs and headers', () => {
  const T = ADMIN_TOKEN;
  const ways = [
    `/ui?%74oken=${T}`, // URL parsing decodes the name: this one logs in
    `/ui?TOKEN=${T}`,
    `/ui?Token=${encodeURIComponent(T)}`,
    `/ui?token=guess&token=${T}&%74oken=${T}`,
    `/ui?tok%65n=${T}`,
    `/ui?%2574oken=${T}`,
    `/ui?token%3D${T}`,
    `/ui?+token=${T}`,
    `/ui?access_token=${T}`,
    `/ui?status=failed#token=${T}`,
    `/ui?status=failed#x=1&%74oken=${T}`,
    `/ui;token=${T}`,
    `/ui/${T}`,
    `/api/appeals/${encodeURIComponent(T).replace(/-/g, '%2D')}`,
    `/ui/%E0%A4%A?token=${T}`, // a malformed escape: fastify's own answer echoed the URL
    `/ui/${T}%ZZ`,
  ];

  it('redactUrl masks every form, keeps the rest readable', () => {
    for (const url of ways) {
      const shown = redactUrl(url, [T]);
      for (const form of [T, T.replace(/-/g, '%2D'), T.replace(/t/g, '%74')]) expect(shown, url).not.toContain(form);
    }
    expect(redactUrl(`/ui/queue/push?status=failed&page=2&%74oken=${T}`, [T])).toBe(
      '/ui/queue/push?status=failed&page=2&%74oken=[redacted]',
    );
    expect(redactUrl('/ui/queue/push?status=failed#job', [T])).toBe('/ui/queue/push?status=failed#job');
  });

  it('never reaches the log or an answer, in any URL form or header', async () => {
    const fakes = makeFakes({
      appeals: {
        get: async () => {
          throw new Error('store failed');
        },
      },
    });
    server = await startAdminServer(fakes.deps, { host: '127.0.0.1', port: 0 });
    const answers: string[] = [];
    for (const url of ways) answers.push(await rawGet(server.url, url));
    const echoing = {
      authorization: `Bearer ${T}`,
      cookie: `${UI_SESSION_COOKIE}=${T}`,
      referer: `http://admin.example/ui?token=${T}`,
      'x-forwarded-host': T,
      'x-admin-user': T,
    };
    for (const url of ['/no-such-page', '/api/appeals/5', '/api/appeals/x', `/ui?token=${T}`])
      answers.push(await rawGet(server.url, url, echoing));
    await server.close();
    server = undefined;

    const log = fakes.state.logLines.join('');
    expect(log).toContain('incoming request');
    expect(log).toContain('admin API request failed'); // the 500 was logged, with its URL
    expect(log).toContain('%74oken=[redacted]');
    for (const form of [T, encodeURIComponent(T), T.replace(/-/g, '%2D')]) {
      expect(log, form).not.toContain(form);
      answers.forEach((answer, i) => expect(answer, `answer ${i}`).not.toContain(form));
    }
    expect(answers[0]).toMatch(/^HTTP\/1\.1 303/);
    expect(answers[0]).toMatch(/^location: \/ui\r$/m);
  });
});

describe('startAdminServer', () => {
  it('serves over a real socket and closes', async () => {
    const fakes: Fakes = makeFakes();
    server = await startAdminServer(fakes.deps, { host: '127.0.0.1', port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const live = await fetch(`${server.url}/health/live`);
    expect(live.status).toBe(200);
    const sync = await fetch(`${server.url}/api/sync`, { method: 'POST', headers: auth });
    expect(sync.status).toBe(202);
    expect(await sync.json()).toEqual({ jobId: 'pull-manual-1' });
    await server.close();
    await expect(fetch(`${server.url}/health/live`)).rejects.toThrow('fetch failed');
    await server.close(); // idempotent
    server = undefined;
  });

  it('answers 401 to an unauthenticated upload without reading it all', async () => {
    const fakes = makeFakes();
    server = await startAdminServer(fakes.deps, { host: '127.0.0.1', port: 0, bodyLimitBytes: 64 * 1024 });
    const response = await fetch(`${server.url}/api/mappings/delo`, {
      method: 'PUT',
      headers: { 'content-type': 'text/yaml' },
      body: 'x'.repeat(5 * 1024 * 1024),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('logs requests without bodies, tokens or personal data', async () => {
    const mappings = await shippedMappings();
    const fakes = makeFakes({ mappings: mappings.registry });
    server = await startAdminServer(fakes.deps, { host: '127.0.0.1', port: 0 });
    await fetch(`${server.url}/ui?token=${ADMIN_TOKEN}`, { redirect: 'manual' });
    await fetch(`${server.url}/no-such-page?token=${ADMIN_TOKEN}`);
    await fetch(`${server.url}/api/mappings/directum-rx/preview`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(sampleAppeal),
    });
    await fetch(`${server.url}/api/mappings/directum-rx/preview`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ...sampleAppeal, id: 'x' }),
    });
    await server.close();
    server = undefined;
    await mappings.close();

    const log = fakes.state.logLines.join('');
    expect(log).toContain('/api/mappings/directum-rx/preview');
    expect(log).toContain('token=[redacted]');
    expect(log).toMatch(/"statusCode":200/);
    expect(log).toMatch(/"statusCode":400/);
    for (const secret of [ADMIN_TOKEN, 'Иванова', 'maria@example.ru', '+7 912 345-67-89', 'Яма на дороге']) {
      expect(log, secret).not.toContain(secret);
    }
  });
});
