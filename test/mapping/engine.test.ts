import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { deloRecordSchema } from '../../adapters/delo/record.js';
import { directumRecordSchema } from '../../adapters/directum-rx/record.js';
import { generateAppeals, loadEdgeCaseAppeals, toPosAppeal } from '../../fixtures/index.js';
import { BridgeError } from '../../src/errors.js';
import { compileMapping } from '../../src/mapping/compile.js';
import type { MappingEngine } from '../../src/mapping/engine.js';
import { EvaluationPool } from '../../src/mapping/evaluation-pool.js';
import { appealSchema, type PosAppeal } from '../../src/pos/schemas.js';
import { controlDate, plainCalendar } from '../../src/mapping/working-days.js';

const NOW = new Date('2025-03-01T09:00:00Z');

function load(name: 'directum-rx' | 'delo'): MappingEngine {
  const { mapping, problems } = compileMapping(readFileSync(`mappings/${name}.yaml`, 'utf8'), `mappings/${name}.yaml`);
  expect(problems).toEqual([]);
  return mapping as MappingEngine;
}

function compile(source: string, file = 'directum-rx.yaml'): MappingEngine {
  const { mapping, problems } = compileMapping(source, file);
  expect(problems).toEqual([]);
  return mapping as MappingEngine;
}

/** Every fixture appeal: the edge cases and a realistic generated batch. */
export function fixtureAppeals(count = 300): PosAppeal[] {
  const generated = generateAppeals(count, { seed: 7, now: NOW }).map((seed) =>
    toPosAppeal(seed, (file, index) => `https://pos.example/file-storage-service/filestorage/${seed.id}-${index}?${file.name.length}`),
  );
  return [...loadEdgeCaseAppeals(), ...generated].map((raw) => appealSchema.parse(raw));
}

const appeals = fixtureAppeals();
const byId = (id: number) => appeals.find((appeal) => appeal.id === id) as PosAppeal;
const directum = load('directum-rx');
const delo = load('delo');

/** A minimal Directum mapping with one field replaced or added. */
function directumWith(fields: Record<string, string>): string {
  const source = readFileSync('mappings/directum-rx.yaml', 'utf8');
  const [head, rest] = source.split('\nfields:\n') as [string, string];
  const statuses = rest.slice(rest.indexOf('\nstatuses:\n'));
  const base: Record<string, string> = {
    Subject: '$truncate($coalesce($clean(description), "Обращение"), 250)',
    FullText: 'description',
    RequestDate: 'createdAt',
    Questions: '[{"Code": $dict("questionBySubject", subjectId)}]',
    ...fields,
  };
  const lines = Object.entries(base).map(([name, expression]) => `  ${name}: ${JSON.stringify(expression)}`);
  return `${head}\nfields:\n${lines.join('\n')}\n${statuses}`;
}

