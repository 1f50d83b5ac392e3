// ПОС emulator with several organisation cabinets (ЛКО) over real HTTP: tokens bound to an
// organisation, per-organisation pull lists, 403 on another organisation's appeals and files,
// per-organisation seeds, and the single-organisation default. Forwarding between organisations:
// test/pos/emulator-forwarding.test.ts.
import axios, { type AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateAppeals, type SeedAppeal } from '../../fixtures/generator.js';
import { parseOrganisationList, startPosEmulator, type PosEmulator } from '../../src/pos/emulator/index.js';
import { CITY, SCHOOL, organisationClient, uploadFile } from '../helpers/pos-organisations.js';

const NOW = new Date('2025-03-01T09:00:00Z');
const FILE = { name: 'Фото ямы.jpg', contentType: 'image/jpeg', data: Buffer.from('jpeg-bytes') };

let em: PosEmulator;

beforeAll(async () => {
  em = await startPosEmulator({ organisations: [CITY, SCHOOL] });
});
afterAll(async () => {
  await em.close();
});
afterEach(async () => {
  await em.control.reset();
});

const ids = (page: { content: { id: number }[] }) => page.content.map((a) => a.id);

/** One appeal of `organisation` with one seeded attachment, accepted by nobody yet. */
async function seedOne(id: number, organisation?: string): Promise<SeedAppeal> {
  const [appeal] = generateAppeals(1, { seed: 3, startId: id, now: NOW });
  const seed: SeedAppeal = { ...appeal!, attachments: [FILE] };
  await em.control.seed([seed], organisation === undefined ? {} : { organisation });
  return seed;
}

