// The token call (Spring Security OAuth password grant, pos-edms-api.md §1: the token is bound to
// the organisation whose ClientID/SecretKey it was issued for) and the bearer check of every other route.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller, EmulatorContext } from './context.js';
import type { IssuedToken } from './types.js';

const EMULATED_USER_ID = 1_000_001;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function basicPair(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

function formValues(request: FastifyRequest): Record<string, string> {
  const fromQuery = request.query && typeof request.query === 'object' ? (request.query as Record<string, unknown>) : {};
  const fromBody = request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...fromQuery, ...fromBody })) if (typeof value === 'string') values[key] = value;
  return values;
}

export function registerAuthRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.post('/user-service/oauth/token', async (request, reply) => {
    const client = basicPair(request.headers.authorization);
    if (!client || !sameText(client.id, ctx.platformClient.id) || !sameText(client.secret, ctx.platformClient.secret)) {
      return reply
        .code(401)
        .header('WWW-Authenticate', 'Basic realm="oauth2/client"')
        .send({ error: 'unauthorized', error_description: 'Bad client credentials' });
    }
    const form = formValues(request);
    if (form.grant_type !== 'password') {
      return reply
        .code(400)
        .send({ error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${form.grant_type ?? ''}` });
    }
    const { username = '', password = '' } = form;
    const organisation = ctx.state.organisations.authenticate(username, password);
    if (!organisation) return reply.code(401).send({ error: 'invalid_grant', error_description: 'Bad credentials' });
    const { token, expiresIn } = ctx.state.issueToken(organisation.clientId);
    return reply
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache')
      .send({
        access_token: token,
        token_type: 'bearer',
        expires_in: expiresIn,
        scope: form.scope || 'any',
        jti: randomUUID(),
        surname: 'Интеграция',
        name: 'СЭД',
        patronymic: null,
        email: `${username}@edms.example`,
        userId: EMULATED_USER_ID,
        clientId: username,
      });
  });
}

export type BearerCheck =
  { ok: true; holder: IssuedToken; userId: number } | { ok: false; body: { error: string; error_description: string } };

/** Spring resource-server semantics: a missing, unknown or expired bearer token is a 401. */
export function checkBearer(ctx: EmulatorContext, request: FastifyRequest): BearerCheck {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) {
    return { ok: false, body: { error: 'unauthorized', error_description: 'Full authentication is required to access this resource' } };
  }
  const holder = ctx.state.tokenHolder(match[1]!);
  if (!holder) {
    const known = ctx.state.tokens.has(match[1]!);
    return { ok: false, body: { error: 'invalid_token', error_description: known ? 'Access token expired' : 'Invalid access token' } };
  }
  return { ok: true, holder, userId: EMULATED_USER_ID };
}

/** The caller the bearer guard recorded; answers 401 itself if the guard somehow did not run. */
export function requireCaller(ctx: EmulatorContext, request: FastifyRequest, reply: FastifyReply): Caller | undefined {
  const caller = ctx.callers.get(request);
  if (!caller)
    void reply.code(401).send({ error: 'unauthorized', error_description: 'Full authentication is required to access this resource' });
  return caller;
}
