// GET /api/deadlines over real appeal stores of two organisations (test Redis): the window, the
// grouping by organisation, overdue appeals, days left by each mapping's calendar, and the gauges.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import type { DeadlinesView } from '../../src/admin/deps.js';
import type { CompiledMapping } from '../../src/mapping/types.js';
import type { WorkingCalendar } from '../../src/mapping/working-days.js';
import { PayloadCipher } from '../../src/pipeline/crypto.js';
import { sealExecutor } from '../../src/pipeline/executor.js';
import { AppealStore } from '../../src/pipeline/store.js';
import { deadlineList, refreshDeadlineGauges, type DeadlineOrganisation } from '../../src/service/deadlines.js';
import { testRedis, uniquePrefix, wipePrefix } from '../helpers/redis.js';
import { auth, makeFakes, type Fakes } from './fakes.js';

// Tuesday 3 March 2026, 10:00 in Moscow.
const NOW = new Date('2026-03-03T07:00:00Z');
const inHours = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000).toISOString();

const cipher = new PayloadCipher(randomBytes(32));

function organisation(key: string, store: AppealStore, calendar: WorkingCalendar): DeadlineOrganisation {
  const mapping = { calendar } as unknown as CompiledMapping;
  return { key, ctx: { store, cipher, mappings: { forTarget: async () => mapping }, adapter: { kind: 'directum-rx' } } };
}

describe('GET /api/deadlines', () => {
  let redis: Redis;
  let prefixes: string[];
  let stores: AppealStore[];
  let organisations: DeadlineOrganisation[];
  let fakes: Fakes;
  let app: FastifyInstance;

  beforeEach(async () => {
    redis = testRedis();
    prefixes = [uniquePrefix('dl-north'), uniquePrefix('dl-south')];
    stores = prefixes.map((prefix) => new AppealStore(redis, prefix));
    // The south's mapping declares Friday 6 March a holiday (a transfer); the north's does not.
    organisations = [
      organisation('north', stores[0]!, { holidays: new Set(), workingWeekends: new Set() }),
      organisation('south', stores[1]!, { holidays: new Set(['2026-03-06']), workingWeekends: new Set() }),
    ];
    const lister = deadlineList(organisations, 'Europe/Moscow', makeFakes().deps.logger);
    fakes = makeFakes({ deadlines: { list: (withinMs, now) => lister.list(withinMs, now ?? NOW) } });
    app = await buildAdminApp(fakes.deps);
  });
  afterEach(async () => {
    await app.close();
    for (const prefix of prefixes) await wipePrefix(prefix);
    redis.disconnect();
  });

  const [north, south] = [0, 1];
  async function registered(org: number, posId: number, deadline: string, extra: { regNumber?: string; accepted?: boolean } = {}) {
    const store = stores[org]!;
    await store.markRegistered(
      posId,
      `E${posId}`,
      extra.regNumber ? { number: extra.regNumber, date: '2026-02-20' } : undefined,
      NOW,
      deadline,
    );
    if (extra.accepted !== false) await store.markAccepted(posId);
  }

  async function deadlines(query = ''): Promise<DeadlinesView> {
    const response = await app.inject({ method: 'GET', url: `/api/deadlines${query}`, headers: auth });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<DeadlinesView>();
  }

  it('lists due and overdue appeals by deadline, grouped by organisation, with working days left', async () => {
    await registered(south, 201, inHours(24 * 3 - 1), { regNumber: 'Ю-201' }); // Friday 09:00: a holiday in the south
    await registered(north, 101, inHours(24 * 2), { regNumber: 'С-101' }); // Thursday
    await registered(north, 102, inHours(-24 * 4)); // Friday 27 February: overdue by Monday and Tuesday
    await registered(south, 202, inHours(30 * 24)); // far ahead: not listed
    await registered(north, 103, inHours(5), { accepted: false }); // registered, ПОС not told yet: listed too
    await stores[north]!.updateExecutor(101, sealExecutor(cipher, 101, 'Орлов Денис'));

    const view = await deadlines();
    expect(view).toMatchObject({ within: '3d', generatedAt: NOW.toISOString(), timeZone: 'Europe/Moscow' });
    expect(view.items.map((item) => [item.organisation, item.posId, item.daysLeft])).toEqual([
      ['north', 102, -2],
      ['north', 103, 0],
      ['north', 101, 2],
      ['south', 201, 2], // Wednesday, Thursday; Friday is the south's holiday
    ]);
    expect(view.items[2]).toEqual({
      posId: 101,
      organisation: 'north',
      deadline: inHours(48),
      daysLeft: 2,
      regNumber: 'С-101',
      executor: 'Орлов Денис',
      edmsId: 'E101',
    });
    expect(view.items[0]).not.toHaveProperty('regNumber');
  });

  it('puts the organisation due first first, and narrows to the window asked for', async () => {
    await registered(north, 101, inHours(40));
    await registered(south, 201, inHours(2));
    await registered(south, 202, inHours(50));
    const all = await deadlines('?within=72h');
    expect(all.within).toBe('3d');
    expect(all.items.map((item) => item.posId)).toEqual([201, 202, 101]);
    expect((await deadlines('?within=90m')).items).toEqual([]);
    expect((await deadlines('?within=12h')).items.map((item) => item.posId)).toEqual([201]);
  });

  it('leaves out answered and set-aside appeals', async () => {
    await registered(north, 101, inHours(10));
    await registered(north, 102, inHours(-10));
    await stores[north]!.recordDelivered(101, { step: 'final', status: 'SOLVED', at: NOW.toISOString() });
    await stores[north]!.setAside(102, 'EDMS_REJECTED', 'the EDMS refused the record');
    expect((await deadlines()).items).toEqual([]);
  });

  it('answers 400 validation_failed for a window that is not one, and 401 without a token', async () => {
    for (const within of ['abc', '0d', '3w', '400d']) {
      const response = await app.inject({ method: 'GET', url: `/api/deadlines?within=${within}`, headers: auth });
      expect(response.statusCode, within).toBe(400);
      expect(response.json()).toMatchObject({ error: 'validation_failed', message: expect.stringContaining('within') });
    }
    const unknown = await app.inject({ method: 'GET', url: '/api/deadlines?window=3d', headers: auth });
    expect(unknown.statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/deadlines' })).statusCode).toBe(401);
  });

  it('is described at /docs', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(spec.paths['/api/deadlines']).toMatchObject({ get: { tags: ['appeals'] } });
  });

  it('sets the due and overdue gauges from the indexes of every organisation', async () => {
    await registered(north, 101, inHours(-2));
    await registered(north, 102, inHours(20));
    await registered(south, 201, inHours(60));
    await registered(south, 202, inHours(24 * 10));
    await refreshDeadlineGauges(organisations, fakes.deps.metrics, NOW);
    const text = await fakes.deps.metrics.registry.metrics();
    expect(text).toContain('pos_bridge_appeals_due{window="1d"} 2');
    expect(text).toContain('pos_bridge_appeals_due{window="3d"} 3');
    expect(text).toMatch(/^pos_bridge_appeals_overdue 1$/m);
  });
});
