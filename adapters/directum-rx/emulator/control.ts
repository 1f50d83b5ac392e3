// EdmsControl for the Directum emulator: in-process (straight on the clerk) for tests and the demo,
// and over the control API for an emulator started on its own (`npm run emulator:directum`).
// edmsId is the IRequests Id as a string.
import type { AppealFile, EdmsControl, Official, Registration } from '../../contract.js';
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

/** The same control over HTTP; `baseUrl` is the emulator's root (e.g. http://127.0.0.1:8091). */
export class DirectumControlClient implements EdmsControl {
  private readonly root: string;

  constructor(baseUrl: string) {
    this.root = new URL(baseUrl).origin + CONTROL_BASE;
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.root}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? text;
      throw new Error(`Directum emulator control ${method} ${path}: HTTP ${response.status} ${message}`);
    }
    return parsed as T;
  }

  registerNow(edmsId: string): Promise<Registration> {
    return this.call('POST', `/requests/${requestId(edmsId)}/register`);
  }

  async assign(edmsId: string, executor: Official, manager?: Official): Promise<void> {
    await this.call('POST', `/requests/${requestId(edmsId)}/assign`, { executor, manager });
  }

  async postpone(edmsId: string, until: string, reason: string): Promise<void> {
    await this.call('POST', `/requests/${requestId(edmsId)}/prolong`, { until, reason });
  }

  async forward(edmsId: string, to: string): Promise<void> {
    await this.call('POST', `/requests/${requestId(edmsId)}/transfer`, { to });
  }

  async answer(edmsId: string, answer: { text: string; file?: AppealFile; resolution?: string }): Promise<void> {
    const file = answer.file && { name: answer.file.name, contentType: answer.file.contentType, base64: answer.file.data.toString('base64') };
    await this.call('POST', `/requests/${requestId(edmsId)}/answer`, { text: answer.text, resolution: answer.resolution, file });
  }

  async reject(edmsId: string, reason: string): Promise<void> {
    await this.call('POST', `/requests/${requestId(edmsId)}/deny`, { reason });
  }

  /** As the in-process inspect, with version bodies as base64 strings. */
  inspect(edmsId: string): Promise<unknown> {
    return this.call('GET', `/requests/${requestId(edmsId)}`);
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
