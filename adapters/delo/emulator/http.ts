// Operator control API of the «Дело» emulator (`/_emulator/...`, not part of «Дело»): plays the
// clerks, shows cards, changes faults and settings (autoRegister, how answer packages are named
// and whether they come after their Report). No auth: a sandbox bound to loopback by default.
// DeloControlClient is the same EdmsControl over HTTP, for the demo and scripts.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { BridgeError } from '../../../src/errors.js';
import { clerkBodies } from '../../control-bodies.js';
import { EdmsControlClient, type ControlRoutes } from '../../control-client.js';
import { DeloClerk } from './control.js';
import { ANSWER_PACKAGE_NAMINGS, type DeloEmulator } from './emulator.js';
import { deloFaultsSchema, type DeloFaults } from './faults.js';
import { issueLines } from '../../../src/zod-issues.js';

export const CONTROL_BASE = '/_emulator';

const bodies = {
  ...clerkBodies,
  settings: z
    .object({
      autoRegister: z.boolean().optional(),
      answerPackageNaming: z.enum(ANSWER_PACKAGE_NAMINGS).optional(),
      answerPackageDelayMs: z.number().int().min(0).optional(),
    })
    .strict(),
};

/** The emulator's live settings (GET/PUT /_emulator/settings). */
export type DeloEmulatorSettings = Required<z.infer<typeof bodies.settings>>;

function settingsOf(emulator: DeloEmulator): DeloEmulatorSettings {
  return {
    autoRegister: emulator.autoRegister,
    answerPackageNaming: emulator.answerPackageNaming,
    answerPackageDelayMs: emulator.answerPackageDelayMs,
  };
}

/** JSON-safe copy: Buffers become base64 strings. */
function jsonSafe(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  return value;
}

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof z.ZodError) return reply.code(400).send({ error: 'BAD_REQUEST', message: issueLines(error).join('; ') });
  if (error instanceof BridgeError)
    return reply.code(error.code === 'NOT_FOUND' ? 404 : 409).send({ error: error.code, message: error.message });
  throw error;
}

export function buildControlServer(emulator: DeloEmulator): FastifyInstance {
  const app = Fastify({ logger: false });
  const clerk = new DeloClerk(emulator);
  const action = (name: string, run: (id: string, body: unknown) => Promise<unknown>) =>
    app.post(`${CONTROL_BASE}/cards/:id/${name}`, async (req, reply) => {
      try {
        return reply.send((await run((req.params as { id: string }).id, req.body ?? {})) ?? { ok: true });
      } catch (error) {
        return fail(reply, error);
      }
    });

  app.get(`${CONTROL_BASE}/health`, async () => ({ ok: true }));
  app.get(`${CONTROL_BASE}/cards`, async () =>
    emulator.allCards().map((c) => ({
      messageId: c.messageId,
      posId: c.posId ?? null,
      state: c.state,
      number: c.number ?? null,
      reports: c.reports.length,
    })),
  );
  app.get(`${CONTROL_BASE}/cards/:id`, async (req, reply) => {
    try {
      return jsonSafe(await clerk.inspect((req.params as { id: string }).id));
    } catch (error) {
      return fail(reply, error);
    }
  });
  action('register', (id) => clerk.registerNow(id));
  action('assign', async (id, body) => {
    const { executor, manager } = bodies.assign.parse(body);
    await clerk.assign(id, executor, manager);
  });
  action('postpone', async (id, body) => {
    const { until, reason } = bodies.postpone.parse(body);
    await clerk.postpone(id, until, reason);
  });
  action('forward', async (id, body) => clerk.forward(id, bodies.forward.parse(body).to));
  action('answer', async (id, body) => {
    const { text, resolution, file } = bodies.answer.parse(body);
    await clerk.answer(id, {
      text,
      ...(resolution !== undefined ? { resolution } : {}),
      ...(file ? { file: { name: file.name, contentType: file.contentType, data: Buffer.from(file.base64, 'base64') } } : {}),
    });
  });
  action('reject', async (id, body) => clerk.reject(id, bodies.reject.parse(body).reason));

  app.get(`${CONTROL_BASE}/faults`, async () => emulator.faults);
  app.put(`${CONTROL_BASE}/faults`, async (req, reply) => {
    try {
      Object.assign(emulator.faults, deloFaultsSchema.partial().parse(req.body));
      return emulator.faults;
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.get(`${CONTROL_BASE}/settings`, async () => settingsOf(emulator));
  app.put(`${CONTROL_BASE}/settings`, async (req, reply) => {
    try {
      const settings = bodies.settings.parse(req.body);
      if (settings.autoRegister !== undefined) emulator.autoRegister = settings.autoRegister;
      if (settings.answerPackageNaming !== undefined) emulator.answerPackageNaming = settings.answerPackageNaming;
      if (settings.answerPackageDelayMs !== undefined) emulator.answerPackageDelayMs = settings.answerPackageDelayMs;
      return settingsOf(emulator);
    } catch (error) {
      return fail(reply, error);
    }
  });
  return app;
}

const DELO_CONTROL: ControlRoutes = {
  name: '«Дело» emulator',
  base: CONTROL_BASE,
  record: (edmsId) => `/cards/${encodeURIComponent(edmsId)}`,
  verbs: { register: 'register', assign: 'assign', postpone: 'postpone', forward: 'forward', answer: 'answer', reject: 'reject' },
};

/** EdmsControl over the HTTP control API; `baseUrl` is the emulator's root (e.g. http://127.0.0.1:8092). */
export class DeloControlClient extends EdmsControlClient {
  constructor(baseUrl: string) {
    super(baseUrl, DELO_CONTROL);
  }

  setFaults(faults: Partial<DeloFaults>): Promise<DeloFaults> {
    return this.call('PUT', '/faults', faults);
  }

  async setAutoRegister(autoRegister: boolean): Promise<void> {
    await this.call('PUT', '/settings', { autoRegister });
  }

  /** Changes some settings (answer package naming, a late answer package, autoRegister); returns them all. */
  setSettings(settings: Partial<DeloEmulatorSettings>): Promise<DeloEmulatorSettings> {
    return this.call('PUT', '/settings', settings);
  }

  getSettings(): Promise<DeloEmulatorSettings> {
    return this.call('GET', '/settings');
  }
}
