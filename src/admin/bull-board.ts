// Bull-Board (queue dashboard) at /ui, behind the admin token. See requireUiSession for how a
// browser, which cannot send a bearer header, gets in.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { requireUiSession } from './auth.js';
import type { AdminDeps } from './deps.js';

export const UI_PATH = '/ui';

export async function registerBullBoard(app: FastifyInstance, deps: Pick<AdminDeps, 'adminToken' | 'queues'>): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(UI_PATH);
  createBullBoard({
    queues: deps.queues.all().map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'pos-bridge queues' } },
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireUiSession(deps.adminToken, UI_PATH));
    await scope.register(serverAdapter.registerPlugin(), { prefix: UI_PATH });
  });
}
