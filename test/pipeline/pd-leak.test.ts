// No personal data in error texts (152-ФЗ): appeals carrying unique markers in every personal field
// go through every fault path with the real pipeline on the test Redis — a page that is not JSON
// (V8 quotes it), a page cut off by the ПОС fault injector, an appeal nested 6,000 levels deep, one
// with a lone surrogate, a 5 MB text, a mapping failure that echoes the applicant, and an EDMS 400
// that quotes the request back. Then everything the bridge wrote under its Redis prefix, everything
// it logged and what the admin API answers about the failures and the appeals is searched for the
// markers. The sealed job payloads are part of the search: they are encrypted, so nothing shows.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { packageRoot } from '../../fixtures/index.js';
import { buildAdminApp } from '../../src/admin/app.js';
import { createLogger } from '../../src/logging.js';
import { loadMappingForTarget } from '../../src/mapping/load-file.js';
import { FailedJobs } from '../../src/pipeline/failed.js';
import { registerJobId } from '../../src/pipeline/queues.js';
import { triggerControl } from '../../src/pipeline/runtime.js';
import { runSync } from '../../src/pipeline/sync.js';
import { adminDeps } from '../../src/service/admin-deps.js';
import { makeFakes } from '../admin/fakes.js';
import { dumpPrefix, testRedisUrl } from '../helpers/redis.js';
import { startBridge, startWorld, waitFor, type InProcessBridge, type World } from './harness.js';

/** Unique markers for fault path `n`, in every personal field. */
function markers(n: number) {
  return {
    surname: `Тестпд${n}`,
    patronymic: `Отчпд${n}`,
    email: `pd${n}@example.test`,
    phone: `+7 900 111-22-3${n}`,
    postAddress: `ул. Маркерная, ${n}`,
    address: `пр. Маркерный, ${n}`,
    description: `Маркерный текст обращения ${n}: прошу принять меры`,
  };
}

/** What must never be found: each marker, and the phone's digits however they are written. */
function needles(n: number): string[] {
  const m = markers(n);
  return [m.surname, m.patronymic, m.email, m.phone, m.phone.replace(/\D/g, ''), m.postAddress, m.address, m.description.slice(0, 28)].map(
    (text) => text.toLowerCase(),
  );
}

function appealWith(n: number, id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { attachments: _files, ...base } = generateAppeals(1, { seed: 700 + n, startId: id })[0]!;
  const m = markers(n);
  return {
    ...base,
    description: m.description,
    address: m.address,
    applicant: {
      surname: m.surname,
      name: 'Мария',
      patronymic: m.patronymic,
      email: m.email,
      phone: m.phone,
      postAddress: m.postAddress,
      sendWithRussiaPost: false,
    },
    coApplicants: null,
    ...extra,
  };
}

const ID = { notJson: 980_001, cutPage: 980_002, deep: 980_003, surrogate: 980_004, mapping: 980_005, edms400: 980_006, huge: 980_007 };

