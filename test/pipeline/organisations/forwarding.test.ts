// An appeal one of the bridge's organisations forwards to another of them reaches the other's ПОС
// queue with the same id, and is registered there as that organisation's own record; the first
// record stays as it is, and each organisation's statuses go with its own token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../helpers/redis.js';
import { ORGANISATIONS, cli, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

describe("forwarding between the bridge's own organisations", () => {
  let orgs: OrganisationsWorld;
  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl());
  });
  afterEach(async () => {
    await orgs.close();
  });

  it('registers the forwarded appeal for the receiving organisation as a record of its own', async () => {
    const [city, school] = ORGANISATIONS;
    const [posId] = await orgs.world.sandbox.pos.control.generate(1, 77, { startId: 810_001, organisation: city!.clientId });
    expect((await cli(['sync', '--timeout', '60s'], orgs.env())).code).toBe(0);
    const cityRecord = (await orgs.store('city').get(posId!))!;
    expect(cityRecord.state).toBe('accepted');

    // The city's official forwards it, in Directum, to the school (named as ПОС knows it).
    const control = orgs.world.sandbox.edms.control;
    await control.registerNow(cityRecord.edmsId!).catch(() => undefined);
    await control.forward(cityRecord.edmsId!, school!.businessUnit);
    const forwardRun = await cli(['sync', '--timeout', '60s'], orgs.env());
    expect(forwardRun.code, forwardRun.stderr).toBe(0);
    // The next run finds it in the school's queue (the forward landed during the previous one).
    const takeRun = await cli(['sync', '--timeout', '60s'], orgs.env());
    expect(takeRun.code, takeRun.stderr).toBe(0);

    const view = await orgs.world.sandbox.pos.control.appeal(posId!);
    expect(view.organisation).toBe(school!.clientId);
    expect(view.accepted).toBe(true);
    expect(view.acceptCount).toBe(1);
    const directum = orgs.world.sandbox.edms.kind === 'directum-rx' ? orgs.world.sandbox.edms.directum : undefined;
    const links = directum!.state.rows('IExternalEntityLinks').filter((row) => row.ExtEntityId === String(posId));
    expect(links.map((row) => row.ExtEntityType).sort()).toEqual(['Appeal:city', 'Appeal:school-7']);
    expect(links.every((row) => row.ExtSystemId === 'POS')).toBe(true);
    expect(directum!.state.count('IRequests')).toBe(2);
    const schoolRecord = (await orgs.store('school-7').get(posId!))!;
    expect(schoolRecord.state).toBe('accepted');
    expect(schoolRecord.edmsId).not.toBe(cityRecord.edmsId);
    // The city's record is untouched by the school's registration.
    expect((await orgs.store('city').get(posId!))!.edmsId).toBe(cityRecord.edmsId);
    const byOrganisation = new Map<string, number>();
    for (const entry of view.history) byOrganisation.set(entry.createdBy.clientId, (byOrganisation.get(entry.createdBy.clientId) ?? 0) + 1);
    expect(byOrganisation.get(city!.clientId)).toBeGreaterThanOrEqual(1);
    expect(view.history.at(-1)!.createdBy.clientId).toBe(school!.clientId);
  }, 120_000);
});