describe('shipped mappings', () => {
  it('map every fixture appeal to a record valid for the adapter', async () => {
    expect(appeals.length).toBeGreaterThan(300);
    for (const appeal of appeals) {
      const d = await directum.map(appeal, NOW);
      expect(directumRecordSchema.safeParse(d.record).success, `directum ${appeal.id}`).toBe(true);
      const l = await delo.map(appeal, NOW);
      expect(deloRecordSchema.safeParse(l.record).success, `delo ${appeal.id}`).toBe(true);
    }
  });

  it('fill the record as the admin guide says', async () => {
    const anonymous = await directum.map(byId(900005), NOW);
    expect(anonymous.record).toMatchObject({
      RequestType: 'Anonymous',
      Department: 'Управление дорожного хозяйства',
      Questions: [{ Code: '0003.0009.0099.0701' }],
    });
    expect(anonymous.record).not.toHaveProperty('Correspondent');
    expect((await delo.map(byId(900005), NOW)).record).not.toHaveProperty('Author');

    const collective = (await directum.map(byId(900006), NOW)).record as {
      RequestType: string;
      CoApplicants: unknown[];
      Correspondent: { LastName: string };
    };
    expect(collective.RequestType).toBe('Collective');
    expect(collective.CoApplicants).toHaveLength(40);
    expect(collective.Correspondent.LastName).toBe('Белова');
    const coAuthors = ((await delo.map(byId(900006), NOW)).record as { CoAuthors: { Address?: { ZipCode?: string } }[] }).CoAuthors;
    expect(coAuthors).toHaveLength(40);
    expect(coAuthors[0]?.Address?.ZipCode).toBe('141008');

    const plain = (await directum.map(byId(900007), NOW)).record as Record<string, unknown>;
    expect(plain).toMatchObject({
      RequestDate: '2025-02-10T09:15:00.000+03:00',
      InitialDeadline: '2025-03-12T09:15:00.000+03:00',
      Deadline: '2025-03-07', // Wed 12th minus 3 working days: 11, 10, (weekend), 7
      DeliveryMethod: 'Портал Госуслуг (ПОС)',
      ProblemAddress: 'г. Москва, ул. Профсоюзная, д. 12',
      FastTrack: false,
    });
    expect(plain.FullText).toBe(
      'Категория: Дороги / Ямы и выбоины на дорогах / Яма на проезжей части\n\nПрилагаю фотографии ямы и акт осмотра.\n\nАдрес проблемы: г. Москва, ул. Профсоюзная, д. 12',
    );
    const card = (await delo.map(byId(900007), NOW)).record as Record<string, unknown>;
    expect(card).toMatchObject({
      Consists: 'Обращение из ПОС, файлов: 5',
      Deadline: '2025-03-07',
      Rubrics: [{ Code: '0003.0009.0099.0700' }],
    });
    expect(card.Annotation).toBe(plain.FullText);
  });

  it('keep the complete text of a 60 000-character appeal and cut only the subject, with a warning', async () => {
    const long = byId(900002);
    const d = await directum.map(long, NOW);
    const record = d.record as { Subject: string; FullText: string };
    expect(record.Subject).toHaveLength(250);
    expect(record.Subject.endsWith('…')).toBe(true);
    expect(record.FullText).toContain(long.description);
    expect(d.warnings).toEqual([`Subject: text cut to 250 characters (was ${long.description.length})`]);
    expect(((await delo.map(long, NOW)).record as { Annotation: string }).Annotation).toContain(long.description);
  });

  it('flag every dictionary default as a warning, never silently', async () => {
    const unknown = { ...byId(900007), subjectId: 999, subsubjectId: 99901, factId: null };
    const d = await directum.map(unknown, NOW);
    expect(d.record).toMatchObject({ Department: 'Общий отдел', Questions: [{ Code: '0001.0001.0001.0000' }] });
    expect(d.warnings.sort()).toEqual([
      'Department: dictionary "departmentBySubject" has no entry for key 999; default used',
      'Questions: dictionary "questionBySubject" has no entry for key 999; default used',
    ]);
    const l = await delo.map(unknown, NOW);
    expect(l.warnings.sort()).toEqual([
      'Addressee: dictionary "addresseeBySubject" has no entry for key 999; default used',
      'Rubrics: dictionary "rubricBySubject" has no entry for key 999; default used',
    ]);
    // A known key says nothing.
    expect((await directum.map(byId(900007), NOW)).warnings).toEqual([]);
  });
});

describe('control dates', () => {
  it('count working days back, skipping weekends, holidays, and honouring working Saturdays', () => {
    expect(controlDate('2025-03-17T10:00:00+03:00', 3, plainCalendar)).toBe('2025-03-12'); // Mon → Wed
    expect(controlDate('2025-03-16', 0, plainCalendar)).toBe('2025-03-14'); // Sunday → Friday
    expect(controlDate('2025-03-16', 1, plainCalendar)).toBe('2025-03-13');
    const calendar = { holidays: new Set(['2025-03-14']), workingWeekends: new Set(['2025-03-08']) };
    expect(controlDate('2025-03-17', 2, calendar)).toBe('2025-03-12'); // 14th is a holiday
    expect(controlDate('2025-03-11', 3, calendar)).toBe('2025-03-07'); // 10, 8 (working Saturday), 7
    expect(controlDate('2025-03-10', 1, calendar)).toBe('2025-03-08'); // working Saturday counts
    // The calendar date as written (Moscow), not the UTC one.
    expect(controlDate('2025-03-17T01:00:00+03:00', 0, plainCalendar)).toBe('2025-03-17');
  });

  it('use the file’s controlDays and holidays through $controlDate', async () => {
    const mapping = compile(directumWith({ Deadline: '$controlDate(answerAt)', InitialDeadline: '$controlDate(answerAt, 0)' }));
    const appeal = { ...byId(900007), answerAt: '2025-05-12T09:00:00+03:00' }; // Monday after 9 May (holiday)
    const record = (await mapping.map(appeal, NOW)).record as { Deadline: string; InitialDeadline: string };
    expect(record.InitialDeadline).toBe('2025-05-12');
    expect(record.Deadline).toBe('2025-05-06'); // 8, 7, 6 May: the 9th is a holiday, 10–11 a weekend
  });
});

