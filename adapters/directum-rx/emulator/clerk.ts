// The people inside Directum, played by the emulator: the registry clerk numbers new requests, an
// executor is assigned, deadlines are prolonged, an answer letter is written, the request is
// transferred or denied. The control API and the in-process EdmsControl both drive this class.
import type { AppealFile, Official, Registration } from '../../contract.js';
import { ODataError, REVIEW_RESULTS, type Row } from './model.js';
import { serialize } from './query.js';
import type { DirectumStore } from './store.js';

export interface ClerkSettings {
  /** Delay before the clerk registers a new request: 0 = at once (in the create), null = only on command. */
  autoRegisterAfterMs: number | null;
}

const FINAL_STATES = new Set(['Executed', 'WithoutExecut', 'Aborted']);
const EMPLOYEE_EXPAND = [
  { name: 'Person', expand: [] },
  { name: 'Department', expand: [] },
];
const FULL_REQUEST_EXPAND = [
  { name: 'Correspondent', expand: [] },
  { name: 'DocumentKind', expand: [] },
  { name: 'DeliveryMethod', expand: [] },
  { name: 'BusinessUnit', expand: [] },
  { name: 'Department', expand: [] },
  { name: 'Questions', expand: [{ name: 'Question', expand: [] }] },
  { name: 'ProlongationDeadline', expand: [] },
  { name: 'Assignee', expand: EMPLOYEE_EXPAND },
  { name: 'Addressee', expand: EMPLOYEE_EXPAND },
  { name: 'PreparedBy', expand: EMPLOYEE_EXPAND },
  { name: 'OurSignatory', expand: EMPLOYEE_EXPAND },
  { name: 'Versions', expand: [{ name: 'AssociatedApplication', expand: [] }] },
];
/** Where an official the clerk has never seen is put: the appeals office, else the first department. */
const NEW_EMPLOYEE_DEPARTMENT = /обращени/i;

