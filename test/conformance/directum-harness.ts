// Directum RX pieces for the tests: a record as the mapping would make it, and the conformance
// harness (adapter + in-process emulator). The emulator is seeded as an installation unlike the
// shipped mapping (FOREIGN_INSTALLATION: its own names, codes and ids, a type without
// NotifyByEmail), so references must really be found in the installation's own directories.
import { DirectumAdapter } from '../../adapters/directum-rx/adapter.js';
import { FOREIGN_INSTALLATION } from '../../adapters/directum-rx/emulator/seed.js';
import { startDirectumEmulator, type DirectumEmulator, type DirectumEmulatorOptions } from '../../adapters/directum-rx/emulator/server.js';
import type { DirectumPerson, DirectumRecord } from '../../adapters/directum-rx/record.js';
import type { PosAppeal, PosPerson } from '../../src/pos/schemas.js';
import type { AdapterCapabilities, ConformanceHarness, InstallationCapabilities } from './edms-adapter.suite.js';

function person(p: PosPerson | null | undefined): DirectumPerson | undefined {
  if (!p?.surname || !p.name) return undefined;
  return {
    LastName: p.surname,
    FirstName: p.name,
    MiddleName: p.patronymic ?? undefined,
    Email: p.email ?? undefined,
    Phones: p.phone ?? undefined,
    PostalAddress: p.postAddress ?? undefined,
  };
}

/** Stand-in for the mapping engine: what a mapping fitted to FOREIGN_INSTALLATION makes of an appeal. */
export function directumRecordFor(appeal: PosAppeal): DirectumRecord {
  const answerAt = appeal.answerAt ? new Date(appeal.answerAt) : undefined;
  const coApplicants = (appeal.coApplicants ?? []).map(person).filter((p): p is DirectumPerson => p !== undefined);
  return {
    Subject: appeal.description.replace(/\s+/g, ' ').trim().slice(0, 250) || 'Обращение',
    FullText: appeal.description,
    Note: `ПОС № ${appeal.id}`,
    RequestDate: appeal.createdAt,
    InitialDeadline: answerAt?.toISOString(),
    Deadline: answerAt ? new Date(answerAt.getTime() - 3 * 86_400_000).toISOString() : undefined,
    // By code, by name with other case and spacing, by TIN, an employee by full name.
    DeliveryMethod: 'ПОС',
    DocumentKind: 'обращение граждан  (ЭЛЕКТРОННОЕ)',
    Department: 'Комитет ЖКХ',
    BusinessUnit: '5904100209',
    Addressee: 'Ким Виктор Алексеевич',
    NotifyByEmail: Boolean(appeal.applicant?.email),
    // A leaf code and a question by its name.
    Questions: [{ Code: '0005.0005.0054.1123' }, { Code: 'Нет отопления' }],
    Correspondent: person(appeal.applicant),
    ...(coApplicants.length ? { CoApplicants: coApplicants } : {}),
    ProblemAddress: appeal.address ?? undefined,
    FastTrack: appeal.fastTrack ?? false,
  };
}

/** Ids FOREIGN_INSTALLATION holds for directumRecordFor's values. */
export const FOREIGN_LINKS = {
  DeliveryMethod: 401,
  DocumentKind: 301,
  Department: 604,
  BusinessUnit: 501,
  Addressee: 903,
  Questions: [7016, 7017],
};

/** An installation unlike the shipped mapping: foreign directories, and an IRequest without NotifyByEmail. */
export const FOREIGN_EMULATOR: DirectumEmulatorOptions = {
  installation: FOREIGN_INSTALLATION,
  undeclare: { IRequests: ['NotifyByEmail'] },
};

export interface DirectumTestRig {
  emulator: DirectumEmulator;
  adapter: DirectumAdapter;
  close(): Promise<void>;
}

export async function startDirectumRig(options: DirectumEmulatorOptions = {}, timeoutMs = 5_000): Promise<DirectumTestRig> {
  const emulator = await startDirectumEmulator({ ...FOREIGN_EMULATOR, ...options });
  const adapter = new DirectumAdapter({ baseUrl: emulator.url, username: 'bridge', password: 'bridge-secret', timeoutMs });
  return {
    emulator,
    adapter,
    async close() {
      await adapter.close();
      await emulator.close();
    },
  };
}