describe('failures', () => {
  it('name the field and the reason, never the value, and hit only the appeal that fails', async () => {
    const mapping = compile(directumWith({ Note: 'id = 900007 ? $string(-applicant.surname) : "ok"' }));
    await expect(mapping.map(byId(900001), NOW)).resolves.toMatchObject({ record: { Note: 'ok' } });
    const failure = await mapping.map(byId(900007), NOW).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BridgeError);
    const error = failure as BridgeError;
    expect(error.code).toBe('MAPPING_FAILED');
    expect(error.posId).toBe(900007);
    expect(error.message).toContain('field Note');
    expect(error.message).toContain('D1002');
    expect(error.message).not.toContain('Кузнецова');
    expect(JSON.stringify(error.toJSON())).not.toContain('Кузнецова');

    const compareMapping = compile(directumWith({ Note: 'applicant.surname < 5 ? "a" : "b"' }));
    const compared = (await compareMapping.map(byId(900007), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(compared.message).toMatch(/field Note: JSONata T2009/);
    expect(compared.message).not.toContain('Кузнецова');
  });

  it('reject a record the adapter would refuse with RECORD_INVALID, naming the field only', async () => {
    const mapping = compile(directumWith({ Subject: 'description & " " & applicant.surname' }));
    const error = (await mapping.map(byId(900002), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(error.code).toBe('RECORD_INVALID');
    expect(error.message).toContain('Subject:');
    expect(error.message).not.toContain('Кузнецова');
    expect(error.message).not.toContain('Уважаемые');
  });

  it('report errors of the bridge’s own functions as MAPPING_FAILED', async () => {
    const mapping = compile(directumWith({ Note: '$truncate(applicant.surname, "many")' }));
    const error = (await mapping.map(byId(900007), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(error.code).toBe('MAPPING_FAILED');
    expect(error.message).toBe('mapping "directum-rx" field Note: $truncate: argument 2 must be a whole number from 1 to 1000000');
  });

  it('refuse numeric arguments out of range with MAPPING_FAILED naming the function, at once', async () => {
    const refused: [string, string][] = [
      ['$controlDate(answerAt, 1000000000)', '$controlDate: argument 2 must be a whole number from 0 to 366'],
      ['$controlDate(answerAt, -1)', '$controlDate: argument 2 must be a whole number from 0 to 366'],
      ['$addDays(createdAt, 3661)', '$addDays: argument 2 must be a whole number from -3660 to 3660'],
      ['$addDays(createdAt, -100000000)', '$addDays: argument 2 must be a whole number from -3660 to 3660'],
      ['$truncate(description, 0)', '$truncate: argument 2 must be a whole number from 1 to 1000000'],
      ['$truncate(description, 1000001)', '$truncate: argument 2 must be a whole number from 1 to 1000000'],
      ['$pad(description, 1000000000)', '$pad: argument 2 must be from -1000000 to 1000000'],
      ['$pad(description, -1000001, "#")', '$pad: argument 2 must be from -1000000 to 1000000'],
    ];
    for (const [expression, message] of refused) {
      const error = (await compile(directumWith({ Note: expression }))
        .map(byId(900007), NOW)
        .catch((e: unknown) => e)) as BridgeError;
      expect(error.code, expression).toBe('MAPPING_FAILED');
      expect(error.message).toBe(`mapping "directum-rx" field Note: ${message}`);
    }
    const edges = compile(
      directumWith({
        Deadline: '$controlDate(answerAt, 366)',
        InitialDeadline: '$addDays(createdAt, -3660)',
        FullText: '$truncate($pad(description, -1000000, "#"), 1000000)',
      }),
    );
    const record = (await edges.map(byId(900007), NOW)).record as { Deadline: string; InitialDeadline: string; FullText: string };
    expect(record.Deadline).toMatch(/^2023-/);
    expect(record.InitialDeadline).toMatch(/^2015-02-/);
    expect(record.FullText).toHaveLength(1_000_000);
  });
});

describe('fast path', () => {
  it('runs every shipped field without JSONata', () => {
    expect(directum.fallbackReasons).toEqual({});
    expect(delo.fallbackReasons).toEqual({});
    expect(directum.fastFields).toEqual(directum.fieldNames);
    expect(delo.fastFields).toEqual(delo.fieldNames);
  });

  it('gives what JSONata gives for every shipped expression on every fixture', async () => {
    const variants = appeals.flatMap((appeal) => [appeal, { ...appeal, subjectId: 999, factId: 5 }]);
    for (const mapping of [directum, delo]) {
      for (const field of mapping.fieldNames) {
        for (const appeal of variants) {
          const fast = await mapping.evaluateField(field, appeal, NOW, 'fast');
          const slow = await mapping.evaluateField(field, appeal, NOW, 'jsonata');
          expect(JSON.stringify(fast.value), `${mapping.name}.${field} on ${appeal.id}`).toBe(JSON.stringify(slow.value));
          expect(fast.warnings.sort(), `${mapping.name}.${field} warnings on ${appeal.id}`).toEqual(slow.warnings.sort());
        }
      }
    }
  });
});

describe('runaway expressions', () => {
  const pool = new EvaluationPool();
  afterAll(() => pool.close());
  const bounded = (fields: Record<string, string>, timeoutMs: number) => {
    const { mapping, problems } = compileMapping(directumWith(fields), 'directum-rx.yaml', { evaluationTimeoutMs: timeoutMs, pool });
    expect(problems).toEqual([]);
    return mapping as MappingEngine;
  };
  // A catastrophic regular expression on the citizen's text: ~2^40 steps, hours; only the deadline ends it.
  const catastrophic = { ...byId(900007), description: `${'a'.repeat(40)}!` };

  it('stop a catastrophic regular expression on citizen text at the deadline with MAPPING_TIMEOUT, naming the field only', async () => {
    const mapping = bounded({ Note: '$contains(description, /^(a+)+$/) ? "a" : "b"' }, 300);
    expect(mapping.fallbackReasons.Note).toBeTruthy();
    await mapping.map(byId(900007), NOW); // the thread is started and holds this version
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const started = performance.now();
    const error = (await mapping.map(catastrophic, NOW).catch((e: unknown) => e)) as BridgeError;
    const took = performance.now() - started;
    clearInterval(timer);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error.code).toBe('MAPPING_TIMEOUT');
    expect(error.retryable).toBe(false);
    expect(error.posId).toBe(900007);
    expect(error.message).toBe('mapping "directum-rx" field Note: stopped after 300 ms (MAPPING_TIMEOUT)');
    expect(error.message).not.toContain('aaaa');
    expect(took).toBeGreaterThanOrEqual(290);
    // This thread's event loop ran while the expression did: lock renewals and other jobs' timers keep firing.
    expect(ticks).toBeGreaterThan(0);
    // A fresh thread takes the stopped one's place for the next appeal.
    expect(((await mapping.map(byId(900001), NOW)).record as { Note: string }).Note).toBe('b');
  });

  it('stop endless recursion and loops too, whichever field runs away', async () => {
    // Neither ends by itself: an answer at all means it was stopped. Each runs away on 900007 only: a
    // first appeal has the thread hold the version, so the deadline is not spent compiling it.
    const runsAway = (expression: string) => `id = 900007 ? ${expression} : "x"`;
    const mapping = bounded({ Note: runsAway('( $f := function($x) { $f($x + 1) }; $f(1) )') }, 200);
    expect(mapping.fallbackReasons.Note).toBeTruthy(); // evaluated in the thread, on both appeals
    await mapping.map(byId(900001), NOW);
    const error = (await mapping.map(byId(900007), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(error.code).toMatch(/^MAPPING_(TIMEOUT|FAILED)$/); // the stack may overflow first
    expect(error.message).toMatch(/^mapping "directum-rx" field Note: /);

    const loop = bounded({ FullText: runsAway('$reduce([1..10000000], function($a, $b) { $a + $b })') }, 200);
    expect(loop.fallbackReasons.FullText).toBeTruthy();
    await loop.map(byId(900001), NOW);
    const stopped = (await loop.map(byId(900007), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(stopped.code).toBe('MAPPING_TIMEOUT');
    expect(stopped.message).toContain('field FullText:');
  });

  it('keep the shipped mappings on the fast path in this thread: no evaluation thread is started for them', async () => {
    const own = new EvaluationPool();
    try {
      for (const name of ['directum-rx', 'delo'] as const) {
        const { mapping } = compileMapping(readFileSync(`mappings/${name}.yaml`, 'utf8'), `${name}.yaml`, { pool: own });
        for (const appeal of appeals) await mapping?.map(appeal, NOW);
      }
      expect(own.threadCount).toBe(0);
    } finally {
      await own.close();
    }
  });

  it('give the thread what the fast path gives up on, with the same record and warnings', async () => {
    // The fast path gives up on negating text; JSONata then fails, naming the field only.
    const mapping = bounded({ Note: 'id = 900007 ? $string(-applicant.surname) : $truncate(applicant.surname, 3)' }, 2_000);
    expect(mapping.fallbackReasons).toEqual({});
    const failure = (await mapping.map(byId(900007), NOW).catch((e: unknown) => e)) as BridgeError;
    expect(failure.code).toBe('MAPPING_FAILED');
    expect(failure.message).toMatch(/^mapping "directum-rx" field Note: JSONata D1002/);
    // A text so long that the work budget runs out: the same result, computed in a thread.
    const long = { ...byId(900007), description: 'Очень длинное обращение. '.repeat(60_000) };
    const own = new EvaluationPool();
    try {
      const { mapping: shipped } = compileMapping(readFileSync('mappings/directum-rx.yaml', 'utf8'), 'directum-rx.yaml', { pool: own });
      const here = await (shipped as MappingEngine).evaluateHere(long, NOW);
      const there = await (shipped as MappingEngine).map(long, NOW);
      expect(own.threadCount).toBe(1);
      expect(there).toEqual(here);
      expect(there.warnings).toEqual([`Subject: text cut to 250 characters (was ${long.description.length - 1})`]);
    } finally {
      await own.close();
    }
  });
});