describe('personal data in error texts', () => {
  let world: World;
  let bridge: InProcessBridge;
  afterEach(async () => {
    await bridge?.stop();
    await world?.close();
  });

  it('is nowhere: not in Redis, not in the logs, not in the failed list or the appeal views', async () => {
    world = await startWorld('directum-rx', testRedisUrl());
    const mappingsDir = join(world.workDir, 'mappings');
    cpSync(join(packageRoot(), 'mappings'), mappingsDir, { recursive: true });
    const file = join(mappingsDir, 'directum-rx.yaml');
    // A mapping failure whose own text echoes the applicant (as an admin's $error might).
    const source = readFileSync(file, 'utf8');
    const failing = source.replace(
      '  Note: >-\n    $truncate(',
      `  Note: >-\n    applicant.surname = "${markers(5).surname}" ? $error("не удалось: " & applicant.surname & ", " & applicant.email & ", " & applicant.phone & ", " & address) : $truncate(`,
    );
    expect(failing).not.toBe(source);
    writeFileSync(file, failing);

    const logLines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: new Writable({
        write: (chunk: Buffer, _e, done) => {
          logLines.push(chunk.toString());
          done();
        },
      }),
    });
    bridge = await startBridge(world, { logger });
    bridge.ctx.mappings = { forTarget: (kind) => loadMappingForTarget(mappingsDir, kind) };
    const pos = world.sandbox.pos.control;
    const control = bridge.ctx.queues.control;
    const failedPulls = async (count: number) =>
      waitFor(`${count} failed pulls`, async () => (await control.getFailed()).length >= count, 20_000);

    // 1. A page that is not JSON, where V8's message would quote the applicant.
    const notJson = JSON.stringify(appealWith(1, ID.notJson)).replace(
      `"surname":"${markers(1).surname}"`,
      `"surname": ${markers(1).surname}`,
    );
    await pos.seedRawJson([notJson]);
    await triggerControl(bridge.ctx, 'pull');
    await failedPulls(1);
    await pos.reset();

    // 2. A page cut off half-way by the ПОС fault injector.
    await pos.seedRaw([appealWith(2, ID.cutPage)]);
    await pos.addFault({ route: 'pull', kind: 'malformed', times: 1 });
    await triggerControl(bridge.ctx, 'pull');
    await failedPulls(2);

    // 3. Deep nesting, a lone surrogate, a mapping failure and a 5 MB text, beside appeal 2.
    const deep = JSON.stringify(appealWith(3, ID.deep)).slice(0, -1);
    await pos.seedRawJson([`${deep},"customFieldValues":[${'{"value":'.repeat(6000)}"${markers(3).address}"${'}'.repeat(6000)}]}`]);
    await pos.seedRaw([
      appealWith(4, ID.surrogate, {
        applicant: { ...(appealWith(4, ID.surrogate).applicant as object), surname: `${markers(4).surname}\ud800` },
      }),
      appealWith(5, ID.mapping),
      appealWith(7, ID.huge, { description: `${markers(7).description} ${'я'.repeat(5 * 1024 * 1024)}` }),
    ]);
    await runSync(bridge.ctx, { timeoutMs: 45_000 });

    // 4. The EDMS refuses the applicant with a 400 that quotes every value back.
    const directum = world.sandbox.edms.kind === 'directum-rx' ? world.sandbox.edms.directum : undefined;
    directum!.faults.add({ route: 'create', kind: '400', set: 'IPersons', count: 1 });
    await pos.seedRaw([appealWith(6, ID.edms400)]);
    await runSync(bridge.ctx, { timeoutMs: 45_000 });

    // The paths were taken: two failed pulls, appeals 2 and 4 registered, the rest failed with their codes.
    const pullReasons = (await control.getFailed()).map((job) => job.failedReason);
    expect(pullReasons).toEqual([
      expect.stringMatching(/^MALFORMED_RESPONSE: pull page 0: body is not JSON/),
      expect.stringMatching(/^MALFORMED_RESPONSE: pull page 0: body is not JSON/),
    ]);
    for (const id of [ID.cutPage, ID.surrogate]) expect((await pos.appeal(id)).accepted, `appeal ${id}`).toBe(true);
    const failed = await new FailedJobs(bridge.ctx.queues, bridge.ctx.store).list();
    expect(Object.fromEntries(failed.map((entry) => [entry.posId, entry.error.code]))).toEqual({
      [ID.deep]: 'APPEAL_TOO_LARGE',
      [ID.huge]: 'APPEAL_TOO_LARGE',
      [ID.mapping]: 'MAPPING_FAILED',
      [ID.edms400]: 'PERMANENT',
    });
    expect(failed.find((entry) => entry.posId === ID.edms400)!.error.message).toMatch(/^Directum POST IPersons: HTTP 400: BadRequest/);
    expect(failed.find((entry) => entry.posId === ID.mapping)!.error.message).toMatch(/^mapping "directum-rx" field Note: JSONata D3137/);

    // Redis under the prefix, sealed payloads included (they must not be readable).
    const dump = (await dumpPrefix(world.prefix)).toLowerCase();
    expect(dump).toContain(String(ID.edms400));
    const job = await bridge.ctx.queues.register.getJob(registerJobId(ID.edms400));
    expect(job!.data.sealedAppeal).toMatch(/^v2\.[0-9a-f]{8}\.[^.]+\.[^.]+\.[A-Za-z0-9+/=]+$/);
    // BullMQ's stored stack is the sanitized reason alone: no frames, no cause.
    expect(job!.stacktrace).toEqual([expect.stringMatching(/^UnrecoverableError: PERMANENT: Directum POST IPersons: HTTP 400: [^\n]+$/)]);

    // The admin API's answers, its request log going to the same log.
    const app = await buildAdminApp(
      adminDeps({
        ctx: bridge.ctx,
        redis: bridge.redis,
        mappings: makeFakes().deps.mappings,
        adminToken: 'test-admin-token',
        logger,
        posPing: async () => undefined,
      }),
      { logger: true },
    );
    const headers = { authorization: 'Bearer test-admin-token' };
    const answers: string[] = [];
    const failedAnswer = await app.inject({ method: 'GET', url: '/api/failed', headers });
    expect(failedAnswer.statusCode).toBe(200);
    answers.push(failedAnswer.body);
    for (const id of Object.values(ID)) answers.push((await app.inject({ method: 'GET', url: `/api/appeals/${id}`, headers })).body);
    await app.close();
    expect(answers.join('\n')).toContain('"code":"PERMANENT"');
    const api = answers.join('\n').toLowerCase();
    const logs = logLines.join('').toLowerCase();
    expect(logs).toContain('appeal set aside');

    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      for (const needle of needles(n)) {
        expect(dump.includes(needle), `Redis holds marker ${n} (${needle.length} chars)`).toBe(false);
        expect(logs.includes(needle), `the log holds marker ${n}: ${needle}`).toBe(false);
        expect(api.includes(needle), `the API answers with marker ${n}: ${needle}`).toBe(false);
      }
    }
  }, 150_000);
});
