// The emulator's own control API under /_emulator (no auth; not part of ПОС): seeding, raw
// injection, inspection, faults, settings, token expiry and reset. See README.md.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { generateAppeals, type SeedAppeal } from '../../../fixtures/generator.js';
import { appealSchema } from '../schemas.js';
import { messages, type EmulatorContext } from './context.js';
import { faultSpecSchema, rateLimitSchema } from './faults.js';
import type { StoredAppeal, StoredFile } from './types.js';

const seedFileJson = z.object({ name: z.string().min(1), contentType: z.string().optional(), data: z.string() });
const seedAppealJson = z.object({ id: z.number().int().positive(), attachments: z.array(seedFileJson).nullish() }).passthrough();
const seedBody = z.union([
  z.object({ appeals: z.array(seedAppealJson) }).strict(),
  z.object({
    generate: z.object({ count: z.number().int().min(0).max(100_000), seed: z.number().int().optional(), startId: z.number().int().positive().optional(), now: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date').optional() }).strict(),
  }).strict(),
]);
const rawBody = z.union([
  z.object({ appeals: z.array(z.record(z.string(), z.unknown())) }).strict(),
  z.object({ json: z.array(z.string()) }).strict(),
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
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
}

function fileMeta(file: StoredFile) {
  return { id: file.id, name: file.name, size: file.data.length, contentType: file.contentType, temporary: file.temporary, createdAt: file.createdAt };
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
      seed.attachments = attachments.map((file) => ({ name: file.name, contentType: file.contentType ?? 'application/octet-stream', data: Buffer.from(file.data, 'base64') }));
    }
    seeds.push(seed);
  }
  return problems.length ? { problems } : { seeds };
}

export function registerControlRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { state, faults } = ctx;

  const view = (appeal: StoredAppeal) => {
    const answerFileIds = new Set(appeal.history.flatMap((entry) => (entry.body.attachmentIds ?? []).map(String)));
    const filesOf = (ids: Iterable<string>) => [...ids].map((id) => state.files.get(id)).filter((f): f is StoredFile => f !== undefined).map(fileMeta);
    return {
      appeal: state.render(appeal, ctx.baseUrl()),
      raw: appeal.raw,
      accepted: appeal.accepted,
      acceptCount: appeal.acceptCount,
      acceptedAt: appeal.acceptedAt,
      firstServedAt: appeal.firstServedAt,
      finalAnswerAt: appeal.finalAnswerAt,
      history: appeal.history,
      attachments: filesOf(appeal.fileIds ?? []),
      answerFiles: filesOf(answerFileIds),
    };
  };

  app.post('/_emulator/appeals', async (request, reply) => {
    const body = seedBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    if ('generate' in body.data) {
      const { count, seed, startId, now } = body.data.generate;
      const generated = generateAppeals(count, { seed, startId: startId ?? state.nextId(), now: now ? new Date(now) : undefined });
      return { ids: state.seed(generated) };
    }
    const converted = toSeeds(body.data.appeals);
    if ('problems' in converted) return reply.code(400).send(messages(...converted.problems));
    return { ids: state.seed(converted.seeds) };
  });

  app.post('/_emulator/raw-appeals', async (request, reply) => {
    const body = rawBody.safeParse(request.body);
    if (!body.success) return reply.code(400).send(messages(...issues(body.error)));
    return { keys: 'json' in body.data ? state.seedRawJson(body.data.json) : state.seedRaw(body.data.appeals) };
  });

  app.get('/_emulator/appeals', async () =>
    [...state.appeals.values()].map((a) => ({
      key: a.key, id: a.record.id, raw: a.raw, accepted: a.accepted, acceptCount: a.acceptCount, answered: a.finalAnswerAt !== null, historyLength: a.history.length,
      firstServedAt: a.firstServedAt, acceptedAt: a.acceptedAt,
    })));

  app.get<{ Params: { id: string } }>('/_emulator/appeals/:id', async (request, reply) => {
    const appeal = state.find(request.params.id);
    return appeal ? view(appeal) : reply.code(404).send(messages(`no appeal ${request.params.id}`));
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
