// What the benchmarks rely on in the emulators: the ПОС emulator records when a pull page first
// listed each appeal, keeps its pull order while sorting only when appeals arrive, and the
// Directum emulator's term index returns exactly what a scan of every row returns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectumStore } from '../../adapters/directum-rx/emulator/store.js';
import { ENTITY_SETS } from '../../adapters/directum-rx/emulator/model.js';
import { parseQueryOptions, runQuery } from '../../adapters/directum-rx/emulator/query.js';
import { generateAppeals } from '../../fixtures/generator.js';
import { startPosEmulator, type PosEmulator } from '../../src/pos/emulator/index.js';
import { PosClient } from '../../src/pos/client.js';
import { loadConfig } from '../../src/config/load.js';
import { SANDBOX_POS_CREDENTIALS } from '../../src/demo/sandbox.js';

describe('ПОС emulator: first-served times and pull order', () => {
  let pos: PosEmulator;
  let client: PosClient;

  beforeAll(async () => {
    pos = await startPosEmulator();
    const config = loadConfig({
      env: {
        POS_BASE_URL: pos.url,
        ...SANDBOX_POS_CREDENTIALS,
        EDMS: 'directum-rx',
        DIRECTUM_BASE_URL: 'http://127.0.0.1:1/x',
        DIRECTUM_USERNAME: 'u',
        DIRECTUM_PASSWORD: 'p',
      },
      command: 'tool',
      dotenvPath: false,
    });
    client = new PosClient({ pos: config.pos });
  });
  afterAll(async () => {
    await pos.close();
  });

  it('stamps an appeal the first time a page lists it, and never again', async () => {
    await pos.control.reset();
    const now = new Date('2025-03-01T09:00:00Z');
    const ids = await pos.control.generate(5, 11, { now });
    expect((await pos.control.appeal(ids[0]!)).firstServedAt).toBeNull();

    const first = await client.fetchPage(0, 2);
    const listed = first.appeals.map((appeal) => appeal.id);
    const stamps = await Promise.all(listed.map(async (id) => (await pos.control.appeal(id)).firstServedAt));
    expect(stamps.every((stamp) => stamp !== null && !Number.isNaN(Date.parse(stamp)))).toBe(true);
    const unlisted = ids.filter((id) => !listed.includes(id));
    expect((await pos.control.appeal(unlisted[0]!)).firstServedAt).toBeNull();

    await new Promise((resolve) => setTimeout(resolve, 5));
    await client.fetchPage(0, 5);
    expect((await pos.control.appeal(listed[0]!)).firstServedAt).toBe(stamps[0]);
    const summaries = await pos.control.appeals();
    expect(summaries.every((summary) => summary.firstServedAt !== null)).toBe(true);
    await client.markAccepted(listed[0]!);
    const accepted = (await pos.control.appeals()).find((summary) => summary.id === listed[0]);
    expect(accepted?.acceptedAt).not.toBeNull();
  });

  it('lists oldest first, also after older appeals arrive and others are accepted', async () => {
    await pos.control.reset();
    const now = new Date('2025-03-01T09:00:00Z');
    const seeds = generateAppeals(30, { seed: 3, now });
    pos.state.seed(seeds.slice(10));
    const before = (await client.fetchPage(0, 100)).appeals.map((appeal) => appeal.id);
    expect(before).toEqual(seeds.slice(10).map((seed) => seed.id));
    pos.state.seed(seeds.slice(0, 10)); // older ones arrive after a page was read
    await client.markAccepted(seeds[12]!.id);
    const after = (await client.fetchPage(0, 100)).appeals.map((appeal) => appeal.id);
    expect(after).toEqual(seeds.filter((_, index) => index !== 12).map((seed) => seed.id));
  });
});

describe('Directum emulator: the term index returns what a scan returns', () => {
  const store = new DirectumStore();
  const filters = [
    "ExtSystemId eq 'POS' and EntityType eq 'T' and (ExtEntityId eq '7' or ExtEntityId eq '8' or ExtEntityId eq '99')",
    "ExtSystemId eq 'POS' and (EntityId eq 3 or EntityId eq 4)",
    "EntityId eq '3'",
    "ExtEntityId eq '7' or ExtSystemId eq 'OTHER'",
    "not (ExtEntityId eq '7')",
    'Id eq 5',
    "Id eq '05'",
  ];
  const personFilters = [
    "tolower(LastName) eq 'иванов' and tolower(FirstName) eq 'пётр'",
    "LastName eq 'ИВАНОВ'",
    "LastName eq 'Иванов'",
    "tolower(LastName) eq 'ИВАНОВ'",
  ];
  const requestFilters = [
    "contains(Note,'[POS:12]')",
    "contains(Note,'[pos:12]')",
    "contains(Note,'[POS:1')",
    "contains(Note,'[POS:12]') and Subject eq 'b'",
    'Id eq 2',
  ];

  const same = (set: string, filter: string) => {
    const def = ENTITY_SETS[set]!;
    const options = parseQueryOptions(def, new URLSearchParams({ $filter: filter }));
    const indexed = runQuery(store, def, store.rowsFor(set, options.filter), options).value;
    const scanned = runQuery(store, def, store.rows(set), options).value;
    expect(indexed, `${set}: ${filter}`).toEqual(scanned);
    return scanned.length;
  };

  it('for links, persons and marked cards, after creates, patches and removals', () => {
    for (let i = 1; i <= 12; i++) {
      store.create('IExternalEntityLinks', {
        EntityId: i % 5,
        EntityType: 'T',
        ExtEntityId: String(i),
        ExtSystemId: i % 4 ? 'POS' : 'OTHER',
      });
      store.create('IRequests', { Subject: i % 2 ? 'a' : 'b', Note: `[POS:${i}]\nтекст [тег] ${i}` });
    }
    store.createPerson({ LastName: 'Иванов', FirstName: 'Пётр', Email: 'p@example.org' });
    store.createPerson({ LastName: 'иванов', FirstName: 'ПЁТР' });
    store.createPerson({ LastName: 'Петров', FirstName: 'Пётр' });
    const check = () => {
      let matched = 0;
      for (const filter of filters) matched += same('IExternalEntityLinks', filter);
      for (const filter of personFilters) matched += same('IPersons', filter);
      for (const filter of requestFilters) matched += same('IRequests', filter);
      return matched;
    };
    expect(check()).toBeGreaterThan(10);

    const link = store.rows('IExternalEntityLinks').find((row) => row.ExtEntityId === '7')!;
    store.patch('IExternalEntityLinks', link.Id, { ExtEntityId: '99', EntityId: 4 });
    const person = store.rows('IPersons').find((row) => row.LastName === 'Петров')!;
    store.patch('IPersons', person.Id, { LastName: 'Иванов' });
    const card = store.rows('IRequests').find((row) => String(row.Note).startsWith('[POS:12]'))!;
    store.patch('IRequests', card.Id, { Note: 'без метки' });
    store.remove('IExternalEntityLinks', store.rows('IExternalEntityLinks').find((row) => row.ExtEntityId === '8')!.Id);
    check();
    expect(same('IRequests', "contains(Note,'[POS:12]')")).toBe(0);
    expect(same('IPersons', "tolower(LastName) eq 'иванов' and tolower(FirstName) eq 'пётр'")).toBe(3);
  });
});
