// `pos-bridge reseal` after a key rotation: kept register and push jobs (waiting, delayed, failed,
// completed), sealed by an older release (v1) or under the previous key, end up v2 under DATA_KEY,
// in the state they were in; a payload nothing opens is named and makes the exit code 1.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { PayloadCipher, type SealContext } from '../../src/pipeline/crypto.js';
import { BridgeQueues } from '../../src/pipeline/queues.js';
import { SAMPLE_ORGANISATIONS, organisationsYaml } from '../../fixtures/organisations.js';
import { sealV1 } from '../helpers/legacy-seal.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

function io(env: Record<string, string>): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

const oldKey = randomBytes(32);
const newKey = randomBytes(32);
const appeal = (id: number) => ({ id, description: `Обращение ${id}`, applicant: { surname: 'Петрова' } });
const forAppeal = (posId: number): SealContext => ({ purpose: 'appeal', posId });

let redis: Redis;
let queues: BridgeQueues;
let prefix: string;
let env: Record<string, string>;

beforeAll(async () => {
  redis = testRedis();
  prefix = uniquePrefix('reseal');
  queues = new BridgeQueues(redis as ConnectionOptions, prefix);
  env = { REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix, DATA_KEY: newKey.toString('hex'), DATA_KEY_PREVIOUS: oldKey.toString('hex') };
  const before = new PayloadCipher(oldKey);

  // One job fails for good and one completes, through a real worker.
  await queues.register.add('register', { posId: 3, sealedAppeal: sealV1(oldKey, appeal(3)) }, { jobId: 'register-3', attempts: 1 });
  await queues.register.add('register', { posId: 4, sealedAppeal: before.sealJson(appeal(4), forAppeal(4)) }, { jobId: 'register-4' });
  const workerConnection = testRedis();
  const worker = new Worker(
    'register',
    async (job: Job) => {
      if (job.data.posId === 3) throw new UnrecoverableError('EDMS_REJECTED: no');
      return 'accepted';
    },
    { connection: workerConnection as ConnectionOptions, prefix },
  );
  for (let i = 0; i < 100; i += 1) {
    const counts = await queues.register.getJobCounts('failed', 'completed');
    if (counts.failed === 1 && counts.completed === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await worker.close();
  workerConnection.disconnect();
  await queues.register.add('register', { posId: 1, sealedAppeal: sealV1(oldKey, appeal(1)) }, { jobId: 'register-1' });
  await queues.register.add(
    'register',
    { posId: 2, sealedAppeal: before.sealJson(appeal(2), forAppeal(2)) },
    { jobId: 'register-2', delay: 3_600_000 },
  );
  await queues.register.add('register', { posId: 7, sealedAppeal: '' }, { jobId: 'register-7' }); // re-accept only: nothing sealed
  await queues.push.add('push', { posId: 5, sealedProgress: sealV1(oldKey, { posId: 5, state: 'registered' }) }, { jobId: 'push-5-x' });
});

afterAll(async () => {
  await queues.close();
  redis.disconnect();
});

describe('pos-bridge reseal', () => {
  it('reseals every kept payload as v2 under DATA_KEY, leaving each job in its state', async () => {
    const cli = io(env);
    expect(await runCli(['reseal'], cli), cli.err.join('')).toBe(0);
    const out = cli.out.join('');
    expect(out).toMatch(/^register\s+4\s+0\s+0$/m);
    expect(out).toMatch(/^push\s+1\s+0\s+0$/m);
    expect(out).toContain('DATA_KEY_PREVIOUS is no longer needed');

    const onlyNew = new PayloadCipher(newKey);
    const expected: [string, string][] = [
      ['register-1', 'waiting'],
      ['register-2', 'delayed'],
      ['register-3', 'failed'],
      ['register-4', 'completed'],
    ];
    for (const [jobId, state] of expected) {
      const job = (await queues.register.getJob(jobId))!;
      expect(await job.getState(), jobId).toBe(state);
      expect(job.data.sealedAppeal).toMatch(/^v2\./);
      expect(onlyNew.openJson(job.data.sealedAppeal, forAppeal(job.data.posId))).toEqual(appeal(job.data.posId));
    }
    expect((await queues.register.getJob('register-7'))!.data.sealedAppeal).toBe('');
    const push = (await queues.push.getJob('push-5-x'))!;
    expect(onlyNew.openJson(push.data.sealedProgress, { purpose: 'progress', posId: 5 })).toEqual({ posId: 5, state: 'registered' });

    const again = io(env);
    expect(await runCli(['reseal', '--json'], again)).toBe(0);
    expect(JSON.parse(again.out.join(''))).toMatchObject({
      done: true,
      problems: [],
      queues: { register: { resealed: 0, current: 4 }, push: { resealed: 0, current: 1 } },
    });
  });

  it('names a payload no key opens and exits 1; exits 2 without DATA_KEY', async () => {
    await queues.register.add(
      'register',
      { posId: 9, sealedAppeal: new PayloadCipher(randomBytes(32)).sealJson(appeal(9), forAppeal(9)) },
      { jobId: 'register-9', delay: 3_600_000 },
    );
    const cli = io(env);
    expect(await runCli(['reseal'], cli)).toBe(1);
    expect(cli.err.join('')).toMatch(/register job register-9 \(appeal 9\): CONFIG_INVALID: payload was sealed with key/);
    expect(cli.err.join('')).not.toContain('Петрова');

    const noKey = io({ REDIS_URL: env.REDIS_URL!, QUEUE_PREFIX: prefix });
    expect(await runCli(['reseal'], noKey)).toBe(2);
    expect(noKey.err.join('')).toContain('DATA_KEY: is required for reseal');
  });

  it("reseals every organisation's queues when BRIDGE_CONFIG names several", async () => {
    const [city, school] = SAMPLE_ORGANISATIONS;
    const dir = mkdtempSync(join(tmpdir(), 'reseal-orgs-'));
    writeFileSync(join(dir, 'bridge.yaml'), organisationsYaml([city!, school!]));
    const orgPrefix = uniquePrefix('reseal-orgs');
    const schoolQueues = new BridgeQueues(redis as ConnectionOptions, orgPrefix, school!.key);
    try {
      await schoolQueues.register.add('register', { posId: 11, sealedAppeal: sealV1(oldKey, appeal(11)) }, { jobId: 'register-11' });
      const secrets = { [city!.secretEnv]: city!.secret, [school!.secretEnv]: school!.secret };
      const cli = io({ ...env, ...secrets, QUEUE_PREFIX: orgPrefix, BRIDGE_CONFIG: join(dir, 'bridge.yaml') });
      expect(await runCli(['reseal', '--json'], cli), cli.err.join('')).toBe(0);
      expect(JSON.parse(cli.out.join(''))).toMatchObject({
        done: true,
        queues: { 'register-school-7': { resealed: 1 }, 'register-city': { resealed: 0 } },
      });
      const job = (await schoolQueues.register.getJob('register-11'))!;
      expect(new PayloadCipher(newKey).openJson(job.data.sealedAppeal, forAppeal(11))).toEqual(appeal(11));
    } finally {
      await schoolQueues.close();
    }
  });
});
