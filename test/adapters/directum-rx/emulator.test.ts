// The Directum RX emulator as an Integration Service client sees it: auth and header rules, both
// link styles, OData query options, versions and bodies, the control API and injected faults.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DirectumControlClient } from '../../../adapters/directum-rx/emulator/control.js';
import { startDirectumEmulator, type DirectumEmulator } from '../../../adapters/directum-rx/emulator/server.js';
import { ODATA_AUTH, ODATA_JSON_HEADERS, odataFetch, type ODataAnswer } from '../../helpers/odata-fetch.js';

let em: DirectumEmulator;
const AUTH = ODATA_AUTH;
const JSON_HEADERS = ODATA_JSON_HEADERS;
const odata = odataFetch(() => em.url);
const q = (path: string, filter: string, extra = '') => odata('GET', `${path}?$filter=${encodeURIComponent(filter)}${extra}`);

async function person(body: Record<string, unknown>): Promise<number> {
  const created = await odata('POST', 'IPersons', { body });
  expect(created.status).toBe(201);
  return created.json.Id;
}
/** What the tests read of a created IRequest. */
interface CreatedRequest {
  Id: number;
  Modified: string;
  RegistrationNumber: string | null;
}

async function request(body: Record<string, unknown> = {}): Promise<CreatedRequest> {
  const created = await odata('POST', 'IRequests', { body: { Subject: 'Яма во дворе', ...body } });
  expect(created.status, created.text).toBe(201);
  return created.json;
}

beforeAll(async () => {
  em = await startDirectumEmulator();
});
afterAll(async () => {
  await em.close();
});
afterEach(() => {
  em.faults.clear();
  em.clerk.settings.autoRegisterAfterMs = 0;
});

describe('transport rules', () => {
  it('answers 401 with an OData error and a Basic challenge without or with wrong credentials', async () => {
    for (const authorization of [undefined, `Basic ${Buffer.from('bridge:wrong').toString('base64')}`]) {
      const answer = await odata('GET', 'IRequests', {
        headers: { accept: 'application/json', ...(authorization ? { authorization } : {}) },
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Basic/);
      expect(answer.json.error).toMatchObject({ code: 'Unauthorized' });
    }
  });

  it('requires Accept: application/json and a JSON Content-Type on bodies, and valid JSON', async () => {
    expect((await odata('GET', 'IRequests', { headers: { authorization: AUTH } })).status).toBe(400);
    const wrongType = await odata('POST', 'IPersons', {
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'text/plain' },
      body: { LastName: 'А', FirstName: 'Б' },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.message).toMatch(/Content-Type/);
    const broken = await odata('POST', 'IPersons', { body: Buffer.from('{"LastName": "Ив') });
    expect(broken.status).toBe(400);
    expect(broken.json.error.message).toMatch(/not valid JSON/);
  });

  it('serves a service document and 404s unknown sets with an OData error body', async () => {
    const service = await odata('GET', '');
    expect(service.json.value.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['IRequests', 'IPersons', 'IEmployees', 'IExternalEntityLinks']),
    );
    const unknown = await odata('GET', 'ICounterparties');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('NotFound');
  });
});

