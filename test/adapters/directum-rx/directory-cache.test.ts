// The installation's directories are read once per process: a registration in steady state reads
// none; a value not found re-reads its directory (at most every missRefreshMs), so an entry an
// admin has just added is found; after the TTL everything is read afresh.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectumAdapter } from '../../../adapters/directum-rx/adapter.js';
import type { DirectumRecord } from '../../../adapters/directum-rx/record.js';
import { sampleAppeal } from '../../conformance/sample-appeals.js';
import { directumRecordFor, startDirectumRig, type DirectumTestRig } from '../../conformance/directum-harness.js';

describe('Directum directory cache', () => {
  let rig: DirectumTestRig;
  let adapter: DirectumAdapter;
  let now = 1_000_000;

  beforeEach(async () => {
    rig = await startDirectumRig();
    adapter = new DirectumAdapter({
      baseUrl: rig.emulator.url,
      username: 'bridge',
      password: 'bridge-secret',
      directories: { ttlMs: 600_000, missRefreshMs: 30_000, now: () => now },
    });
  });
  afterEach(async () => {
    await adapter.close();
    await rig.close();
  });

  const register = (record?: Partial<DirectumRecord>) => {
    const appeal = sampleAppeal();
    return adapter.register({
      posId: appeal.id,
      record: adapter.recordSchema.parse({ ...directumRecordFor(appeal), ...record }),
      files: [],
      firstAttempt: true,
    });
  };
  const directoryReads = () => adapter.directories.reads;

  it('reads each directory once, then none per registration', async () => {
    await register();
    const afterFirst = directoryReads();
    expect(afterFirst).toBe(6); // document kinds, delivery methods, departments, business units, employees, questions
    for (let i = 0; i < 5; i++) await register();
    expect(directoryReads()).toBe(afterFirst);
    expect(rig.emulator.state.count('IRequests')).toBe(6);
  });

  it('re-reads a directory on a miss (not more often than missRefreshMs) and finds a new entry', async () => {
    await register();
    const base = directoryReads();
    await expect(register({ Department: 'Отдел цифрового развития' })).rejects.toMatchObject({ code: 'EDMS_REFERENCE_UNKNOWN' });
    expect(directoryReads(), 'read just now: no second read').toBe(base);
    rig.emulator.state.addDirectoryEntry('departments', { Name: 'Отдел цифрового развития', Code: 'ОЦР' });
    now += 31_000;
    await expect(register({ Department: 'отдел  цифрового развития' })).resolves.toMatchObject({ created: true });
    expect(directoryReads()).toBe(base + 1);
  });

  it('reads everything afresh after the TTL', async () => {
    await register();
    const base = directoryReads();
    now += 601_000;
    await register();
    expect(directoryReads()).toBe(base + 6);
  });

  it('offers no closest names from the employees directory', async () => {
    const [problem] = await adapter.checkReferences([{ field: 'Addressee', value: 'Ким Виктор' }]);
    expect(problem).toMatchObject({ field: 'Addressee', directoryName: 'IEmployees', reason: 'unknown', closest: [] });
    const [department] = await adapter.checkReferences([{ field: 'Department', value: 'Комитет  ЖКХ и транспорта' }]);
    expect(department!.closest).toContain('Комитет ЖКХ');
  });
});
