// Console sessions and the audit log: log in with a token (a cookie session with a CSRF token),
// log out, who am I, and who did what. Registered inside the authenticated, JSON-only /api scope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { adminTokenBinding, consoleSessionCookie, principalOfToken, sendForbidden, type ApiAuthOptions } from '../authenticate.js';
import { sendUnauthorized } from '../auth.js';
import type { AdminDeps } from '../deps.js';
import { ADMIN_TOKEN_PRINCIPAL, principalOf } from '../principal.js';
import {
  auditEntrySchema,
  auditQuerySchema,
  authErrors,
  emptyBody,
  errorSchema,
  loggedOutSchema,
  loginBody,
  loginSchema,
  sessionSchema,
} from '../schemas.js';

const security = [{ bearerAuth: [] }];

/** A browser's Origin must be this server's own: a page elsewhere cannot log someone in here. */
function originMatches(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    // Through URL both sides: a default port (`:80`, `:443`) is dropped from either.
    return new URL(origin).host === new URL(`${request.protocol}://${request.host}`).host;
  } catch {
    return false; // "null" (sandboxed pages, file:) and garbage
  }
}

const isJson = (request: FastifyRequest) => /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');

export function registerSessionRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const apiAuth: ApiAuthOptions = { adminToken: deps.adminToken, users: deps.users, sessions: deps.consoleSessions };

  typed.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['session'],
        summary: 'Start a console session with ADMIN_TOKEN or a user token (cookie pos_bridge_session)',
        body: loginBody,
        response: { 200: loginSchema, 415: errorSchema, 503: errorSchema, ...authErrors },
      },
      // Before the body is parsed: a cross-site form or a foreign page gets nothing parsed.
      onRequest: async (request, reply) => {
        if (!originMatches(request)) return sendForbidden(reply, 'the Origin header is not this server; log in from the console here');
        if (!isJson(request)) {
          return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the token as JSON {"token": "..."}' });
        }
        return undefined;
      },
    },
    async (request, reply) => {
      const principal = await principalOfToken(apiAuth, request.body.token);
      if (!principal) return sendUnauthorized(reply, 'the token is not valid');
      if (!deps.consoleSessions) return reply.code(503).send({ error: 'transient', message: 'console sessions are not set up here' });
      const binding = principal.name === ADMIN_TOKEN_PRINCIPAL ? adminTokenBinding(deps.adminToken) : undefined;
      const { id, session } = await deps.consoleSessions.create(principal.name, binding);
      await deps.audit.record({ who: principal.name, role: principal.role, action: 'session.login' });
      reply.header('set-cookie', consoleSessionCookie(request, id, Math.floor(deps.consoleSessions.absoluteMs / 1000)));
      reply.header('cache-control', 'no-store');
      return {
        user: principal.name,
        role: principal.role,
        csrfToken: session.csrfToken,
        expiresAt: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  typed.post(
    '/logout',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'End the console session (needs X-CSRF-Token like every session write)',
        security,
        body: emptyBody,
        response: { 200: loggedOutSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (request.consoleSession) await deps.consoleSessions?.revoke(request.consoleSession.id);
      await deps.audit.record({ who: principal.name, role: principal.role, action: 'session.logout' });
      return reply.header('set-cookie', consoleSessionCookie(request, '', 0)).send({ status: 'logged_out' as const });
    },
  );

  typed.get(
    '/session',
    {
      config: { role: 'viewer' },
      schema: { tags: ['session'], summary: 'Who is calling, with which role', security, response: { 200: sessionSchema, ...authErrors } },
    },
    async (request, reply) => {
      const { name, role, via } = principalOf(request);
      const csrfToken = request.consoleSession?.session.csrfToken;
      reply.header('cache-control', 'no-store');
      return { user: name, role, via, ...(csrfToken ? { csrfToken } : {}) };
    },
  );

  typed.get(
    '/audit',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['session'],
        summary: 'Who did what, newest first (?before=<id> pages back, ?action= filters)',
        security,
        querystring: auditQuerySchema,
        response: { 200: auditEntrySchema.array(), ...authErrors },
      },
    },
    async (request) => deps.audit.list({ limit: request.query.limit ?? 100, before: request.query.before, action: request.query.action }),
  );
}
