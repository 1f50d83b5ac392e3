// The Integration Service surface: /Integration/odata/{Set}, ({Id}), child collections, versions
// and their bodies, $metadata (CSDL XML), with Basic auth, the mandatory JSON headers, OData error
// bodies and the fault injector in front. Routing is done here rather than by fastify because
// OData keys ("IRequests(5)") are not path segments.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DirectumClerk } from './clerk.js';
import type { FaultInjector, FaultRoute } from './faults.js';
import { metadataXml } from './metadata.js';
import { ODataError, type EntityTypeDef, type Row } from './model.js';
import { parseQueryOptions, runQuery, serialize } from './query.js';
import type { DirectumStore } from './store.js';

export const ODATA_BASE = '/Integration/odata';

export interface ODataContext {
  store: DirectumStore;
  clerk: DirectumClerk;
  faults: FaultInjector;
  username: string;
  password: string;
}

type Target =
  | { kind: 'service' }
  | { kind: 'metadata' }
  | { kind: 'collection'; set: string }
  | { kind: 'entity'; set: string; id: number }
  | { kind: 'children'; set: string; id: number; collection: string }
  | { kind: 'child'; set: string; id: number; collection: string; childId: number }
  | { kind: 'body'; set: string; id: number; versionId: number; raw: boolean };

