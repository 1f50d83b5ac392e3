// ПОС emulator over real HTTP, part one: token, bearer, pull queue, mark-accepted, status and
// answer rules. Part two (test/pos/emulator-faults.test.ts): files, faults, control API.
import type { AxiosInstance } from 'axios';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { usePosEmulator } from '../helpers/pos-emulator.js';
import { EMULATOR_NOW, PLATFORM, TOKEN_FORM as FORM, posHttp } from '../helpers/pos-http.js';
import { appealSchema } from '../../src/pos/schemas.js';

const NOW = EMULATOR_NOW;

const emulator = usePosEmulator();
let http: AxiosInstance;
const { client, authed } = posHttp(() => emulator().url);

beforeAll(() => {
  http = client();
});

describe('token', () => {
  it('issues a Spring OAuth token for the platform pair and the organisation credentials', async () => {
    const response = await http.post('/user-service/oauth/token', FORM, {
      headers: { Authorization: PLATFORM, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(200);
    expect(response.data).toMatchObject({
      token_type: 'bearer',
      expires_in: 3600,
      scope: 'any',
      jti: expect.any(String),
      userId: expect.any(Number),
      surname: expect.any(String),
    });
    expect(response.data.access_token).toMatch(/\S{16,}/);
  });

  it('refuses bad organisation credentials with 401 invalid_grant, and a bad or missing Basic pair with 401', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const badGrant = await http.post('/user-service/oauth/token', FORM.replace('demo-secret', 'wrong'), {
      headers: { Authorization: PLATFORM, ...form },
    });
    expect(badGrant.status).toBe(401);
    expect(badGrant.data).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
    const badBasic = await http.post('/user-service/oauth/token', FORM, {
      headers: { Authorization: 'Basic ' + Buffer.from('pos-bridge:nope').toString('base64'), ...form },
    });
    expect(badBasic.status).toBe(401);
    expect((await http.post('/user-service/oauth/token', FORM, { headers: form })).status).toBe(401);
    const badType = await http.post('/user-service/oauth/token', FORM.replace('password&', 'client_credentials&'), {
      headers: { Authorization: PLATFORM, ...form },
    });
    expect(badType.status).toBe(400);
    expect(badType.data.error).toBe('unsupported_grant_type');
  });

  it('requires a valid bearer on every other route', async () => {
    expect((await http.get('/appeal-service/edms')).status).toBe(401);
    expect((await http.get('/appeal-service/edms', { headers: { Authorization: 'Bearer made-up' } })).status).toBe(401);
    expect((await http.post('/appeal-service/edms/1/mark-accepted')).status).toBe(401);
    expect((await http.get('/file-storage-service/filestorage/x')).status).toBe(401);
    const api = await authed();
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
    expect((await emulator().control.stats()).unauthorized).toBe(4);
  });

  it('expired tokens give 401 until a new token is fetched', async () => {
    const api = await authed();
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
    expect(await emulator().control.expireTokens()).toBeGreaterThanOrEqual(1);
    const expired = await api.get('/appeal-service/edms');
    expect(expired.status).toBe(401);
    expect(expired.data.error).toBe('invalid_token');
    expect((await (await authed()).get('/appeal-service/edms')).status).toBe(200);
  });

  it('honours a short token lifetime set at run time', async () => {
    await emulator().control.settings({ tokenTtlSeconds: 0.3 });
    const api = await authed();
    expect((await api.get('/appeal-service/edms')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await api.get('/appeal-service/edms')).status).toBe(401);
  });
});

describe('pull queue', () => {
  it('pages the not-yet-accepted appeals oldest first, ties by id, with full Spring page fields', async () => {
    await emulator().control.generate(45, 3, { now: NOW });
    const tie = '2024-12-01T10:00:00.000+03:00';
    const base = { description: 'Одинаковое время', createdAt: tie } as const;
    await emulator().control.seed([
      { id: 7_000_002, ...base },
      { id: 7_000_001, ...base },
    ]);
    const api = await authed();
    const first = await api.get('/appeal-service/edms', { params: { page: 0, size: 20 } });
    expect(first.status).toBe(200);
    expect(first.data).toMatchObject({
      totalElements: 47,
      totalPages: 3,
      number: 0,
      size: 20,
      numberOfElements: 20,
      first: true,
      last: false,
      empty: false,
    });
    expect(first.data.pageable).toMatchObject({ pageNumber: 0, pageSize: 20, offset: 0, paged: true });
    expect(first.data.content.slice(0, 2).map((a: { id: number }) => a.id)).toEqual([7_000_001, 7_000_002]);
    const all = [...first.data.content];
    for (const page of [1, 2]) all.push(...(await api.get('/appeal-service/edms', { params: { page, size: 20 } })).data.content);
    expect(all).toHaveLength(47);
    const times = all.map((a: { createdAt: string }) => Date.parse(a.createdAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const appeal of all) expect(appealSchema.safeParse(appeal).success).toBe(true);
    const last = (await api.get('/appeal-service/edms', { params: { page: 2, size: 20 } })).data;
    expect(last).toMatchObject({ last: true, first: false, numberOfElements: 7 });
    expect((await api.get('/appeal-service/edms', { params: { page: 5 } })).data).toMatchObject({ empty: true, content: [] });
  });

  it('defaults to size 20, caps the size at maxPageSize and lets the server force a size', async () => {
    await emulator().control.generate(130, 1, { now: NOW });
    const api = await authed();
    expect((await api.get('/appeal-service/edms')).data.size).toBe(20);
    const capped = (await api.get('/appeal-service/edms', { params: { size: 500 } })).data;
    expect(capped.size).toBe(100);
    expect(capped.content).toHaveLength(100);
    await emulator().control.settings({ forcePageSize: 7 });
    const forced = (await api.get('/appeal-service/edms', { params: { size: 50 } })).data;
    expect(forced.size).toBe(7);
    expect(forced.content).toHaveLength(7);
    expect(forced.totalPages).toBe(Math.ceil(130 / 7));
  });

  it('accepted appeals leave the list; new ones can arrive between page reads', async () => {
    const ids = await emulator().control.generate(5, 9, { now: NOW });
    const api = await authed();
    const page = (await api.get('/appeal-service/edms', { params: { size: 2 } })).data;
    for (const appeal of page.content) expect((await api.post(`/appeal-service/edms/${appeal.id}/mark-accepted`)).status).toBe(200);
    await emulator().control.seed(generateAppeals(1, { seed: 99, startId: 900_000, now: new Date() }));
    const rest = (await api.get('/appeal-service/edms', { params: { size: 50 } })).data;
    const listed = rest.content.map((a: { id: number }) => a.id);
    expect(listed).toHaveLength(4);
    expect(listed).toContain(900_000);
    for (const appeal of page.content) expect(listed).not.toContain(appeal.id);
    expect(ids).toHaveLength(5);
    expect(await emulator().control.stats()).toMatchObject({ acceptedTotal: 2, pendingTotal: 4 });
  });

  it('mark-accepted is idempotent with an empty body, counts every call and 404s unknown ids', async () => {
    const [id] = await emulator().control.generate(1, 4, { now: NOW });
    const api = await authed();
    const once = await api.post(`/appeal-service/edms/${id}/mark-accepted`, undefined, { responseType: 'text' });
    expect(once.status).toBe(200);
    expect(once.data).toBe('');
    const twice = await api.post(`/appeal-service/edms/${id}/mark-accepted`, undefined, {
      headers: { 'Content-Type': 'application/json' },
    });
    expect(twice.status).toBe(200);
    expect((await emulator().control.appeal(id!)).acceptCount).toBe(2);
    expect((await emulator().control.stats()).duplicatesAccepted).toBe(1);
    const unknown = await api.post('/appeal-service/edms/424242/mark-accepted');
    expect(unknown.status).toBe(404);
    expect(unknown.data.messages).toEqual([expect.any(String)]);
  });

  it('serves raw, schema-breaking records exactly as injected', async () => {
    const keys = await emulator().control.seedRaw([
      { id: 'abc', description: 1, createdAt: 'вчера' },
      { description: 'без id', createdAt: '2020-01-01T00:00:00Z' },
    ]);
    expect(keys[0]).toBe('abc');
    const api = await authed();
    const content = (await api.get('/appeal-service/edms')).data.content;
    expect(content).toContainEqual({ id: 'abc', description: 1, createdAt: 'вчера' });
    expect(content[0]).toEqual({ description: 'без id', createdAt: '2020-01-01T00:00:00Z' });
  });
});

const seedAccepted = async (api: AxiosInstance, id = 800_001): Promise<number> => {
  await emulator().control.seed(generateAppeals(1, { seed: 5, startId: id, now: NOW }));
  expect((await api.post(`/appeal-service/edms/${id}/mark-accepted`)).status).toBe(200);
  return id;
};

describe('status and answer', () => {
  const inWork = (id: number) => ({
    id,
    answer: false,
    status: 'В работе',
    statusText: 'Обращение принято в работу',
    regNumber: 'ОГ-15/2025',
    regNumberSetAt: '2025-03-02T10:00:00+03:00',
    executorInfo: { surname: 'Петров', name: 'Пётр', patronymic: 'Петрович', email: 'petrov@adm.example', phone: '+7 495 000-00-00' },
    managerInfo: { surname: 'Смирнова', name: 'Ольга' },
  });

  it('404 for an unknown appeal and 409 for one not yet accepted', async () => {
    const api = await authed();
    expect((await api.post('/appeal-service/edms/5555', inWork(5555))).status).toBe(404);
    await emulator().control.seed(generateAppeals(1, { seed: 5, startId: 800_002, now: NOW }));
    const early = await api.post('/appeal-service/edms/800002', inWork(800_002));
    expect(early.status).toBe(409);
    expect(early.data.messages).toHaveLength(1);
  });

  it('refuses bodies that break the rules with 400 and messages', async () => {
    const api = await authed();
    const id = await seedAccepted(api);
    const future = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const bad: Record<string, unknown>[] = [
      { id, answer: true, answerText: 'Ответ' }, // no appealAnswerType
      { id, answer: true, appealAnswerType: 'SOLVED' }, // neither text nor files
      { id, answer: false, appealAnswerType: 'POSTPONED' }, // no date
      { id, answer: false, appealAnswerType: 'POSTPONED', postponedDate: '2020-01-01T00:00:00Z' }, // past date
      { id, answer: true, appealAnswerType: 'FORWARDED', answerText: 'Перенаправлено' }, // no reassignmentInfo
      { id, answer: true, appealAnswerType: 'REJECTED', attachmentIds: ['x'] }, // REJECTED needs text
      { id, answer: true, appealAnswerType: 'SOLVED', attachmentIds: ['not-uploaded'] }, // unknown file
      { id: id + 1, answer: false, status: 'В работе' }, // id differs from the path
      { id, answer: false, unexpected: 1 }, // unknown field
      { id, answer: 'yes' },
    ];
    for (const body of bad) {
      const response = await api.post(`/appeal-service/edms/${id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.data.messages.length).toBeGreaterThan(0);
    }
    const broken = await api.post(`/appeal-service/edms/${id}`, '{"id":', { headers: { 'Content-Type': 'application/json' } });
    expect(broken.status).toBe(400);
    const view = await emulator().control.appeal(id);
    expect(view.history).toEqual([]);
    expect(
      (await api.post(`/appeal-service/edms/${id}`, { id, answer: false, appealAnswerType: 'POSTPONED', postponedDate: future })).status,
    ).toBe(200);
  });

  it('keeps the history in order, moves answerAt on POSTPONED and closes the appeal after the final answer', async () => {
    const api = await authed();
    const id = await seedAccepted(api);
    const before = (await emulator().control.appeal(id)).appeal.answerAt;
    const postponedDate = new Date(Date.now() + 20 * 86_400_000).toISOString();
    expect((await api.post(`/appeal-service/edms/${id}`, inWork(id))).status).toBe(200);
    expect(
      (
        await api.post(`/appeal-service/edms/${id}`, {
          id,
          answer: false,
          appealAnswerType: 'POSTPONED',
          postponedDate,
          status: 'В работе',
          statusText: 'Срок продлён',
        })
      ).status,
    ).toBe(200);
    const upload = new FormData();
    upload.append('file', new Blob([Buffer.from('%PDF-1.4 ответ')], { type: 'application/pdf' }), 'Ответ заявителю.pdf');
    const file = (await api.post('/file-storage-service/filestorage', upload)).data;
    const final = {
      id,
      answer: true,
      status: 'Закрыто',
      statusText: 'Обращение рассмотрено',
      appealAnswerType: 'SOLVED',
      answerText: 'Яма заделана.',
      attachmentIds: [file.id],
      outgoingNumber: 'ИСХ-77',
      outgoingNumberSetAt: '2025-03-10T12:00:00+03:00',
    };
    const closed = await api.post(`/appeal-service/edms/${id}`, final, { responseType: 'text' });
    expect(closed.status).toBe(200);
    expect(closed.data).toBe('');
    const again = await api.post(`/appeal-service/edms/${id}`, inWork(id));
    expect(again.status).toBe(409);

    const view = await emulator().control.appeal(id);
    expect(view.appeal.answerAt).toBe(postponedDate);
    expect(view.appeal.answerAt).not.toBe(before);
    expect(view.appeal.regNumber).toBe('ОГ-15/2025');
    expect(view.history.map((h) => h.status)).toEqual(['TAKE_TO_WORK', 'POSTPONE', 'SEND_RESPONSE']);
    expect(view.history.map((h) => h.statusText)).toEqual(['Обращение принято в работу', 'Срок продлён', 'Обращение рассмотрено']);
    expect(view.history[2]!.body).toEqual(final);
    expect(view.history[0]!.createdBy.clientId).toBe('demo-org');
    expect(view.finalAnswerAt).toBe(view.history[2]!.createdAt);
    expect(view.answerFiles).toEqual([expect.objectContaining({ id: file.id, name: 'Ответ заявителю.pdf', temporary: false })]);
    expect(await emulator().control.stats()).toMatchObject({ answersStored: 3, answersRefused: 1 });
  });

  it('derives SET_EXECUTOR and FORWARD_TO_* codes', async () => {
    const api = await authed();
    const id = await seedAccepted(api);
    await api.post(`/appeal-service/edms/${id}`, inWork(id));
    await api.post(`/appeal-service/edms/${id}`, { ...inWork(id), executorInfo: { surname: 'Иванова', name: 'Анна' } });
    const forwarded = await api.post(`/appeal-service/edms/${id}`, {
      id,
      answer: true,
      appealAnswerType: 'FORWARDED',
      reassignmentInfo: 'Министерство транспорта области',
      answerText: 'Направлено по компетенции',
    });
    expect(forwarded.status).toBe(200);
    expect((await emulator().control.appeal(id)).history.map((h) => h.status)).toEqual([
      'TAKE_TO_WORK',
      'SET_EXECUTOR',
      'FORWARD_TO_PARENT',
    ]);
  });
});