describe('writes', () => {
  it('creates with 201 and the entity (or 204 with Return: minimal) and patches with 204 (or 200 with Return: representation)', async () => {
    const full = await odata('POST', 'IPersons', { body: { LastName: 'Иванова', FirstName: 'Мария', MiddleName: 'Петровна' } });
    expect(full.status).toBe(201);
    expect(full.json).toMatchObject({ LastName: 'Иванова', Name: 'Иванова Мария Петровна', Status: 'Active' });
    expect(full.headers.get('location')).toMatch(new RegExp(`/IPersons\\(${full.json.Id}\\)$`));
    const minimal = await odata('POST', 'IPersons', {
      body: { LastName: 'Орлов', FirstName: 'Пётр' },
      headers: { ...JSON_HEADERS, Return: 'minimal' },
    });
    expect(minimal.status).toBe(204);
    expect(minimal.text).toBe('');

    const created = await request();
    const patched = await odata('PATCH', `IRequests(${created.Id})`, { body: { Note: 'дополнено' } });
    expect(patched.status).toBe(204);
    const shown = await odata('PATCH', `IRequests(${created.Id})`, {
      body: { NotifyByEmail: true },
      headers: { ...JSON_HEADERS, Return: 'representation' },
    });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ Id: created.Id, Note: 'дополнено', NotifyByEmail: true });
    expect(Date.parse(shown.json.Modified)).toBeGreaterThan(Date.parse(created.Modified));
  });

  it('accepts links written as @odata.bind and as {"Id": n}, and refuses links to missing or wrong entities', async () => {
    const personId = await person({ LastName: 'Сидоров', FirstName: 'Олег' });
    const bound = await request({ 'Correspondent@odata.bind': `IPersons(${personId})` });
    const nested = await request({ Correspondent: { Id: personId } });
    for (const id of [bound.Id, nested.Id]) {
      const read = await odata('GET', `IRequests(${id})?$expand=Correspondent`);
      expect(read.json.Correspondent).toMatchObject({ Id: personId, LastName: 'Сидоров' });
    }
    expect((await odata('POST', 'IRequests', { body: { Subject: 'x', 'Correspondent@odata.bind': 'IPersons(99999)' } })).status).toBe(400);
    expect((await odata('POST', 'IRequests', { body: { Subject: 'x', 'Correspondent@odata.bind': 'IEmployees(1)' } })).status).toBe(400);
    expect((await odata('POST', 'IRequests', { body: { Subject: 'x', Correspondent: 5 } })).status).toBe(400);
  });

  it('refuses unknown and read-only properties, wrong types, bad enums and too long strings', async () => {
    const cases: Record<string, unknown>[] = [
      { Subject: 'x', Colour: 'red' },
      { Subject: 'x', RegistrationNumber: 'ОГ-1' },
      { Subject: 'x', NotifyByEmail: 'yes' },
      { Subject: 'x', ExecutionState: 'Done' },
      { Subject: 'я'.repeat(251) },
      { Note: 'no subject' },
    ];
    for (const body of cases) {
      const answer = await odata('POST', 'IRequests', { body });
      expect(answer.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(answer.json.error.message).toBeTruthy();
    }
  });
});

