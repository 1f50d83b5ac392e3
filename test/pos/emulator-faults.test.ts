// ПОС emulator over real HTTP, part two: file storage, every fault kind, the rate limiter and the
// control API. (Part one, test/pos/emulator.test.ts: token, pull queue, status and answer.)
import { AxiosError, type AxiosInstance } from 'axios';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAppeals, type SeedAppeal } from '../../fixtures/generator.js';
import { loadEdgeCaseSeeds } from '../../fixtures/index.js';
import { usePosEmulator } from '../helpers/pos-emulator.js';
import { EMULATOR_NOW, PLATFORM, TOKEN_FORM as FORM, posHttp } from '../helpers/pos-http.js';

const NOW = EMULATOR_NOW;

const emulator = usePosEmulator();
let http: AxiosInstance;
const { client, authed } = posHttp(() => emulator().url);

/** Catches the transport error of a request that is expected to get no HTTP response. */
async function transportError(run: () => Promise<unknown>): Promise<AxiosError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AxiosError && !error.response) return error;
    throw error;
  }
  throw new Error('expected the request to fail without a response');
}

function dispositionName(header: unknown): string | undefined {
  const match = /filename\*=UTF-8''([^;]+)/i.exec(String(header ?? ''));
  return match ? decodeURIComponent(match[1]!) : undefined;
}

beforeAll(() => {
  http = client();
});

describe('file storage', () => {
  it('round-trips an upload byte for byte with a Cyrillic name in RFC 5987 form', async () => {
    const api = await authed();
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) % 256));
    const name = 'Акт осмотра №5 «итог»; копия.pdf';
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
    const uploaded = await api.post('/file-storage-service/filestorage', form);
    expect(uploaded.status).toBe(200);
    expect(uploaded.data).toMatchObject({ id: expect.any(String), name, size: 5000, contentType: 'application/pdf', temporary: true });
    expect(uploaded.data.url).toBe(`${emulator().url}/file-storage-service/filestorage/${uploaded.data.id}`);
    const download = await api.get(uploaded.data.url, { responseType: 'arraybuffer' });
    expect(download.status).toBe(200);
    expect(Buffer.from(download.data).equals(bytes)).toBe(true);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-length']).toBe('5000');
    expect(download.headers['content-disposition']).toMatch(
      /^attachment; filename="[\x20-\x7e]+"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+$/,
    );
    expect(dispositionName(download.headers['content-disposition'])).toBe(name);
    expect((await http.get(uploaded.data.url)).status).toBe(401);
    expect((await api.get('/file-storage-service/filestorage/missing')).status).toBe(404);
  });

  it('refuses files over the size limit with 413 and a request without the file field with 400', async () => {
    await emulator().control.settings({ maxUploadBytes: 1000 });
    const api = await authed();
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(5000, 1)]), 'big.bin');
    const tooBig = await api.post('/file-storage-service/filestorage', form);
    expect(tooBig.status).toBe(413);
    expect(tooBig.data.messages).toHaveLength(1);
    const wrongField = new FormData();
    wrongField.append('document', new Blob([Buffer.alloc(10)]), 'a.bin');
    expect((await api.post('/file-storage-service/filestorage', wrongField)).status).toBe(400);
  });

  it('serves seeded attachments at absolute URLs with their original names and bytes', async () => {
    const seeds = loadEdgeCaseSeeds();
    await emulator().control.seed(seeds);
    const withFiles = seeds.find((s) => s.id === 900007)!;
    const api = await authed();
    const listed = (await api.get('/appeal-service/edms', { params: { size: 100 } })).data.content.find(
      (a: { id: number }) => a.id === 900007,
    );
    expect(listed.attachments).toHaveLength(withFiles.attachments!.length);
    for (const [index, link] of (listed.attachments as string[]).entries()) {
      expect(link.startsWith(`${emulator().url}/file-storage-service/filestorage/`)).toBe(true);
      const response = await api.get(link, { responseType: 'arraybuffer' });
      const expected = withFiles.attachments![index]!;
      expect(dispositionName(response.headers['content-disposition'])).toBe(expected.name);
      expect(Buffer.from(response.data).equals(expected.data)).toBe(true);
    }
    const long = (await api.get('/appeal-service/edms', { params: { size: 100 } })).data.content.find(
      (a: { id: number }) => a.id === 900002,
    );
    expect(long.description).toHaveLength(60_000);
  });
});

