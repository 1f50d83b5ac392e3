// Roles on every /api route: the table below is the contract's "Roles per route", and every route
// the app serves (as /docs lists them) must be in it, so a new route cannot slip in unchecked.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { checkRouteRoles } from '../../src/admin/authenticate.js';
import type { MappingService } from '../../src/admin/deps.js';
import { ADMIN_ROLES, roleAllows, type AdminRole } from '../../src/admin/principal.js';
import { auth, makeFakes } from './fakes.js';
import { bearer, usersFixture, type UsersFixture } from './users-fixture.js';

type Need = AdminRole | 'public';
const ROUTES: Record<string, Need> = {
  'GET /api/appeals/{posId}': 'viewer',
  'GET /api/mappings': 'viewer',
  'GET /api/mappings/{name}': 'viewer',
  'GET /api/mappings/{name}/history': 'viewer',
  'GET /api/failed': 'viewer',
  'GET /api/queues': 'viewer',
  'GET /api/status': 'viewer',
  'GET /api/deadlines': 'viewer',
  'GET /api/audit': 'viewer',
  'GET /api/session': 'viewer',
  'GET /api/fixtures': 'viewer',
  'POST /api/mappings/{name}/check': 'viewer',
  'POST /api/mappings/{name}/check-edms': 'viewer',
  'POST /api/mappings/{name}/preview': 'viewer',
  'POST /api/mappings/{name}/preview-draft': 'viewer',
  'POST /api/mappings/{name}/diff': 'viewer',
  'POST /api/logout': 'viewer',
  'PUT /api/mappings/{name}': 'mapping-editor',
  'POST /api/mappings/{name}/rollback': 'mapping-editor',
  'POST /api/sync': 'operator',
  'POST /api/failed/{id}/retry': 'operator',
  'DELETE /api/failed/{id}': 'operator',
  'POST /api/failed/retry': 'operator',
  'POST /api/login': 'public',
};

/** Answers without touching anything: these tests are about the auth layer only. */
const quietMappings: MappingService = {
  list: async () => [],
  get: async () => null,
  put: async () => ({ ok: false, problems: [] }),
  history: async () => [],
  preview: async () => ({ problems: ['no'] }),
  previewDraft: async () => ({ problems: ['no'] }),
  check: async () => ({ ok: false, problems: [], warnings: [] }),
  diff: async () => null,
  rollback: async () => ({ ok: false, reason: 'unknown-version' as const }),
};

let app: FastifyInstance;
let fixture: UsersFixture;
let served: [string, string, Need][];

beforeAll(async () => {
  fixture = await usersFixture();
  app = await buildAdminApp(makeFakes({ users: fixture.users, mappings: quietMappings }).deps);
  const doc = (await app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> };
  served = Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/api/'))
    .flatMap(([path, methods]) =>
      Object.keys(methods).map((method): [string, string, Need] => {
        const key = `${method.toUpperCase()} ${path}`;
        return [method.toUpperCase(), path, ROUTES[key] ?? (`unlisted: ${key}` as Need)];
      }),
    );
});
afterAll(async () => {
  await app.close();
  fixture.remove();
});

const urlOf = (path: string) => path.replace('{posId}', '1').replace('{name}', 'directum-rx').replace('{id}', 'x');

describe('roles per route', () => {
  it('every served /api route is in the table', () => {
    expect(served.length).toBeGreaterThanOrEqual(16);
    for (const [method, path, need] of served) expect(need, `${method} ${path}`).not.toMatch(/^unlisted/);
  });

  it('each role passes exactly the routes its rank allows, and hears which role is needed on the others', async () => {
    for (const [method, path, need] of served) {
      for (const role of ADMIN_ROLES) {
        const response = await app.inject({ method: method as 'GET', url: urlOf(path), headers: bearer(fixture.tokens[role]) });
        const where = `${role} → ${method} ${path}`;
        if (need === 'public' || roleAllows(role, need)) {
          expect([401, 403], where).not.toContain(response.statusCode);
        } else {
          expect(response.statusCode, where).toBe(403);
          expect(response.json(), where).toEqual({
            error: 'forbidden',
            message: expect.stringMatching(new RegExp(`^${role} is an? ${role}; ${method} /api/.* needs the ${need} role \\(${need}: `)),
          });
        }
      }
      // The shared ADMIN_TOKEN is an operator: through everywhere.
      const admin = await app.inject({ method: method as 'GET', url: urlOf(path), headers: auth });
      expect([401, 403], `admin → ${method} ${path}`).not.toContain(admin.statusCode);
    }
  });

  it('a stranger hears 401 on every route but login, before any role check', async () => {
    for (const [method, path, need] of served) {
      if (need === 'public') continue;
      const response = await app.inject({ method: method as 'GET', url: urlOf(path), headers: bearer('viewer.not-the-secret') });
      expect(response.statusCode, `${method} ${path}`).toBe(401);
    }
  });

  it('a route that declares no role stops the start', async () => {
    const bare = Fastify();
    bare.addHook('onRoute', checkRouteRoles);
    bare.get('/open', { config: { public: true } }, async () => 'ok');
    bare.get('/fine', { config: { role: 'viewer' } }, async () => 'ok');
    expect(() => bare.get('/forgotten', async () => 'oops')).toThrow('GET /forgotten declares neither config.role nor config.public');
    await bare.close();
  });
});
