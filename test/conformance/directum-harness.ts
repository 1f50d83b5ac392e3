// Directum RX pieces for the tests: a record as the mapping would make it, and the conformance
// harness (adapter + in-process emulator).
import { DirectumAdapter } from '../../adapters/directum-rx/adapter.js';
import { startDirectumEmulator, type DirectumEmulator, type DirectumEmulatorOptions } from '../../adapters/directum-rx/emulator/server.js';
import type { DirectumPerson, DirectumRecord } from '../../adapters/directum-rx/record.js';
import type { PosAppeal, PosPerson } from '../../src/pos/schemas.js';
import type { ConformanceHarness } from './edms-adapter.suite.js';

function person(p: PosPerson | null | undefined): DirectumPerson | undefined {
  if (!p?.surname || !p.name) return undefined;
  return {
    LastName: p.surname, FirstName: p.name, MiddleName: p.patronymic ?? undefined,
    Email: p.email ?? undefined, Phones: p.phone ?? undefined, PostalAddress: p.postAddress ?? undefined,
  };
}

/** Stand-in for the mapping engine: what a plain Directum mapping makes of an appeal. */
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
    DeliveryMethod: 'Платформа обратной связи',
    Questions: [{ Code: appeal.id % 2 ? '0003.0009.0097.0685' : '0005.0005.0056.1151' }],
    Correspondent: person(appeal.applicant),
    ...(coApplicants.length ? { CoApplicants: coApplicants } : {}),
    ProblemAddress: appeal.address ?? undefined,
    FastTrack: appeal.fastTrack ?? false,
  };
}

export interface DirectumTestRig {
  emulator: DirectumEmulator;
  adapter: DirectumAdapter;
  close(): Promise<void>;
}

export async function startDirectumRig(options: DirectumEmulatorOptions = {}, timeoutMs = 5_000): Promise<DirectumTestRig> {
  const emulator = await startDirectumEmulator(options);
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

export async function makeDirectumHarness(): Promise<ConformanceHarness<DirectumRecord>> {
  const { emulator, adapter, close } = await startDirectumRig();
  return {
    adapter,
    control: emulator.control,
    recordFor: directumRecordFor,
    async loseNextWriteResponse() {
      emulator.faults.add({ route: 'create', set: 'IRequests', kind: 'drop-after', count: 1 });
    },
    countRecords: async () => emulator.state.count('IRequests'),
    close,
  };
}
