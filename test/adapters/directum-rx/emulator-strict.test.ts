// The Directum RX emulator as strict as an Integration Service: directory references are links
// (a text in a navigation property, or a link to a missing entry, is refused), only declared
// properties may be written, $metadata describes the installation's own types, nested
// $expand/$select work as in OData v4, and installations have directories of their own.
import { readFileSync } from 'node:fs';
import { parseStringPromise } from 'xml2js';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROGRESS_EXPAND, PROGRESS_SELECT, progressRequestSchema, toProgress } from '../../../adapters/directum-rx/progress.js';
import { DirectumControlClient } from '../../../adapters/directum-rx/emulator/control.js';
import { FOREIGN_INSTALLATION, SHIPPED_INSTALLATION } from '../../../adapters/directum-rx/emulator/seed.js';
import {
  startDirectumEmulator,
  type DirectumEmulator,
  type DirectumEmulatorOptions,
} from '../../../adapters/directum-rx/emulator/server.js';
import type { Row } from '../../../adapters/directum-rx/emulator/model.js';
import { ODATA_AUTH, odataFetch } from '../../helpers/odata-fetch.js';

const AUTH = ODATA_AUTH;
const client = (em: DirectumEmulator) => odataFetch(() => em.url);

async function withEmulator<T>(
  options: DirectumEmulatorOptions,
  run: (em: DirectumEmulator, odata: ReturnType<typeof client>) => Promise<T>,
): Promise<T> {
  const em = await startDirectumEmulator(options);
  try {
    return await run(em, client(em));
  } finally {
    await em.close();
  }
}

