// Where a `{posId}` preview finds its appeal: the sealed payload of the register job (the bridge
// keeps no other copy), opened with DATA_KEY in the first organisation that knows the appeal; once
// BullMQ has removed the job, the appeal is "no longer held".
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { MemoryAuditLog } from '../../src/admin/memory-audit.js';
import { createLogger } from '../../src/logging.js';
import type { PipelineContext } from '../../src/pipeline/context.js';
import { PayloadCipher } from '../../src/pipeline/crypto.js';
import { BridgeQueues, registerJobId } from '../../src/pipeline/queues.js';
import { adminDeps } from '../../src/service/admin-deps.js';
import { testRedis, testRedisUrl, uniquePrefix, wipePrefix } from '../helpers/redis.js';
import { auth, sampleAppeal } from './fakes.js';
import { shippedMappings, type ShippedMappings } from './shipped-mappings.js';

const prefix = uniquePrefix('held');
const redis = testRedis();
const cipher = new PayloadCipher(randomBytes(32));
let mappings: ShippedMappings | undefined;
const queues: BridgeQueues[] = [];

afterEach(async () => {
  await mappings?.close();
  await Promise.all(queues.splice(0).map((queue) => queue.close()));
  await wipePrefix(prefix);
});
afterAll(() => redis.disconnect());

/** An organisation with just what the preview reads: its store's knowledge, its register queue, its key. */
function organisation(key: string, known: readonly number[]) {
  const bridgeQueues = new BridgeQueues({ url: testRedisUrl() }, prefix, key);
  queues.push(bridgeQueues);
  const ctx = {
    organisation: key,
    queues: bridgeQueues,
    cipher,
    store: { get: async (posId: number) => (known.includes(posId) ? { posId, state: 'registered' } : null) },
  } as unknown as PipelineContext;
  return { key, ctx, posPing: async () => undefined };
}

describe('{posId} preview of a held appeal', () => {
  it('decrypts the register job of the first organisation holding it; 404 once the job is gone', async () => {
    mappings = await shippedMappings();
    const city = organisation('city', [4101, 4103]);
    const school = organisation('school-7', [4101]);
    for (const org of [city, school]) {
      const appeal = { ...sampleAppeal, description: `${sampleAppeal.description} (${org.key})` };
      await org.ctx.queues.register.add(
        'register',
        { posId: 4101, sealedAppeal: cipher.sealJson(appeal, { purpose: 'appeal', posId: 4101 }) },
        { jobId: registerJobId(4101) },
      );
    }
    const audit = new MemoryAuditLog();
    const wired = adminDeps({
      ctx: city.ctx,
      organisations: [city, school],
      redis,
      mappings: mappings.registry,
      adminToken: 'test-admin-token-0123456789abcdef',
      logger: createLogger({ level: 'silent' }),
      posPing: async () => undefined,
    });
    const deps = { ...wired, audit };
    expect(await deps.appeals.held!(4101)).toEqual({
      organisation: 'city',
      appeal: { ...sampleAppeal, description: `${sampleAppeal.description} (city)` },
    });
    expect(await deps.appeals.held!(4103)).toEqual({ organisation: 'city', gone: true });
    expect(await deps.appeals.held!(4999)).toBeNull();

    const app = await buildAdminApp(deps);
    try {
      const preview = (payload: object) =>
        app.inject({ method: 'POST', url: '/api/mappings/directum-rx/preview-draft', headers: auth, payload });
      const shown = await preview({ appeal: { posId: 4101 }, unmask: true });
      expect(shown.statusCode, shown.body).toBe(200);
      expect(shown.json()).toMatchObject({
        masked: false,
        appeal: { id: 4101, applicant: { surname: 'Иванова' } },
        record: { Subject: `${sampleAppeal.description} (city)`, Correspondent: { LastName: 'Иванова' } },
      });
      expect(audit.entries).toEqual([
        expect.objectContaining({ action: 'appeal.unmask', target: '4101', details: { mapping: 'directum-rx', source: 'held' } }),
      ]);

      await (await city.ctx.queues.register.getJob(registerJobId(4101)))!.remove();
      const gone = await preview({ appeal: { posId: 4101 } });
      expect(gone.statusCode).toBe(404);
      expect(gone.json()).toEqual({
        error: 'not_found',
        message:
          'the bridge no longer holds appeal 4101: it keeps an appeal only while its register job is kept (JOB_KEEP_COMPLETED_AGE after registration); paste it instead',
      });
    } finally {
      await app.close();
    }
  });
});
