// Reconcile per organisation: after Redis lost the bridge's keys, each organisation's pipeline adopts
// its own records from the EDMS (Directum links carry the organisation) and sends each final answer
// with that organisation's token.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { answerPdf } from '../../../src/demo/clerk.js';
import { createLogger } from '../../../src/logging.js';
import { startRole, type RunningService } from '../../../src/service/service.js';
import { buildServices } from '../../../src/service/wiring.js';
import { testRedisUrl, wipePrefix } from '../../helpers/redis.js';
import { waitFor } from '../harness.js';
import { ORGANISATIONS, cli, startOrganisationsWorld, type OrganisationsWorld } from './world.js';

describe('state loss with several organisations', () => {
  let orgs: OrganisationsWorld;
  let running: RunningService | undefined;
  beforeEach(async () => {
    orgs = await startOrganisationsWorld(testRedisUrl());
  });
  afterEach(async () => {
    await running?.stop();
    await orgs.close();
  });

  it("adopts each appeal into its own organisation and answers it with that organisation's token", async () => {
    const pos = orgs.world.sandbox.pos.control;
    const answered = new Map<string, number>();
    for (const [index, org] of ORGANISATIONS.entries()) {
      answered.set(org.key, (await pos.generate(2, 80 + index, { startId: 500_001 + index * 1000, organisation: org.clientId }))[0]!);
    }
    expect((await cli(['sync', '--timeout', '60s'], orgs.env())).code).toBe(0);
    const edmsIds = new Map<string, string>();
    for (const org of ORGANISATIONS) edmsIds.set(org.key, (await orgs.store(org.key).get(answered.get(org.key)!))!.edmsId!);
    expect(await wipePrefix(orgs.world.prefix)).toBeGreaterThan(0);

    const control = orgs.world.sandbox.edms.control;
    for (const org of ORGANISATIONS) {
      await control.registerNow(edmsIds.get(org.key)!).catch(() => undefined);
      await control.answer(edmsIds.get(org.key)!, { text: 'Ответ', file: answerPdf(answered.get(org.key)!), resolution: 'Explained' });
    }
    const config = loadConfig({ env: orgs.env({ RECONCILE_EVERY: '1s', WATCH_EVERY: '500ms' }), command: 'start', dotenvPath: false });
    running = await startRole(config, 'all', await buildServices(config, createLogger({ level: 'silent' })));

    for (const org of ORGANISATIONS) {
      const posId = answered.get(org.key)!;
      await waitFor(`${org.key}'s answer`, async () => Boolean((await pos.appeal(posId)).finalAnswerAt), 60_000, 200);
      const view = await pos.appeal(posId);
      expect(view.history.filter((entry) => (entry.body as { answer?: boolean }).answer === true)).toHaveLength(1);
      expect(view.history.every((entry) => entry.createdBy.clientId === org.clientId)).toBe(true);
      expect((await orgs.store(org.key).get(posId))?.edmsId).toBe(edmsIds.get(org.key));
      // Nobody else adopted it.
      for (const other of ORGANISATIONS.filter((candidate) => candidate.key !== org.key))
        expect(await orgs.store(other.key).get(posId)).toBeNull();
    }
    const directum = orgs.world.sandbox.edms.kind === 'directum-rx' ? orgs.world.sandbox.edms.directum : undefined;
    expect(directum!.state.count('IRequests')).toBe(ORGANISATIONS.length * 2);
  }, 120_000);
});
