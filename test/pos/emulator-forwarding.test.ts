// ПОС emulator: a FORWARDED final answer naming another organisation of the same emulator moves the
// appeal there — same id and history, a fresh appeal for the new owner, 403 for the old one.
import type { AxiosInstance } from 'axios';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import { startPosEmulator, type PosEmulator } from '../../src/pos/emulator/index.js';
import { CITY, SCHOOL, organisationClient, uploadFile } from '../helpers/pos-organisations.js';

const NOW = new Date('2025-03-01T09:00:00Z');
const ID = 700_001;
const FILE = { name: 'Фото.jpg', contentType: 'image/jpeg', data: Buffer.from('jpeg') };

let em: PosEmulator;
let city: AxiosInstance;
let school: AxiosInstance;

beforeAll(async () => {
  em = await startPosEmulator({ organisations: [CITY, SCHOOL] });
});
afterAll(async () => {
  await em.close();
});
beforeEach(async () => {
  const [appeal] = generateAppeals(1, { seed: 4, startId: ID, now: NOW });
  await em.control.seed([{ ...appeal!, attachments: [FILE] }], { organisation: 'city' });
  city = await organisationClient(em.url, CITY);
  school = await organisationClient(em.url, SCHOOL);
  expect((await city.post(`/appeal-service/edms/${ID}/mark-accepted`)).status).toBe(200);
});
afterEach(async () => {
  await em.control.reset();
});

const inWork = {
  id: ID,
  answer: false,
  status: 'В работе',
  statusText: 'Обращение принято в работу',
  regNumber: 'ГОР-1',
  executorInfo: { surname: 'Петров', name: 'Иван' },
};
const forwardTo = (reassignmentInfo: string) => ({
  id: ID,
  answer: true,
  status: 'Закрыто',
  appealAnswerType: 'FORWARDED',
  reassignmentInfo,
  answerText: 'Направлено по компетенции',
});
const pulledIds = async (api: AxiosInstance) => ((await api.get('/appeal-service/edms')).data.content as { id: number }[]).map((a) => a.id);

