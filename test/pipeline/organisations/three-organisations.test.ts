// Three ЛКО in one bridge against one Directum RX: each appeal registered once with its own
// organisation's business unit, accepted and answered with that organisation's own token; one
// organisation with a wrong secret leaves the other two flowing and is named in the sync summary.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { answerPdf } from '../../../src/demo/clerk.js';
import { createLogger } from '../../../src/logging.js';
import { startRole } from '../../../src/service/service.js';
import { buildServices } from '../../../src/service/wiring.js';
import { waitFor } from '../harness.js';
import { testRedisUrl } from '../../helpers/redis.js';
import { ORGANISATIONS, cli, secretVariable, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

const PER_ORGANISATION = 4;

describe('several organisations in one bridge', () => {
  let orgs: OrganisationsWorld;
  const seeded = new Map<string, number[]>();

  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl());
    let startId = 700_001;
    for (const [index, org] of ORGANISATIONS.entries()) {
      seeded.set(
        org.key,
        await orgs.world.sandbox.pos.control.generate(PER_ORGANISATION, 40 + index, { startId, organisation: org.clientId }),
      );
      startId += 1000;
    }
  });
  afterEach(async () => {
    await orgs.close();
  });

  it("registers each appeal once with its organisation's business unit, and accepts and answers it with that organisation's token", async () => {
    const first = await cli(['sync', '--timeout', '60s'], orgs.env());
    expect(first.stderr).toContain('organisation city:');
    expect(first.code, first.stderr).toBe(0);

    const directum = orgs.world.sandbox.edms.kind === 'directum-rx' ? orgs.world.sandbox.edms.directum : undefined;
    expect(directum!.state.count('IRequests')).toBe(ORGANISATIONS.length * PER_ORGANISATION);
    const links = directum!.state.rows('IExternalEntityLinks');
    expect(links).toHaveLength(ORGANISATIONS.length * PER_ORGANISATION);
    for (const org of ORGANISATIONS) {
      for (const posId of seeded.get(org.key)!) {
        const view = await orgs.world.sandbox.pos.control.appeal(posId);
        expect(view.organisation).toBe(org.clientId);
        expect(view.accepted).toBe(true);
        expect(view.acceptCount).toBe(1);
        const record = await orgs.store(org.key).get(posId);
        expect(record?.state).toBe('accepted');
        const link = links.filter((row) => row.ExtEntityId === String(posId));
        expect(link).toHaveLength(1);
        expect(link[0]!.ExtEntityType).toBe(`Appeal:${org.key}`);
        const card = directum!.state.rows('IRequests').find((row) => row.Id === link[0]!.EntityId)!;
        expect(card.BusinessUnit).toBe(orgs.unitIds.get(org.key));
      }
    }

    // Each organisation's first appeal is answered in Directum; the answers go with each one's own token.
    const control = orgs.world.sandbox.edms.control;
    for (const org of ORGANISATIONS) {
      const posId = seeded.get(org.key)![0]!;
      const edmsId = (await orgs.store(org.key).get(posId))!.edmsId!;
      await control.registerNow(edmsId).catch(() => undefined);
      await control.answer(edmsId, { text: 'Ответ дан', file: answerPdf(posId), resolution: 'Explained' });
    }
    const second = await cli(['sync', '--timeout', '60s'], orgs.env());
    expect(second.code, second.stderr).toBe(0);
    for (const org of ORGANISATIONS) {
      const view = await orgs.world.sandbox.pos.control.appeal(seeded.get(org.key)![0]!);
      const finals = view.history.filter((entry) => (entry.body as { answer?: boolean }).answer === true);
      expect(finals).toHaveLength(1);
      expect(view.history.every((entry) => entry.createdBy.clientId === org.clientId)).toBe(true);
    }
    expect(directum!.state.count('IRequests')).toBe(ORGANISATIONS.length * PER_ORGANISATION);
  }, 120_000);

  it("with one organisation's secret wrong, the other two flow and that one is named; sync exits 1", async () => {
    const run = await cli(['sync', '--timeout', '60s'], orgs.env({ [secretVariable('school-7')]: 'wrong-secret' }));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/sync: organisation school-7 skipped: ПОС refused the credentials \(AUTH_FAILED\)/);
    expect(run.stderr).toContain('1 of 3 organisations did not finish cleanly: school-7');
    for (const org of ORGANISATIONS) {
      for (const posId of seeded.get(org.key)!) {
        expect((await orgs.world.sandbox.pos.control.appeal(posId)).accepted).toBe(org.key !== 'school-7');
      }
    }
    // The fixed secret: the next run takes that organisation's appeals too, and nobody else's twice.
    const next = await cli(['sync', '--timeout', '60s'], orgs.env());
    expect(next.code, next.stderr).toBe(0);
    for (const posId of seeded.get('school-7')!) expect((await orgs.world.sandbox.pos.control.appeal(posId)).acceptCount).toBe(1);
    const directum = orgs.world.sandbox.edms.kind === 'directum-rx' ? orgs.world.sandbox.edms.directum : undefined;
    expect(directum!.state.count('IRequests')).toBe(ORGANISATIONS.length * PER_ORGANISATION);
  }, 120_000);

  it("the service with one organisation's secret wrong: readiness and metrics name it, the API shows each appeal's organisation", async () => {
    const config = loadConfig({
      env: orgs.env({ [secretVariable('school-7')]: 'wrong-secret', PULL_EVERY: '500ms' }),
      command: 'start',
      dotenvPath: false,
    });
    const running = await startRole(config, 'all', await buildServices(config, createLogger({ level: 'silent' })));
    try {
      const url = running.api!.url;
      const auth = { authorization: `Bearer ${config.adminToken}` };
      const city = seeded.get('city')!;
      await waitFor("the city's appeals", async () => (await orgs.world.sandbox.pos.control.appeal(city.at(-1)!)).accepted, 60_000, 200);

      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(503);
      const body = (await ready.json()) as {
        checks: { pos: { ok: boolean }; organisations: Record<string, { ok: boolean; code?: string; message?: string }> };
      };
      expect(body.checks.pos.ok).toBe(false);
      expect(body.checks.organisations.city).toMatchObject({ ok: true });
      expect(body.checks.organisations.library).toMatchObject({ ok: true });
      expect(body.checks.organisations['school-7']).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
      expect(body.checks.organisations['school-7']!.message).toBeUndefined(); // codes only, unauthenticated

      await waitFor(
        'a failed pull of school-7',
        async () => /pos_bridge_organisation_up\{organisation="school-7"\} 0/.test(await (await fetch(`${url}/metrics`)).text()),
        30_000,
        200,
      );
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/pos_bridge_organisation_up\{organisation="city"\} 1/);
      expect(metrics).toMatch(new RegExp(`pos_bridge_appeals_accepted_total\\{organisation="city"\\} ${PER_ORGANISATION}`));

      const appeal = (await (await fetch(`${url}/api/appeals/${city[0]}`, { headers: auth })).json()) as {
        organisation: string;
        state: string;
      };
      expect(appeal).toMatchObject({ organisation: 'city', state: 'accepted' });
      expect((await fetch(`${url}/api/failed?organisation=city`, { headers: auth })).status).toBe(200);
      const unknown = await fetch(`${url}/api/failed?organisation=nowhere`, { headers: auth });
      expect(unknown.status).toBe(400);
      expect(await unknown.json()).toMatchObject({ error: 'unknown_organisation' });
      const queues = Object.keys((await (await fetch(`${url}/api/queues`, { headers: auth })).json()) as Record<string, unknown>);
      expect(queues).toEqual(expect.arrayContaining(['register-city', 'register-school-7', 'register-library', 'push-city']));
    } finally {
      await running.stop();
    }
  }, 120_000);
});
