// POST /api/failed/retry: every failed entry with one error code run again, e.g. all the
// MAPPING_FAILED appeals once the mapping is fixed. Registered inside the authenticated /api scope.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { audit } from '../audit-of.js';
import type { AdminDeps } from '../deps.js';
import { retriedCodeSchema, retryCodeBody } from '../editor-schemas.js';
import { authErrors } from '../schemas.js';

const security = [{ bearerAuth: [] }];

async function retryEach(deps: AdminDeps, code: string, organisation?: string): Promise<string[]> {
  const ids: string[] = [];
  for (const entry of await deps.failed.list(organisation ? { organisation } : undefined)) {
    if (entry.error.code === code && (await deps.failed.retry(entry.id))) ids.push(entry.id);
  }
  return ids;
}

export function registerRetryCodeRoute(app: FastifyInstance, deps: AdminDeps): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/failed/retry',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['failed jobs'],
        summary: 'Run again every failed job with this error code (optionally of one organisation)',
        security,
        body: retryCodeBody,
        response: { 200: retriedCodeSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { code, organisation } = request.body;
      if (organisation && deps.failed.organisations && !deps.failed.organisations.includes(organisation)) {
        return reply.code(400).send({
          error: 'unknown_organisation',
          message: `no organisation ${organisation} (known: ${deps.failed.organisations.join(', ')})`,
        });
      }
      const filter = organisation ? { organisation } : undefined;
      const ids = deps.failed.retryCode ? await deps.failed.retryCode(code, filter) : await retryEach(deps, code, organisation);
      await audit(deps, request, {
        action: 'failed.retry-code',
        target: code,
        details: { retried: ids.length, ...(organisation ? { organisation } : {}) },
      });
      return { code, retried: ids.length, ids };
    },
  );
}
