// The ПОС emulator: a fastify server speaking the EDMS interface of pos-edms-api.md, with fault
// injection, a rate limiter and a control API, for tests, the demo and operators' sandboxes.
import { setTimeout as sleep } from 'node:timers/promises';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { registerAppealRoutes } from './appeal-routes.js';
import { checkBearer, registerAuthRoutes } from './auth-routes.js';
import { messages, type EmulatorContext } from './context.js';
import { PosEmulatorControl } from './control-client.js';
import { registerControlRoutes } from './control-routes.js';
import { FaultInjector } from './faults.js';
import { registerFileRoutes } from './file-routes.js';
import { DEFAULT_ORGANISATION } from './organisations.js';
import { PosEmulatorState } from './state.js';
import type { FaultSpec, PosEmulatorOptions, PosRoute } from './types.js';

export interface PosEmulator {
  url: string;
  state: PosEmulatorState;
  control: PosEmulatorControl;
  close(): Promise<void>;
}

const ROUTES: Record<string, PosRoute> = {
  'POST /user-service/oauth/token': 'token',
  'GET /appeal-service/edms': 'pull',
  'POST /appeal-service/edms/:id/mark-accepted': 'accept',
  'POST /appeal-service/edms/:id': 'answer',
  'POST /file-storage-service/filestorage': 'upload',
  'GET /file-storage-service/filestorage/:id': 'download',
};

function posRouteOf(request: FastifyRequest): PosRoute | undefined {
  return ROUTES[`${request.method} ${request.routeOptions.url ?? ''}`];
}

/** What a "malformed" fault sends instead of the real body: JSON cut off half-way. */
function truncated(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('latin1') : '';
  return text.length > 4 ? text.slice(0, Math.floor(text.length / 2)) : '{"content":[{"id":';
}

function installParsers(app: FastifyInstance): void {
  // mark-accepted has no body; some clients still send Content-Type: application/json with it.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}

/** Applies the rate limiter, faults and the bearer check before a ПОС route runs. */
function installGuards(app: FastifyInstance, ctx: EmulatorContext, closing: AbortSignal): void {
  const lateFaults = new WeakMap<FastifyRequest, FaultSpec>();

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = posRouteOf(request);
    if (!route) return;
    const { state } = ctx;
    state.requests[route] += 1;
    const allowance = state.limiter?.take();
    if (allowance && !allowance.allowed) {
      state.requestsOverLimit += 1;
      return reply.code(429).header('Retry-After', String(allowance.retryAfterSeconds)).send(messages('Too many requests'));
    }
    const fault = ctx.faults.take(route);
    if (fault) {
      state.faultsInjected[route] += 1;
      if (fault.kind === 'status') {
        if (fault.retryAfter !== undefined || fault.status === 429) reply.header('Retry-After', String(fault.retryAfter ?? 1));
        return reply.code(fault.status).send(messages(`Emulated failure: HTTP ${fault.status}`));
      }
      if (fault.kind === 'drop') {
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      }
      if (fault.kind === 'slow') {
        const finished = await sleep(fault.delayMs, true, { signal: closing }).catch(() => false);
        if (!finished) {
          reply.hijack();
          request.raw.socket.destroy();
          return reply;
        }
      } else lateFaults.set(request, fault);
    }
    if (route === 'token') return;
    const bearer = checkBearer(ctx, request);
    if (!bearer.ok) {
      state.unauthorized += 1;
      return reply.code(401).header('WWW-Authenticate', `Bearer error="${bearer.body.error}"`).send(bearer.body);
    }
    ctx.callers.set(request, { clientId: bearer.holder.clientId, userId: bearer.userId });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const fault = lateFaults.get(request);
    if (!fault) return payload;
    if (fault.kind === 'drop-after') {
      // The route has done its work (e.g. the appeal is accepted); only the response is lost.
      request.raw.socket.destroy();
      return payload;
    }
    reply.code(200).header('content-type', 'application/json;charset=UTF-8');
    reply.removeHeader('content-length');
    reply.removeHeader('content-disposition');
    return truncated(payload);
  });
}

export async function startPosEmulator(options: PosEmulatorOptions = {}): Promise<PosEmulator> {
  const organisations = options.organisations ?? [options.organisation ?? DEFAULT_ORGANISATION];
  const state = new PosEmulatorState(
    {
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
      maxPageSize: options.maxPageSize ?? 100,
      forcePageSize: options.forcePageSize ?? null,
      rateLimit: null,
      maxUploadBytes: options.maxUploadBytes ?? 50 * 1024 * 1024,
    },
    organisations,
  );
  let url = '';
  const ctx: EmulatorContext = {
    state,
    faults: new FaultInjector(),
    platformClient: options.platformClient ?? { id: 'pos-bridge', secret: 'platform-secret' },
    callers: new WeakMap(),
    baseUrl: () => options.publicUrl?.replace(/\/+$/, '') ?? url,
  };
  const closing = new AbortController();
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 256 * 1024 * 1024, forceCloseConnections: true });
  installParsers(app);
  await app.register(multipart);
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    return reply.code(status).send(messages(error.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(messages(`No route ${request.method} ${request.url.split('?')[0]}`)));
  installGuards(app, ctx, closing.signal);
  registerAuthRoutes(app, ctx);
  registerAppealRoutes(app, ctx);
  registerFileRoutes(app, ctx);
  registerControlRoutes(app, ctx);

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    state,
    control: new PosEmulatorControl(url),
    close: async () => {
      closing.abort();
      await app.close();
    },
  };
}