describe('forwarding between organisations', () => {
  it('moves the appeal to the organisation reassignmentInfo names; the new owner handles it afresh', async () => {
    expect((await city.post(`/appeal-service/edms/${ID}`, inWork)).status).toBe(200);
    expect((await city.post(`/appeal-service/edms/${ID}`, forwardTo('Перенаправлено в ШКОЛА № 7 по компетенции'))).status).toBe(200);

    expect(await pulledIds(city)).toEqual([]);
    const [moved] = (await school.get('/appeal-service/edms')).data.content;
    expect(moved).toMatchObject({ id: ID, opaId: null, opaName: SCHOOL.opaName });
    expect(moved.regNumber).toBeUndefined(); // the old owner's EDMS number is not the new owner's
    const attachmentUrl: string = moved.attachments[0];

    // The old owner is out.
    expect((await city.post(`/appeal-service/edms/${ID}/mark-accepted`)).status).toBe(403);
    expect((await city.post(`/appeal-service/edms/${ID}`, { ...inWork, regNumber: undefined })).status).toBe(403);
    expect((await city.get(attachmentUrl)).status).toBe(403);

    // The new owner: accept, status, its own final answer, as for a fresh appeal.
    expect((await school.post(`/appeal-service/edms/${ID}`, { id: ID, answer: false, status: 'В работе' })).status).toBe(409); // not accepted yet
    expect((await school.post(`/appeal-service/edms/${ID}/mark-accepted`)).status).toBe(200);
    expect(await pulledIds(school)).toEqual([]);
    expect((await school.get(attachmentUrl, { responseType: 'arraybuffer' })).status).toBe(200);
    expect((await school.post(`/appeal-service/edms/${ID}`, { ...inWork, regNumber: 'ШК-9' })).status).toBe(200);
    const file = await uploadFile(school, 'Ответ школы.pdf');
    const final = { id: ID, answer: true, status: 'Закрыто', appealAnswerType: 'SOLVED', answerText: 'Решено', attachmentIds: [file.id] };
    expect((await school.post(`/appeal-service/edms/${ID}`, final)).status).toBe(200);
    expect((await school.post(`/appeal-service/edms/${ID}`, final)).status).toBe(409);

    const view = await em.control.appeal(ID);
    expect(view).toMatchObject({ organisation: 'school-7', accepted: true, acceptCount: 1 });
    expect(view.appeal).toMatchObject({ regNumber: 'ШК-9', opaName: SCHOOL.opaName });
    // One history over both owners; the new owner's first post is TAKE_TO_WORK, not SET_EXECUTOR.
    expect(view.history.map((h) => [h.createdBy.clientId, h.status])).toEqual([
      ['city', 'TAKE_TO_WORK'],
      ['city', 'FORWARD_TO_PARENT'],
      ['school-7', 'TAKE_TO_WORK'],
      ['school-7', 'SEND_RESPONSE'],
    ]);
    expect(view.history[1]!.forwardedTo).toBe('school-7');
    expect(view.history[2]!.forwardedTo).toBeUndefined();
    expect(view.custody).toEqual([
      expect.objectContaining({
        organisation: 'city',
        accepted: true,
        acceptCount: 1,
        forwardedTo: 'school-7',
        finalAnswerAt: view.history[1]!.createdAt,
        until: view.history[1]!.createdAt,
      }),
      expect.objectContaining({
        organisation: 'school-7',
        accepted: true,
        acceptCount: 1,
        forwardedTo: null,
        until: null,
        finalAnswerAt: view.finalAnswerAt,
      }),
    ]);
    const [summary] = await em.control.appeals();
    expect(summary).toMatchObject({ organisation: 'school-7', accepted: true, answered: true, historyLength: 4 });
    expect(summary!.custody.map((c) => [c.organisation, c.acceptedAt !== null])).toEqual([
      ['city', true],
      ['school-7', true],
    ]);
    expect(await em.control.stats()).toMatchObject({ acceptedTotal: 1, pendingTotal: 0, duplicatesAccepted: 0 });
  });

  it('matches the clientId or opaId too, and prefers the longest name', async () => {
    await em.control.addOrganisation({ clientId: 'school-77', secret: 's77', opaId: 7700 });
    expect((await city.post(`/appeal-service/edms/${ID}`, forwardTo('в school-77'))).status).toBe(200);
    expect((await em.control.appeal(ID)).organisation).toBe('school-77');
    // Back to city by its opaId; clinic's opaId 4242 (longer) is no match inside the number 42421.
    await em.control.addOrganisation({ clientId: 'clinic', secret: 'c', opaId: 4242 });
    const next = await organisationClient(em.url, { clientId: 'school-77', secret: 's77' });
    await next.post(`/appeal-service/edms/${ID}/mark-accepted`);
    expect((await next.post(`/appeal-service/edms/${ID}`, forwardTo('организация 501 (вх. 42421)'))).status).toBe(200);
    const view = await em.control.appeal(ID);
    expect(view.organisation).toBe('city');
    expect(view.appeal).toMatchObject({ opaId: CITY.opaId, opaName: CITY.opaName });
    expect(view.custody.map((c) => c.organisation)).toEqual(['city', 'school-77', 'city']);
    expect(await pulledIds(city)).toEqual([ID]); // back with city, which must accept it again
  });

  it('keeps the appeal (closed) when reassignmentInfo names no other organisation of the emulator', async () => {
    expect((await city.post(`/appeal-service/edms/${ID}`, forwardTo('Министерство транспорта области (не city)'))).status).toBe(200);
    const view = await em.control.appeal(ID);
    expect(view).toMatchObject({ organisation: 'city', accepted: true });
    expect(view.finalAnswerAt).not.toBeNull();
    expect(view.history[0]!.forwardedTo).toBeUndefined();
    expect(await pulledIds(school)).toEqual([]);
    expect((await city.post(`/appeal-service/edms/${ID}`, inWork)).status).toBe(409);
  });

  it('moves only on a final FORWARDED answer, never on an interim post mentioning the organisation', async () => {
    expect((await city.post(`/appeal-service/edms/${ID}`, { ...inWork, statusText: 'Запрошены сведения у Школа № 7' })).status).toBe(200);
    expect((await em.control.appeal(ID)).organisation).toBe('city');
    expect(await pulledIds(school)).toEqual([]);
  });
});
