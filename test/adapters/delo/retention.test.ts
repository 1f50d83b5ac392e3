// Retention of processed/ and quarantine/ (DELO_RETENTION): the poll removes entries older than
// the retention, at most one sweep an hour, with bounded work per pass and a log line of counts.
// Ages are set with utimes; the hour and the minute between passes with a fake clock.
import { lutimes, mkdir, readFile, readdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeloAdapter, type DeloAdapterOptions } from '../../../adapters/delo/adapter.js';
import { deloDirs, type DeloDirs } from './helpers.js';

const DAY = 86_400_000;
let dirs: DeloDirs;
let clock: number;
let logs: Record<string, unknown>[];
const adapters: DeloAdapter[] = [];

function adapterWith(retention: NonNullable<DeloAdapterOptions['retention']> = {}): DeloAdapter {
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const adapter = new DeloAdapter({
    outboxDir: dirs.outboxDir,
    inboxDir: dirs.inboxDir,
    stateDir: dirs.stateDir,
    retention: { now: () => clock, ...retention },
    logger: pino({ level: 'info' }, stream),
  });
  adapters.push(adapter);
  return adapter;
}

const list = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();
const sweepLogs = () => logs.filter((l) => String(l.msg).startsWith('delo retention'));

/** Puts a file (or, with `folder`, a package folder) into `dir`, last modified `ageMs` before the clock. */
async function entry(dir: string, name: string, ageMs: number, folder = false): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  if (folder) {
    await mkdir(path);
    await writeFile(join(path, 'DocInfo.xml'), '<DocInfo/>');
  } else {
    await writeFile(path, name);
  }
  const when = new Date(clock - ageMs);
  await utimes(path, when, when);
}

beforeEach(async () => {
  dirs = await deloDirs('retention');
  clock = Date.now();
  logs = [];
});
afterEach(async () => {
  for (const adapter of adapters.splice(0)) await adapter.close();
  await dirs.remove();
});

describe('retention of processed and quarantine', () => {
  it('removes what is older than 90 days by default, keeps the rest, and logs the counts', async () => {
    await entry(dirs.processedDir, 'Report-old.xml', 91 * DAY);
    await entry(dirs.processedDir, 'old-package', 120 * DAY, true);
    await entry(dirs.processedDir, 'Report-young.xml', 89 * DAY);
    await entry(dirs.quarantineDir, 'bad-old.xml', 100 * DAY);
    await writeFile(join(dirs.quarantineDir, 'bad-old.xml.reason.txt'), 'malformed\n'); // written at quarantine time: younger
    await entry(dirs.quarantineDir, 'bad-young.xml', DAY);
    await writeFile(join(dirs.quarantineDir, 'bad-young.xml.reason.txt'), 'malformed\n');
    // A quarantined link goes as the link; what it points at stays.
    const target = join(dirs.root, 'target.txt');
    await writeFile(target, 'keep me');
    await symlink(target, join(dirs.quarantineDir, 'linked.xml'));
    const when = new Date(clock - 95 * DAY);
    await lutimes(join(dirs.quarantineDir, 'linked.xml'), when, when);

    await adapterWith().pollInbox();
    expect(await list(dirs.processedDir)).toEqual(['Report-young.xml']);
    expect(await list(dirs.quarantineDir)).toEqual(['bad-young.xml', 'bad-young.xml.reason.txt']);
    expect(await readFile(target, 'utf8')).toBe('keep me');
    expect(sweepLogs()).toEqual([expect.objectContaining({ level: 30, processed: 2, quarantine: 2, complete: true, olderThanDays: 90 })]);
  });

  it('sweeps at most once an hour', async () => {
    const adapter = adapterWith({ maxAgeMs: 7 * DAY });
    await adapter.pollInbox();
    expect(sweepLogs()).toHaveLength(1);
    await entry(dirs.processedDir, 'Report-a.xml', 8 * DAY);
    await adapter.pollInbox();
    clock += 59 * 60_000;
    await adapter.pollInbox();
    expect(await list(dirs.processedDir)).toEqual(['Report-a.xml']);
    clock += 60_000;
    await adapter.pollInbox();
    expect(await list(dirs.processedDir)).toEqual([]);
    expect(sweepLogs().map((l) => l.processed)).toEqual([0, 1]);
  });

  it('does bounded work per pass: a backlog goes over the next passes, a minute apart, young entries kept', async () => {
    for (let i = 0; i < 8; i++) await entry(dirs.processedDir, `Report-old-${i}.xml`, 200 * DAY);
    for (let i = 0; i < 3; i++) await entry(dirs.processedDir, `Report-young-${i}.xml`, DAY);
    for (let i = 0; i < 2; i++) await entry(dirs.quarantineDir, `bad-${i}.xml`, 200 * DAY);
    const adapter = adapterWith({ maxRemovalsPerPass: 3 });
    const remaining = async () => (await list(dirs.processedDir)).length + (await list(dirs.quarantineDir)).length;

    await adapter.pollInbox();
    expect(await remaining()).toBe(13 - 3);
    await adapter.pollInbox(); // less than a minute later: nothing more
    expect(await remaining()).toBe(10);
    const passes: number[] = [];
    for (let i = 0; i < 5 && (await remaining()) > 3; i++) {
      clock += 60_000;
      const before = await remaining();
      await adapter.pollInbox();
      passes.push(before - (await remaining()));
    }
    expect(passes.every((n) => n <= 3)).toBe(true);
    expect(await list(dirs.processedDir)).toEqual(['Report-young-0.xml', 'Report-young-1.xml', 'Report-young-2.xml']);
    expect(await list(dirs.quarantineDir)).toEqual([]);
    const lines = sweepLogs();
    expect(lines.at(-1)).toMatchObject({ complete: true });
    expect(lines.slice(0, -1).every((l) => l.complete === false)).toBe(true);
    expect(lines.reduce((sum, l) => sum + Number(l.processed) + Number(l.quarantine), 0)).toBe(10);
  });
});
