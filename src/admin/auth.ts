// Bearer authentication of the admin API and the Bull-Board UI. Tokens are compared through their
// SHA-256 digests with timingSafeEqual, so neither the content nor the length of ADMIN_TOKEN leaks
// through response times.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { isSecretParamName } from './redact-url.js';
import { ADMIN_TOKEN_PRINCIPAL, type Principal } from './principal.js';
import type { UiSessionStore } from './sessions.js';

/** Cookie the UI sets after `?token=`: a random session id kept in Redis (sessions.ts), never the token. */
export const UI_SESSION_COOKIE = 'pos_bridge_ui';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export function tokensMatch(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  return match?.[1];
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function sendUnauthorized(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(401).header('www-authenticate', 'Bearer realm="pos-bridge"').send({ error: 'unauthorized', message });
}

function presentedBearer(request: FastifyRequest): string | undefined {
  return bearerToken(request.headers.authorization);
}

/** The address to send the browser to: no `token` (nor anything named like a credential) left in it. */
function withoutSecretParams(url: string): string {
  const parsed = new URL(url, 'http://admin.invalid');
  for (const name of [...parsed.searchParams.keys()]) if (isSecretParamName(name)) parsed.searchParams.delete(name);
  return `${parsed.pathname}${parsed.search}`;
}

/** Query string value of `token`, read from the raw URL so route schemas never see it. */
function queryToken(request: FastifyRequest): string | undefined {
  const parsed = new URL(request.url, 'http://admin.invalid');
  return parsed.searchParams.get('token') ?? undefined;
}

/** Set-Cookie for the UI session; `Secure` when the browser reached us over HTTPS (TRUST_PROXY: as the proxy says). */
export function uiSessionCookie(request: FastifyRequest, uiPath: string, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${UI_SESSION_COOKIE}=${value}; Path=${uiPath}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export interface UiAuthOptions {
  adminToken: string;
  uiPath: string;
  sessions: UiSessionStore;
  /** Routes under uiPath that need no session (logout). */
  open?: readonly string[];
  /** Bearer tokens besides ADMIN_TOKEN: the users' (ADMIN_USERS_FILE). */
  tokenPrincipal?: (token: string) => Promise<Principal | null>;
  /** The console's session cookie: its principal, `ended` for a dead session, undefined without the cookie. */
  consoleSession?: (request: FastifyRequest, reply: FastifyReply) => Promise<Principal | 'ended' | undefined>;
}

const ADMIN: Principal = { name: ADMIN_TOKEN_PRINCIPAL, role: 'operator', via: 'token' };

function sessionStoreDown(reply: FastifyReply): FastifyReply {
  return reply.code(503).send({ error: 'transient', message: 'the UI session store (Redis) does not answer; try again shortly' });
}

/**
 * onRequest hook for the Bull-Board UI. Browsers cannot send a bearer header when following a link,
 * so `GET /ui?token=<ADMIN_TOKEN>` is accepted once: it starts a session (a random id in an
 * HttpOnly, SameSite=Strict cookie scoped to the UI path, the session itself in Redis) and
 * redirects to the same page without the token in the address. Later page loads, static assets
 * and the UI's own API calls authenticate with that cookie; scripts may keep using the bearer header.
 */
export function requireUiSession(options: UiAuthOptions): onRequestAsyncHookHandler {
  const { adminToken, uiPath, sessions } = options;
  const open = new Set(options.open ?? []);
  const maxAgeSeconds = Math.floor(sessions.absoluteMs / 1000);
  // Sessions are bound to the token that opened them (a digest, never the token).
  const binding = createHash('sha256').update(`pos-bridge ui session\u0000${adminToken}`, 'utf8').digest('base64url').slice(0, 22);
  return async (request, reply) => {
    if (open.has(request.routeOptions.url ?? '')) return undefined;
    const bearer = presentedBearer(request);
    if (bearer !== undefined) {
      const principal = tokensMatch(adminToken, bearer) ? ADMIN : await options.tokenPrincipal?.(bearer);
      if (!principal) return sendUnauthorized(reply, 'the bearer token is not valid');
      request.principal = principal;
      return undefined;
    }
    const fromQuery = queryToken(request);
    if (fromQuery !== undefined) {
      if (!tokensMatch(adminToken, fromQuery)) return sendUnauthorized(reply, 'the token is not valid');
      let id: string;
      try {
        id = await sessions.create(binding);
      } catch {
        return sessionStoreDown(reply);
      }
      reply.header('set-cookie', uiSessionCookie(request, uiPath, id, maxAgeSeconds));
      request.principal = { ...ADMIN, via: 'session' };
      // Other methods keep going (the cookie is set on their response); pages lose the token from the address bar.
      if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
      return reply.header('cache-control', 'no-store').redirect(withoutSecretParams(request.url), 303);
    }
    const cookie = readCookie(request.headers.cookie, UI_SESSION_COOKIE);
    if (cookie !== undefined) {
      let alive: boolean;
      try {
        alive = await sessions.touch(cookie, binding);
      } catch {
        return sessionStoreDown(reply);
      }
      if (alive) {
        request.principal = { ...ADMIN, via: 'session' };
        return undefined;
      }
      reply.header('set-cookie', uiSessionCookie(request, uiPath, '', 0));
    }
    let fromConsole: Principal | 'ended' | undefined;
    try {
      fromConsole = await options.consoleSession?.(request, reply);
    } catch {
      return sessionStoreDown(reply);
    }
    if (fromConsole !== undefined && fromConsole !== 'ended') {
      request.principal = fromConsole;
      return undefined;
    }
    if (cookie !== undefined || fromConsole === 'ended') {
      return sendUnauthorized(reply, `the UI session has ended; open ${uiPath}?token=<ADMIN_TOKEN> again, or log in to the console`);
    }
    return sendUnauthorized(reply, `open ${uiPath}?token=<ADMIN_TOKEN> once, or send Authorization: Bearer <ADMIN_TOKEN>`);
  };
}