const byName = (rows: Row[], name: string) => rows.filter((row) => row.Name === name);
const one = (rows: Row[], name: string): Row => {
  const found = byName(rows, name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

let em: DirectumEmulator;
let odata: ReturnType<typeof client>;
beforeAll(async () => {
  em = await startDirectumEmulator();
  odata = client(em);
});
afterAll(async () => {
  await em.close();
});

describe('directory references are links', () => {
  it('refuses a text or a number in a navigation property with the OData message', async () => {
    for (const [property, value] of [
      ['DocumentKind', 'Обращение гражданина'],
      ['DeliveryMethod', 'Портал Госуслуг (ПОС)'],
      ['Department', 'Общий отдел'],
      ['BusinessUnit', 'Администрация города'],
      ['Addressee', 'Орлова Татьяна Павловна'],
      ['Assignee', 2],
      ['PreparedBy', true],
      ['OurSignatory', 'Орлова'],
      ['Correspondent', 'Иванов'],
      ['AnswerLetter', 1],
      ['DocumentKind', { Name: 'Обращение гражданина' }],
    ] as const) {
      const answer = await odata('POST', 'IRequests', { body: { Subject: 'Яма', [property]: value } });
      expect(answer.status, property).toBe(400);
      expect(answer.json.error).toEqual({
        code: 'BadRequest',
        message: `Navigation property ${property} must be an object like {"Id": n}`,
      });
    }
    const card = (await odata('POST', 'IRequests', { body: { Subject: 'Яма' } })).json;
    const patched = await odata('PATCH', `IRequests(${card.Id})`, { body: { Department: 'Общий отдел' } });
    expect(patched.json.error.message).toBe('Navigation property Department must be an object like {"Id": n}');
    const row = await odata('POST', 'IRequests', { body: { Subject: 'Яма', Questions: [{ Question: '0003.0009.0099.0700' }] } });
    expect(row.json.error.message).toBe('Navigation property Question must be an object like {"Id": n}');
  });

  it('refuses a link to an entry that does not exist, naming the property and the id, in both link styles', async () => {
    const missing = await odata('POST', 'IRequests', { body: { Subject: 'Яма', DocumentKind: { Id: 99999 } } });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toMatch(/DocumentKind.*IDocumentKinds\(99999\)/);
    const bound = await odata('POST', 'IRequests', { body: { Subject: 'Яма', 'Department@odata.bind': 'IDepartments(99998)' } });
    expect(bound.status).toBe(400);
    expect(bound.json.error.message).toMatch(/Department.*99998/);
    const wrongSet = await odata('POST', 'IRequests', { body: { Subject: 'Яма', 'Department@odata.bind': 'IBusinessUnits(1)' } });
    expect(wrongSet.status).toBe(400);
  });

  it('accepts {"Id": n} and @odata.bind links into every directory and reads them back with $expand', async () => {
    const dirs = (await new DirectumControlClient(em.origin).directories()).directories;
    const kind = one(dirs['document-kinds']!, 'Обращение гражданина');
    const method = one(dirs['delivery-methods']!, 'Портал Госуслуг (ПОС)');
    const department = one(dirs.departments!, 'Общий отдел');
    const unit = one(dirs['business-units']!, 'Администрация города');
    const [executor, , manager] = dirs.employees!;
    const created = await odata('POST', 'IRequests', {
      body: {
        Subject: 'Яма',
        DocumentKind: { Id: kind.Id },
        'DeliveryMethod@odata.bind': `IMailDeliveryMethods(${method.Id})`,
        Department: { Id: department.Id },
        'BusinessUnit@odata.bind': `IBusinessUnits(${unit.Id})`,
        Assignee: { Id: executor!.Id },
        Addressee: { Id: manager!.Id },
        PreparedBy: { Id: executor!.Id },
        OurSignatory: { Id: manager!.Id },
      },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.json.DocumentKind).toBeUndefined();
    const read = await odata(
      'GET',
      `IRequests(${created.json.Id})?$expand=DocumentKind,DeliveryMethod,Department($expand=BusinessUnit($select=Id,TIN)),BusinessUnit,OurSignatory($select=Id,Name)`,
    );
    expect(read.json).toMatchObject({
      DocumentKind: { Id: kind.Id, Name: 'Обращение гражданина', Status: 'Active' },
      DeliveryMethod: { Name: 'Портал Госуслуг (ПОС)' },
      Department: { Name: 'Общий отдел', BusinessUnit: { Id: unit.Id, TIN: '5904000123' } },
      BusinessUnit: { Name: 'Администрация города', Code: 'АГ' },
      OurSignatory: { Id: manager!.Id, Name: 'Орлова Татьяна Павловна' },
    });
    expect(read.json.OurSignatory.JobTitle).toBeUndefined();
    const byLink = await odata(
      'GET',
      `IRequests?$filter=${encodeURIComponent(`Department/Name eq 'Общий отдел' and DocumentKind/Id eq ${kind.Id}`)}`,
    );
    expect(byLink.json.value.map((r: Row) => r.Id)).toContain(created.json.Id);
  });
});

describe('only declared properties may be written', () => {
  it('refuses FastTrack, ProblemAddress and CoApplicants, and undeclared properties in collection rows', async () => {
    for (const [property, value] of [
      ['FastTrack', true],
      ['ProblemAddress', 'ул. Ленина, 1'],
      ['CoApplicants', [{ Person: { Id: 1 } }]],
      ['Colour', 'red'],
    ] as const) {
      const answer = await odata('POST', 'IRequests', { body: { Subject: 'Яма', [property]: value } });
      expect(answer.status, property).toBe(400);
      expect(answer.json.error.message).toBe(`The property '${property}' does not exist on type 'Sungero.Domain.IRequest'`);
    }
    const bind = await odata('POST', 'IRequests', { body: { Subject: 'Яма', 'Executor@odata.bind': 'IEmployees(1)' } });
    expect(bind.json.error.message).toBe("The property 'Executor' does not exist on type 'Sungero.Domain.IRequest'");
    const nested = await odata('POST', 'IRequests', {
      body: { Subject: 'Яма', Questions: [{ Question: { Id: 1 }, Code: '0003.0009.0099.0700' }] },
    });
    expect(nested.json.error.message).toBe("The property 'Code' does not exist on type 'Sungero.Domain.IRequestQuestions'");
    const card = (await odata('POST', 'IRequests', { body: { Subject: 'Яма' } })).json;
    const version = await odata('POST', `IRequests(${card.Id})/Versions`, {
      body: { Note: 'a.pdf', AssociatedApplication: { Id: 1 }, Size: 5 },
    });
    expect(version.json.error.message).toBe("The property 'Size' does not exist on type 'Sungero.Domain.IElectronicDocumentVersions'");
    const employee = await odata('PATCH', 'IEmployees(1)', { body: { Department: 'Общий отдел' } });
    expect(employee.json.error.message).toBe('Navigation property Department must be an object like {"Id": n}');
  });

  it('undeclare removes a property from writes, queries and $metadata of that installation only', async () => {
    await withEmulator(
      { undeclare: { IRequests: ['NotifyByEmail', 'OurSignatory'], IRequestQuestions: ['ReviewResult'] } },
      async (custom, request) => {
        const refused = await request('POST', 'IRequests', { body: { Subject: 'Яма', NotifyByEmail: true } });
        expect(refused.json.error.message).toBe("The property 'NotifyByEmail' does not exist on type 'Sungero.Domain.IRequest'");
        expect((await request('POST', 'IRequests', { body: { Subject: 'Яма', OurSignatory: { Id: 1 } } })).json.error.message).toMatch(
          /'OurSignatory' does not exist/,
        );
        expect((await request('GET', 'IRequests?$select=NotifyByEmail')).status).toBe(400);
        expect((await request('GET', 'IRequests?$expand=OurSignatory')).status).toBe(400);
        const created = await request('POST', 'IRequests', { body: { Subject: 'Яма', Questions: [{ Question: { Id: 1 } }] } });
        expect(created.status, created.text).toBe(201);
        expect(created.json).not.toHaveProperty('NotifyByEmail');
        const metadata = await parseMetadata(await (await fetch(`${custom.url}/$metadata`, { headers: { authorization: AUTH } })).text());
        expect(metadata.type('IRequests').properties).not.toContain('NotifyByEmail');
        expect(metadata.type('IRequests').navs).not.toHaveProperty('OurSignatory');
        expect(metadata.types.get('Sungero.Domain.IRequestQuestions')!.properties).toEqual(['Id']);
        expect(custom.state.installation).toBe('shipped');
      },
    );
    expect((await odata('POST', 'IRequests', { body: { Subject: 'Яма', NotifyByEmail: true } })).status).toBe(201);
    await expect(startDirectumEmulator({ undeclare: { IRequests: ['NoSuchThing'] } })).rejects.toThrow(/NoSuchThing/);
  });
});

/** An element as xml2js reads it: its attributes under `$`. */
interface XmlTag<Attribute extends string = 'Name'> {
  $: Record<Attribute, string>;
}

interface ParsedType {
  properties: string[];
  propertyTypes: Record<string, string>;
  navs: Record<string, string>;
  key: string[];
}

/** What an adapter makes of $metadata: EntitySet → its EntityType (by qualified name) → properties and navs. */
async function parseMetadata(xml: string) {
  const doc = await parseStringPromise(xml);
  const schema = doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
  const namespace: string = schema.$.Namespace;
  const types = new Map<string, ParsedType>();
  for (const type of schema.EntityType ?? []) {
    types.set(`${namespace}.${type.$.Name}`, {
      properties: (type.Property ?? []).map((p: XmlTag) => p.$.Name),
      propertyTypes: Object.fromEntries((type.Property ?? []).map((p: XmlTag<'Name' | 'Type'>) => [p.$.Name, p.$.Type])),
      navs: Object.fromEntries((type.NavigationProperty ?? []).map((n: XmlTag<'Name' | 'Type'>) => [n.$.Name, n.$.Type])),
      key: type.Key[0].PropertyRef.map((ref: XmlTag) => ref.$.Name),
    });
  }
  const sets = new Map<string, string>(
    (schema.EntityContainer[0].EntitySet ?? []).map((set: XmlTag<'Name' | 'EntityType'>) => [set.$.Name, set.$.EntityType]),
  );
  return {
    doc,
    namespace,
    sets,
    types,
    type(set: string): ParsedType {
      const found = types.get(sets.get(set)!);
      if (!found) throw new Error(`no EntityType for ${set}`);
      return found;
    },
  };
}

describe('$metadata', () => {
  it('serves CSDL XML under Basic auth with Accept application/xml, */* or none, and refuses JSON-only', async () => {
    for (const accept of ['application/xml', '*/*', undefined, 'application/json, text/plain, */*']) {
      const answer = await fetch(`${em.url}/$metadata`, { headers: { authorization: AUTH, ...(accept ? { accept } : {}) } });
      expect(answer.status, accept).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(await answer.text()).toMatch(/^<\?xml[^>]*\?>\s*<edmx:Edmx Version="4.0"/);
    }
    expect((await fetch(`${em.url}/$metadata`, { headers: { accept: 'application/xml' } })).status).toBe(401);
    const json = await fetch(`${em.url}/$metadata`, { headers: { authorization: AUTH, accept: 'application/json' } });
    expect(json.status).toBe(406);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('NotAcceptable');
  });

  it('lists every set with its type, properties, links and collections, as xml2js reads it', async () => {
    const xml = await (await fetch(`${em.url}/$metadata`, { headers: { authorization: AUTH, accept: 'application/xml' } })).text();
    const metadata = await parseMetadata(xml);
    expect(metadata.namespace).toBe('Sungero.Domain');
    expect([...metadata.sets.keys()].sort()).toEqual([
      'IAssociatedApplications',
      'IBusinessUnits',
      'IDepartments',
      'IDocumentKinds',
      'IEmployees',
      'IExternalEntityLinks',
      'IMailDeliveryMethods',
      'IOutgoingLetters',
      'IPersons',
      'IQuestions',
      'IRequests',
    ]);
    expect(metadata.sets.get('IRequests')).toBe('Sungero.Domain.IRequest');
    const request = metadata.type('IRequests');
    expect(request.key).toEqual(['Id']);
    expect(request.properties).toEqual(
      expect.arrayContaining([
        'Id',
        'Subject',
        'Name',
        'Note',
        'NotifyByEmail',
        'RequestDate',
        'Deadline',
        'ExecutionState',
        'RegistrationNumber',
      ]),
    );
    expect(request.properties).not.toEqual(expect.arrayContaining(['FastTrack']));
    expect(request.properties).not.toContain('ProblemAddress');
    expect(request.propertyTypes).toMatchObject({
      Id: 'Edm.Int32',
      Subject: 'Edm.String',
      NotifyByEmail: 'Edm.Boolean',
      RequestDate: 'Edm.DateTimeOffset',
    });
    expect(request.navs).toEqual({
      Correspondent: 'Sungero.Domain.IPerson',
      DocumentKind: 'Sungero.Domain.IDocumentKind',
      DeliveryMethod: 'Sungero.Domain.IMailDeliveryMethod',
      Department: 'Sungero.Domain.IDepartment',
      BusinessUnit: 'Sungero.Domain.IBusinessUnit',
      Addressee: 'Sungero.Domain.IEmployee',
      Assignee: 'Sungero.Domain.IEmployee',
      PreparedBy: 'Sungero.Domain.IEmployee',
      OurSignatory: 'Sungero.Domain.IEmployee',
      AnswerLetter: 'Sungero.Domain.IOutgoingLetter',
      Questions: 'Collection(Sungero.Domain.IRequestQuestions)',
      ProlongationDeadline: 'Collection(Sungero.Domain.IRequestProlongationDeadline)',
      Versions: 'Collection(Sungero.Domain.IElectronicDocumentVersions)',
    });
    expect(metadata.type('IEmployees').navs).toEqual({ Person: 'Sungero.Domain.IPerson', Department: 'Sungero.Domain.IDepartment' });
    expect(metadata.type('IEmployees').properties).toEqual(expect.arrayContaining(['Name', 'JobTitle', 'Email', 'Phone', 'Status']));
    expect(metadata.type('IDepartments')).toMatchObject({
      properties: expect.arrayContaining(['Name', 'ShortName', 'Code', 'Status']),
      navs: { BusinessUnit: 'Sungero.Domain.IBusinessUnit' },
    });
    expect(metadata.type('IBusinessUnits').properties).toEqual(['Id', 'Name', 'LegalName', 'Code', 'TIN', 'Status']);
    expect(metadata.type('IQuestions').properties).toEqual(['Id', 'Name', 'FullCode', 'Code', 'Status']);
    expect(metadata.types.get('Sungero.Domain.IRequestQuestions')!.navs).toEqual({ Question: 'Sungero.Domain.IQuestion' });
    // Every navigation target is a declared type; every enum a declared EnumType.
    const schema = metadata.doc['edmx:Edmx']['edmx:DataServices'][0].Schema[0];
    const enums = new Set(schema.EnumType.map((e: XmlTag) => `Sungero.Domain.${e.$.Name}`));
    for (const type of metadata.types.values()) {
      for (const target of Object.values(type.navs))
        expect(metadata.types.has(target.replace(/^Collection\((.*)\)$/, '$1')), target).toBe(true);
      for (const t of Object.values(type.propertyTypes)) expect(t.startsWith('Edm.') || enums.has(t), t).toBe(true);
    }
    const execution = schema.EnumType.find((e: XmlTag) => e.$.Name === 'IRequest_ExecutionState');
    expect(execution.Member.map((m: XmlTag) => m.$.Name)).toContain('OnExecution');
    // Explicit arrays off, as an adapter may parse it, still finds the set's type.
    const flat = await parseStringPromise(xml, { explicitArray: false });
    const sets = flat['edmx:Edmx']['edmx:DataServices'].Schema.EntityContainer.EntitySet;
    expect(sets.find((set: XmlTag<'Name' | 'EntityType'>) => set.$.Name === 'IDocumentKinds').$.EntityType).toBe(
      'Sungero.Domain.IDocumentKind',
    );
  });
});

describe('nested $expand and $select', () => {
  let requestId: number;
  beforeAll(async () => {
    const created = await odata('POST', 'IRequests', { body: { Subject: 'Ответьте, пожалуйста', Questions: [{ Question: { Id: 20 } }] } });
    requestId = created.json.Id;
    await em.control.assign(String(requestId), { surname: 'Белова', name: 'Елена', patronymic: 'Андреевна' });
    await em.control.answer(String(requestId), {
      text: 'Ответ дан.',
      file: { name: 'Ответ.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.4') },
    });
  });

  it('expands and selects inside an expand, to any depth', async () => {
    const expand =
      'AnswerLetter($select=Id,Subject;$expand=Versions($select=Id,Note;$expand=AssociatedApplication($select=Id,Extension))),Assignee($expand=Person,Department($select=Id,Name))';
    const read = await odata('GET', `IRequests(${requestId})?$select=Id,ExecutionState&$expand=${encodeURIComponent(expand)}`);
    expect(read.status, read.text).toBe(200);
    expect(read.json.Subject).toBeUndefined();
    expect(read.json.AnswerLetter).toEqual({
      Id: expect.any(Number),
      Subject: 'Ответ дан.',
      Versions: [{ Id: expect.any(Number), Note: 'Ответ.pdf', AssociatedApplication: { Id: expect.any(Number), Extension: 'pdf' } }],
    });
    expect(read.json.Assignee).toMatchObject({
      Name: 'Белова Елена Андреевна',
      JobTitle: 'Главный специалист',
      Person: { LastName: 'Белова', FirstName: 'Елена' },
    });
    expect(read.json.Assignee.Department).toEqual({ Id: expect.any(Number), Name: 'Отдел по работе с обращениями граждан' });
    const listed = await odata(
      'GET',
      `IRequests?$filter=Id eq ${requestId}&$select=Id&$expand=${encodeURIComponent('Questions($select=Id,ReviewResult;$expand=Question($select=FullCode))')}`,
    );
    expect(listed.json.value[0].Questions).toEqual([
      { Id: expect.any(Number), ReviewResult: 'Explained', Question: { Id: 20, FullCode: expect.any(String) } },
    ]);
  });

  it('gives null for an expanded link that is not set, and 400 for unknown names at any depth', async () => {
    const fresh = (await odata('POST', 'IRequests', { body: { Subject: 'Без ответа' } })).json;
    const read = await odata(
      'GET',
      `IRequests(${fresh.Id})?$expand=AnswerLetter($expand=Versions),Assignee($expand=Department),DocumentKind`,
    );
    expect(read.json).toMatchObject({ AnswerLetter: null, Assignee: null, DocumentKind: null });
    for (const expand of [
      'Assignee($expand=Departmnet)',
      'AnswerLetter($expand=Versions($select=Size))',
      'Assignee($filter=Id eq 1)',
      'Assignee($expand=Person',
    ]) {
      expect((await odata('GET', `IRequests(${fresh.Id})?$expand=${encodeURIComponent(expand)}`)).status, expand).toBe(400);
    }
  });

  it('answers the adapter progress read (PROGRESS_SELECT / PROGRESS_EXPAND) in the shape progress.ts parses', async () => {
    const read = await odata('GET', `IRequests(${requestId})?$select=${PROGRESS_SELECT}&$expand=${encodeURIComponent(PROGRESS_EXPAND)}`);
    expect(read.status, read.text).toBe(200);
    const progress = toProgress(1, progressRequestSchema.parse(read.json));
    expect(progress).toMatchObject({
      state: 'answered',
      executor: { surname: 'Белова', email: 'belova@adm.example.ru' },
      answer: { text: 'Ответ дан.', files: [{ name: 'Ответ.pdf' }] },
    });
  });
});

describe('installations', () => {
  it('the shipped installation has every name and code the shipped mapping uses', async () => {
    const mapping = parseYaml(readFileSync(new URL('../../../mappings/directum-rx.yaml', import.meta.url), 'utf8'));
    const dirs = (await new DirectumControlClient(em.origin).directories()).directories;
    expect(byName(dirs['delivery-methods']!, mapping.constants.deliveryMethod)).toHaveLength(1);
    expect(byName(dirs['document-kinds']!, mapping.constants.documentKind)).toHaveLength(1);
    const departments = mapping.dictionaries.departmentBySubject;
    for (const name of new Set<string>([departments.default, ...Object.values(departments.entries as Record<string, string>)])) {
      const department = one(dirs.departments!, name);
      expect(one(dirs['business-units']!, 'Администрация города').Id).toBe(department.BusinessUnit);
    }
    const codes = new Set(dirs.questions!.map((q) => q.FullCode));
    const used = JSON.stringify(mapping.dictionaries).match(/\d{4}\.\d{4}\.\d{4}\.\d{4}/g)!;
    expect(used.some((code) => code.endsWith('.0000'))).toBe(true);
    expect(used.filter((code) => !codes.has(code))).toEqual([]);
    expect(dirs.employees).toHaveLength(SHIPPED_INSTALLATION.employees.length);
    expect(dirs['business-units']![0]).toMatchObject({ Code: 'АГ', TIN: '5904000123', Status: 'Active' });
  });

  it('the foreign installation: other names and ids, leaf codes only, a closed question, one department name in two business units', async () => {
    await withEmulator({ installation: FOREIGN_INSTALLATION }, async (foreign, request) => {
      const { installation, directories: dirs } = await new DirectumControlClient(foreign.origin).directories();
      expect(installation).toBe('foreign');
      const codes = dirs.questions!.map((q) => String(q.FullCode));
      expect(codes.length).toBeGreaterThan(10);
      expect(codes.filter((code) => code.endsWith('.0000'))).toEqual([]);
      const shippedCodes = new Set(SHIPPED_INSTALLATION.questions.map((q) => q.FullCode));
      expect(codes.filter((code) => shippedCodes.has(code))).toEqual([]);
      expect(dirs.questions!.filter((q) => q.Status === 'Closed').map((q) => q.FullCode)).toEqual(['0003.0008.0087.0599']);

      const roads = byName(dirs.departments!, 'Отдел дорог и транспорта');
      expect(roads).toHaveLength(2);
      expect(new Set(roads.map((d) => d.BusinessUnit)).size).toBe(2);
      expect(roads.map((d) => d.Code).sort()).toEqual(['СР-ОДТ', 'ЦР-ОДТ']);

      // Nothing the shipped mapping names exists by its exact name.
      const mapping = parseYaml(readFileSync(new URL('../../../mappings/directum-rx.yaml', import.meta.url), 'utf8'));
      expect(byName(dirs['delivery-methods']!, mapping.constants.deliveryMethod)).toEqual([]);
      expect(byName(dirs['document-kinds']!, mapping.constants.documentKind)).toEqual([]);
      expect(byName(dirs.departments!, mapping.dictionaries.departmentBySubject.default)).toEqual([]);
      // ... but some differ only by case, ё or spaces (for name-matching tests).
      const fold = (text: unknown) => String(text).toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ').trim();
      expect(dirs['delivery-methods']!.filter((m) => fold(m.Name) === fold(mapping.constants.deliveryMethod)).map((m) => m.Name)).toEqual([
        'Портал госуслуг  (ПОС)',
      ]);
      expect(dirs['document-kinds']!.filter((k) => fold(k.Name) === fold(mapping.constants.documentKind)).map((k) => k.Name)).toEqual([
        'обращение гражданина',
      ]);
      expect(dirs.departments!.filter((d) => fold(d.Name) === fold('Общий отдел')).map((d) => d.Name)).toEqual(['Общий  отдел']);
      expect(one(dirs['delivery-methods']!, 'Личный приём').Status).toBe('Active');

      // No id coincides with the shipped installation's.
      const shippedIds = (await new DirectumControlClient(em.origin).directories()).directories;
      for (const [kind, rows] of Object.entries(dirs)) {
        const taken = new Set(shippedIds[kind]!.map((row) => row.Id));
        expect(
          rows.filter((row) => taken.has(row.Id)).map((row) => row.Id),
          kind,
        ).toEqual([]);
      }
      const gromov = dirs.employees!.find((e) => String(e.Name).startsWith('Громов'))!;
      expect(gromov.Department).toBe(roads.find((d) => d.Code === 'ЦР-ОДТ')!.Id);
      const card = await request('POST', 'IRequests', {
        body: { Subject: 'Яма', Department: { Id: roads[1]!.Id }, Questions: [{ Question: { Id: dirs.questions![0]!.Id } }] },
      });
      expect(card.status, card.text).toBe(201);
      expect(card.json.Id).toBeGreaterThan(150_000);
    });
  });

  it('the control API adds, renames and closes entries and reseeds the installation', async () => {
    await withEmulator({ installation: FOREIGN_INSTALLATION }, async (foreign, request) => {
      const control = new DirectumControlClient(foreign.origin);
      const kinds = await control.directory('document-kinds');
      expect(kinds.map((k) => k.Name)).toContain('Обращение граждан (электронное)');
      const added = await control.addDirectoryEntry('document-kinds', { Name: 'Обращение гражданина', Code: 'ОГ' });
      expect(added).toMatchObject({ Id: expect.any(Number), Name: 'Обращение гражданина', Status: 'Active' });
      const read = await request('GET', `IDocumentKinds?$filter=${encodeURIComponent("Name eq 'Обращение гражданина'")}`);
      expect(read.json.value).toEqual([expect.objectContaining({ Id: added.Id })]);

      const unit = (await control.directory('IBusinessUnits'))[0]!;
      const department = await control.addDirectoryEntry('departments', { Name: 'Общий отдел', BusinessUnit: { Id: unit.Id } });
      expect(department.BusinessUnit).toBe(unit.Id);
      const employee = await control.addDirectoryEntry('employees', {
        LastName: 'Новикова',
        FirstName: 'Ольга',
        JobTitle: 'Специалист',
        Department: { Id: department.Id },
      });
      expect(employee).toMatchObject({ Name: 'Новикова Ольга', Department: department.Id, Person: expect.any(Number) });
      await expect(control.addDirectoryEntry('departments', { Name: 'Отдел', BusinessUnit: 'Администрация' })).rejects.toThrow(
        /400.*Navigation property BusinessUnit/,
      );
      await expect(control.addDirectoryEntry('document-kinds', { Title: 'x' })).rejects.toThrow(/400.*'Title' does not exist/);
      await expect(control.directory('colours')).rejects.toThrow(/404/);

      const renamed = await control.patchDirectoryEntry('document-kinds', added.Id, { Name: 'Обращение гражданина (ПОС)' });
      expect(renamed.Name).toBe('Обращение гражданина (ПОС)');
      const closed = await control.closeDirectoryEntry('document-kinds', added.Id);
      expect(closed.Status).toBe('Closed');
      expect((await request('GET', `IDocumentKinds(${added.Id})`)).json.Status).toBe('Closed');

      await request('POST', 'IRequests', { body: { Subject: 'Яма' } });
      const again = await control.reseed();
      expect(again.installation).toBe('foreign');
      expect(again.stats.IRequests).toBe(0);
      expect((await control.directory('document-kinds')).map((k) => k.Name)).not.toContain('Обращение гражданина (ПОС)');
      const shipped = await control.reseed('shipped');
      expect(shipped.installation).toBe('shipped');
      expect((await control.directory('delivery-methods')).map((m) => m.Name)).toContain('Портал Госуслуг (ПОС)');
      expect(byName(await control.directory('questions'), 'Образование')[0]!.Id).toBe(2);
      await expect(control.reseed('elsewhere' as never)).rejects.toThrow(/400/);
    });
  });
});
