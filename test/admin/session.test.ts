// Console sessions: login with a token, the cookie, CSRF on writes, idle and absolute expiry on an
// injected clock, a removed user's sessions, the Origin check, and the queue UI opened by a session.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp, type AdminAppOptions } from '../../src/admin/app.js';
import type { AdminDeps } from '../../src/admin/deps.js';
import { MemoryAuditLog } from '../../src/admin/memory-audit.js';
import { ADMIN_TOKEN, consoleSessionStore, makeFakes } from './fakes.js';
import { bearer, usersFixture, type UsersFixture } from './users-fixture.js';

let app: FastifyInstance | undefined;
let fixture: UsersFixture | undefined;
afterEach(async () => {
  await app?.close();
  fixture?.remove();
  app = undefined;
  fixture = undefined;
});

async function setUp(overrides: Partial<AdminDeps> = {}, options: AdminAppOptions = {}) {
  fixture = await usersFixture();
  const audit = new MemoryAuditLog();
  const { deps, state } = makeFakes({ users: fixture.users, audit, ...overrides });
  app = await buildAdminApp(deps, options);
  return { app, fixture, audit, state };
}

const json = { 'content-type': 'application/json' };

async function login(server: FastifyInstance, token: string, headers: Record<string, string> = {}) {
  const response = await server.inject({ method: 'POST', url: '/api/login', headers: { ...json, ...headers }, payload: { token } });
  const setCookie = response.headers['set-cookie'];
  const header = Array.isArray(setCookie) ? setCookie[0]! : (setCookie ?? '');
  return { response, header, cookie: header.split(';')[0]!, body: response.json() as Record<string, string> };
}

describe('POST /api/login', () => {
  it('opens a session with a user token: HttpOnly SameSite=Strict cookie on /, the role and a CSRF token; audited', async () => {
    const { app, fixture, audit } = await setUp();
    const { response, header, cookie, body } = await login(app, fixture.tokens['mapping-editor']);
    expect(response.statusCode).toBe(200);
    expect(body).toEqual({ user: 'mapping-editor', role: 'mapping-editor', csrfToken: expect.any(String), expiresAt: expect.any(String) });
    expect(header).toMatch(/^pos_bridge_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(header).not.toContain(fixture.tokens['mapping-editor']);
    const session = await app.inject({ url: '/api/session', headers: { cookie } });
    expect(session.json()).toEqual({ user: 'mapping-editor', role: 'mapping-editor', via: 'session', csrfToken: body.csrfToken });
    expect(audit.entries).toEqual([expect.objectContaining({ who: 'mapping-editor', role: 'mapping-editor', action: 'session.login' })]);
    const listed = await app.inject({ url: '/api/audit?action=session.login', headers: { cookie } });
    expect(listed.json()).toEqual([expect.objectContaining({ who: 'mapping-editor', action: 'session.login' })]);
  });

  it('ADMIN_TOKEN opens an operator session as admin; the cookie is Secure behind a TLS proxy', async () => {
    const { app } = await setUp({}, { trustProxy: true });
    const { body, header } = await login(app, ADMIN_TOKEN, { 'x-forwarded-proto': 'https' });
    expect(body).toMatchObject({ user: 'admin', role: 'operator' });
    expect(header).toMatch(/; Secure$/);
  });

  it('401 on a wrong token, 403 on a foreign Origin, 415 on anything but JSON', async () => {
    const { app, fixture } = await setUp();
    const wrong = await login(app, `${fixture.tokens.viewer}x`);
    expect(wrong.response.statusCode).toBe(401);
    expect(wrong.response.json()).toMatchObject({ error: 'unauthorized' });
    expect(wrong.response.headers['set-cookie']).toBeUndefined();

    const foreign = await login(app, fixture.tokens.viewer, { origin: 'https://evil.example' });
    expect(foreign.response.statusCode).toBe(403);
    expect(foreign.response.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('Origin') });
    expect((await login(app, fixture.tokens.viewer, { origin: 'null' })).response.statusCode).toBe(403);
    expect((await login(app, fixture.tokens.viewer, { origin: 'http://localhost:80' })).response.statusCode).toBe(200);

    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/login',
        headers: { 'content-type': type },
        payload: `token=${fixture.tokens.viewer}`,
      });
      expect(response.statusCode, type).toBe(415);
    }
    const extra = await app.inject({ method: 'POST', url: '/api/login', headers: json, payload: { token: 'x', user: 'y' } });
    expect(extra.statusCode).toBe(400);
  });
});

