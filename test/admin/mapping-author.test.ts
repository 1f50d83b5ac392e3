// Who a mapping change is recorded under: a user is the author, whatever they send; only scripts on
// the shared ADMIN_TOKEN name an author (body `author`, else X-Admin-User).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildAdminApp } from '../../src/admin/app.js';
import { auth, makeFakes } from './fakes.js';
import { SHIPPED_DELO, shippedMappings, type ShippedMappings } from './shipped-mappings.js';
import { bearer, usersFixture, type UsersFixture } from './users-fixture.js';

let mappings: ShippedMappings;
let fixture: UsersFixture;
let app: FastifyInstance;
beforeAll(async () => {
  mappings = await shippedMappings();
  fixture = await usersFixture();
  app = await buildAdminApp(makeFakes({ mappings: mappings.registry, users: fixture.users }).deps);
});
afterAll(async () => {
  await app.close();
  await mappings.close();
  fixture.remove();
});

const put = (payload: object, headers: Record<string, string>) =>
  app.inject({ method: 'PUT', url: '/api/mappings/delo', headers: { 'content-type': 'application/json', ...headers }, payload });

describe('mapping history author', () => {
  it('is the user for a user token, ignoring body author and X-Admin-User; ADMIN_TOKEN may name one', async () => {
    const editor = { ...bearer(fixture.tokens['mapping-editor']), 'x-admin-user': 'someone-else' };
    expect((await put({ source: `${SHIPPED_DELO}# one\n`, author: 'i.petrov' }, editor)).statusCode).toBe(200);
    expect((await mappings.registry.get('delo'))?.author).toBe('mapping-editor');
    expect((await put({ source: `${SHIPPED_DELO}# two\n` }, { ...auth, 'x-admin-user': 'deploy-script' })).statusCode).toBe(200);
    expect((await mappings.registry.get('delo'))?.author).toBe('deploy-script');
    const history = (await mappings.registry.history('delo')).map((entry) => entry.author);
    expect(history.slice(0, 2)).toEqual(['deploy-script', 'mapping-editor']); // newest first
  });
});
