// POST /api/mappings/:name/preview-draft: the record a draft (or the applied version) makes of a
// shipped fixture, a pasted ПОС appeal, or an appeal the bridge holds. Personal fields are masked
// before mapping, so neither the appeal shown nor the record holds them, unless a mapping editor
// asks to unmask; every unmasked view is audited before it is answered.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { appealSchema, type PosAppeal } from '../../pos/schemas.js';
import { issueLines } from '../../zod-issues.js';
import { auditInput } from '../audit-of.js';
import type { AdminDeps } from '../deps.js';
import { previewDraftBody, previewDraftSchema, problemsErrorSchema } from '../editor-schemas.js';
import { fixtureSource } from '../fixtures.js';
import { maskAppeal } from '../mask.js';
import { principalOf, roleAllows } from '../principal.js';
import { errorSchema, mappingNameParams, previewFailedSchema } from '../schemas.js';
import { describeProblems } from './mappings.js';

const security = [{ bearerAuth: [] }];

type AppealChoice = z.infer<typeof previewDraftBody>['appeal'];
type Resolved = { appeal: PosAppeal; source: 'fixture' | 'pasted' | 'held' } | { status: 400 | 404; error: string; message: string };

const DESCRIPTION =
  'The appeal is one of: `{fixture: id}` (GET /api/fixtures), `{pasted: <ПОС appeal>}` (400 if it is not one), or ' +
  '`{posId}`: an appeal the bridge holds, decrypted on the server with DATA_KEY. The bridge keeps an appeal only sealed ' +
  'inside its register job, so a held appeal can be previewed while BullMQ keeps that job: JOB_KEEP_COMPLETED_AGE ' +
  '(default 24 h) after registration, and a failed one until it is retried or dropped; after that the answer is 404 ' +
  '"no longer held". Applicants\' names, phones, e-mails and addresses are masked in the appeal before mapping (so ' +
  'in the record too) unless `unmask: true`, which needs the mapping-editor role and is audited (appeal.unmask).';

async function resolveAppeal(deps: AdminDeps, choice: AppealChoice, fixtures: ReturnType<typeof fixtureSource>): Promise<Resolved> {
  if ('fixture' in choice) {
    const raw = fixtures.get(choice.fixture);
    if (raw === null) return { status: 404, error: 'not_found', message: `no fixture ${choice.fixture} (see GET /api/fixtures)` };
    return parsed(raw, 'fixture', `fixture ${choice.fixture}`);
  }
  if ('pasted' in choice) return parsed(choice.pasted, 'pasted', 'the pasted appeal');
  const { posId } = choice;
  const held = await deps.appeals.held?.(posId);
  if (!held) return { status: 404, error: 'not_found', message: `the bridge knows no appeal ${posId}` };
  if ('gone' in held) {
    return {
      status: 404,
      error: 'not_found',
      message: `the bridge no longer holds appeal ${posId}: it keeps an appeal only while its register job is kept (JOB_KEEP_COMPLETED_AGE after registration); paste it instead`,
    };
  }
  return parsed(held.appeal, 'held', `appeal ${posId}`);
}

function parsed(raw: unknown, source: 'fixture' | 'pasted' | 'held', what: string): Resolved {
  const result = appealSchema.safeParse(raw);
  if (result.success) return { appeal: result.data, source };
  // Zod's lines name paths and rules, never the values.
  return {
    status: 400,
    error: 'validation_failed',
    message: `${what} is not a ПОС appeal: ${issueLines(result.error, '(appeal)').join('; ')}`,
  };
}

const forbidden = (reply: FastifyReply, who: string, role: string) =>
  reply.code(403).send({ error: 'forbidden', message: `${who} is a ${role}; unmasking personal fields needs the mapping-editor role` });

export function registerPreviewDraftRoute(app: FastifyInstance, deps: AdminDeps): void {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const fixtures = deps.fixtures ?? fixtureSource();

  typed.post(
    '/mappings/:name/preview-draft',
    {
      // Masked previews are a viewer's; `unmask: true` is checked in the handler (mapping-editor).
      config: { role: 'viewer' },
      schema: {
        tags: ['mapping editor'],
        summary: 'The EDMS record a draft makes from a fixture, a pasted appeal or one the bridge holds (nothing is saved or sent)',
        description: DESCRIPTION,
        security,
        params: mappingNameParams,
        body: previewDraftBody,
        response: {
          200: previewDraftSchema,
          400: problemsErrorSchema.or(errorSchema),
          403: errorSchema,
          404: errorSchema,
          422: previewFailedSchema,
          401: errorSchema,
          500: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      const { source, appeal: choice, unmask = false } = request.body;
      const principal = principalOf(request);
      if (unmask && !roleAllows(principal.role, 'mapping-editor')) return forbidden(reply, principal.name, principal.role);
      if (!(await deps.mappings.get(name))) return reply.code(404).send({ error: 'not_found', message: `no mapping named ${name}` });

      const resolved = await resolveAppeal(deps, choice, fixtures);
      if ('status' in resolved) return reply.code(resolved.status).send({ error: resolved.error, message: resolved.message });
      const shown = unmask ? resolved.appeal : maskAppeal(resolved.appeal);

      const result = await deps.mappings.previewDraft(name, shown, source);
      if ('invalid' in result) {
        return reply.code(400).send({ error: 'mapping_invalid', message: describeProblems(result.invalid), problems: result.invalid });
      }
      if ('problems' in result) {
        return reply.code(422).send({
          error: 'mapping_failed',
          message: `the mapping cannot map this appeal: ${result.problems[0] ?? 'unknown problem'}`,
          problems: result.problems,
        });
      }
      if (unmask) {
        // Before the answer, and failing it when it cannot be written: no unaudited view of personal data.
        await deps.audit.record(
          auditInput(request, {
            action: 'appeal.unmask',
            target: String(resolved.appeal.id),
            details: { mapping: name, source: resolved.source },
          }),
        );
      }
      return { record: result.record, warnings: result.warnings, masked: !unmask, appeal: shown };
    },
  );
}
