// The appeals about to miss (or past) the deadline promised in ПОС: the agency's rating counts
// answers given on time. Registered inside the bearer-authenticated /api scope.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseWindow } from '../../pipeline/deadline-days.js';
import type { AdminDeps } from '../deps.js';
import { authErrors, deadlinesQuerySchema, deadlinesSchema } from '../schemas.js';

export function registerDeadlineRoutes(app: FastifyInstance, deps: AdminDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/deadlines',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['appeals'],
        summary: 'Appeals registered but not finally answered whose ПОС deadline is within the window, overdue included',
        security: [{ bearerAuth: [] }],
        querystring: deadlinesQuerySchema,
        response: { 200: deadlinesSchema, ...authErrors },
      },
    },
    // The query schema has checked the window already.
    async (request) => deps.deadlines.list(parseWindow(request.query.within)!),
  );
}
