// Liveness, readiness and Prometheus metrics. These answer without authentication so that
// orchestrators and Prometheus can call them: keep the admin port on an internal network.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describeError } from '../../errors.js';
import type { AdminDeps, HealthChecks } from '../deps.js';
import { authErrors, liveSchema, readinessSchema, statusSchema } from '../schemas.js';

/** What the unauthenticated readiness says of one dependency: up or not, and a code. */
export interface CheckResult {
  ok: boolean;
  /** Why it is not ready: TIMEOUT, UNAVAILABLE, or the bridge's error code (AUTH_FAILED, EDMS_REFERENCE_UNKNOWN, …). */
  code?: string;
  ms: number;
}

/** The same with the bridge's own (sanitized) message, for the authenticated GET /api/status only. */
export interface CheckDetail extends CheckResult {
  message?: string;
}

export interface ReadinessChecks<C> {
  redis: C;
  pos: C;
  edms: C;
  mapping?: C;
  organisations?: Record<string, C>;
}

const MAX_MESSAGE_LENGTH = 300;

class CheckTimeout extends Error {}

/** Runs one check with a deadline; a check that never settles counts as down. */
export async function runCheck(check: () => Promise<void>, timeoutMs: number): Promise<CheckDetail> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CheckTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(check), deadline]);
    return { ok: true, ms: ms() };
  } catch (error) {
    const { code, message } = describeError(error);
    const shown = error instanceof CheckTimeout ? 'TIMEOUT' : code === 'INTERNAL' ? 'UNAVAILABLE' : code;
    return { ok: false, code: shown, message: message.slice(0, MAX_MESSAGE_LENGTH), ms: ms() };
  } finally {
    clearTimeout(timer);
  }
}

async function checkOrganisations(checks: Record<string, () => Promise<void>>, timeoutMs: number): Promise<Record<string, CheckDetail>> {
  const entries = await Promise.all(Object.entries(checks).map(async ([key, check]) => [key, await runCheck(check, timeoutMs)] as const));
  return Object.fromEntries(entries);
}

export async function checkReadiness(health: HealthChecks, timeoutMs: number) {
  // With several organisations, ПОС is asked once per organisation and `pos` sums those answers up.
  const [redis, posAlone, edms, mapping, organisations] = await Promise.all([
    runCheck(() => health.redis(), timeoutMs),
    health.organisations ? undefined : runCheck(() => health.pos(), timeoutMs),
    runCheck(() => health.edms(), timeoutMs),
    health.mapping ? runCheck(() => health.mapping!(), timeoutMs) : undefined,
    health.organisations ? checkOrganisations(health.organisations, timeoutMs) : undefined,
  ]);
  const pos = posAlone ?? everyOrganisation(organisations!);
  const checks: ReadinessChecks<CheckDetail> = {
    redis,
    pos,
    edms,
    ...(mapping ? { mapping } : {}),
    ...(organisations ? { organisations } : {}),
  };
  const ready = [redis, pos, edms, ...(mapping ? [mapping] : [])].every((check) => check.ok);
  return { status: ready ? ('ready' as const) : ('not_ready' as const), checks };
}

/** ПОС is ready when every organisation reaches it; otherwise the first failure's code, naming them all. */
function everyOrganisation(organisations: Record<string, CheckDetail>): CheckDetail {
  const down = Object.entries(organisations).filter(([, check]) => !check.ok);
  const ms = Math.max(0, ...Object.values(organisations).map((check) => check.ms));
  if (down.length === 0) return { ok: true, ms };
  return {
    ok: false,
    code: down[0]![1].code,
    message: `ПОС refused or did not answer for organisation(s) ${down.map(([key]) => key).join(', ')}`,
    ms,
  };
}

/** Readiness without messages: an upstream's or the mapping's text never reaches an unauthenticated caller. */
function publicView(checks: ReadinessChecks<CheckDetail>): ReadinessChecks<CheckResult> {
  const hide = ({ message: _hidden, ...shown }: CheckDetail): CheckResult => shown;
  const organisations =
    checks.organisations && Object.fromEntries(Object.entries(checks.organisations).map(([key, check]) => [key, hide(check)]));
  return {
    redis: hide(checks.redis),
    pos: hide(checks.pos),
    edms: hide(checks.edms),
    ...(checks.mapping ? { mapping: hide(checks.mapping) } : {}),
    ...(organisations ? { organisations } : {}),
  };
}

export function registerHealthRoutes(app: FastifyInstance, deps: AdminDeps, readyTimeoutMs: number): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/health/live',
    {
      schema: { tags: ['health'], summary: 'Liveness: 200 while the process serves', response: { 200: liveSchema } },
    },
    async () => ({ status: 'live' as const }),
  );

  typed.get(
    '/health/ready',
    {
      schema: {
        tags: ['health'],
        summary:
          "Readiness: Redis, ПОС and the EDMS answer, and the mapping's values are in the EDMS; which is not, with a code (details: GET /api/status)",
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const result = await checkReadiness(deps.health, readyTimeoutMs);
      return reply.code(result.status === 'ready' ? 200 : 503).send({ status: result.status, checks: publicView(result.checks) });
    },
  );

  typed.get(
    '/metrics',
    {
      schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
    },
    async (_request, reply) => {
      if (deps.refreshGauges) {
        try {
          await deps.refreshGauges();
        } catch (error) {
          // Stale gauges beat no metrics at all: a Redis hiccup must not blind the monitoring.
          deps.logger.warn({ err: describeError(error) }, 'could not refresh queue gauges for /metrics');
        }
      }
      const text = deps.exposition ? await deps.exposition() : await deps.metrics.registry.metrics();
      return reply.type(deps.metrics.registry.contentType).send(text);
    },
  );
}

/** GET /api/status (authenticated): readiness with the bridge's messages, and the mapping's EDMS check. */
export function registerStatusRoute(api: FastifyInstance, deps: AdminDeps, readyTimeoutMs: number): void {
  api.withTypeProvider<ZodTypeProvider>().get(
    '/status',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['health'],
        summary: 'Readiness with reasons, and which mapping values the EDMS lacks (file:line:col)',
        security: [{ bearerAuth: [] }],
        response: { 200: statusSchema, ...authErrors },
      },
    },
    async () => {
      const [readiness, mapping] = await Promise.all([
        checkReadiness(deps.health, readyTimeoutMs),
        deps.mappingCheck ? deps.mappingCheck() : null,
      ]);
      return { status: readiness.status, checks: readiness.checks, mapping };
    },
  );
}
