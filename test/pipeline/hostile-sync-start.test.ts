// Hostile ПОС pages to the real CLI, as cron (`sync`) and as the service (`start`) run it: an
// appeal nested 6,000 levels deep, attachments at a foreign origin and behind a redirect out of the
// allowed ones, and a file server that drips one byte at a time. Every good appeal is registered
// once; every bad one is set aside (or fails its attempts) with its reason; no token reaches any
// origin but ПОС's, and nothing is fetched from a foreign one.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { runCli } from '../../src/cli/main.js';
import { runCliProcess } from '../helpers/cli-process.js';
import { testRedisUrl } from '../helpers/redis.js';
import { spawnBridgeProcess, startWorld, waitFor, type World } from './harness.js';

interface Recorder {
  server: Server;
  origin: string;
  seen: IncomingHttpHeaders[];
}

/** A loopback HTTP server that records every request's headers. */
async function recordingServer(handle: (path: string, reply: import('node:http').ServerResponse) => void): Promise<Recorder> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, reply) => {
    seen.push(request.headers);
    handle(request.url ?? '/', reply);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

const close = (recorder: Recorder | undefined) =>
  new Promise<void>((resolve) => (recorder ? recorder.server.close(() => resolve()) : resolve()));

const IDS = { deep: 980_001, foreign: 980_002, redirect: 980_003, drip: 980_004 };

function bare(id: number, seed: number): Record<string, unknown> {
  const { attachments: _none, ...appeal } = generateAppeals(1, { seed, startId: id })[0]!;
  return { ...appeal, createdAt: new Date(Date.UTC(2021, 0, 1, 0, 0, id % 60)).toISOString() };
}

describe.each(['sync', 'start'] as const)('hostile ПОС pages to pos-bridge %s', (mode) => {
  let world: World | undefined;
  let foreign: Recorder | undefined;
  let files: Recorder | undefined;

  afterEach(async () => {
    await world?.close();
    await close(foreign);
    await close(files);
  });

  it('registers the good ones once, sets the bad ones aside with their reasons, and sends no token elsewhere', async () => {
    foreign = await recordingServer((_path, reply) => reply.end('внутренний ресурс'));
    // An allowed file storage: one path redirects out of the allowed origins, one drips forever.
    const timers = new Set<NodeJS.Timeout>();
    files = await recordingServer((path, reply) => {
      if (path.startsWith('/redirect')) {
        reply.writeHead(302, { location: `${foreign!.origin}/latest/meta-data/` }).end();
        return;
      }
      reply.writeHead(200, { 'content-type': 'application/pdf', 'content-length': '100000' });
      const timer = setInterval(() => reply.write('%'), 200);
      timers.add(timer);
      reply.on('close', () => clearInterval(timer));
    });
    world = await startWorld('directum-rx', testRedisUrl(), {
      HTTP_TOTAL_TIMEOUT: '2s',
      MAX_ATTEMPTS: '2',
      PULL_EVERY: '1s',
    });
    // The children read it; the ПОС emulator's port is known only now.
    world.env.POS_ATTACHMENT_ORIGINS = `${new URL(world.sandbox.pos.url).origin},${files.origin}`;
    const pos = world.sandbox.pos.control;
    const good = generateAppeals(6, { seed: 1301 });
    await pos.seed(good);
    await pos.seedRawJson([
      `${JSON.stringify(bare(IDS.deep, 1302)).slice(0, -1)},"customFieldValues":[${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}]}`,
    ]);
    await pos.seedRaw([
      { ...bare(IDS.foreign, 1303), attachments: [`${foreign.origin}/latest/meta-data/iam`] },
      { ...bare(IDS.redirect, 1304), attachments: [`${files.origin}/redirect/scan.pdf`] },
      { ...bare(IDS.drip, 1305), attachments: [`${files.origin}/drip/scan.pdf`] },
    ]);

    if (mode === 'sync') {
      const run = await runCliProcess(['sync', '--timeout', '60s', '--json'], world.env);
      expect(run.code, run.stderr).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({ accepted: good.length });
    } else {
      const service = spawnBridgeProcess(world, 'all');
      try {
        await waitFor(
          'the good appeals to be accepted and the bad ones to fail',
          async () => (await pos.stats()).acceptedTotal === good.length && (await failedList(world!)).length >= 4,
          60_000,
          250,
        );
      } finally {
        service.kill('SIGTERM');
        await new Promise((resolve) => service.once('exit', resolve));
      }
    }
    for (const timer of timers) clearInterval(timer);

    for (const appeal of good) {
      const view = await pos.appeal(appeal.id);
      expect(view.accepted, `appeal ${appeal.id}`).toBe(true);
      expect(view.acceptCount).toBe(1);
    }
    for (const id of Object.values(IDS)) expect((await pos.appeal(id)).accepted, `appeal ${id}`).toBe(false);
    const reasons = new Map((await failedList(world)).map((entry) => [entry.posId, entry.error]));
    expect(reasons.get(IDS.deep)).toEqual({ code: 'APPEAL_TOO_LARGE', message: 'customFieldValues: nested deeper than 64 levels' });
    expect(reasons.get(IDS.foreign)).toMatchObject({
      code: 'ATTACHMENT_ORIGIN_NOT_ALLOWED',
      message: expect.stringContaining(`attachment origin ${foreign.origin} is not in POS_ATTACHMENT_ORIGINS`),
    });
    expect(reasons.get(IDS.redirect)).toMatchObject({
      code: 'ATTACHMENT_ORIGIN_NOT_ALLOWED',
      message: expect.stringContaining(foreign.origin),
    });
    expect(reasons.get(IDS.drip)).toMatchObject({ code: 'TRANSIENT', message: expect.stringContaining('total deadline') });
    for (const reason of reasons.values()) expect(reason.message).not.toContain('meta-data');

    expect(foreign.seen, 'nothing is fetched from a foreign origin').toEqual([]);
    expect(files.seen.length).toBeGreaterThanOrEqual(2);
    expect(
      files.seen.every((headers) => headers.authorization === undefined),
      'the ПОС token goes to the ПОС origin only',
    ).toBe(true);
  }, 150_000);
});

async function failedList(world: World): Promise<{ posId?: number; error: { code: string; message: string } }[]> {
  const out: string[] = [];
  const code = await runCli(['failed', 'list', '--json'], {
    env: world.env,
    isTTY: false,
    stdout: (text) => out.push(text),
    stderr: () => undefined,
  });
  if (code !== 0) throw new Error(`failed list exited ${code}`);
  return JSON.parse(out.join('')) as { posId?: number; error: { code: string; message: string } }[];
}