describe('tokens and pull lists', () => {
  it('binds a token to the organisation of its ClientID/SecretKey; a mixed pair gets 401', async () => {
    const city = await organisationClient(em.url, CITY);
    expect((await city.get('/appeal-service/edms')).status).toBe(200);
    const mixed = await axios.post(
      `${em.url}/user-service/oauth/token`,
      `grant_type=password&username=city&password=${SCHOOL.secret}&scope=any`,
      {
        headers: {
          Authorization: 'Basic ' + Buffer.from('pos-bridge:platform-secret').toString('base64'),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        validateStatus: () => true,
        proxy: false,
      },
    );
    expect(mixed.status).toBe(401);
    expect(mixed.data.error).toBe('invalid_grant');
  });

  it('lists only the calling organisation’s appeals, with its opaId/opaName', async () => {
    const cityIds = await em.control.generate(3, 1, { now: NOW });
    const schoolIds = await em.control.generate(2, 2, { now: NOW, organisation: 'school-7' });
    const city = await organisationClient(em.url, CITY);
    const school = await organisationClient(em.url, SCHOOL);
    const cityPage = (await city.get('/appeal-service/edms')).data;
    const schoolPage = (await school.get('/appeal-service/edms')).data;
    expect(ids(cityPage).sort()).toEqual([...cityIds].sort());
    expect(ids(schoolPage).sort()).toEqual([...schoolIds].sort());
    expect(cityPage.totalElements).toBe(3);
    for (const appeal of cityPage.content) expect(appeal).toMatchObject({ opaId: CITY.opaId, opaName: CITY.opaName });
    for (const appeal of schoolPage.content) expect(appeal.opaName).toBe(SCHOOL.opaName);

    // Accepting drains only the acceptor's own list.
    expect((await city.post(`/appeal-service/edms/${cityIds[0]}/mark-accepted`)).status).toBe(200);
    expect((await city.get('/appeal-service/edms')).data.totalElements).toBe(2);
    expect((await school.get('/appeal-service/edms')).data.totalElements).toBe(2);
  });
});

describe('another organisation’s appeal', () => {
  it('refuses mark-accepted, status and attachment download with 403, and changes nothing', async () => {
    await seedOne(500_001, 'city');
    const city = await organisationClient(em.url, CITY);
    const school = await organisationClient(em.url, SCHOOL);
    const [listed] = (await city.get('/appeal-service/edms')).data.content;
    const attachmentUrl: string = listed.attachments[0];

    const accept = await school.post('/appeal-service/edms/500001/mark-accepted');
    expect(accept.status).toBe(403);
    expect(accept.data.messages).toEqual([expect.any(String)]);
    const status = await school.post('/appeal-service/edms/500001', { id: 500_001, answer: false, status: 'В работе' });
    expect(status.status).toBe(403);
    expect(status.data.messages).toEqual([expect.any(String)]);
    expect((await school.get(attachmentUrl)).status).toBe(403);

    const view = await em.control.appeal(500_001);
    expect(view).toMatchObject({ organisation: 'city', accepted: false, acceptCount: 0, history: [] });
    expect((await city.get('/appeal-service/edms')).data.totalElements).toBe(1);
    expect((await city.get(attachmentUrl, { responseType: 'arraybuffer' })).status).toBe(200);

    // Once the owner has accepted it, another's post is still 403 (not 409 or 400).
    await city.post('/appeal-service/edms/500001/mark-accepted');
    expect((await school.post('/appeal-service/edms/500001', { id: 500_001, answer: false, status: 'В работе' })).status).toBe(403);
    expect((await school.post('/appeal-service/edms/500001', { nonsense: true })).status).toBe(403);
    expect((await em.control.appeal(500_001)).acceptCount).toBe(1);
    expect((await em.control.stats()).answersStored).toBe(0);
  });

  it('checks the token first, then the id, then the owner', async () => {
    await seedOne(500_002, 'city');
    const school = await organisationClient(em.url, SCHOOL);
    expect((await school.post('/appeal-service/edms/999999/mark-accepted')).status).toBe(404);
    expect((await school.post('/appeal-service/edms/999999', { id: 999_999, answer: false })).status).toBe(404);
    expect((await school.get('/file-storage-service/filestorage/no-such-file')).status).toBe(404);
    await em.control.expireTokens();
    expect((await school.post('/appeal-service/edms/500002/mark-accepted')).status).toBe(401);
  });

  it('lets an organisation reference and download only the files it uploaded itself', async () => {
    await seedOne(500_003, 'city');
    const city = await organisationClient(em.url, CITY);
    const school = await organisationClient(em.url, SCHOOL);
    await city.post('/appeal-service/edms/500003/mark-accepted');
    const schoolFile = await uploadFile(school, 'Чужой ответ.pdf');
    const final = (fileId: string) => ({
      id: 500_003,
      answer: true,
      appealAnswerType: 'SOLVED',
      answerText: 'Сделано',
      attachmentIds: [fileId],
    });

    const foreign = await city.post('/appeal-service/edms/500003', final(schoolFile.id));
    expect(foreign.status).toBe(400);
    expect(foreign.data.messages.join(' ')).toMatch(/not in file storage/);
    expect((await city.get(schoolFile.url)).status).toBe(403);
    // A citizen's attachment is not an answer file either.
    const seeded = (await em.control.appeal(500_003)).attachments[0]!;
    expect((await city.post('/appeal-service/edms/500003', final(seeded.id))).status).toBe(400);

    const cityFile = await uploadFile(city, 'Ответ.pdf');
    expect((await city.post('/appeal-service/edms/500003', final(cityFile.id))).status).toBe(200);
    const view = await em.control.appeal(500_003);
    expect(view.answerFiles).toEqual([expect.objectContaining({ id: cityFile.id, uploadedBy: 'city', temporary: false })]);
    expect(view.history[0]!.createdBy.clientId).toBe('city');
  });
});

describe('seeds per organisation', () => {
  it('seeds, generates and injects raw appeals for the named organisation, the first by default', async () => {
    await seedOne(600_001);
    await seedOne(600_002, 'school-7');
    const generated = await em.control.generate(2, 5, { organisation: 'school-7', now: NOW });
    await em.control.seedRaw([{ id: 'raw-a', description: 'как есть', opaName: 'Чужое имя' }], { organisation: 'school-7' });
    await em.control.seedRawJson(['{"id": 600010, "createdAt": "2025-01-01T00:00:00Z"}']);
    const owners = Object.fromEntries((await em.control.appeals()).map((a) => [a.key, a.organisation]));
    expect(owners).toEqual({
      600001: 'city',
      600002: 'school-7',
      [generated[0]!]: 'school-7',
      [generated[1]!]: 'school-7',
      'raw-a': 'school-7',
      600010: 'city',
    });
    // Raw records stay exactly as given, opaName included.
    expect((await em.control.appeal('raw-a')).appeal.opaName).toBe('Чужое имя');
    expect((await em.control.appeal(600_002)).appeal).toMatchObject({ opaName: SCHOOL.opaName });
  });

  it('refuses an unknown organisation with 400 and seeds nothing', async () => {
    const seed = generateAppeals(1, { seed: 1, startId: 600_100, now: NOW });
    await expect(em.control.seed(seed, { organisation: 'nobody' })).rejects.toThrow(/HTTP 400: .*unknown organisation nobody/);
    await expect(em.control.generate(1, 1, { organisation: 'nobody' })).rejects.toThrow(/HTTP 400/);
    await expect(em.control.seedRaw([{ id: 1 }], { organisation: 'nobody' })).rejects.toThrow(/HTTP 400/);
    await expect(em.control.seedRawJson(['{"id": 2}'], { organisation: 'nobody' })).rejects.toThrow(/HTTP 400/);
    expect(await em.control.appeals()).toEqual([]);
  });

  it('adds an organisation at run time; a taken clientId is refused; reset drops it', async () => {
    const added = await em.control.addOrganisation({ clientId: 'clinic', secret: 'c-secret', opaId: 903 });
    expect(added).toEqual({ clientId: 'clinic', opaId: 903, opaName: null });
    await expect(em.control.addOrganisation({ clientId: 'city', secret: 'other' })).rejects.toThrow(/HTTP 409/);
    expect((await em.control.organisations()).map((o) => o.clientId)).toEqual(['city', 'school-7', 'clinic']);
    const [id] = await em.control.generate(1, 1, { organisation: 'clinic', now: NOW });
    const clinic = await organisationClient(em.url, { clientId: 'clinic', secret: 'c-secret' });
    expect((await clinic.get('/appeal-service/edms')).data.content).toEqual([expect.objectContaining({ id, opaId: 903 })]);
    await em.control.reset();
    expect((await em.control.organisations()).map((o) => o.clientId)).toEqual(['city', 'school-7']);
    await expect(organisationClient(em.url, { clientId: 'clinic', secret: 'c-secret' })).rejects.toThrow(/401/);
  });
});

describe('one organisation (the default)', () => {
  let single: PosEmulator;
  let api: AxiosInstance;
  beforeAll(async () => {
    single = await startPosEmulator();
    api = await organisationClient(single.url, { clientId: 'demo-org', secret: 'demo-secret' });
  });
  afterAll(async () => {
    await single.close();
  });

  it('holds demo-org only and leaves the seeds’ own opaId/opaName alone', async () => {
    expect(await single.control.organisations()).toEqual([{ clientId: 'demo-org', opaId: null, opaName: null }]);
    const expected = generateAppeals(2, { seed: 8, startId: 100_001, now: NOW });
    await single.control.generate(2, 8, { now: NOW });
    const page = (await api.get('/appeal-service/edms')).data;
    expect(page.content.map((a: { opaName: unknown }) => a.opaName).sort()).toEqual(expected.map((a) => a.opaName).sort());
    const summary = (await single.control.appeals())[0]!;
    expect(summary).toMatchObject({ organisation: 'demo-org', accepted: false, acceptCount: 0 });
    expect(summary.custody).toEqual([expect.objectContaining({ organisation: 'demo-org', until: null, forwardedTo: null })]);
  });
});

describe('POS_EMULATOR_ORGANISATIONS', () => {
  it('reads clientId:secret pairs; the secret is everything after the first colon', () => {
    expect(parseOrganisationList(' city:secret1, school-7:se:cret2 ,')).toEqual([
      { clientId: 'city', secret: 'secret1' },
      { clientId: 'school-7', secret: 'se:cret2' },
    ]);
    expect(parseOrganisationList('')).toEqual([]);
    expect(() => parseOrganisationList('city:s1,lonely-secret')).toThrow(/entry 2/);
    expect(() => parseOrganisationList(':s1')).toThrow(/entry 1/);
  });
});