describe('CSRF', () => {
  it('a cookie write needs X-CSRF-Token of its session; a bearer write needs none', async () => {
    const { app, fixture, state } = await setUp();
    const { cookie, body } = await login(app, fixture.tokens.operator);
    const bare = await app.inject({ method: 'POST', url: '/api/sync', headers: { cookie } });
    expect(bare.statusCode).toBe(403);
    expect(bare.json()).toEqual({ error: 'forbidden', message: expect.stringContaining('CSRF') });
    const wrong = await app.inject({ method: 'POST', url: '/api/sync', headers: { cookie, 'x-csrf-token': 'guess' } });
    expect(wrong.statusCode).toBe(403);
    expect(state.syncCalls).toBe(0);
    const right = await app.inject({ method: 'POST', url: '/api/sync', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(right.statusCode).toBe(202);
    // Reads need none.
    expect((await app.inject({ url: '/api/queues', headers: { cookie } })).statusCode).toBe(200);
    const viaBearer = await app.inject({ method: 'POST', url: '/api/sync', headers: bearer(fixture.tokens.operator) });
    expect(viaBearer.statusCode).toBe(202);
    expect(state.syncCalls).toBe(2);
  });
});

describe('POST /api/logout', () => {
  it('needs the CSRF token, ends the session everywhere and clears the cookie; audited', async () => {
    const { app, fixture, audit } = await setUp();
    const { cookie, body } = await login(app, fixture.tokens.viewer);
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie } })).statusCode).toBe(403);
    const out = await app.inject({ method: 'POST', url: '/api/logout', headers: { cookie, 'x-csrf-token': body.csrfToken } });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ status: 'logged_out' });
    expect(out.headers['set-cookie']).toMatch(/^pos_bridge_session=; Path=\/; .*Max-Age=0/);
    const after = await app.inject({ url: '/api/session', headers: { cookie } });
    expect(after.statusCode).toBe(401);
    expect(audit.entries.map((entry) => entry.action)).toEqual(['session.login', 'session.logout']);
  });
});

describe('session lifetime', () => {
  it('ends after UI_SESSION_IDLE without a request and after UI_SESSION_MAX in any case (injected clock)', async () => {
    let now = Date.parse('2026-03-02T09:00:00Z');
    const sessions = consoleSessionStore({ idleMs: 60_000, absoluteMs: 300_000, now: () => now });
    const { app, fixture } = await setUp({ consoleSessions: sessions });
    const alive = async (cookie: string) => (await app.inject({ url: '/api/session', headers: { cookie } })).statusCode;

    const idle = await login(app, fixture.tokens.viewer);
    expect(idle.body.expiresAt).toBe('2026-03-02T09:05:00.000Z');
    now += 59_000;
    expect(await alive(idle.cookie)).toBe(200);
    now += 59_000; // 59 s since the last request: still alive
    expect(await alive(idle.cookie)).toBe(200);
    now += 60_000;
    const ended = await app.inject({ url: '/api/session', headers: { cookie: idle.cookie } });
    expect(ended.statusCode).toBe(401);
    expect(ended.headers['set-cookie']).toMatch(/Max-Age=0/);

    const busy = await login(app, fixture.tokens.viewer);
    for (let step = 0; step < 5; step += 1) {
      now += 55_000;
      expect(await alive(busy.cookie), `after ${(step + 1) * 55} s`).toBe(200);
    }
    now += 30_000; // 305 s after login, however busy
    expect(await alive(busy.cookie)).toBe(401);
  });

  it('a user removed from the file loses their sessions at the next request; a changed role applies at once', async () => {
    const { app, fixture } = await setUp();
    const editor = await login(app, fixture.tokens['mapping-editor']);
    const viewer = await login(app, fixture.tokens.viewer);
    await fixture.users.remove('viewer');
    expect((await app.inject({ url: '/api/session', headers: { cookie: viewer.cookie } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/session', headers: bearer(fixture.tokens.viewer) })).statusCode).toBe(401);

    // The editor is made a viewer by hand: the open session says so, and applying is refused.
    await fixture.users.remove('mapping-editor');
    const again = await fixture.users.add('mapping-editor', 'viewer');
    expect(again.user.role).toBe('viewer');
    const session = await app.inject({ url: '/api/session', headers: { cookie: editor.cookie } });
    expect(session.json()).toMatchObject({ user: 'mapping-editor', role: 'viewer', via: 'session' });
    const put = await app.inject({
      method: 'PUT',
      url: '/api/mappings/directum-rx',
      headers: { cookie: editor.cookie, 'x-csrf-token': editor.body.csrfToken, ...json },
      payload: { source: 'x' },
    });
    expect(put.statusCode).toBe(403);
    expect(put.json().message).toMatch(/^mapping-editor is a viewer; PUT \/api\/mappings\/:name needs the mapping-editor role/);
  });
});

describe('the queue UI with a console session', () => {
  it('any role reads; with QUEUE_UI_WRITABLE=true only operators act', async () => {
    const { app, fixture } = await setUp({}, { queueUiWritable: true });
    const viewer = await login(app, fixture.tokens.viewer);
    const operator = await login(app, fixture.tokens.operator);
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: viewer.cookie } })).statusCode).toBe(200);
    const refused = await app.inject({ method: 'PUT', url: '/ui/api/queues/pull/pause', headers: { cookie: viewer.cookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/^viewer is a viewer; acting in the queue UI needs the operator role/);
    const byBearer = await app.inject({
      method: 'PUT',
      url: '/ui/api/queues/pull/pause',
      headers: bearer(fixture.tokens['mapping-editor']),
    });
    expect(byBearer.statusCode).toBe(403);
    const acted = await app.inject({ method: 'PUT', url: '/ui/api/queues/pull/pause', headers: { cookie: operator.cookie } });
    expect([401, 403]).not.toContain(acted.statusCode);
  });

  it('read-only stays read-only for operators too; a dead session is 401', async () => {
    const { app, fixture } = await setUp();
    const operator = await login(app, fixture.tokens.operator);
    const refused = await app.inject({ method: 'PUT', url: '/ui/api/queues/pull/pause', headers: { cookie: operator.cookie } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toContain('QUEUE_UI_WRITABLE');
    await fixture.users.remove('operator');
    expect((await app.inject({ url: '/ui/api/queues', headers: { cookie: operator.cookie } })).statusCode).toBe(401);
  });
});
