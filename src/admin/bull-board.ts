// Bull-Board (queue dashboard) at /ui, behind the admin token. See requireUiSession for how a
// browser, which cannot send a bearer header, gets in.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, requireUiSession, UI_SESSION_COOKIE, uiSessionCookie } from './auth.js';
import type { AdminDeps } from './deps.js';

export const UI_PATH = '/ui';
export const UI_LOGOUT_PATH = `${UI_PATH}/logout`;

export async function registerBullBoard(app: FastifyInstance, deps: Pick<AdminDeps, 'adminToken' | 'queues' | 'uiSessions'>): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(UI_PATH);
  createBullBoard({
    queues: deps.queues.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'pos-bridge queues' } },
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
    scope.addHook('onRequest', requireUiSession({ adminToken: deps.adminToken, uiPath: UI_PATH, sessions: deps.uiSessions, open: [UI_LOGOUT_PATH] }));
    scope.get(UI_LOGOUT_PATH, { schema: { hide: true } }, logout);
    scope.post(UI_LOGOUT_PATH, { schema: { hide: true } }, logout);
    await scope.register(serverAdapter.registerPlugin(), { prefix: UI_PATH });
  });
}
