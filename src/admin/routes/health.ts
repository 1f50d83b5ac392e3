// Liveness, readiness and Prometheus metrics. These answer without authentication so that
// orchestrators and Prometheus can call them: keep the admin port on an internal network.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describeError } from '../../errors.js';
import type { AdminDeps, HealthChecks } from '../deps.js';
import { liveSchema, readinessSchema } from '../schemas.js';

export interface CheckResult {
  ok: boolean;
  error?: string;
  /** The coded reason, where a check reports one (the EDMS). */
  code?: string;
  ms: number;
}

const MAX_ERROR_LENGTH = 300;

/** Runs one check with a deadline; a check that never settles counts as down. */
export async function runCheck(check: () => Promise<void>, timeoutMs: number, withCode = false): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(check), deadline]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const { code, message } = describeError(error);
    const text = code === 'INTERNAL' ? message : `${code}: ${message}`;
    const coded = withCode && code !== 'INTERNAL' ? { code } : {};
    return { ok: false, error: text.slice(0, MAX_ERROR_LENGTH), ...coded, ms: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(health: HealthChecks, timeoutMs: number) {
  const [redis, pos, edms] = await Promise.all([
    runCheck(() => health.redis(), timeoutMs),
    runCheck(() => health.pos(), timeoutMs),
    runCheck(() => health.edms(), timeoutMs, true),
  ]);
  const ready = redis.ok && pos.ok && edms.ok;
  return { status: ready ? ('ready' as const) : ('not_ready' as const), checks: { redis, pos, edms } };
}

export function registerHealthRoutes(app: FastifyInstance, deps: AdminDeps, readyTimeoutMs: number): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get('/health/live', {
    schema: { tags: ['health'], summary: 'Liveness: 200 while the process serves', response: { 200: liveSchema } },
  }, async () => ({ status: 'live' as const }));

  typed.get('/health/ready', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: Redis, ПОС and the EDMS each answer within the timeout',
      response: { 200: readinessSchema, 503: readinessSchema },
    },
  }, async (_request, reply) => {
    const result = await checkReadiness(deps.health, readyTimeoutMs);
    return reply.code(result.status === 'ready' ? 200 : 503).send(result);
  });

  typed.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
  }, async (_request, reply) => {
    if (deps.refreshGauges) {
      try {
        await deps.refreshGauges();
      } catch (error) {
        // Stale gauges beat no metrics at all: a Redis hiccup must not blind the monitoring.
        deps.logger.warn({ err: describeError(error) }, 'could not refresh queue gauges for /metrics');
      }
    }
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });
}