/** The ids the emulator stored in a request's links (and its questions). */
export function storedLinks(emulator: DirectumEmulator, edmsId: string): Record<string, number | number[] | null> {
  const row = emulator.state.get('IRequests', Number(edmsId));
  const links: Record<string, number | number[] | null> = {};
  for (const field of [
    'DeliveryMethod',
    'DocumentKind',
    'Department',
    'BusinessUnit',
    'Addressee',
    'Assignee',
    'PreparedBy',
    'OurSignatory',
  ]) {
    links[field] = (row[field] as number | null | undefined) ?? null;
  }
  links.Questions = ((row.Questions as { Question: number }[] | undefined) ?? []).map((question) => question.Question);
  return links;
}

const PREFLIGHT_MAPPING = `target: directum-rx
constants:
  deliveryMethod: Почта России
  documentKind: Обращение гражданина по почте
dictionaries:
  departmentBySubject:
    keyType: number
    default: Общий отдел
    entries:
      101: Комитет ЖКХ
      102: Управление благоустройства
fields:
  Subject: $substring(description, 0, 250)
  FullText: description
  RequestDate: createdAt
  DeliveryMethod: $const.deliveryMethod
  DocumentKind: $const.documentKind
  Department: $dict("departmentBySubject", subjectId)
  NotifyByEmail: $boolean(applicant.email)
  Questions: '[{"Code": "0005.0005.0055.0000"}]'
statuses:
  registered: { status: Зарегистрировано, statusText: Зарегистрировано }
  in_work: { status: В работе, statusText: В работе }
  postponed: { status: Продлено, statusText: Продлено, appealAnswerType: POSTPONED }
  forwarded: { status: Перенаправлено, statusText: Перенаправлено, appealAnswerType: FORWARDED }
  answered: { status: Закрыто, statusText: Рассмотрено, appealAnswerType: SOLVED }
  rejected: { status: Закрыто, statusText: Отказано, appealAnswerType: REJECTED }
`;

export const DIRECTUM_INSTALLATION: InstallationCapabilities<DirectumRecord> = {
  directories: 'readable',
  expectedLinks: FOREIGN_LINKS,
  withUnknownReference: (record) => ({
    record: { ...record, Department: 'Отдел Петровой И. И.' },
    field: 'Department',
    directoryName: 'IDepartments',
    value: 'Петровой',
  }),
  preflight: {
    source: PREFLIGHT_MAPPING,
    problems: [
      {
        line: 4,
        column: 17,
        includes:
          'constants.documentKind: DocumentKind: "Обращение гражданина по почте" is not in IDocumentKinds; closest: «обращение гражданина», «Обращение граждан (письменное)»',
      },
      {
        line: 11,
        column: 12,
        includes:
          'dictionaries.departmentBySubject.entries.102: Department: "Управление благоустройства" is not in IDepartments; closest: «Комитет по благоустройству и озеленению»',
      },
      {
        line: 19,
        column: 3,
        includes: "fields.NotifyByEmail: this installation's Sungero.Domain.IRequest does not declare the property NotifyByEmail",
      },
      { line: 20, column: 25, includes: 'fields.Questions: Questions[].Code: "0005.0005.0055.0000" is not in IQuestions' },
    ],
  },
  undeclaredField: 'NotifyByEmail',
};

/** What the Directum RX adapter, its emulator and this harness can do: everything the suite asks. */
export const DIRECTUM_CAPABILITIES: AdapterCapabilities<DirectumRecord> = {
  installation: DIRECTUM_INSTALLATION,
  lostWriteResponse: true,
  countsRecords: true,
  reportsManager: true,
  postponementReasons: true,
  unreachable: true,
  credentials: true,
  openConnections: true,
};

/** TCP sockets open in this process: the adapter's kept-alive ones and the emulator's ends of them. */
const openTcpSockets = () => process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;

export async function makeDirectumHarness(): Promise<ConformanceHarness<DirectumRecord>> {
  const { emulator, adapter } = await startDirectumRig();
  let emulatorRunning = true;
  const stopEmulator = async () => {
    if (!emulatorRunning) return;
    emulatorRunning = false;
    await emulator.close();
  };
  return {
    adapter,
    control: emulator.control,
    recordFor: directumRecordFor,
    async loseNextWriteResponse() {
      emulator.faults.add({ route: 'create', set: 'IRequests', kind: 'drop-after', count: 1 });
    },
    countRecords: async () => emulator.state.count('IRequests'),
    linksOf: async (edmsId) => storedLinks(emulator, edmsId),
    // The Integration Service is gone: connections are refused.
    makeUnreachable: stopEmulator,
    adapterWithWrongCredentials: () =>
      new DirectumAdapter({ baseUrl: emulator.url, username: 'bridge', password: 'not-the-bridge-secret', timeoutMs: 5_000 }),
    openConnections: async () => openTcpSockets(),
    async close() {
      await adapter.close();
      await stopEmulator();
    },
  };
}
