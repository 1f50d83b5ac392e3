// The admin HTTP API as a fastify app: health and metrics (open), /api (tokens or a console session,
// roles per route), /ui (Bull-Board, read-only by default, session cookie), /console/ (the web
// console's static shell) and /docs (OpenAPI). The app only talks to
// injected dependencies, see deps.ts; src/admin/README.md is the operators' guide.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { BridgeError } from '../errors.js';
import { authenticateApi, checkRouteRoles, requireRouteRole } from './authenticate.js';
import { registerBullBoard, UI_PATH } from './bull-board.js';
import { defaultConsoleDir, registerConsole } from './console.js';
import type { AdminDeps } from './deps.js';
import { installErrorHandling } from './error-handler.js';
import { redactUrl } from './redact-url.js';
import { registerDeadlineRoutes } from './routes/deadlines.js';
import { registerHealthRoutes, registerStatusRoute } from './routes/health.js';
import { registerRetryCodeRoute } from './routes/failed-retry-code.js';
import { registerMappingEditorRoutes } from './routes/mapping-editor.js';
import { registerMappingReadRoutes, registerMappingWriteRoute } from './routes/mappings.js';
import { registerOperationRoutes } from './routes/operations.js';
import { registerSessionRoutes } from './routes/session.js';
import { registerPreviewDraftRoute } from './routes/preview-draft.js';

export interface AdminAppOptions {
  /** Log every request (method, URL without secrets, status, time) through deps.logger. Default false. */
  logger?: boolean;
  /** How long each readiness check may take before it counts as down. Default 2000 ms. */
  readyTimeoutMs?: number;
  /** Largest accepted request body. Default 1 MiB (mapping files and appeals fit easily). */
  bodyLimitBytes?: number;
  /**
   * TRUST_PROXY: believe X-Forwarded-Proto/-For from a reverse proxy (true, or the proxies'
   * addresses), so that the UI cookie is `Secure` behind a TLS proxy. Default false.
   */
  trustProxy?: boolean | string;
  /** QUEUE_UI_WRITABLE: allow Bull-Board's actions. Default false (read-only). */
  queueUiWritable?: boolean;
  /** The built web console served at /console/. Default dist/console in the package (tests pass their own). */
  consoleDir?: string;
}

export const DEFAULT_READY_TIMEOUT_MS = 2_000;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Request log fields: no headers (Authorization, cookies, Referer), no bodies, no credentials in the
 * URL in any encoding (redact-url.ts). Read from the raw request because pino's redaction hands
 * serializers a shallow copy without fastify's getters.
 */
interface LoggedRequest {
  raw?: { method?: string; url?: string };
}
function requestSerializers(secrets: readonly string[]) {
  return {
    req: (request: LoggedRequest) => ({
      method: request.raw?.method,
      url: redactUrl(request.raw?.url ?? '', secrets),
    }),
    res: (reply: { raw?: { statusCode?: number } }) => ({ statusCode: reply.raw?.statusCode }),
  };
}

function createFastify(deps: AdminDeps, options: AdminAppOptions): FastifyInstance {
  const common = {
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: options.trustProxy ?? false,
    // Ids of failed jobs and mapping names are short; anything longer is a mistake or an attack.
    routerOptions: { maxParamLength: 512 },
    // fastify's own answer to a malformed escape echoes the whole URL, `?token=` included.
    frameworkErrors: (error: { code?: string }, _request: unknown, reply: FastifyReply) =>
      reply.code(400).send({
        error: 'bad_request',
        message: error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (a malformed percent escape)' : 'the request is not valid',
      }),
  };
  if (!options.logger) return Fastify(common);
  const loggerInstance = deps.logger.child({ component: 'admin-api' }, { serializers: requestSerializers([deps.adminToken]) });
  return Fastify({ ...common, loggerInstance }) as unknown as FastifyInstance;
}

export async function buildAdminApp(deps: AdminDeps, options: AdminAppOptions = {}): Promise<FastifyInstance> {
  if (!deps.adminToken) throw new BridgeError('CONFIG_INVALID', 'ADMIN_TOKEN: is required for the admin API');
  // A users file that does not parse stops the start here, naming the file and the problem.
  await deps.users?.list();
  const app = createFastify(deps, options);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, deps.logger, options.logger === true, [deps.adminToken]);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'pos-bridge admin API',
        description:
          'Operate the ПОС ↔ EDMS bridge. Every /api route but POST /api/login needs `Authorization: Bearer <token>` ' +
          '(ADMIN_TOKEN, or a user token from ADMIN_USERS_FILE) or the console session cookie (then writes need X-CSRF-Token), ' +
          'and the role the route names (viewer < mapping-editor < operator). ' +
          'Errors are JSON {"error": "<code>", "message": "..."}. /health and /metrics are not authenticated: ' +
          'do not expose this port outside the internal network.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerHealthRoutes(app, deps, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  registerConsole(app, options.consoleDir ?? defaultConsoleDir());

  await app.register(
    async (api) => {
      // Every route below must say who may call it (checkRouteRoles throws at registration otherwise).
      api.addHook('onRoute', checkRouteRoles);
      api.addHook('onRequest', authenticateApi({ adminToken: deps.adminToken, users: deps.users, sessions: deps.consoleSessions }));
      api.addHook('onRequest', requireRouteRole());
      await api.register(async (jsonOnly) => {
        // Only the mapping upload takes text; elsewhere text/plain is refused with 415.
        jsonOnly.removeContentTypeParser('text/plain');
        registerOperationRoutes(jsonOnly, deps);
        registerDeadlineRoutes(jsonOnly, deps);
        registerStatusRoute(jsonOnly, deps, options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
        registerMappingReadRoutes(jsonOnly, deps);
        registerSessionRoutes(jsonOnly, deps);
        registerMappingEditorRoutes(jsonOnly, deps);
        registerPreviewDraftRoute(jsonOnly, deps);
        registerRetryCodeRoute(jsonOnly, deps);
      });
      await api.register(async (mappingUpload) => registerMappingWriteRoute(mappingUpload, deps));
    },
    { prefix: '/api' },
  );

  await registerBullBoard(app, deps, { writable: options.queueUiWritable === true });
  await app.ready();
  return app;
}

export { UI_PATH };