describe('queries', () => {
  let ids: number[];
  beforeAll(async () => {
    const a = await person({ LastName: 'Ковалёва', FirstName: 'Анна', Email: 'Anna@Example.ru' });
    const b = await person({ LastName: "О'Нил", FirstName: 'Джон' });
    ids = [
      (
        await request({
          Subject: 'Снег не убран',
          Correspondent: { Id: a },
          NotifyByEmail: true,
          RequestDate: '2025-03-01T09:00:00Z',
          Questions: [{ Question: { Id: 1 } }],
        })
      ).Id,
      (await request({ Subject: 'Мусор не вывозят', Correspondent: { Id: b }, NotifyByEmail: false, RequestDate: '2025-03-05T09:00:00Z' }))
        .Id,
      (await request({ Subject: 'Снег на крыше', NotifyByEmail: false, RequestDate: '2025-03-10T09:00:00Z' })).Id,
    ];
  });
  const inQuery = (answer: ODataAnswer) => answer.json.value.map((row: { Id: number }) => row.Id).filter((id: number) => ids.includes(id));

  it('filters with comparisons, logic, parentheses, functions and typed literals', async () => {
    const [first, second, third] = ids as [number, number, number];
    expect(inQuery(await q('IRequests', `Id eq ${first}`))).toEqual([first]);
    expect(inQuery(await q('IRequests', `Id ne ${first} and Id ge ${first}`))).toEqual([second, third]);
    expect(inQuery(await q('IRequests', `Id gt ${first} and Id lt ${third}`))).toEqual([second]);
    expect(inQuery(await q('IRequests', `Id le ${second} and Id ge ${first}`))).toEqual([first, second]);
    expect(inQuery(await q('IRequests', `(Id eq ${first} or Id eq ${third}) and NotifyByEmail eq false`))).toEqual([third]);
    expect(inQuery(await q('IRequests', `contains(Subject,'Снег') and not startswith(Subject,'Снег на')`))).toEqual([first]);
    expect(inQuery(await q('IRequests', 'RequestDate gt 2025-03-02T00:00:00Z and RequestDate lt 2025-03-06T00:00:00+03:00'))).toEqual([
      second,
    ]);
    expect(inQuery(await q('IRequests', `Correspondent eq null`, '&$top=1000'))).toContain(third);
    const people = await q('IPersons', "LastName eq 'О''Нил' or tolower(Email) eq 'anna@example.ru'");
    expect(people.json.value.map((p: { LastName: string }) => p.LastName).sort()).toEqual(['Ковалёва', "О'Нил"]);
  });

  it('filters through links (Correspondent/Id, Correspondent/LastName)', async () => {
    const read = await odata('GET', `IRequests(${ids[0]})?$expand=Correspondent($select=Id)`);
    const personId = read.json.Correspondent.Id;
    expect(inQuery(await q('IRequests', `Correspondent/Id eq ${personId}`))).toEqual([ids[0]]);
    expect(inQuery(await q('IRequests', "Correspondent/LastName eq 'Ковалёва'"))).toEqual([ids[0]]);
  });

  it('pages with $top/$skip, counts with $count=true and orders by several keys', async () => {
    const filter = `Id ge ${ids[0]} and Id le ${ids[2]}`;
    const page = await q('IRequests', filter, '&$orderby=NotifyByEmail desc,RequestDate desc&$top=2&$skip=1&$count=true');
    expect(page.json['@odata.count']).toBe(3);
    expect(page.json.value.map((r: { Id: number }) => r.Id)).toEqual([ids[2], ids[1]]);
    const asc = await q('IRequests', filter, '&$orderby=Subject asc');
    expect(asc.json.value.map((r: { Subject: string }) => r.Subject)).toEqual(['Мусор не вывозят', 'Снег на крыше', 'Снег не убран']);
  });

  it('expands links and collections (nested) and selects properties', async () => {
    const answer = await odata(
      'GET',
      `IRequests(${ids[0]})?$select=Subject&$expand=Correspondent($select=LastName),Questions($expand=Question($select=FullCode))`,
    );
    expect(answer.status).toBe(200);
    expect(answer.json.Subject).toBe('Снег не убран');
    expect(answer.json.Note).toBeUndefined();
    expect(answer.json.Correspondent).toEqual({ Id: expect.any(Number), LastName: 'Ковалёва' });
    expect(answer.json.Questions[0]).toMatchObject({
      ReviewResult: 'Active',
      Question: { FullCode: expect.stringMatching(/^\d{4}\.\d{4}\.\d{4}\.\d{4}$/) },
    });
    const plain = await odata('GET', `IRequests(${ids[0]})`);
    expect(plain.json.Correspondent).toBeUndefined();
  });

  it('answers 400 with an OData error for unsupported options, lambdas and unknown properties', async () => {
    for (const path of [
      'IRequests?$search=снег',
      'IRequests?$apply=groupby((Subject))',
      `IRequests?$filter=${encodeURIComponent("Questions/any(q: q/ReviewResult eq 'Draft')")}`,
      `IRequests?$filter=${encodeURIComponent('Colour eq 1')}`,
      'IRequests?$orderby=Colour',
      'IRequests?$expand=Colour',
      'IRequests?$top=-1',
      `IRequests?$filter=${encodeURIComponent("Subject eq 'unterminated")}`,
    ]) {
      const answer = await odata('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.json.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
  });

  it('holds a realistic question classifier with every code the shipped Directum mapping uses', async () => {
    const mapping = readFileSync(new URL('../../../mappings/directum-rx.yaml', import.meta.url), 'utf8');
    const codes = [...new Set(mapping.match(/\d{4}\.\d{4}\.\d{4}\.\d{4}/g) ?? [])];
    expect(codes.length).toBeGreaterThan(10);
    const all = await odata('GET', 'IQuestions?$select=FullCode,Name&$top=1000');
    const known = new Set(all.json.value.map((x: { FullCode: string }) => x.FullCode));
    expect(codes.filter((code) => !known.has(code))).toEqual([]);
    expect(all.json.value.find((x: { FullCode: string }) => x.FullCode === '0003.0009.0097.0685').Name).toMatch(/снег/i);
  });
});

describe('versions and bodies', () => {
  it('creates versions, uploads bodies raw and as base64, reads them back byte for byte', async () => {
    const created = await request();
    const apps = await odata('GET', "IAssociatedApplications?$filter=Extension eq 'pdf'");
    const pdfApp = apps.json.value[0].Id;
    for (const ext of ['txt', 'jpg', 'png', 'docx'])
      expect((await q('IAssociatedApplications', `Extension eq '${ext}'`)).json.value).toHaveLength(1);

    const version = await odata('POST', `IRequests(${created.Id})/Versions`, {
      body: { Note: 'Скан заявления.pdf', AssociatedApplication: { Id: pdfApp } },
      headers: { ...JSON_HEADERS, Return: 'representation' },
    });
    expect(version.status).toBe(201);
    expect(version.json).toMatchObject({ Note: 'Скан заявления.pdf', Number: 1 });
    const path = `IRequests(${created.Id})/Versions(${version.json.Id})/Body`;
    expect((await odata('GET', `${path}/$value`)).status).toBe(404);

    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31 + 7) % 256));
    const put = await odata('PUT', `${path}/$value`, {
      body: bytes,
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(204);
    const read = await fetch(`${em.url}/${path}/$value`, { headers: { authorization: AUTH, accept: 'application/json' } });
    expect(read.headers.get('content-type')).toMatch(/octet-stream/);
    expect(Buffer.from(await read.arrayBuffer()).equals(bytes)).toBe(true);

    const second = await odata('POST', `IRequests(${created.Id})/Versions`, {
      body: { Note: 'Текст.txt', 'AssociatedApplication@odata.bind': 'IAssociatedApplications(2)' },
    });
    expect(second.json.Number).toBe(2);
    const text = 'Полный текст обращения 😀';
    expect(
      (
        await odata('POST', `IRequests(${created.Id})/Versions(${second.json.Id})/Body`, {
          body: { Value: Buffer.from(text).toString('base64') },
        })
      ).status,
    ).toBe(204);
    const back = await fetch(`${em.url}/IRequests(${created.Id})/Versions(${second.json.Id})/Body/$value`, {
      headers: { authorization: AUTH, accept: 'application/json' },
    });
    expect(await back.text()).toBe(text);

    const listed = await odata(
      'GET',
      `IRequests(${created.Id})/Versions?$orderby=Number desc&$expand=AssociatedApplication($select=Extension)`,
    );
    expect(listed.json.value.map((v: { Note: string }) => v.Note)).toEqual(['Текст.txt', 'Скан заявления.pdf']);
    expect(listed.json.value[1].AssociatedApplication.Extension).toBe('pdf');
    const wrongBodyType = await odata('PUT', `${path}/$value`, { body: { Value: 'x' } });
    expect(wrongBodyType.status).toBe(400);
  });
});

describe('control API', () => {
  it('moves a request through its life over HTTP and shows everything in inspect', async () => {
    em.clerk.settings.autoRegisterAfterMs = null;
    const control = new DirectumControlClient(em.origin);
    const created = await request({ Questions: [{ Question: { Id: 3 } }] });
    expect(created.RegistrationNumber).toBeNull();
    const registration = await control.registerNow(String(created.Id));
    expect(registration.number).toMatch(/^ОГ-\d{5}$/);
    expect(await control.registerNow(String(created.Id))).toEqual(registration);

    await control.assign(
      String(created.Id),
      { surname: 'Белова', name: 'Елена', patronymic: 'Андреевна' },
      { surname: 'Орлова', name: 'Татьяна', patronymic: 'Павловна' },
    );
    let card = (await odata('GET', `IRequests(${created.Id})?$expand=Assignee($expand=Person),Addressee,Questions`)).json;
    expect(card).toMatchObject({
      ExecutionState: 'OnExecution',
      Assignee: { Email: 'belova@adm.example.ru', Person: { LastName: 'Белова' } },
      Addressee: { Name: 'Орлова Татьяна Павловна' },
    });
    expect(card.Questions[0].ReviewResult).toBe('Active');

    await control.postpone(String(created.Id), '2030-01-15T00:00:00Z', 'Нужна экспертиза');
    card = (await odata('GET', `IRequests(${created.Id})?$expand=ProlongationDeadline,Questions`)).json;
    expect(card.Deadline).toBe('2030-01-15T00:00:00.000Z');
    expect(card.ProlongationDeadline).toEqual([
      expect.objectContaining({ Number: 1, NewDeadline: '2030-01-15T00:00:00.000Z', ReasonChangeDeadline: 'Нужна экспертиза' }),
    ]);
    expect(card.Questions[0].ReviewResult).toBe('InWorkExtended');

    const pdf = Buffer.from('%PDF-1.4 ответ %%EOF');
    await control.answer(String(created.Id), {
      text: 'Яма заделана.',
      resolution: 'Supported',
      file: { name: 'Ответ.pdf', contentType: 'application/pdf', data: pdf },
    });
    card = (await odata('GET', `IRequests(${created.Id})?$expand=AnswerLetter($expand=Versions),Questions`)).json;
    expect(card).toMatchObject({
      ExecutionState: 'Executed',
      AnswerLetter: { Note: 'Яма заделана.', RegistrationNumber: expect.stringMatching(/^01-27\/\d{4}$/) },
    });
    expect(card.Questions[0].ReviewResult).toBe('Supported');
    const letterVersion = card.AnswerLetter.Versions[0];
    const body = await fetch(`${em.url}/IOutgoingLetters(${card.AnswerLetter.Id})/Versions(${letterVersion.Id})/Body/$value`, {
      headers: { authorization: AUTH, accept: 'application/json' },
    });
    expect(Buffer.from(await body.arrayBuffer()).equals(pdf)).toBe(true);

    await expect(control.reject(String(created.Id), 'поздно')).rejects.toThrow(/409/);
    const inspected = (await control.inspect(String(created.Id))) as { answerLetter: { versions: { body: string }[] } };
    expect(Buffer.from(inspected.answerLetter.versions[0]!.body, 'base64').equals(pdf)).toBe(true);
  });

  it('transfers and denies with the reasons on the card', async () => {
    const transferred = await request({ Questions: [{ Question: { Id: 3 } }] });
    await em.control.forward(String(transferred.Id), 'Министерство здравоохранения');
    expect((await odata('GET', `IRequests(${transferred.Id})?$expand=Questions`)).json).toMatchObject({
      TransferredTo: 'Министерство здравоохранения',
      ExecutionState: 'WithoutExecut',
      Questions: [{ ReviewResult: 'Transferred' }],
    });
    const denied = await request({ Questions: [{ Question: { Id: 3 } }] });
    await em.control.reject(String(denied.Id), 'Нет сути обращения');
    expect((await odata('GET', `IRequests(${denied.Id})?$expand=Questions`)).json).toMatchObject({
      DenialReason: 'Нет сути обращения',
      ExecutionState: 'Aborted',
      Questions: [{ ReviewResult: 'Denied' }],
    });
  });

  it('registers new requests after the configured delay, or at once by default', async () => {
    expect((await request()).RegistrationNumber).toMatch(/^ОГ-/);
    em.clerk.settings.autoRegisterAfterMs = 150;
    const later = await request();
    expect(later.RegistrationNumber).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await odata('GET', `IRequests(${later.Id})`)).json.RegistrationNumber).toMatch(/^ОГ-/);
  });
});

