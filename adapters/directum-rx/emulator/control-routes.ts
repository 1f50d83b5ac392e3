// Operator control API (/_emulator/..., not part of Directum): plays the clerks, shows what the
// emulator holds, reads and changes the installation's directories (an administrator adding or
// closing an entry), reseeds, injects faults. No auth: the emulator is a sandbox bound to loopback
// by default.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { clerkBodies } from '../../control-bodies.js';
import type { DirectumClerk } from './clerk.js';
import { faultRuleSchema, type FaultInjector } from './faults.js';
import { ODataError } from './model.js';
import { INSTALLATIONS } from './seed.js';
import { DIRECTORY_SETS, type DirectumStore } from './store.js';
import { issueLines } from '../../../src/zod-issues.js';

export const CONTROL_BASE = '/_emulator';

const bodies = {
  assign: clerkBodies.assign,
  prolong: clerkBodies.postpone,
  answer: clerkBodies.answer,
  transfer: clerkBodies.forward,
  deny: clerkBodies.reject,
  settings: z.object({ autoRegisterAfterMs: z.number().int().min(0).nullable() }).strict(),
  entry: z.record(z.string(), z.unknown()),
  reseed: z.object({ installation: z.enum(Object.keys(INSTALLATIONS) as [keyof typeof INSTALLATIONS]).optional() }).strict(),
};

interface ControlContext {
  store: DirectumStore;
  clerk: DirectumClerk;
  faults: FaultInjector;
}

function fail(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ODataError) return reply.code(error.status).send({ error: error.code, message: error.message });
  if (error instanceof z.ZodError) return reply.code(400).send({ error: 'BadRequest', message: issueLines(error).join('; ') });
  throw error;
}

export async function controlRoutes(app: FastifyInstance, ctx: ControlContext): Promise<void> {
  const { store, clerk, faults } = ctx;
  /** The :id of a request or of a directory entry. */
  const requestId = (params: unknown) => {
    const id = Number((params as { id: string }).id);
    if (!Number.isInteger(id) || id <= 0) throw new ODataError(400, 'BadRequest', 'id must be a positive whole number');
    return id;
  };
  const action = (name: string, run: (id: number, body: unknown) => unknown) =>
    app.post(`${CONTROL_BASE}/requests/:id/${name}`, async (req, reply) => {
      try {
        const result = run(requestId(req.params), req.body ?? {});
        return reply.send(result ?? { ok: true });
      } catch (error) {
        return fail(reply, error);
      }
    });

  app.get(`${CONTROL_BASE}/health`, async () => ({ ok: true }));
  const stats = () => Object.fromEntries(Object.keys(store.model).map((set) => [set, store.count(set)]));
  app.get(`${CONTROL_BASE}/stats`, async () => stats());
  app.get(`${CONTROL_BASE}/settings`, async () => clerk.settings);
  app.put(`${CONTROL_BASE}/settings`, async (req, reply) => {
    try {
      Object.assign(clerk.settings, bodies.settings.parse(req.body));
      return clerk.settings;
    } catch (error) {
      return fail(reply, error);
    }
  });

  app.get(`${CONTROL_BASE}/requests`, async () => {
    const links = new Map(
      store
        .rows('IExternalEntityLinks')
        .filter((l) => l.ExtSystemId === 'POS')
        .map((l) => [l.EntityId, l.ExtEntityId]),
    );
    return store.rows('IRequests').map((r) => ({
      Id: r.Id,
      posId: links.get(r.Id) ?? null,
      RegistrationNumber: r.RegistrationNumber ?? null,
      ExecutionState: r.ExecutionState ?? null,
      Modified: r.Modified,
    }));
  });
  app.get(`${CONTROL_BASE}/requests/:id`, async (req, reply) => {
    try {
      return clerk.inspect(requestId(req.params), (body) => body.toString('base64'));
    } catch (error) {
      return fail(reply, error);
    }
  });

  action('register', (id) => clerk.register(id));
  action('assign', (id, body) => {
    const { executor, manager } = bodies.assign.parse(body);
    clerk.assign(id, executor, manager);
  });
  action('prolong', (id, body) => {
    const { until, reason } = bodies.prolong.parse(body);
    clerk.prolong(id, until, reason);
  });
  action('answer', (id, body) => {
    const { text, resolution, file } = bodies.answer.parse(body);
    const letter = clerk.answer(id, {
      text,
      resolution,
      file: file && { name: file.name, contentType: file.contentType, data: Buffer.from(file.base64, 'base64') },
    });
    return { answerLetterId: letter.Id, outgoingNumber: letter.RegistrationNumber };
  });
  action('transfer', (id, body) => clerk.transfer(id, bodies.transfer.parse(body).to));
  action('deny', (id, body) => clerk.deny(id, bodies.deny.parse(body).reason));

  const kindOf = (params: unknown) => (params as { kind: string }).kind;
  const handle =
    (run: (req: { params: unknown; body: unknown }) => unknown, status = 200) =>
    async (req: { params: unknown; body: unknown }, reply: FastifyReply) => {
      try {
        return reply.code(status).send(run(req));
      } catch (error) {
        return fail(reply, error);
      }
    };
  app.get(`${CONTROL_BASE}/directories`, async () => ({
    installation: store.installation,
    directories: Object.fromEntries(Object.keys(DIRECTORY_SETS).map((kind) => [kind, store.directory(kind)])),
  }));
  app.get(
    `${CONTROL_BASE}/directories/:kind`,
    handle((req) => store.directory(kindOf(req.params))),
  );
  app.post(
    `${CONTROL_BASE}/directories/:kind`,
    handle((req) => store.addDirectoryEntry(kindOf(req.params), bodies.entry.parse(req.body ?? {})), 201),
  );
  app.patch(
    `${CONTROL_BASE}/directories/:kind/:id`,
    handle((req) => store.patchDirectoryEntry(kindOf(req.params), requestId(req.params), bodies.entry.parse(req.body ?? {}))),
  );
  app.post(
    `${CONTROL_BASE}/directories/:kind/:id/close`,
    handle((req) => store.closeDirectoryEntry(kindOf(req.params), requestId(req.params))),
  );
  app.post(
    `${CONTROL_BASE}/reseed`,
    handle((req) => {
      const { installation } = bodies.reseed.parse(req.body ?? {});
      clerk.close();
      store.reseed(installation && INSTALLATIONS[installation]);
      return { installation: store.installation, stats: stats() };
    }),
  );

  app.get(`${CONTROL_BASE}/faults`, async () => faults.list());
  app.post(`${CONTROL_BASE}/faults`, async (req, reply) => {
    try {
      return reply.code(201).send({ id: faults.add(faultRuleSchema.parse(req.body)) });
    } catch (error) {
      return fail(reply, error);
    }
  });
  app.delete(`${CONTROL_BASE}/faults`, async () => {
    faults.clear();
    return { ok: true };
  });
  app.delete(`${CONTROL_BASE}/faults/:faultId`, async (req, reply) => {
    const removed = faults.remove((req.params as { faultId: string }).faultId);
    return removed ? { ok: true } : reply.code(404).send({ error: 'NotFound', message: 'no such fault' });
  });
}
