// In-memory dependencies for the admin API tests: state the tests set and read back (appeals,
// failed jobs, sync calls). Mappings are the product's registry (shipped-mappings.ts), never a copy
// of its logic here.
import { Writable } from 'node:stream';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import type { AdminDeps, AppealView, DeadlineItem, FailedJobView, MappingService } from '../../src/admin/deps.js';
import { RedisUiSessions, type UiSessionOptions } from '../../src/admin/sessions.js';
import { RedisConsoleSessions } from '../../src/admin/console-sessions.js';
import { MemoryAuditLog } from '../../src/admin/memory-audit.js';
import { createLogger } from '../../src/logging.js';
import { BridgeMetrics } from '../../src/metrics.js';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface FakeState {
  appeals: Map<number, AppealView>;
  /** The deadline list's items, due or not: the fake lists those within the window asked for. */
  deadlines: DeadlineItem[];
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
}

/** For the tests that pass no registry: a mapping call fails the test instead of being answered. */
function noMappings(): MappingService {
  const refuse = async (): Promise<never> => {
    throw new Error('this test gave the admin API no mapping registry (see shipped-mappings.ts)');
  };
  return {
    list: refuse,
    get: refuse,
    put: refuse,
    history: refuse,
    preview: refuse,
    previewDraft: refuse,
    check: refuse,
    diff: refuse,
    rollback: refuse,
  };
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

/** The product's console session store on the test Redis, under a prefix of its own. */
export function consoleSessionStore(options: Partial<UiSessionOptions> = {}): RedisConsoleSessions {
  sessionRedis ??= new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  return new RedisConsoleSessions(sessionRedis, uniquePrefix('console'), options);
}

export function makeFakes(overrides: Partial<AdminDeps> = {}, queues: Queue[] = []): Fakes {
  const state: FakeState = {
    appeals: new Map(),
    deadlines: [],
    failed: [],
    retried: [],
    syncCalls: 0,
    gaugeRefreshes: 0,
    queueCounts: { pull: { waiting: 1, active: 0, completed: 5, failed: 0, delayed: 0 } },
    logLines: [],
  };
  const metrics = new BridgeMetrics({ defaultMetrics: false });
  const deps: AdminDeps = {
    adminToken: ADMIN_TOKEN,
    logger: capturingLogger(state.logLines),
    metrics,
    health: { redis: async () => {}, pos: async () => {}, edms: async () => {} },
    appeals: { get: async (posId) => state.appeals.get(posId) ?? null },
    deadlines: {
      list: async (withinMs, now = new Date()) => ({
        within: `${withinMs / 60_000}m`,
        generatedAt: now.toISOString(),
        timeZone: 'Europe/Moscow',
        items: state.deadlines.filter((item) => Date.parse(item.deadline) <= now.getTime() + withinMs),
      }),
    },
    sync: {
      trigger: async () => {
        state.syncCalls += 1;
        return { jobId: `pull-manual-${state.syncCalls}` };
      },
    },
    mappings: noMappings(),
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
    audit: new MemoryAuditLog(),
    uiSessions: uiSessionStore(),
    consoleSessions: consoleSessionStore(),
    refreshGauges: async () => {
      state.gaugeRefreshes += 1;
      for (const [queue, counts] of Object.entries(state.queueCounts)) {
        for (const [jobState, count] of Object.entries(counts)) metrics.queueDepth.set({ queue, state: jobState }, count);
      }
    },
    ...overrides,
  };
  return { deps, state };
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
