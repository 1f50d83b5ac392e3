// Who is calling /api: the shared ADMIN_TOKEN (operator `admin`), a user's token from
// ADMIN_USERS_FILE, or the console's session cookie. Then what their role lets them do: each /api
// route declares the least role it needs (principal.ts), and a route that declares nothing is a
// start-up error rather than an open door.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler, onRouteHookHandler } from 'fastify';
import { bearerToken, readCookie, sendUnauthorized, tokensMatch } from './auth.js';
import type { ConsoleSession, ConsoleSessionStore } from './console-sessions.js';
import { ADMIN_TOKEN_PRINCIPAL, ROLE_DUTIES, roleAllows, type AdminRole, type Principal } from './principal.js';
import type { UsersStore } from './users.js';

/** The console's session cookie (Path=/: it opens /api and the queue UI). */
export const CONSOLE_SESSION_COOKIE = 'pos_bridge_session';
export const CSRF_HEADER = 'x-csrf-token';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request came with a live console session cookie. */
    consoleSession?: { id: string; session: ConsoleSession };
  }
}

export interface ApiAuthOptions {
  adminToken: string;
  users?: UsersStore;
  sessions?: ConsoleSessionStore;
}

/** Binds an ADMIN_TOKEN session to the token (a digest): rotating ADMIN_TOKEN ends such sessions. */
export function adminTokenBinding(adminToken: string): string {
  return createHash('sha256').update(`pos-bridge console session\u0000${adminToken}`, 'utf8').digest('base64url').slice(0, 22);
}

/** The principal a bearer token stands for, or null. */
export async function principalOfToken(options: ApiAuthOptions, token: string): Promise<Principal | null> {
  if (tokensMatch(options.adminToken, token)) return { name: ADMIN_TOKEN_PRINCIPAL, role: 'operator', via: 'token' };
  return (await options.users?.verify(token)) ?? null;
}

/** The principal of a live session: its user's role as the users file says now; null when the session or its user is gone. */
export async function principalOfSession(options: ApiAuthOptions, session: ConsoleSession): Promise<Principal | null> {
  if (session.binding !== undefined) {
    return session.user === ADMIN_TOKEN_PRINCIPAL && session.binding === adminTokenBinding(options.adminToken)
      ? { name: ADMIN_TOKEN_PRINCIPAL, role: 'operator', via: 'session' }
      : null;
  }
  const user = await options.users?.find(session.user);
  return user ? { name: user.name, role: user.role, via: 'session' } : null;
}

export function consoleSessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${CONSOLE_SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** The console session the request's cookie opens; `ended` when it names one that no longer lives (the cookie is then cleared). */
export async function sessionOfRequest(
  options: ApiAuthOptions,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ id: string; session: ConsoleSession; principal: Principal } | 'ended' | undefined> {
  const id = readCookie(request.headers.cookie, CONSOLE_SESSION_COOKIE);
  if (id === undefined || !options.sessions) return undefined;
  const session = await options.sessions.touch(id);
  const principal = session && (await principalOfSession(options, session));
  if (session && principal) return { id, session, principal };
  if (session) await options.sessions.revoke(id); // its user was removed
  reply.header('set-cookie', consoleSessionCookie(request, '', 0));
  return 'ended';
}

const sameToken = (a: string, b: string) =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());

export function sendForbidden(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).send({ error: 'forbidden', message });
}

/** onRequest hook for /api: sets request.principal, or answers 401 (and 403 for a cookie write without its CSRF token). */
export function authenticateApi(options: ApiAuthOptions): onRequestAsyncHookHandler {
  return async (request, reply) => {
    if (request.routeOptions.config.public === true) return undefined;
    const token = bearerToken(request.headers.authorization);
    if (token !== undefined) {
      const principal = await principalOfToken(options, token);
      if (!principal) return sendUnauthorized(reply, 'the bearer token is not valid');
      request.principal = principal;
      return undefined;
    }
    const found = await sessionOfRequest(options, request, reply);
    if (found === 'ended') return sendUnauthorized(reply, 'the console session has ended; log in again');
    if (!found)
      return sendUnauthorized(reply, 'send Authorization: Bearer <token> (ADMIN_TOKEN or a user token), or log in at POST /api/login');
    const csrf = request.headers[CSRF_HEADER];
    if (WRITES.has(request.method) && (typeof csrf !== 'string' || !sameToken(csrf, found.session.csrfToken))) {
      return sendForbidden(reply, `a console write needs the ${CSRF_HEADER} header (CSRF token) of its session; see GET /api/session`);
    }
    request.principal = found.principal;
    request.consoleSession = { id: found.id, session: found.session };
    return undefined;
  };
}

const article = (role: string) => (/^[aeiou]/.test(role) ? 'an' : 'a');

/** "alice is a viewer; PUT /api/mappings/:name needs the mapping-editor role (…)". */
export function forbiddenMessage(principal: Principal, need: AdminRole, what: string): string {
  return `${principal.name} is ${article(principal.role)} ${principal.role}; ${what} needs the ${need} role (${need}: ${ROLE_DUTIES[need]})`;
}

/** onRequest hook after authenticateApi: the route's `config.role` against the principal's. */
export function requireRouteRole(): onRequestAsyncHookHandler {
  return async (request, reply) => {
    const { role, public: open } = request.routeOptions.config;
    // No route (404 after authentication) or an open one: nothing to check.
    if (open === true || request.routeOptions.url === undefined) return undefined;
    const principal = request.principal;
    // A route without a role never registers (checkRouteRoles); refusing here keeps a slip closed.
    if (!principal || !role) return sendForbidden(reply, 'this route declares no role');
    if (roleAllows(principal.role, role)) return undefined;
    return sendForbidden(reply, forbiddenMessage(principal, role, `${request.method} ${request.routeOptions.url ?? request.url}`));
  };
}

/** onRoute hook for /api: a route with neither `config.role` nor `config.public` stops the start. */
export const checkRouteRoles: onRouteHookHandler = (route) => {
  const config = route.config as { role?: string; public?: boolean } | undefined;
  if (config?.role === undefined && config?.public !== true) {
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new Error(`admin API route ${methods} ${route.url} declares neither config.role nor config.public`);
  }
};
