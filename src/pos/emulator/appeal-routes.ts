// appeal-service: the pull queue (Spring page), mark-accepted and the status/answer post
// (pos-edms-api.md §2–4), each seen from the organisation the bearer token was issued to.
import type { FastifyInstance } from 'fastify';
import { applyAnswer } from './answers.js';
import { requireCaller } from './auth-routes.js';
import { messages, notYours, type EmulatorContext } from './context.js';

const DEFAULT_PAGE_SIZE = 20;

/** Spring's Pageable resolution: odd or negative values fall back to defaults rather than failing. */
function pageRequest(query: unknown, maxPageSize: number, forced: number | null): { page: number; size: number } {
  const params = query && typeof query === 'object' ? (query as Record<string, unknown>) : {};
  const asInt = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined);
  const page = asInt(params.page) ?? 0;
  const asked = asInt(params.size);
  const size = forced ?? Math.min(asked && asked > 0 ? asked : DEFAULT_PAGE_SIZE, maxPageSize);
  return { page, size };
}

const UNSORTED = { empty: true, sorted: false, unsorted: true };

export function registerAppealRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get('/appeal-service/edms', async (request, reply) => {
    const caller = requireCaller(ctx, request, reply);
    if (!caller) return reply;
    const { page, size } = pageRequest(request.query, ctx.state.settings.maxPageSize, ctx.state.settings.forcePageSize);
    const pending = ctx.state.pending(caller.clientId);
    const served = pending.slice(page * size, page * size + size);
    const now = new Date().toISOString();
    for (const appeal of served) appeal.firstServedAt ??= now;
    const texts = new Map<string, string>();
    const content = served.map((appeal) => {
      if (appeal.rawJson === undefined) return ctx.state.render(appeal, ctx.baseUrl());
      const placeholder = `\u0000raw-json-${appeal.seq}`;
      texts.set(JSON.stringify(placeholder), appeal.rawJson);
      return placeholder;
    });
    const totalPages = Math.ceil(pending.length / size);
    const body = {
      content,
      pageable: { sort: UNSORTED, offset: page * size, pageNumber: page, pageSize: size, paged: true, unpaged: false },
      last: page >= totalPages - 1,
      totalPages,
      totalElements: pending.length,
      size,
      number: page,
      sort: UNSORTED,
      first: page === 0,
      numberOfElements: content.length,
      empty: content.length === 0,
    };
    if (texts.size === 0) return body;
    // Raw JSON elements go into the page text verbatim (see PosEmulatorState.seedRawJson).
    let text = JSON.stringify(body);
    for (const [placeholder, raw] of texts) text = text.split(placeholder).join(raw);
    return reply.type('application/json').send(text);
  });

  app.post<{ Params: { id: string } }>('/appeal-service/edms/:id/mark-accepted', async (request, reply) => {
    const caller = requireCaller(ctx, request, reply);
    if (!caller) return reply;
    const appeal = ctx.state.find(request.params.id);
    if (!appeal) return reply.code(404).send(messages(`Обращение с id ${request.params.id} не найдено`));
    if (appeal.owner !== caller.clientId) return reply.code(403).send(notYours(`Обращение ${request.params.id}`));
    ctx.state.accept(appeal);
    return reply.code(200).send();
  });

  app.post<{ Params: { id: string } }>('/appeal-service/edms/:id', async (request, reply) => {
    const caller = requireCaller(ctx, request, reply);
    if (!caller) return reply;
    const outcome = applyAnswer(ctx.state, ctx.state.find(request.params.id), request.params.id, request.body, caller);
    if (!outcome.ok) {
      ctx.state.answersRefused += 1;
      return reply.code(outcome.status).send(messages(...outcome.messages));
    }
    ctx.state.answersStored += 1;
    return reply.code(200).send();
  });
}
