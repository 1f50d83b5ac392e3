// EdmsControl over an EDMS emulator's HTTP control API, for an emulator started on its own (the
// demo against `npm run emulator:*`, scripts, tests). Each emulator's client names its card path
// and verbs and adds its own extras (faults, settings) on `call`.
import type { AppealFile, EdmsControl, Official, Registration } from './contract.js';

export interface ControlRoutes {
  /** For messages: "Directum emulator", "«Дело» emulator". */
  name: string;
  /** The control API's root below the server root, e.g. `/_emulator`. */
  base: string;
  /** Path of one record below the root; validates the id. */
  record(edmsId: string): string;
  /** Verb paths of the clerk's actions, below the record. */
  verbs: { register: string; assign: string; postpone: string; forward: string; answer: string; reject: string };
}

export class EdmsControlClient implements EdmsControl {
  private readonly root: string;

  /** `baseUrl` is the emulator's root (e.g. http://127.0.0.1:8091). */
  constructor(
    baseUrl: string,
    private readonly routes: ControlRoutes,
  ) {
    this.root = new URL(baseUrl).origin + routes.base;
  }

  protected async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.root}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) {
      const message = (parsed as { message?: string } | undefined)?.message ?? text;
      throw new Error(`${this.routes.name} control ${method} ${path}: HTTP ${response.status} ${message}`);
    }
    return parsed as T;
  }

  private verb(edmsId: string, verb: keyof ControlRoutes['verbs']): string {
    return `${this.routes.record(edmsId)}/${this.routes.verbs[verb]}`;
  }

  registerNow(edmsId: string): Promise<Registration> {
    return this.call('POST', this.verb(edmsId, 'register'));
  }

  async assign(edmsId: string, executor: Official, manager?: Official): Promise<void> {
    await this.call('POST', this.verb(edmsId, 'assign'), { executor, ...(manager ? { manager } : {}) });
  }

  async postpone(edmsId: string, until: string, reason: string): Promise<void> {
    await this.call('POST', this.verb(edmsId, 'postpone'), { until, reason });
  }

  async forward(edmsId: string, to: string): Promise<void> {
    await this.call('POST', this.verb(edmsId, 'forward'), { to });
  }

  async answer(edmsId: string, answer: { text: string; file?: AppealFile; resolution?: string }): Promise<void> {
    const file = answer.file && {
      name: answer.file.name,
      contentType: answer.file.contentType,
      base64: answer.file.data.toString('base64'),
    };
    await this.call('POST', this.verb(edmsId, 'answer'), {
      text: answer.text,
      ...(answer.resolution !== undefined ? { resolution: answer.resolution } : {}),
      ...(file ? { file } : {}),
    });
  }

  async reject(edmsId: string, reason: string): Promise<void> {
    await this.call('POST', this.verb(edmsId, 'reject'), { reason });
  }

  /** As the in-process inspect, with file bodies as base64 strings. */
  inspect(edmsId: string): Promise<unknown> {
    return this.call('GET', this.routes.record(edmsId));
  }
}
