// Bull-Board (queue dashboard) at /ui, behind the admin token. See requireUiSession for how a
// browser, which cannot send a bearer header, gets in.
//
// Any role may look (viewer). Read-only unless QUEUE_UI_WRITABLE=true, and then only operators act:
// with its actions (retry, clean, promote, remove, add,
// edit data, pause, obliterate…) the UI cookie would be nearly an admin credential, and job data
// is where the sealed payloads live. The buttons are hidden (Bull-Board's readOnlyMode) and,
// whatever a client sends, every method but GET/HEAD under /ui is refused here with 403.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, requireUiSession, UI_SESSION_COOKIE, uiSessionCookie } from './auth.js';
import { forbiddenMessage, principalOfToken, sendForbidden, sessionOfRequest, type ApiAuthOptions } from './authenticate.js';
import type { AdminDeps } from './deps.js';
import { roleAllows } from './principal.js';

export const UI_PATH = '/ui';
export const UI_LOGOUT_PATH = `${UI_PATH}/logout`;

const READS = new Set(['GET', 'HEAD']);

export interface QueueUiOptions {
  /** Allow the board's actions. Default false. */
  writable?: boolean;
}

export async function registerBullBoard(
  app: FastifyInstance,
  deps: Pick<AdminDeps, 'adminToken' | 'queues' | 'uiSessions' | 'users' | 'consoleSessions'>,
  options: QueueUiOptions = {},
): Promise<void> {
  const writable = options.writable === true;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(UI_PATH);
  createBullBoard({
    queues: deps.queues.all().map((queue) => new BullMQAdapter(queue, { readOnlyMode: !writable, allowRetries: writable })),
    serverAdapter,
    options: { uiConfig: { boardTitle: writable ? 'pos-bridge queues' : 'pos-bridge queues (read-only)' } },
  });

  const logout = async (request: FastifyRequest, reply: FastifyReply) => {
    const id = readCookie(request.headers.cookie, UI_SESSION_COOKIE);
    if (id !== undefined) await deps.uiSessions.revoke(id);
    return reply
      .header('set-cookie', uiSessionCookie(request, UI_PATH, '', 0))
      .header('cache-control', 'no-store')
      .send({ status: 'logged_out', message: `the UI session has ended; open ${UI_PATH}?token=<ADMIN_TOKEN> to start another` });
  };

  await app.register(async (scope) => {
    const apiAuth: ApiAuthOptions = { adminToken: deps.adminToken, users: deps.users, sessions: deps.consoleSessions };
    scope.addHook(
      'onRequest',
      requireUiSession({
        adminToken: deps.adminToken,
        uiPath: UI_PATH,
        sessions: deps.uiSessions,
        open: [UI_LOGOUT_PATH],
        tokenPrincipal: (token) => principalOfToken(apiAuth, token),
        consoleSession: async (request, reply) => {
          const found = await sessionOfRequest(apiAuth, request, reply);
          return found === 'ended' || found === undefined ? found : found.principal;
        },
      }),
    );
    if (writable) {
      scope.addHook('onRequest', async (request, reply) => {
        const principal = request.principal;
        if (READS.has(request.method) || request.routeOptions.url === UI_LOGOUT_PATH || !principal) return undefined;
        if (roleAllows(principal.role, 'operator')) return undefined;
        return sendForbidden(reply, forbiddenMessage(principal, 'operator', 'acting in the queue UI'));
      });
    } else {
      const refuse = (reply: FastifyReply) =>
        reply.code(403).send({ error: 'forbidden', message: 'the queue UI is read-only; set QUEUE_UI_WRITABLE=true to allow its actions' });
      scope.addHook('onRequest', async (request, reply) => {
        if (READS.has(request.method) || request.routeOptions.url === UI_LOGOUT_PATH) return undefined;
        return refuse(reply);
      });
      // Writes to paths the board does not route (and routes a later Bull-Board may add) get 403 too.
      scope.route({
        method: ['POST', 'PUT', 'PATCH', 'DELETE'],
        url: `${UI_PATH}/*`,
        schema: { hide: true },
        handler: async (_request, reply) => refuse(reply),
      });
    }
    scope.get(UI_LOGOUT_PATH, { schema: { hide: true } }, logout);
    scope.post(UI_LOGOUT_PATH, { schema: { hide: true } }, logout);
    await scope.register(serverAdapter.registerPlugin(), { prefix: UI_PATH });
  });
}