describe('faults', () => {
  it('429 with Retry-After, counted, then normal service', async () => {
    const api = await authed();
    await emulator().control.addFault({ route: 'pull', kind: 'status', status: 429, retryAfter: 7, times: 1 });
    const limited = await api.get('/appeal-service/edms');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
    expect((await emulator().control.stats()).faultsInjected.pull).toBe(1);
  });

  it('5xx by count: the next N calls fail, then the fault retires', async () => {
    const api = await authed();
    await emulator().control.addFault({ route: 'accept', kind: 'status', status: 503, times: 2 });
    await emulator().control.addFault({ route: 'token', kind: 'status', status: 502, times: 1 });
    const [id] = await emulator().control.generate(1, 2, { now: NOW });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await api.post(`/appeal-service/edms/${id}/mark-accepted`)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await emulator().control.appeal(id!)).acceptCount).toBe(1);
    expect(
      (
        await http.post('/user-service/oauth/token', FORM, {
          headers: { Authorization: PLATFORM, 'Content-Type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(502);
    expect(await emulator().control.faults()).toEqual([]);
  });

  it('by rate: a seeded rate fires reproducibly and roughly as often as asked', async () => {
    const api = await authed();
    const pattern = async () => {
      await emulator().control.clearFaults();
      await emulator().control.addFault({ route: '*', kind: 'status', status: 500, rate: 0.3, seed: 11 });
      const out: number[] = [];
      for (let i = 0; i < 60; i += 1) out.push((await api.get('/appeal-service/edms')).status);
      return out;
    };
    const first = await pattern();
    const failures = first.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
    expect(await pattern()).toEqual(first);
  });

  it('slow answers outlast a client timeout, and still answer a patient client', async () => {
    const api = await authed();
    await emulator().control.addFault({ route: 'pull', kind: 'slow', delayMs: 400, times: 2 });
    const impatient = client(100);
    impatient.defaults.headers.common.Authorization = api.defaults.headers.common.Authorization;
    const error = await transportError(() => impatient.get('/appeal-service/edms'));
    expect(error.code).toMatch(/ECONNABORTED|ETIMEDOUT/);
    const started = Date.now();
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });

  it('drop closes the connection before the work is done', async () => {
    const api = await authed();
    const [id] = await emulator().control.generate(1, 2, { now: NOW });
    await emulator().control.addFault({ route: 'accept', kind: 'drop', times: 1 });
    await transportError(() => api.post(`/appeal-service/edms/${id}/mark-accepted`));
    const view = await emulator().control.appeal(id!);
    expect(view.accepted).toBe(false);
    expect(view.acceptCount).toBe(0);
  });

  it('drop-after commits the work and loses the response', async () => {
    const api = await authed();
    const [id] = await emulator().control.generate(1, 2, { now: NOW });
    await emulator().control.addFault({ route: 'accept', kind: 'drop-after', times: 1 });
    await transportError(() => api.post(`/appeal-service/edms/${id}/mark-accepted`));
    const view = await emulator().control.appeal(id!);
    expect(view.accepted).toBe(true);
    expect(view.acceptCount).toBe(1);
    expect((await api.get('/appeal-service/edms')).data.content).toEqual([]);
  });

  it('malformed answers 200 with JSON that does not parse', async () => {
    const api = await authed();
    await emulator().control.generate(3, 2, { now: NOW });
    await emulator().control.addFault({ route: 'pull', kind: 'malformed', times: 1 });
    const response = await api.get('/appeal-service/edms', { responseType: 'text', transitional: { forcedJSONParsing: false } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(() => JSON.parse(response.data as string)).toThrow(SyntaxError);
    expect((await api.get('/appeal-service/edms')).data.content).toHaveLength(3);
  });

  it('rate limiter answers 429 with Retry-After past the limit and counts it', async () => {
    const api = await authed();
    await emulator().control.settings({ rateLimit: { perSecond: 5 } });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => api.get('/appeal-service/edms').then((r) => [r.status, r.headers['retry-after']] as const)),
    );
    const limited = statuses.filter(([status]) => status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(limited.every(([, retryAfter]) => Number(retryAfter) >= 1)).toBe(true);
    expect((await emulator().control.stats()).requestsOverLimit).toBe(limited.length);
    await emulator().control.settings({ rateLimit: null });
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
  });

  it('targets the upload, download and answer routes by name', async () => {
    const api = await authed();
    const [id] = await emulator().control.generate(1, 2, { now: NOW });
    await api.post(`/appeal-service/edms/${id}/mark-accepted`);
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('ответ')]), 'Ответ.txt');
    const file = (await api.post('/file-storage-service/filestorage', form)).data;
    await emulator().control.addFault({ route: 'upload', kind: 'status', status: 500, times: 1 });
    await emulator().control.addFault({ route: 'download', kind: 'status', status: 502, times: 1 });
    await emulator().control.addFault({ route: 'answer', kind: 'status', status: 503, times: 1 });
    expect((await api.post('/file-storage-service/filestorage', form)).status).toBe(500);
    expect((await api.get(file.url)).status).toBe(502);
    expect((await api.post(`/appeal-service/edms/${id}`, { id, answer: false, status: 'В работе' })).status).toBe(503);
    expect((await api.get(file.url)).status).toBe(200);
    expect((await api.post(`/appeal-service/edms/${id}`, { id, answer: false, status: 'В работе' })).status).toBe(200);
    expect((await emulator().control.stats()).faultsInjected).toMatchObject({ upload: 1, download: 1, answer: 1, pull: 0 });
    expect((await emulator().control.appeal(id!)).history).toHaveLength(1);
  });

  it('refuses a malformed fault description', async () => {
    await expect(emulator().control.addFault({ route: 'pull', kind: 'status', status: 200 })).rejects.toThrow(/HTTP 400/);
    await expect(emulator().control.addFault({ route: 'nowhere', kind: 'drop' } as never)).rejects.toThrow(/HTTP 400/);
  });
});

describe('control API', () => {
  it('seeds, inspects, counts, serves files and resets', async () => {
    const seeds: SeedAppeal[] = generateAppeals(20, { seed: 21, now: NOW });
    const withFile = seeds.find((s) => (s.attachments?.length ?? 0) > 0)!;
    expect(await emulator().control.seed(seeds)).toEqual(seeds.map((s) => s.id));
    const view = await emulator().control.appeal(withFile.id);
    expect(view).toMatchObject({ raw: false, accepted: false, acceptCount: 0, history: [] });
    expect(view.appeal.description).toBe(withFile.description);
    const stored = await emulator().control.file(view.attachments[0]!.id);
    expect(stored.name).toBe(withFile.attachments![0]!.name);
    expect(stored.data.equals(withFile.attachments![0]!.data)).toBe(true);
    expect(await emulator().control.appeals()).toHaveLength(20);
    const more = await emulator().control.generate(3, 1);
    expect(more[0]).toBe(Math.max(...seeds.map((s) => s.id)) + 1);
    await (await authed()).get('/appeal-service/edms');
    expect(await emulator().control.stats()).toMatchObject({
      pendingTotal: 23,
      acceptedTotal: 0,
      tokensIssued: 1,
      requests: { pull: 1, token: 1 },
    });
    await expect(emulator().control.seed([{ id: 1, description: 5 } as unknown as SeedAppeal])).rejects.toThrow(/HTTP 400/);
    await expect(emulator().control.appeal(123)).rejects.toThrow(/HTTP 404/);
    await emulator().control.reset();
    expect(await emulator().control.appeals()).toEqual([]);
    expect((await emulator().control.stats()).requests.pull).toBe(0);
  });
});