describe('faults', () => {
  const control = () => new DirectumControlClient(em.origin);

  it('injects 5xx by count, then recovers', async () => {
    await control().addFault({ route: 'read', kind: '5xx', status: 502, count: 2 });
    expect((await odata('GET', 'IQuestions?$top=1')).status).toBe(502);
    expect((await odata('GET', 'IQuestions?$top=1')).status).toBe(502);
    expect((await odata('GET', 'IQuestions?$top=1')).status).toBe(200);
  });

  it('injects 429 with Retry-After, 401, and leaves other route classes alone', async () => {
    em.faults.add({ route: 'create', kind: '429', retryAfterSeconds: 7, count: 1 });
    em.faults.add({ route: 'patch', kind: '401', count: 1 });
    expect((await odata('GET', 'IQuestions?$top=1')).status).toBe(200);
    const limited = await odata('POST', 'IPersons', { body: { LastName: 'А', FirstName: 'Б' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await odata('PATCH', 'IPersons(1)', { body: { Email: 'a@b.ru' } })).status).toBe(401);
  });

  it('slows answers down', async () => {
    em.faults.add({ route: 'read', kind: 'slow', delayMs: 300, count: 1 });
    const started = Date.now();
    expect((await odata('GET', 'IQuestions?$top=1')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('drops the connection before the work, or after committing it (drop-after)', async () => {
    const before = em.state.count('IPersons');
    em.faults.add({ route: 'create', set: 'IPersons', kind: 'drop', count: 1 });
    await expect(odata('POST', 'IPersons', { body: { LastName: 'Дроп', FirstName: 'До' } })).rejects.toThrow('fetch failed');
    expect(em.state.count('IPersons')).toBe(before);
    em.faults.add({ route: 'create', set: 'IPersons', kind: 'drop-after', count: 1 });
    await expect(odata('POST', 'IPersons', { body: { LastName: 'Дроп', FirstName: 'После' } })).rejects.toThrow('fetch failed');
    expect(em.state.count('IPersons')).toBe(before + 1);
    expect((await q('IPersons', "FirstName eq 'После'")).json.value).toHaveLength(1);
  });

  it('garbles the body (malformed JSON), at a rate until cleared, only for the named set', async () => {
    await control().addFault({ route: 'read', set: 'IQuestions', kind: 'malformed', rate: 1 });
    for (let i = 0; i < 3; i += 1) {
      const answer = await odata('GET', 'IQuestions?$top=1');
      expect(answer.status).toBe(200);
      expect(answer.json).toBeUndefined();
    }
    expect((await odata('GET', 'IPersons?$top=1')).json.value).toHaveLength(1);
    await control().clearFaults();
    expect((await odata('GET', 'IQuestions?$top=1')).json.value).toHaveLength(1);
  });

  it('applies body faults to version uploads and refuses bad rules', async () => {
    const created = await request();
    const version = await odata('POST', `IRequests(${created.Id})/Versions`, { body: { Note: 'a.txt', AssociatedApplication: { Id: 2 } } });
    em.faults.add({ route: 'body', kind: '5xx', count: 1 });
    const put = await odata('PUT', `IRequests(${created.Id})/Versions(${version.json.Id})/Body/$value`, {
      body: Buffer.from('x'),
      headers: { authorization: AUTH, accept: 'application/json', 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(503);
    await expect(control().addFault({ route: 'everything' as never, kind: '5xx' })).rejects.toThrow(/400/);
  });
});
