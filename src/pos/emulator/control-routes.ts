// The emulator's own control API under /_emulator (no auth; not part of ПОС): organisations,
// seeding, raw injection, inspection, faults, settings, token expiry and reset. See README.md.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateAppeals, type SeedAppeal } from '../../../fixtures/generator.js';
import { appealSchema } from '../schemas.js';
import { messages, type EmulatorContext } from './context.js';
import { appealSummary, appealView } from './control-views.js';
import { faultSpecSchema, rateLimitSchema } from './faults.js';
import { organisationView } from './organisations.js';
import { issueLines } from '../../zod-issues.js';

/** Seeds name their organisation by clientId; absent means the first one. */
const organisationField = z.string().min(1).optional();
const organisationBody = z
  .object({
    clientId: z.string().min(1),
    secret: z.string().min(1),
    opaId: z.number().int().positive().optional(),
    opaName: z.string().min(1).optional(),
  })
  .strict();
const seedFileJson = z.object({ name: z.string().min(1), contentType: z.string().optional(), data: z.string() });
const seedAppealJson = z.object({ id: z.number().int().positive(), attachments: z.array(seedFileJson).nullish() }).passthrough();
const seedBody = z.union([
  z.object({ appeals: z.array(seedAppealJson), organisation: organisationField }).strict(),
  z
    .object({
      generate: z
        .object({
          count: z.number().int().min(0).max(100_000),
          seed: z.number().int().optional(),
          startId: z.number().int().positive().optional(),
          now: z
            .string()
            .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date')
            .optional(),
          organisation: organisationField,
        })
        .strict(),
    })
    .strict(),
]);
const rawBody = z.union([
  z.object({ appeals: z.array(z.record(z.string(), z.unknown())), organisation: organisationField }).strict(),
  z.object({ json: z.array(z.string()), organisation: organisationField }).strict(),
]);
const faultBody = z.union([faultSpecSchema, z.object({ faults: z.array(faultSpecSchema) }).strict()]);
const settingsBody = z
  .object({
    forcePageSize: z.number().int().positive().nullable(),
    tokenTtlSeconds: z.number().positive(),
    maxPageSize: z.number().int().positive(),
    rateLimit: rateLimitSchema.nullable(),
    maxUploadBytes: z.number().int().positive(),
  })
  .partial()
  .strict();

function issues(error: z.ZodError): string[] {
  return issueLines(error, '(body)');
}

/** Seeds from JSON: base64 attachments to bytes, and each appeal checked against the ПОС schema. */
function toSeeds(appeals: z.infer<typeof seedAppealJson>[]): { seeds: SeedAppeal[] } | { problems: string[] } {
  const seeds: SeedAppeal[] = [];
  const problems: string[] = [];
  for (const json of appeals) {
    const { attachments, ...rest } = json;
    const checked = appealSchema.safeParse(rest);
    if (!checked.success) {
      problems.push(...issues(checked.error).map((text) => `appeal ${json.id}: ${text}`));
      continue;
    }
    const { attachments: _none, ...fields } = checked.data;
    const seed: SeedAppeal = { ...fields };
    if (attachments) {
      seed.attachments = attachments.map((file) => ({
        name: file.name,
        contentType: file.contentType ?? 'application/octet-stream',
        data: Buffer.from(file.data, 'base64'),
      }));
    }
    seeds.push(seed);
  }
  return problems.length ? { problems } : { seeds };
}

export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state, faults } = ctx;
  const unknownOrganisation = (clientId: string | undefined) =>
    clientId !== undefined && !state.organisations.get(clientId) ? messages(`organisation: unknown organisation ${clientId}`) : undefined;

  app.get('/_emulator/organisations', async () => state.organisations.all().map(organisationView));
  app.post('/_emulator/organisations', async (request, reply) => {
    const body = organisationBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    const added = state.organisations.add(body.data);
    if (!added.ok) return reply.code(409).send(messages(added.message));
    return reply.code(201).send(organisationView(body.data));
  });

  app.post('/_emulator/appeals', async (request, reply) => {
    const body = seedBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    const organisation = 'generate' in body.data ? body.data.generate.organisation : body.data.organisation;
    const unknown = unknownOrganisation(organisation);
    if (unknown) return reply.code(400).send(unknown);
    if ('generate' in body.data) {
      const { count, seed, startId, now } = body.data.generate;
      const generated = generateAppeals(count, { seed, startId: startId ?? state.nextId(), now: now ? new Date(now) : undefined });
      return { ids: state.seed(generated, organisation) };
    }
    const converted = toSeeds(body.data.appeals);
    if ('problems' in converted) return reply.code(400).send(messages(...converted.problems));
    return { ids: state.seed(converted.seeds, organisation) };
  });

  app.post('/_emulator/raw-appeals', async (request, reply) => {
    const body = rawBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    const { organisation } = body.data;
    const unknown = unknownOrganisation(organisation);
    if (unknown) return reply.code(400).send(unknown);
    return { keys: 'json' in body.data ? state.seedRawJson(body.data.json, organisation) : state.seedRaw(body.data.appeals, organisation) };
  });

  app.get('/_emulator/appeals', async () => [...state.appeals.values()].map(appealSummary));

  app.get<{ Params: { id: string } }>('/_emulator/appeals/:id', async (request, reply) => {
    const appeal = state.find(request.params.id);
    return appeal ? appealView(state, appeal, ctx.baseUrl()) : reply.code(404).send(messages(`no appeal ${request.params.id}`));
  });

  app.get<{ Params: { id: string } }>('/_emulator/files/:id', async (request, reply) => {
    const file = state.files.get(request.params.id);
    if (!file) return reply.code(404).send(messages(`no file ${request.params.id}`));
    return reply.header('Content-Type', file.contentType).header('X-File-Name', encodeURIComponent(file.name)).send(file.data);
  });

  app.get('/_emulator/stats', async () => state.stats());

  app.get('/_emulator/faults', async () => faults.list());
  app.post('/_emulator/faults', async (request, reply) => {
    const body = faultBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    const specs = 'faults' in body.data ? body.data.faults : [body.data];
    return { faults: specs.map((spec) => faults.add(spec)) };
  });
  app.delete('/_emulator/faults', async (_request, reply) => {
    faults.clear();
    return reply.code(204).send();
  });

  app.get('/_emulator/settings', async () => state.settings);
  app.patch('/_emulator/settings', async (request, reply) => {
    const body = settingsBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    return state.applySettings(body.data);
  });

  app.post('/_emulator/tokens/expire', async () => ({ expired: state.expireTokens() }));

  app.post('/_emulator/reset', async (_request, reply) => {
    state.reset();
    faults.clear();
    return reply.code(204).send();
  });
}
