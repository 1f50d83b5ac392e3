// EdmsControl for the Directum emulator: in-process (straight on the clerk) for tests and the demo,
// and over the control API for an emulator started on its own (`npm run emulator:directum`).
// edmsId is the IRequests Id as a string.
import type { AppealFile, EdmsControl, Official, Registration } from '../../contract.js';
import { EdmsControlClient, type ControlRoutes } from '../../control-client.js';
import type { DirectumClerk } from './clerk.js';
import { CONTROL_BASE } from './control-routes.js';
import type { FaultRule } from './faults.js';
import type { Row } from './model.js';
import type { InstallationName } from './seed.js';

function requestId(edmsId: string): number {
  const id = Number(edmsId);
  if (!Number.isInteger(id) || id <= 0) throw new Error(`not a Directum request id: ${edmsId}`);
  return id;
}

export class DirectumStateControl implements EdmsControl {
  constructor(private readonly clerk: DirectumClerk) {}

  async registerNow(edmsId: string): Promise<Registration> {
    return this.clerk.register(requestId(edmsId));
  }

  async assign(edmsId: string, executor: Official, manager?: Official): Promise<void> {
    this.clerk.assign(requestId(edmsId), executor, manager);
  }

  async postpone(edmsId: string, until: string, reason: string): Promise<void> {
    this.clerk.prolong(requestId(edmsId), until, reason);
  }

  async forward(edmsId: string, to: string): Promise<void> {
    this.clerk.transfer(requestId(edmsId), to);
  }

  async answer(edmsId: string, answer: { text: string; file?: AppealFile; resolution?: string }): Promise<void> {
    this.clerk.answer(requestId(edmsId), answer);
  }

  async reject(edmsId: string, reason: string): Promise<void> {
    this.clerk.deny(requestId(edmsId), reason);
  }

  async inspect(edmsId: string): Promise<unknown> {
    return this.clerk.inspect(requestId(edmsId));
  }
}

const DIRECTUM_CONTROL: ControlRoutes = {
  name: 'Directum emulator',
  base: CONTROL_BASE,
  record: (edmsId) => `/requests/${requestId(edmsId)}`,
  verbs: { register: 'register', assign: 'assign', postpone: 'prolong', forward: 'transfer', answer: 'answer', reject: 'deny' },
};

/** The same control over HTTP; `baseUrl` is the emulator's root (e.g. http://127.0.0.1:8091). */
export class DirectumControlClient extends EdmsControlClient {
  constructor(baseUrl: string) {
    super(baseUrl, DIRECTUM_CONTROL);
  }

  async addFault(rule: FaultRule): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/faults', rule)).id;
  }

  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/faults');
  }

  stats(): Promise<Record<string, number>> {
    return this.call('GET', '/stats');
  }

  async setAutoRegister(autoRegisterAfterMs: number | null): Promise<void> {
    await this.call('PUT', '/settings', { autoRegisterAfterMs });
  }

  /** Every directory as stored (links as Ids), by kind (questions, document-kinds, ...), and the installation's name. */
  directories(): Promise<{ installation: string | null; directories: Record<string, Row[]> }> {
    return this.call('GET', '/directories');
  }

  /** One directory: a kind (`departments`) or its entity set (`IDepartments`). */
  directory(kind: string): Promise<Row[]> {
    return this.call('GET', `/directories/${encodeURIComponent(kind)}`);
  }

  /** Adds an entry (Status Active unless given); an employee's LastName/FirstName/MiddleName make its person. */
  addDirectoryEntry(kind: string, entry: Record<string, unknown>): Promise<Row> {
    return this.call('POST', `/directories/${encodeURIComponent(kind)}`, entry);
  }

  patchDirectoryEntry(kind: string, id: number, changes: Record<string, unknown>): Promise<Row> {
    return this.call('PATCH', `/directories/${encodeURIComponent(kind)}/${id}`, changes);
  }

  closeDirectoryEntry(kind: string, id: number): Promise<Row> {
    return this.call('POST', `/directories/${encodeURIComponent(kind)}/${id}/close`);
  }

  /** Forgets every card, link and person and loads an installation afresh (default: the current one). */
  reseed(installation?: InstallationName): Promise<{ installation: string | null; stats: Record<string, number> }> {
    return this.call('POST', '/reseed', installation ? { installation } : {});
  }
}
