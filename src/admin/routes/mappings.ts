// Mapping administration: list, read, replace (validated, versioned, applied without restart),
// preview against an appeal, and history. Registered inside the bearer-authenticated /api scope.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { appealSchema } from '../../pos/schemas.js';
import { audit } from '../audit-of.js';
import type { AdminDeps, MappingProblemView } from '../deps.js';
import { ADMIN_TOKEN_PRINCIPAL, principalOf } from '../principal.js';
import {
  ADMIN_USER_HEADER,
  DEFAULT_AUTHOR,
  adminUserHeaders,
  authErrors,
  errorSchema,
  historyEntrySchema,
  mappingInvalidSchema,
  mappingNameParams,
  mappingSavedSchema,
  mappingSummarySchema,
  mappingWithSourceSchema,
  previewFailedSchema,
  previewSchema,
  putMappingBody,
  putMappingQuery,
} from '../schemas.js';

const security = [{ bearerAuth: [] }];

/** Media types whose body is the mapping file itself rather than JSON. */
export const MAPPING_TEXT_TYPES = ['text/yaml', 'application/yaml', 'application/x-yaml', 'text/plain'];

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export function describeProblems(problems: MappingProblemView[]): string {
  const first = problems[0];
  if (!first) return 'the mapping is not valid';
  const where = `${first.file}:${first.line}:${first.column}`;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
  return `the mapping is not valid: ${where} ${first.message}${more}`;
}

const noMapping = (name: string) => ({ error: 'not_found', message: `no mapping named ${name}` });

/** Routes whose bodies are JSON only. */
export function registerMappingReadRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.get(
    '/mappings',
    {
      config: { role: 'viewer' },
      schema: { tags: ['mappings'], summary: 'Mappings in use', security, response: { 200: mappingSummarySchema.array(), ...authErrors } },
    },
    async () => deps.mappings.list(),
  );

  typed.get(
    '/mappings/:name',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mappings'],
        summary: 'One mapping with its source',
        security,
        params: mappingNameParams,
        response: { 200: mappingWithSourceSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const mapping = await deps.mappings.get(request.params.name);
      return mapping ?? reply.code(404).send(noMapping(request.params.name));
    },
  );

  typed.get(
    '/mappings/:name/history',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mappings'],
        summary: 'Who changed the mapping, when, and what (unified diff)',
        security,
        params: mappingNameParams,
        response: { 200: historyEntrySchema.array(), 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const history = await deps.mappings.history(name);
      if (history.length === 0 && !(await deps.mappings.get(name))) return reply.code(404).send(noMapping(name));
      return history;
    },
  );

  typed.post(
    '/mappings/:name/preview',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mappings'],
        summary: 'The EDMS record the mapping makes from a ПОС appeal (nothing is saved or sent)',
        description: 'The body is a ПОС appeal as the ПОС API returns it; fields ПОС may add are passed through to the mapping.',
        security,
        params: mappingNameParams,
        body: appealSchema,
        response: { 200: previewSchema, 404: errorSchema, 422: previewFailedSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!(await deps.mappings.get(name))) return reply.code(404).send(noMapping(name));
      const result = await deps.mappings.preview(name, request.body);
      if ('problems' in result) {
        return reply.code(422).send({
          error: 'mapping_failed',
          message: `the mapping cannot map this appeal: ${result.problems[0] ?? 'unknown problem'}`,
          problems: result.problems,
        });
      }
      return { record: result.record, warnings: result.warnings };
    },
  );
}

/** PUT takes the YAML file as it is, or JSON `{source, author?}`. */
export function registerMappingWriteRoute(app: FastifyInstance, deps: AdminDeps): void {
  app.addContentTypeParser(['text/yaml', 'application/yaml', 'application/x-yaml'], { parseAs: 'string' }, (_request, body, done) => {
    done(null, body);
  });
  const typed = app.withTypeProvider<ZodTypeProvider>();

  typed.put(
    '/mappings/:name',
    {
      config: { role: 'mapping-editor' },
      schema: {
        tags: ['mappings'],
        summary: 'Validate, check against the EDMS, save (keeping history) and apply a mapping without restart',
        description:
          'Values the EDMS directories lack (document kinds, departments, questions, …) answer 400 with their lines unless ?force=true; ' +
          'when the EDMS cannot be reached the mapping is applied with a warning that it was not checked. ' +
          `Send the YAML file with Content-Type ${MAPPING_TEXT_TYPES.join(', ')}, or JSON {source, author?, comment?}. ` +
          `The author is taken from the JSON body, else the ${ADMIN_USER_HEADER} header, else "${DEFAULT_AUTHOR}".`,
        security,
        params: mappingNameParams,
        querystring: putMappingQuery,
        headers: adminUserHeaders,
        body: putMappingBody,
        response: { 200: mappingSavedSchema, 400: mappingInvalidSchema.or(errorSchema), 401: errorSchema, 500: errorSchema },
      },
      // The text forms become `{source}` before validation, so one schema checks every form.
      preValidation: async (request) => {
        if (typeof request.body === 'string' && MAPPING_TEXT_TYPES.includes(mediaType(request))) {
          request.body = { source: request.body };
        }
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      // A user is the author; only scripts on the shared ADMIN_TOKEN may name one.
      const principal = principalOf(request);
      const shared = principal.name === ADMIN_TOKEN_PRINCIPAL && principal.via === 'token';
      const author = shared ? (request.body.author ?? request.headers[ADMIN_USER_HEADER] ?? DEFAULT_AUTHOR) : principal.name;
      const { comment } = request.body;
      const saved = await deps.mappings.put(name, request.body.source, author, {
        force: request.query.force === 'true',
        ...(comment ? { comment } : {}),
      });
      if (!saved.ok) {
        if (saved.reason === 'edms') {
          const first = saved.problems[0]!;
          const message = `the EDMS lacks ${saved.problems.length} value(s) of this mapping: ${first.file}:${first.line}:${first.column} ${first.message}; fix them or send ?force=true`;
          return reply.code(400).send({ error: 'mapping_references_unknown', message, problems: saved.problems });
        }
        return reply.code(400).send({ error: 'mapping_invalid', message: describeProblems(saved.problems), problems: saved.problems });
      }
      await audit(deps, request, { action: 'mapping.apply', target: name, details: { version: saved.version } });
      return saved.warnings?.length ? { version: saved.version, warnings: saved.warnings } : { version: saved.version };
    },
  );
}
