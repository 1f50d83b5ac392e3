// A front server for the console's browser tests until the real session routes exist: it answers
// POST /api/login, GET /api/session, the mapping check and the fixtures list itself, and hands every
// other request to the admin app with the admin token (as a session would authenticate it).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { ADMIN_TOKEN } from '../admin/fakes.js';

export const SESSION = 'pos_bridge_session=smoke-session';
export const CSRF = 'smoke-csrf-token';

export interface Front {
  server: Server;
  url: string;
  role: string;
  /** X-CSRF-Token of each write that reached the front server, by "METHOD path". */
  writes: { call: string; csrf: string | undefined }[];
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

export async function startFront(app: FastifyInstance): Promise<Front> {
  const front: Front = { server: createServer(), url: '', role: 'operator', writes: [] };
  front.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const body = await readBody(request);
      const path = (request.url ?? '/').split('?')[0]!;
      const signedIn = (request.headers.cookie ?? '').includes(SESSION);
      const method = request.method ?? 'GET';
      if (method !== 'GET') front.writes.push({ call: `${method} ${path}`, csrf: request.headers['x-csrf-token'] as string | undefined });
      const session = { user: 'admin', role: front.role, via: 'session', csrfToken: CSRF };
      if (method === 'POST' && path === '/api/login') {
        const { token } = JSON.parse(body || '{}') as { token?: string };
        if (token !== ADMIN_TOKEN) return sendJson(response, 401, { error: 'unauthorized', message: 'the token is not valid' });
        return sendJson(
          response,
          200,
          { ...session, expiresAt: '2030-01-01T00:00:00.000Z' },
          { 'set-cookie': `${SESSION}; Path=/; HttpOnly; SameSite=Strict` },
        );
      }
      if (path.startsWith('/api/') && !signedIn) return sendJson(response, 401, { error: 'unauthorized', message: 'sign in first' });
      if (path === '/api/session') return sendJson(response, 200, session);
      if (path === '/api/fixtures') return sendJson(response, 200, [{ id: 'roads', title: 'Дороги' }]);
      if (method === 'POST' && /^\/api\/mappings\/[^/]+\/check$/.test(path)) {
        return sendJson(response, 200, {
          ok: false,
          problems: [{ file: 'directum-rx.yaml', line: 4, column: 3, message: 'smoke problem' }],
          warnings: [],
        });
      }
      const headers = { ...request.headers, ...(signedIn ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}) } as Record<string, string>;
      const answer = await app.inject({ method: method as 'GET', url: request.url ?? '/', headers, ...(body ? { payload: body } : {}) });
      response.writeHead(answer.statusCode, answer.headers as Record<string, string>);
      response.end(answer.rawPayload);
    })().catch((error: unknown) => sendJson(response, 500, { error: 'front', message: String(error) }));
  });
  await new Promise<void>((resolve) => front.server.listen(0, '127.0.0.1', resolve));
  const address = front.server.address();
  front.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return front;
}
