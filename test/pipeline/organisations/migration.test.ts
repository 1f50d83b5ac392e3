// Moving a running single-organisation bridge to several organisations with jobs in flight: the
// existing ЛКО listed with the key `default` keeps its queued jobs, its failed-job ids and its records.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../../fixtures/generator.js';
import { processPull } from '../../../src/pipeline/control.js';
import { testRedisUrl } from '../../helpers/redis.js';
import { startBridge, startWorld, type World } from '../harness.js';
import { cli } from './world.js';

describe('from one organisation to several, with jobs in flight', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  it("keeps the default organisation's waiting jobs, failed-job ids and records", async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const pos = world.sandbox.pos.control;
    const first = generateAppeals(6, { seed: 71 });
    const { attachments: _none, ...poison } = { ...generateAppeals(1, { seed: 72, startId: 900_501 })[0]!, attachments: undefined };
    await pos.seed(first);
    await pos.seedRaw([{ ...poison, attachments: [`${world.sandbox.pos.url}/file-storage-service/filestorage/removed-file`] }]);
    const single = await cli(['sync', '--timeout', '30s'], world.env);
    expect(single.code).toBe(1); // the poison appeal failed
    const before = await cli(['failed', 'list', '--json'], world.env);
    const failedId = (JSON.parse(before.stdout) as { id: string; posId?: number }[]).find((entry) => entry.posId === poison.id)!.id;
    expect(failedId).toBe(`register.register-${poison.id}`);

    // More appeals arrive and are pulled, but no worker runs before the switch: jobs in flight.
    const inFlight = generateAppeals(4, { seed: 73, startId: 100_101 });
    await pos.seed(inFlight);
    const puller = await startBridge(world, { workers: false });
    expect((await processPull(puller.ctx)).handedOn).toBe(4);
    await puller.stop();

    // The switch: the same ЛКО as `default`, and a second one beside it.
    await pos.addOrganisation({ clientId: 'lko-city', secret: 'city-secret' });
    const cityAppeals = await pos.generate(3, 74, { startId: 300_001, organisation: 'lko-city' });
    writeFileSync(
      join(world.workDir, 'bridge.yaml'),
      [
        'organisations:',
        '  - { key: default, clientId: "demo-org", clientSecretEnv: POS_SECRET_DEFAULT }',
        '  - { key: city, clientId: "lko-city", clientSecretEnv: POS_SECRET_CITY }',
        '',
      ].join('\n'),
    );
    const { POS_CLIENT_ID: _id, POS_CLIENT_SECRET: secret, ...rest } = world.env;
    const several = {
      ...rest,
      BRIDGE_CONFIG: join(world.workDir, 'bridge.yaml'),
      POS_SECRET_DEFAULT: secret!,
      POS_SECRET_CITY: 'city-secret',
    };

    const after = await cli(['sync', '--timeout', '30s'], several);
    expect(after.stderr).toContain('organisation default:');
    for (const appeal of [...first, ...inFlight]) {
      const view = await pos.appeal(appeal.id);
      expect(view.accepted).toBe(true);
      expect(view.acceptCount).toBe(1);
    }
    for (const id of cityAppeals) expect((await pos.appeal(id)).accepted).toBe(true);
    const edms = world.sandbox.edms;
    if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
    expect(edms.directum.state.count('IRequests')).toBe(first.length + inFlight.length + cityAppeals.length);

    // The failed job keeps its id, now listed under its organisation, and replays by that id.
    const listed = JSON.parse((await cli(['failed', 'list', '--json'], several)).stdout) as { id: string; organisation: string }[];
    expect(listed).toContainEqual(expect.objectContaining({ id: failedId, organisation: 'default' }));
    const retried = await cli(['failed', 'retry', failedId], several);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`Replayed ${failedId}.`);
  }, 120_000);
});
