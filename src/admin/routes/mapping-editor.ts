// The console's mapping editor: check a draft (the compiler of `pos-bridge mappings check`, then
// the shipped fixtures mapped in the bounded evaluation thread), check it against the EDMS, diff it
// against the applied version, roll back to a version of the history, and list the fixtures the
// previews can use. Registered inside the authenticated /api scope.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { audit } from '../audit-of.js';
import type { AdminDeps } from '../deps.js';
import {
  checkResultSchema,
  diffSchema,
  draftBody,
  edmsCheckResultSchema,
  fixtureSchema,
  problemsErrorSchema,
  rollbackBody,
  versionSchema,
} from '../editor-schemas.js';
import { fixtureSource } from '../fixtures.js';
import { principalOf } from '../principal.js';
import { authErrors, errorSchema, mappingNameParams } from '../schemas.js';
import { describeProblems } from './mappings.js';

const security = [{ bearerAuth: [] }];
const noMapping = (name: string) => ({ error: 'not_found', message: `no mapping named ${name}` });

export function registerMappingEditorRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const fixtures = deps.fixtures ?? fixtureSource();
  const exists = async (name: string) => (await deps.mappings.get(name)) !== null;

  typed.post(
    '/mappings/:name/check',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mapping editor'],
        summary: 'Check a draft without applying it: located problems, as `pos-bridge mappings check` reports them',
        description:
          'A draft that compiles is also mapped onto every shipped fixture (GET /api/fixtures) in a worker thread stopped at ' +
          'MAPPING_TIMEOUT, so a runaway expression comes back as a located MAPPING_TIMEOUT problem and the API goes on answering.',
        security,
        params: mappingNameParams,
        body: draftBody,
        response: { 200: checkResultSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!(await exists(name))) return reply.code(404).send(noMapping(name));
      return deps.mappings.check(name, request.body.source);
    },
  );

  typed.post(
    '/mappings/:name/check-edms',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mapping editor'],
        summary: "Check a draft's values against the live EDMS (`mappings check --against-edms`); reads only",
        security,
        params: mappingNameParams,
        body: draftBody,
        response: { 200: edmsCheckResultSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (!(await exists(name))) return reply.code(404).send(noMapping(name));
      if (!deps.mappings.checkAgainstEdms) {
        return { ok: true, problems: [], notes: ['this bridge process has no EDMS to check against'], checked: false };
      }
      return deps.mappings.checkAgainstEdms(name, request.body.source);
    },
  );

  typed.post(
    '/mappings/:name/diff',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mapping editor'],
        summary: 'A draft against the applied version: the unified diff the history would show',
        security,
        params: mappingNameParams,
        body: draftBody,
        response: { 200: diffSchema, 404: errorSchema, ...authErrors },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const diff = await deps.mappings.diff(name, request.body.source);
      return diff ?? reply.code(404).send(noMapping(name));
    },
  );

  typed.post(
    '/mappings/:name/rollback',
    {
      config: { role: 'mapping-editor' },
      schema: {
        tags: ['mapping editor'],
        summary: 'Apply a version of the history again, as a new version (history and audit show it)',
        description:
          'The version is one listed by GET /api/mappings/:name/history; the author is the caller. Entries saved before the ' +
          'history kept sources are rebuilt from the diffs after them (409 when that does not give the version exactly).',
        security,
        params: mappingNameParams,
        body: rollbackBody,
        response: {
          200: versionSchema,
          400: problemsErrorSchema.or(errorSchema),
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
          500: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { version, comment } = request.body;
      const current = await deps.mappings.get(name);
      if (!current) return reply.code(404).send(noMapping(name));
      const result = await deps.mappings.rollback(name, version, principalOf(request).name, comment);
      if (!result.ok) {
        if ('reason' in result && result.reason === 'unknown-version') {
          return reply.code(404).send({ error: 'not_found', message: `mapping ${name} has no version ${version} in its history` });
        }
        if ('reason' in result) {
          return reply.code(409).send({
            error: 'conflict',
            message: `version ${version} of ${name} was saved before the history kept sources and its diffs do not rebuild it exactly; apply its file with PUT instead`,
          });
        }
        return reply.code(400).send({ error: 'mapping_invalid', message: describeProblems(result.problems), problems: result.problems });
      }
      await audit(deps, request, { action: 'mapping.rollback', target: name, details: { from: current.version, to: result.version } });
      return { version: result.version };
    },
  );

  typed.get(
    '/fixtures',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['mapping editor'],
        summary: 'Shipped ПОС appeal fixtures to preview mappings with (made-up applicants)',
        security,
        response: { 200: fixtureSchema.array(), ...authErrors },
      },
    },
    async () => fixtures.list(),
  );
}
