// Volume: 500 generated appeals through the «Дело» adapter and emulator, with duplicate and
// half-written Reports injected and the reader restarted half-way (one Report left claimed by the
// "crashed" first reader). Every package must be well-formed and registered, and every Report
// applied exactly once — counted as state transitions in the change log.
import { readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeloAdapter } from '../../../adapters/delo/adapter.js';
import { startDeloEmulator, type RunningDeloEmulator } from '../../../adapters/delo/emulator/index.js';
import { claimNameFor } from '../../../adapters/delo/folder/claims.js';
import { checkDocInfo } from '../../../adapters/delo/sev/schema.js';
import { generateAppeals } from '../../../fixtures/generator.js';
import { deloDirs, recordForAppeal, waitFor, type DeloDirs } from './helpers.js';

const COUNT = 500;
const DUPLICATES = 20;
const TRUNCATED = 10;

let dirs: DeloDirs;
let emulator: RunningDeloEmulator;

beforeAll(async () => {
  dirs = await deloDirs('volume');
  emulator = await startDeloEmulator({
    outboxDir: dirs.outboxDir,
    inboxDir: dirs.inboxDir,
    archiveDir: dirs.archiveDir,
    pollMs: 50,
    faults: { duplicateReports: DUPLICATES, truncatedReports: TRUNCATED, truncatedForMs: 150 },
  });
});
afterAll(async () => {
  await emulator?.stop();
  await dirs?.remove();
});

it(`registers ${COUNT} appeals exactly once across a reader restart`, { timeout: 120_000 }, async () => {
  const appeals = generateAppeals(COUNT, { seed: 20250301, now: new Date('2025-03-01T12:00:00Z') });
  const options = { outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, stateDir: dirs.stateDir, claimStaleMs: 500, partialGraceMs: 1_000 };
  const first = new DeloAdapter(options);
  const register = (adapter: DeloAdapter, index: number) => {
    const appeal = appeals[index]!;
    const files = (appeal.attachments ?? []).map((f) => ({ name: f.name, contentType: f.contentType, data: f.data }));
    return adapter.register({ posId: appeal.id, record: recordForAppeal(appeal), files });
  };

  for (let i = 0; i < COUNT / 2; i++) expect((await register(first, i)).created).toBe(true);
  // The first reader "crashes" holding a claim on one waiting Report.
  const waiting = (await readdir(dirs.inboxDir)).find((n) => /^Report-.*\.xml$/.test(n));
  if (waiting) await rename(join(dirs.inboxDir, waiting), join(dirs.inboxDir, claimNameFor(waiting)));
  await first.close();

  const second = new DeloAdapter(options);
  for (let i = COUNT / 2; i < COUNT; i++) expect((await register(second, i)).created).toBe(true);
  for (let i = 0; i < COUNT; i += 50) expect((await register(second, i)).created).toBe(false);

  await waitFor(
    async () => {
      await emulator.pollOnce();
      return second.readProgress(appeals.map((a) => a.id));
    },
    (items) => items.length === COUNT && items.every((p) => p.state === 'registered'),
    60_000,
  );

  // «Дело» holds 500 well-formed packages, each once, each registered under its own number.
  expect(await emulator.countPackages()).toBe(COUNT);
  const cards = emulator.emulator.allCards();
  expect(cards.filter((c) => c.state === 'registered')).toHaveLength(COUNT);
  expect(new Set(cards.map((c) => c.number)).size).toBe(COUNT);
  for (const card of cards.slice(0, 50)) {
    expect((await checkDocInfo(await readFile(join(card.folder, 'DocInfo.xml'), 'utf8'))).ok).toBe(true);
  }

  // Every Report applied once: two facts per appeal, and the change log holds exactly
  // writing + written + reception + registration per appeal.
  for (const appeal of appeals) {
    const state = await second.store.read(appeal.id);
    expect(state!.events.map((e) => e.notification.kind).sort(), `posId ${appeal.id}`).toEqual(['reception', 'registration']);
  }
  const log = (await readFile(join(dirs.stateDir, 'changes.log'), 'utf8')).trim().split('\n');
  expect(log).toHaveLength(COUNT * 4);
  expect(new Set(log.map((line) => line.split(' ')[0])).size).toBe(COUNT * 4);

  // Nothing lost: all Reports (duplicates included) processed, nothing quarantined or left behind.
  expect((await readdir(dirs.processedDir)).filter((n) => n.startsWith('Report-'))).toHaveLength(COUNT * 2 + DUPLICATES);
  expect(await readdir(dirs.quarantineDir)).toEqual([]);
  expect(await readdir(dirs.inboxDir)).toEqual([]);
  expect((await readdir(dirs.outboxDir)).filter((n) => !n.startsWith('.'))).toEqual([]);

  const changed = [];
  let checkpoint: string | null = null;
  for (;;) {
    const batch = await second.listChanged(checkpoint, 120);
    changed.push(...batch.items);
    checkpoint = batch.checkpoint;
    if (batch.done) break;
  }
  expect(changed).toHaveLength(COUNT);
  expect(new Set(changed.map((p) => p.posId)).size).toBe(COUNT);
  await second.close();
});
