// One ЛКО's large backlog must not starve another's few appeals: each organisation has its own
// queues and workers, so the small one's appeals are accepted while the large backlog still drains.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/logging.js';
import { startRole, type RunningService } from '../../../src/service/service.js';
import { buildServices } from '../../../src/service/wiring.js';
import { testRedisUrl } from '../../helpers/redis.js';
import { waitFor } from '../harness.js';
import { ORGANISATIONS, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

const BACKLOG = 300;
const SMALL = 5;

describe('fairness between organisations', () => {
  let orgs: OrganisationsWorld;
  let running: RunningService | undefined;
  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl(), { POS_PAGE_SIZE: '50' });
  });
  afterEach(async () => {
    await running?.stop();
    await orgs.close();
  });

  it("accepts a small organisation's appeals while another's backlog of hundreds still drains", async () => {
    const [city, , library] = ORGANISATIONS;
    const pos = orgs.world.sandbox.pos.control;
    const backlog = await pos.generate(BACKLOG, 91, { startId: 900_001, organisation: city!.clientId });
    const small = await pos.generate(SMALL, 92, { startId: 990_001, organisation: library!.clientId });
    const config = loadConfig({ env: orgs.env({ WORKER_CONCURRENCY: '2', PULL_EVERY: '1s' }), command: 'start', dotenvPath: false });
    running = await startRole(config, 'all', await buildServices(config, createLogger({ level: 'silent' })));

    const accepted = async (ids: number[]) => (await Promise.all(ids.map((id) => pos.appeal(id)))).filter((view) => view.accepted).length;
    const started = Date.now();
    await waitFor("the small organisation's appeals", async () => (await accepted(small)) === SMALL, 60_000, 200);
    const smallDoneMs = Date.now() - started;
    const backlogDoneThen = await accepted(backlog);
    // Behind one shared FIFO queue the five would wait for every one of the hundreds.
    expect(backlogDoneThen).toBeLessThan(BACKLOG / 2);

    // The queues are the organisations' own, as /api/queues and the queue UI show them.
    const counts = await running.services.organisations[0]!.ctx.queues.counts();
    expect(Object.keys(counts)).toEqual(['control-city', 'register-city', 'push-city']);
    const names = running.services.organisations.map((org) => org.ctx.queues.register.name);
    expect(names).toEqual(['register-city', 'register-school-7', 'register-library']);

    // Every organisation reaches ПОС: ready, with each one listed.
    const ready = await fetch(`${running.api!.url}/health/ready`);
    const body = (await ready.json()) as { checks: { pos: { ok: boolean }; organisations: Record<string, { ok: boolean }> } };
    expect(ready.status).toBe(200);
    expect(body.checks.pos.ok).toBe(true);
    expect(Object.keys(body.checks.organisations)).toEqual(ORGANISATIONS.map((org) => org.key));
    expect(Object.values(body.checks.organisations).every((check) => check.ok)).toBe(true);

    await waitFor('the backlog', async () => (await accepted(backlog)) === BACKLOG, 120_000, 500);
    process.stdout.write(
      `fairness: ${SMALL} appeals of one ЛКО accepted in ${smallDoneMs} ms, ${backlogDoneThen}/${BACKLOG} of the other's backlog by then\n`,
    );
  }, 180_000);
});
