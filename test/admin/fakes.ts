// In-memory dependencies for the admin API tests: they behave like the real ones (state changes,
// located YAML errors, history) so the tests exercise the HTTP layer against real behaviour.
import { Writable } from 'node:stream';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import type { AdminDeps, AppealView, FailedJobView, MappingProblemView, MappingService, MappingSummary } from '../../src/admin/deps.js';
import { RedisUiSessions, type UiSessionOptions } from '../../src/admin/sessions.js';
import { createLogger } from '../../src/logging.js';
import { BridgeMetrics } from '../../src/metrics.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

interface StoredMapping extends MappingSummary {
  source: string;
  history: { version: string; author: string; at: string; diff: string }[];
}

/** A mapping store that checks YAML syntax and the `target` key, with located problems. */
export class InMemoryMappings implements MappingService {
  readonly store = new Map<string, StoredMapping>();
  readonly previews: { name: string; appeal: unknown }[] = [];
  private counter = 0;

  async list(): Promise<MappingSummary[]> {
    return [...this.store.values()].map(({ name, version, target, updatedAt, author }) => ({ name, version, target, updatedAt, author }));
  }

  async get(name: string) {
    const stored = this.store.get(name);
    if (!stored) return null;
    const { history: _history, ...rest } = stored;
    return rest;
  }

  async put(name: string, source: string, author: string) {
    const problems = this.check(name, source);
    if (problems.length > 0) return { ok: false as const, problems };
    const doc = parseDocument(source).toJSON() as { target: string };
    const version = `v${++this.counter}`;
    const at = new Date().toISOString();
    const previous = this.store.get(name);
    const diff = `--- ${previous?.version ?? '/dev/null'}\n+++ ${version}\n${source.split('\n').map((line) => `+${line}`).join('\n')}`;
    this.store.set(name, {
      name, version, target: doc.target, updatedAt: at, author, source,
      history: [...(previous?.history ?? []), { version, author, at, diff }],
    });
    return { ok: true as const, version };
  }

  async history(name: string) {
    return [...(this.store.get(name)?.history ?? [])].reverse();
  }

  async preview(name: string, appeal: unknown) {
    this.previews.push({ name, appeal });
    const value = appeal as { id: number; description: string; subjectId?: number | null };
    if (value.subjectId === null || value.subjectId === undefined) return { problems: ['fields.Questions: the appeal has no subjectId'] };
    const warnings = value.description.length > 250 ? ['Subject truncated to 250 characters'] : [];
    return { record: { Subject: value.description.slice(0, 250), PosId: value.id }, warnings };
  }

  private check(name: string, source: string): MappingProblemView[] {
    const file = `${name}.yaml`;
    const lineCounter = new LineCounter();
    const doc = parseDocument(source, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) {
      return doc.errors.map((error) => {
        const pos = lineCounter.linePos(error.pos[0]);
        return { file, line: pos.line, column: pos.col, message: error.message.split('\n')[0] ?? error.code };
      });
    }
    const value = doc.toJSON() as unknown;
    if (typeof value !== 'object' || value === null || !('target' in value)) {
      return [{ file, line: 1, column: 1, message: 'target: is required (directum-rx or delo)' }];
    }
    const target = (value as { target: unknown }).target;
    if (target !== 'directum-rx' && target !== 'delo') {
      const node = doc.get('target', true) as { range?: [number, number, number] } | undefined;
      const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
      return [{ file, line: pos.line, column: pos.col, message: 'target: must be directum-rx or delo' }];
    }
    return [];
  }
}

export interface FakeState {
  appeals: Map<number, AppealView>;
  failed: FailedJobView[];
  retried: string[];
  syncCalls: number;
  gaugeRefreshes: number;
  queueCounts: Record<string, Record<string, number>>;
  logLines: string[];
}

export interface Fakes {
  deps: AdminDeps;
  state: FakeState;
  mappings: InMemoryMappings;
}

/** Captures everything the logger writes, to assert what is (not) logged. */
export function capturingLogger(lines: string[]) {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return createLogger({ level: 'debug', destination });
}

// UI sessions live in the private test Redis, as in the product; connected on first use only.
let sessionRedis: Redis | undefined;
afterAll(async () => {
  if (sessionRedis?.status === 'ready') await sessionRedis.quit();
  else sessionRedis?.disconnect();
  sessionRedis = undefined;
});

/** The product's session store on the test Redis, under a prefix of its own. */
export function uiSessionStore(options: Partial<UiSessionOptions> = {}): RedisUiSessions {
  sessionRedis ??= new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  return new RedisUiSessions(sessionRedis, uniquePrefix('ui'), options);
}

export function makeFakes(overrides: Partial<AdminDeps> = {}, queues: Queue[] = []): Fakes {
  const state: FakeState = {
    appeals: new Map(),
    failed: [],
    retried: [],
    syncCalls: 0,
    gaugeRefreshes: 0,
    queueCounts: { pull: { waiting: 1, active: 0, completed: 5, failed: 0, delayed: 0 } },
    logLines: [],
  };
  const mappings = new InMemoryMappings();
  const metrics = new BridgeMetrics({ defaultMetrics: false });
  const deps: AdminDeps = {
    adminToken: ADMIN_TOKEN,
    logger: capturingLogger(state.logLines),
    metrics,
    health: { redis: async () => {}, pos: async () => {}, edms: async () => {} },
    appeals: { get: async (posId) => state.appeals.get(posId) ?? null },
    sync: {
      trigger: async () => {
        state.syncCalls += 1;
        return { jobId: `pull-manual-${state.syncCalls}` };
      },
    },
    mappings,
    failed: {
      list: async () => [...state.failed],
      retry: async (id) => {
        const at = state.failed.findIndex((job) => job.id === id);
        if (at < 0) return false;
        state.failed.splice(at, 1);
        state.retried.push(id);
        return true;
      },
      remove: async (id) => {
        const at = state.failed.findIndex((job) => job.id === id);
        if (at < 0) return false;
        state.failed.splice(at, 1);
        return true;
      },
    },
    queues: { counts: async () => state.queueCounts, all: () => queues },
    uiSessions: uiSessionStore(),
    refreshGauges: async () => {
      state.gaugeRefreshes += 1;
      for (const [queue, counts] of Object.entries(state.queueCounts)) {
        for (const [jobState, count] of Object.entries(counts)) metrics.queueDepth.set({ queue, state: jobState }, count);
      }
    },
    ...overrides,
  };
  return { deps, state, mappings };
}

export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** A ПОС appeal as the list returns it, with a field ПОС may add one day. */
export const sampleAppeal = {
  id: 4101,
  description: 'Яма на дороге у дома 5 по ул. Ленина, глубина около 20 см',
  createdAt: '2024-03-01T09:15:00.000+03:00',
  subjectId: 12,
  subjectName: 'Дороги',
  answerAt: '2024-03-31T09:15:00.000+03:00',
  applicant: { surname: 'Иванова', name: 'Мария', patronymic: 'Петровна', email: 'maria@example.ru', phone: '+7 912 345-67-89' },
  attachments: [],
  someFieldPosAddedLater: { kept: true },
};
