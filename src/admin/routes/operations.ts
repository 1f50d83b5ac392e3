// Operator routes about appeals and jobs: one appeal's story, an immediate pull, the failed list
// and queue counts. Registered inside the bearer-authenticated /api scope.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audit } from '../audit-of.js';
import type { AdminDeps } from '../deps.js';
import {
  appealViewSchema,
  authErrors,
  emptyBody,
  errorSchema,
  failedIdParams,
  failedJobSchema,
  failedQuerySchema,
  posIdParams,
  queueCountsSchema,
  retriedSchema,
  syncStartedSchema,
} from '../schemas.js';

const security = [{ bearerAuth: [] }];

export function registerOperationRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/appeals/:posId',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['appeals'],
        summary: 'What the bridge knows of one appeal: EDMS id, registration, state, statuses pushed',
        security,
        params: posIdParams,
        response: { 200: appealViewSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { posId } = request.params;
      const view = await deps.appeals.get(posId);
      if (!view) return reply.code(404).send({ error: 'not_found', message: `the bridge knows no appeal ${posId}` });
      return view;
    },
  );

  typed.post(
    '/sync',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['appeals'],
        summary: 'Start a pull from ПОС now',
        security,
        body: emptyBody,
        response: { 202: syncStartedSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const started = await deps.sync.trigger();
      await audit(deps, request, { action: 'sync.start', details: { jobId: started.jobId } });
      return reply.code(202).send({ jobId: started.jobId });
    },
  );

  typed.get(
    '/failed',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['failed jobs'],
        summary: "Jobs that ran out of retries, with their last error (?organisation=KEY: one ЛКО's)",
        security,
        querystring: failedQuerySchema,
        response: { 200: failedJobSchema.array(), ...authErrors },
      },
    },
    async (request, reply) => {
      const { organisation } = request.query;
      if (organisation && deps.failed.organisations && !deps.failed.organisations.includes(organisation)) {
        return reply.code(400).send({
          error: 'unknown_organisation',
          message: `no organisation ${organisation} (known: ${deps.failed.organisations.join(', ')})`,
        });
      }
      return deps.failed.list(organisation ? { organisation } : undefined);
    },
  );

  typed.post(
    '/failed/:id/retry',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['failed jobs'],
        summary: 'Run a failed job again',
        security,
        params: failedIdParams,
        body: emptyBody,
        response: { 200: retriedSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await deps.failed.retry(id))) return reply.code(404).send({ error: 'not_found', message: `no failed job ${id}` });
      await audit(deps, request, { action: 'failed.retry', target: id });
      return { id, retried: true as const };
    },
  );

  typed.delete(
    '/failed/:id',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['failed jobs'],
        summary: 'Drop a failed job for good',
        security,
        params: failedIdParams,
        body: emptyBody,
        response: { 204: z.null().describe('Removed'), 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      if (!(await deps.failed.remove(id))) return reply.code(404).send({ error: 'not_found', message: `no failed job ${id}` });
      await audit(deps, request, { action: 'failed.drop', target: id });
      return reply.code(204).send(null);
    },
  );

  typed.get(
    '/queues',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['queues'],
        summary: 'Job counts per queue and state',
        security,
        response: { 200: queueCountsSchema, ...authErrors },
      },
    },
    async () => deps.queues.counts(),
  );
}