interface Outcome {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

function parseTarget(path: string): Target {
  let m: RegExpExecArray | null;
  if (path === '') return { kind: 'service' };
  if (path === '$metadata') return { kind: 'metadata' };
  if ((m = /^(\w+)$/.exec(path))) return { kind: 'collection', set: m[1]! };
  if ((m = /^(\w+)\((\d+)\)$/.exec(path))) return { kind: 'entity', set: m[1]!, id: Number(m[2]) };
  if ((m = /^(\w+)\((\d+)\)\/Versions\((\d+)\)\/Body(\/\$value)?$/.exec(path))) {
    return { kind: 'body', set: m[1]!, id: Number(m[2]), versionId: Number(m[3]), raw: Boolean(m[4]) };
  }
  if ((m = /^(\w+)\((\d+)\)\/(\w+)$/.exec(path))) return { kind: 'children', set: m[1]!, id: Number(m[2]), collection: m[3]! };
  if ((m = /^(\w+)\((\d+)\)\/(\w+)\((\d+)\)$/.exec(path))) {
    return { kind: 'child', set: m[1]!, id: Number(m[2]), collection: m[3]!, childId: Number(m[4]) };
  }
  throw new ODataError(404, 'NotFound', `No resource at '${path}'`);
}

function routeClass(method: string, target: Target): Exclude<FaultRoute, '*'> {
  if (target.kind === 'body') return 'body';
  if (method === 'GET') return 'read';
  if (method === 'POST' && target.kind === 'collection') return 'create';
  if (method === 'POST' && target.kind === 'children' && target.collection === 'Versions') return 'version';
  return 'patch';
}

const wantsMinimal = (req: FastifyRequest) =>
  /minimal/i.test(String(req.headers.return ?? '')) || /return=minimal/i.test(String(req.headers.prefer ?? ''));
const wantsRepresentation = (req: FastifyRequest) =>
  /representation/i.test(String(req.headers.return ?? '')) || /return=representation/i.test(String(req.headers.prefer ?? ''));

function sendError(reply: FastifyReply, error: ODataError, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(error.status)
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send({ error: { code: error.code, message: error.message } });
}

function destroy(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  req.raw.socket.destroy();
  return reply;
}

function checkAuth(req: FastifyRequest, ctx: ODataContext): void {
  const match = /^Basic\s+(.+)$/i.exec(String(req.headers.authorization ?? ''));
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (!match || colon < 0 || decoded.slice(0, colon) !== ctx.username || decoded.slice(colon + 1) !== ctx.password) {
    throw new ODataError(401, 'Unauthorized', 'Authentication failed: wrong or missing Basic credentials');
  }
}

function checkHeaders(req: FastifyRequest, target: Target): void {
  const accept = String(req.headers.accept ?? '');
  if (target.kind === 'metadata') {
    // CSDL is XML: the one resource where JSON is not what to ask for. [assumed: 406 otherwise]
    if (accept && !/application\/xml|application\/\*|\*\/\*/.test(accept)) {
      throw new ODataError(406, 'NotAcceptable', '$metadata is served as application/xml; ask with Accept: application/xml');
    }
    return;
  }
  const rawBody = target.kind === 'body' && target.raw && req.method === 'GET';
  if (!accept.includes('application/json') && !(rawBody && /application\/octet-stream|\*\/\*/.test(accept))) {
    throw new ODataError(400, 'BadRequest', 'The Accept header must include application/json');
  }
  if (req.method === 'GET' || req.method === 'DELETE') return;
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  const wanted = target.kind === 'body' && target.raw ? 'application/octet-stream' : 'application/json';
  if (!type.startsWith(wanted)) throw new ODataError(400, 'BadRequest', `Content-Type must be ${wanted}`);
}

function jsonBody(req: FastifyRequest): Record<string, unknown> {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ODataError(400, 'BadRequest', 'The request body is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ODataError(400, 'BadRequest', 'The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function execute(req: FastifyRequest, ctx: ODataContext, target: Target, params: URLSearchParams, base: string): Outcome {
  const { store } = ctx;
  const method = req.method;
  const notAllowed = () => new ODataError(405, 'MethodNotAllowed', `${method} is not allowed here`);
  const singleOptions = (def: EntityTypeDef) => {
    const options = parseQueryOptions(def, params, store.model);
    if (options.filter || options.orderby.length || options.top !== undefined || options.skip !== undefined || options.count) {
      throw new ODataError(400, 'BadRequest', 'Only $expand and $select apply to a single entity');
    }
    return options;
  };
  const created = (location: string, entity: Record<string, unknown>): Outcome =>
    wantsMinimal(req)
      ? { status: 204, headers: { Location: location, 'OData-EntityId': location } }
      : { status: 201, body: entity, headers: { Location: location } };

  switch (target.kind) {
    case 'service':
      if (method !== 'GET') throw notAllowed();
      return {
        status: 200,
        body: {
          '@odata.context': `${base}/$metadata`,
          value: Object.keys(store.model).map((name) => ({ name, kind: 'EntitySet', url: name })),
        },
      };
    case 'metadata':
      if (method !== 'GET') throw notAllowed();
      return { status: 200, body: metadataXml(store.model), headers: { 'Content-Type': 'application/xml; charset=utf-8' } };
    case 'collection': {
      const def = store.typeOf(target.set);
      if (method === 'GET') {
        const options = parseQueryOptions(def, params, store.model);
        const result = runQuery(store, def, store.rowsFor(target.set, options.filter), options);
        return {
          status: 200,
          body: {
            '@odata.context': `${base}/$metadata#${target.set}`,
            ...(result.count !== undefined ? { '@odata.count': result.count } : {}),
            value: result.value,
          },
        };
      }
      if (method !== 'POST') throw notAllowed();
      const row = store.create(target.set, jsonBody(req));
      if (target.set === 'IRequests') ctx.clerk.requestCreated(row.Id);
      return created(`${base}/${target.set}(${row.Id})`, serialize(store, def, row));
    }
    case 'entity': {
      const def = store.typeOf(target.set);
      if (method === 'GET') {
        const options = singleOptions(def);
        return {
          status: 200,
          body: {
            '@odata.context': `${base}/$metadata#${target.set}/$entity`,
            ...serialize(store, def, store.get(target.set, target.id), options.expand, options.select),
          },
        };
      }
      if (method === 'PATCH') {
        const row = store.patch(target.set, target.id, jsonBody(req));
        return wantsRepresentation(req) ? { status: 200, body: serialize(store, def, row) } : { status: 204 };
      }
      if (method === 'DELETE') {
        store.remove(target.set, target.id);
        return { status: 204 };
      }
      throw notAllowed();
    }
    case 'children': {
      const def = store.childType(target.set, target.collection);
      if (method === 'GET') {
        const rows = store.get(target.set, target.id)[target.collection] as Row[];
        const result = runQuery(store, def, rows, parseQueryOptions(def, params, store.model));
        return { status: 200, body: { ...(result.count !== undefined ? { '@odata.count': result.count } : {}), value: result.value } };
      }
      if (method !== 'POST') throw notAllowed();
      const child = store.addChild(target.set, target.id, target.collection, jsonBody(req));
      return created(`${base}/${target.set}(${target.id})/${target.collection}(${child.Id})`, serialize(store, def, child));
    }
    case 'child': {
      if (method !== 'GET') throw notAllowed();
      const def = store.childType(target.set, target.collection);
      const options = singleOptions(def);
      return {
        status: 200,
        body: serialize(store, def, store.child(target.set, target.id, target.collection, target.childId), options.expand, options.select),
      };
    }
    case 'body': {
      if (method === 'GET') {
        const data = store.body(target.set, target.id, target.versionId);
        if (!data) throw new ODataError(404, 'NotFound', `Version ${target.versionId} has no body yet`);
        return target.raw ? { status: 200, body: data } : { status: 200, body: { Value: data.toString('base64') } };
      }
      if (target.raw && method === 'PUT') {
        store.setBody(target.set, target.id, target.versionId, Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
        return { status: 204 };
      }
      if (!target.raw && (method === 'POST' || method === 'PATCH' || method === 'PUT')) {
        const value = jsonBody(req).Value;
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value))
          throw new ODataError(400, 'BadRequest', 'Body needs {"Value": "<base64>"}');
        store.setBody(target.set, target.id, target.versionId, Buffer.from(value, 'base64'));
        return { status: 204 };
      }
      throw notAllowed();
    }
  }
}

/** The request body's string values as a server quotes what it refused: `LastName 'Иванов', …`. */
function quotedValues(body: unknown): string {
  try {
    const parsed = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '') as Record<string, unknown>;
    const shown = Object.entries(parsed)
      .filter(([, value]) => typeof value === 'string')
      .map(([key, value]) => `${key} '${String(value)}'`);
    return shown.join(', ') || 'no values';
  } catch {
    return 'the body is not JSON';
  }
}

/** Registers the OData routes in their own scope (raw body parsing: JSON is parsed, and refused, here). */
export async function odataRoutes(scope: FastifyInstance, ctx: ODataContext): Promise<void> {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(req.url, 'http://emulator');
    const base = `${req.protocol}://${req.headers.host ?? 'localhost'}${ODATA_BASE}`;
    let target: Target;
    try {
      target = parseTarget(decodeURIComponent(url.pathname).slice(ODATA_BASE.length).replace(/^\//, ''));
    } catch (error) {
      return sendError(reply, error instanceof ODataError ? error : new ODataError(400, 'BadRequest', 'Malformed URL'));
    }
    const fault = ctx.faults.take(routeClass(req.method, target), 'set' in target ? target.set : undefined);
    switch (fault?.kind) {
      case 'drop':
        return destroy(req, reply);
      case '5xx':
        return sendError(reply, new ODataError(fault.status ?? 503, 'ServiceUnavailable', 'Injected failure: the service is unavailable'));
      case '429':
        return sendError(reply, new ODataError(429, 'TooManyRequests', 'Injected failure: too many requests'), {
          'Retry-After': String(fault.retryAfterSeconds ?? 1),
        });
      case '401':
        return sendError(reply, new ODataError(401, 'Unauthorized', 'Injected failure: authentication failed'));
      case '400':
        return sendError(reply, new ODataError(400, 'BadRequest', `Injected failure: the entity is not valid: ${quotedValues(req.body)}`));
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 3000));
        break;
      default:
    }
    let outcome: Outcome;
    try {
      checkAuth(req, ctx);
      checkHeaders(req, target);
      outcome = execute(req, ctx, target, url.searchParams, base);
    } catch (error) {
      if (error instanceof ODataError) {
        return sendError(reply, error, error.status === 401 ? { 'WWW-Authenticate': 'Basic realm="Directum RX"' } : {});
      }
      req.log.error({ err: error }, 'emulator failure');
      return sendError(reply, new ODataError(500, 'InternalServerError', 'The emulator failed to handle the request'));
    }
    if (fault?.kind === 'drop-after') return destroy(req, reply);
    if (fault?.kind === 'malformed') {
      return reply
        .code(outcome.status === 204 ? 200 : outcome.status)
        .type('application/json; charset=utf-8')
        .send('{"value":[{"Id":1,"Subject":"Обращ');
    }
    reply.code(outcome.status).headers(outcome.headers ?? {});
    if (outcome.body === undefined) return reply.send();
    if (Buffer.isBuffer(outcome.body)) return reply.type('application/octet-stream').send(outcome.body);
    if (typeof outcome.body === 'string') return reply.send(outcome.body);
    return reply.type('application/json; odata.metadata=minimal; charset=utf-8').send(JSON.stringify(outcome.body));
  };

  scope.route({ method: [...METHODS], url: ODATA_BASE, handler });
  scope.route({ method: [...METHODS], url: `${ODATA_BASE}/*`, handler });
}