export class DirectumClerk {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: DirectumStore,
    readonly settings: ClerkSettings = { autoRegisterAfterMs: 0 },
  ) {}

  /** Called by the OData layer right after a request card was created. */
  requestCreated(id: number): void {
    const delay = this.settings.autoRegisterAfterMs;
    if (delay === null) return;
    if (delay <= 0) {
      this.register(id);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.store.find('IRequests', id)) this.register(id);
    }, delay);
    this.timers.add(timer);
  }

  register(id: number): Registration {
    const request = this.store.get('IRequests', id);
    if (!request.RegistrationNumber) {
      request.RegistrationNumber = `ОГ-${String(this.store.nextId('registry:requests')).padStart(5, '0')}`;
      request.RegistrationDate = this.store.stamp();
      request.RegistrationState = 'Registered';
      request.ExecutionState ??= 'OnReview';
      this.setReviewResult(request, 'Active', ['Draft']);
      this.store.touch('IRequests', request);
    }
    return { number: String(request.RegistrationNumber), date: String(request.RegistrationDate) };
  }

  assign(id: number, executor: Official, manager?: Official): void {
    const request = this.open(id);
    this.register(id);
    request.Assignee = this.employeeFor(executor).Id;
    if (manager) request.Addressee = this.employeeFor(manager).Id;
    request.ExecutionState = 'OnExecution';
    this.store.touch('IRequests', request);
  }

  prolong(id: number, until: string, reason: string): void {
    const request = this.open(id);
    if (Number.isNaN(Date.parse(until))) throw new ODataError(400, 'BadRequest', 'until must be an ISO 8601 date');
    const rows = request.ProlongationDeadline as Row[];
    rows.push({
      Id: this.store.nextId('IRequests/ProlongationDeadline'),
      Number: rows.length + 1,
      OldDeadline: request.Deadline ?? null,
      NewDeadline: new Date(until).toISOString(),
      ReasonChangeDeadline: reason,
    });
    request.Deadline = new Date(until).toISOString();
    this.setReviewResult(request, 'InWorkExtended', ['Draft', 'Active']);
    this.store.touch('IRequests', request);
  }

  answer(id: number, answer: { text: string; file?: AppealFile; resolution?: string }): Row {
    const request = this.open(id);
    const resolution = answer.resolution ?? 'Explained';
    if (!(REVIEW_RESULTS as readonly string[]).includes(resolution))
      throw new ODataError(400, 'BadRequest', `resolution must be one of ${REVIEW_RESULTS.join(', ')}`);
    this.register(id);
    const letter = this.store.create('IOutgoingLetters', {
      Subject: answer.text.slice(0, 250) || `Ответ на обращение ${String(request.RegistrationNumber)}`,
      Note: answer.text,
      Correspondent: request.Correspondent === null ? null : { Id: request.Correspondent },
      InResponseTo: { Id: id },
    });
    letter.Name = `Исходящее письмо «${String(letter.Subject).slice(0, 80)}»`;
    letter.RegistrationNumber = `01-27/${String(this.store.nextId('registry:outgoing')).padStart(4, '0')}`;
    letter.RegistrationDate = this.store.stamp();
    if (answer.file) {
      const extension = /\.([^.]+)$/.exec(answer.file.name)?.[1] ?? 'bin';
      const app = this.store.applicationFor(extension) ?? this.store.applicationFor('bin')!;
      const version = this.store.addChild('IOutgoingLetters', letter.Id, 'Versions', {
        Note: answer.file.name,
        AssociatedApplication: { Id: app.Id },
      });
      this.store.setBody('IOutgoingLetters', letter.Id, version.Id, answer.file.data);
    }
    request.AnswerLetter = letter.Id;
    request.ResponseDate = this.store.stamp();
    request.ExecutionState = 'Executed';
    this.setReviewResult(request, resolution);
    this.store.touch('IRequests', request);
    return letter;
  }

  transfer(id: number, to: string): void {
    const request = this.open(id);
    this.register(id);
    request.TransferredTo = to;
    request.ExecutionState = 'WithoutExecut';
    this.setReviewResult(request, 'Transferred');
    this.store.touch('IRequests', request);
  }

  deny(id: number, reason: string): void {
    const request = this.open(id);
    this.register(id);
    request.DenialReason = reason;
    request.ExecutionState = 'Aborted';
    this.setReviewResult(request, 'Denied');
    this.store.touch('IRequests', request);
  }

  /** Everything held for one request; bodies through `encode` (Buffers in-process, base64 over HTTP). */
  inspect(id: number, encode: (body: Buffer) => Buffer | string = (body) => body): Record<string, unknown> {
    const request = this.store.get('IRequests', id);
    // An installation may lack some of these links (undeclare): expand those it declares.
    const declared = (def: { navs: Record<string, string>; collections: Record<string, unknown> }) =>
      FULL_REQUEST_EXPAND.filter((item) => item.name in def.navs || item.name in def.collections);
    const versions = (set: string, row: Row) =>
      (row.Versions as Row[]).map((version) => {
        const body = this.store.body(set, row.Id, version.Id);
        const app = this.store.find('IAssociatedApplications', version.AssociatedApplication as number);
        return {
          Id: version.Id,
          Number: version.Number,
          Note: version.Note,
          Extension: app?.Extension ?? null,
          size: body?.length ?? null,
          body: body ? encode(body) : null,
        };
      });
    const letterRow = request.AnswerLetter === null ? undefined : this.store.find('IOutgoingLetters', request.AnswerLetter as number);
    return {
      request: serialize(this.store, this.store.typeOf('IRequests'), request, declared(this.store.typeOf('IRequests'))),
      versions: versions('IRequests', request),
      answerLetter: letterRow
        ? { ...serialize(this.store, this.store.typeOf('IOutgoingLetters'), letterRow), versions: versions('IOutgoingLetters', letterRow) }
        : null,
      links: this.store.rows('IExternalEntityLinks').filter((link) => link.EntityId === id),
    };
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private open(id: number): Row {
    const request = this.store.get('IRequests', id);
    if (FINAL_STATES.has(String(request.ExecutionState))) {
      throw new ODataError(409, 'Conflict', `IRequests(${id}) is already closed (${String(request.ExecutionState)})`);
    }
    return request;
  }

  private setReviewResult(request: Row, result: string, onlyFrom?: string[]): void {
    for (const question of request.Questions as Row[]) {
      if (!onlyFrom || onlyFrom.includes(String(question.ReviewResult))) question.ReviewResult = result;
    }
  }

  /** The employee matching the official's full name, or a new one (with its person). */
  private employeeFor(official: Official): Row {
    if (!official.surname) throw new ODataError(400, 'BadRequest', 'an official needs at least a surname');
    const same = (a: unknown, b: string | undefined) => (typeof a === 'string' ? a : '').toLowerCase() === (b ?? '').toLowerCase();
    for (const employee of this.store.rows('IEmployees')) {
      const person = this.store.find('IPersons', employee.Person as number);
      if (
        person &&
        same(person.LastName, official.surname) &&
        same(person.FirstName, official.name) &&
        same(person.MiddleName, official.patronymic)
      ) {
        return employee;
      }
    }
    const person = this.store.createPerson({
      LastName: official.surname,
      FirstName: official.name || '-',
      MiddleName: official.patronymic ?? null,
    });
    const departments = this.store.rows('IDepartments').filter((d) => d.Status !== 'Closed');
    const department = departments.find((d) => NEW_EMPLOYEE_DEPARTMENT.test(String(d.Name))) ?? departments[0];
    return this.store.create(
      'IEmployees',
      this.store.declaredOnly('IEmployees', {
        Name: person.Name,
        JobTitle: 'Специалист',
        Department: department ? { Id: department.Id } : null,
        Email: official.email ?? null,
        Phone: official.phone ?? null,
        Status: 'Active',
        Person: { Id: person.Id },
      }),
    );
  }
}
