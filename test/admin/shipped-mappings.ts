// The product's MappingRegistry for the admin API tests: a fresh folder holding the shipped
// mappings, on the test Redis under a prefix of its own, so /api/mappings answers with what the
// bridge itself validates, stores and computes.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../fixtures/index.js';
import type { MappingService } from '../../src/admin/deps.js';
import { createLogger } from '../../src/logging.js';
import { MappingRegistry } from '../../src/mapping/registry.js';
import { testRedis, uniquePrefix } from '../helpers/redis.js';

const SHIPPED_FILES = ['directum-rx.yaml', 'delo.yaml'] as const;

export const SHIPPED_DIRECTUM = readFileSync(join(packageRoot(), 'mappings', 'directum-rx.yaml'), 'utf8');
export const SHIPPED_DELO = readFileSync(join(packageRoot(), 'mappings', 'delo.yaml'), 'utf8');

export interface ShippedMappings {
  registry: MappingRegistry;
  /** Its keys' prefix on the test Redis, for tests that shape the stored state. */
  prefix: string;
  close(): Promise<void>;
}

/** A started registry over a copy of mappings/ (no directory watch, no change messages: one process). */
export async function shippedMappings(options: { evaluationTimeoutMs?: number } = {}): Promise<ShippedMappings> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-admin-mappings-'));
  for (const file of SHIPPED_FILES) copyFileSync(join(packageRoot(), 'mappings', file), join(dir, file));
  const redis = testRedis();
  const prefix = uniquePrefix('admin-mappings');
  const registry = new MappingRegistry({
    redis,
    prefix,
    dir,
    logger: createLogger({ level: 'silent' }),
    watch: false,
    subscribe: false,
    ...options,
  });
  await registry.start();
  return {
    registry,
    prefix,
    close: async () => {
      await registry.stop();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type MappingCalls = Record<keyof MappingService, number>;

/** The service as it is, counting the calls that reach it: a refused request must not. */
export function countingCalls(service: MappingService): { service: MappingService; calls: MappingCalls } {
  const calls: MappingCalls = {
    list: 0,
    get: 0,
    put: 0,
    history: 0,
    preview: 0,
    previewDraft: 0,
    check: 0,
    checkAgainstEdms: 0,
    diff: 0,
    rollback: 0,
  };
  const counted =
    <A extends unknown[], R>(name: keyof MappingService, call: (...args: A) => R) =>
    (...args: A): R => {
      calls[name] += 1;
      return call(...args);
    };
  return {
    calls,
    service: {
      list: counted('list', () => service.list()),
      get: counted('get', (name: string) => service.get(name)),
      put: counted('put', (...args: Parameters<MappingService['put']>) => service.put(...args)),
      history: counted('history', (name: string) => service.history(name)),
      preview: counted('preview', (name: string, appeal: unknown) => service.preview(name, appeal)),
      previewDraft: counted('previewDraft', (...args: Parameters<MappingService['previewDraft']>) => service.previewDraft(...args)),
      check: counted('check', (name: string, source: string) => service.check(name, source)),
      diff: counted('diff', (name: string, source: string) => service.diff(name, source)),
      rollback: counted('rollback', (...args: Parameters<MappingService['rollback']>) => service.rollback(...args)),
      ...(service.checkAgainstEdms
        ? { checkAgainstEdms: counted('checkAgainstEdms', (name: string, source: string) => service.checkAgainstEdms!(name, source)) }
        : {}),
    },
  };
}
