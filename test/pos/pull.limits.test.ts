// Hostile list elements against the real PosClient and the ПОС emulator: each element is judged on
// its own (limits, schema, text repair), so one cannot stop its page; reasons name the limit and the
// field, never the value; a page that is not JSON says where it broke, never what it held.
import { describe, expect, it } from 'vitest';
import { demoPosSettings, usePosEmulator } from '../helpers/pos-emulator.js';
import { MalformedResponseError } from '../../src/errors.js';
import { PosClient } from '../../src/pos/client.js';
import { APPEAL_LIMITS, checkAppealLimits } from '../../src/pos/limits.js';
import { drainAppeals } from '../../src/pos/pull.js';
import { parseJson } from '../../src/pos/wire.js';

const emulator = usePosEmulator();

function newClient(): PosClient {
  return new PosClient({ pos: demoPosSettings(emulator().url, 10_000) });
}

const MARK = 'Тестпд1';

function appeal(id: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    description: `Обращение ${id}`,
    createdAt: new Date(Date.UTC(2024, 4, 1, 10, 0, id % 60)).toISOString(),
    applicant: { surname: 'Петрова', name: 'Анна', email: 'anna@example.test' },
    ...extra,
  };
}

/** `{"id":…,"customFieldValues":[{"value":{"a":{"a":…}}}]}` nested `depth` levels: valid JSON. */
function deepAppealJson(id: number, depth: number): string {
  const head = JSON.stringify(appeal(id)).slice(0, -1);
  return `${head},"customFieldValues":[${'{"a":'.repeat(depth)}"${MARK}"${'}'.repeat(depth)}]}`;
}

describe('one list element at a time', () => {
  it('sets aside every element past a limit with the limit and the field named, and hands on the rest', async () => {
    const big = 'я'.repeat(5 * 1024 * 1024);
    await emulator().control.seed([appeal(1) as never, appeal(9) as never]);
    await emulator().control.seedRawJson([deepAppealJson(2, 6000)]);
    await emulator().control.seedRaw([
      appeal(3, { description: `${MARK} ${big}` }),
      appeal(4, {
        customFieldValues: Array.from({ length: APPEAL_LIMITS.maxCustomFields + 1 }, (_, i) => ({ name: `f${i}`, value: MARK })),
      }),
      appeal(5, {
        attachments: Array.from(
          { length: APPEAL_LIMITS.maxAttachments + 1 },
          (_, i) => `${emulator().url}/file-storage-service/filestorage/${i}`,
        ),
      }),
      appeal(6, { applicant: { surname: MARK.repeat(2000) } }),
      appeal(7, { surprise: { list: Array.from({ length: APPEAL_LIMITS.maxEntries + 1 }, () => MARK) } }),
      appeal(8, { locationAddress: { fullAddress: `${MARK} `.repeat(150_000) } }),
    ]);

    const handed: number[] = [];
    const report = await drainAppeals(newClient(), async (a) => void handed.push(a.id), { pageSize: 20 });

    expect(handed.sort((a, b) => a - b)).toEqual([1, 9]);
    const reasons = new Map(report.malformed.map((m) => [m.id, { code: m.code, issues: m.issues.join('; ') }]));
    expect(reasons.get(2)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'customFieldValues: nested deeper than 64 levels' });
    expect(reasons.get(3)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'description: text longer than 100,000 characters' });
    expect(reasons.get(4)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'customFieldValues: more than 200 entries' });
    expect(reasons.get(5)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'attachments: more than 50 URLs' });
    expect(reasons.get(6)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'applicant.surname: text longer than 10,000 characters' });
    expect(reasons.get(7)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'surprise.list: more than 1,000 entries' });
    expect(reasons.get(8)).toEqual({ code: 'APPEAL_TOO_LARGE', issues: 'locationAddress.fullAddress: text longer than 10,000 characters' });
    expect(JSON.stringify(report.malformed)).not.toContain(MARK);
  }, 60_000);

  it('measures the whole appeal as JSON, never recursing (a depth far past the stack is fine)', () => {
    const many = { ...appeal(1), customFieldValues: Array.from({ length: 150 }, () => ({ value: 'ж'.repeat(9000) })) };
    expect(checkAppealLimits(many)?.message).toBe('(appeal): larger than 1,048,576 bytes of JSON');
    const deep = JSON.parse(deepAppealJson(2, 200_000)) as unknown;
    expect(checkAppealLimits(deep)?.message).toBe('customFieldValues: nested deeper than 64 levels');
    expect(checkAppealLimits(appeal(3))).toBeUndefined();
    // A hostile key is never echoed in the path either.
    expect(checkAppealLimits({ ...appeal(4), extra: { [MARK]: 'x'.repeat(20_000) } })?.message).toBe(
      'extra.[key]: text longer than 10,000 characters',
    );
  });

  it('repairs lone surrogates to U+FFFD at intake and says which fields', async () => {
    await emulator().control.seedRaw([
      appeal(11, { applicant: { surname: 'Ив\ud800анов', name: '\udc00' }, customFieldValues: [{ v: 'a\ud83d' }] }),
    ]);
    const lines: string[] = [];
    const { createLogger } = await import('../../src/logging.js');
    const { Writable } = await import('node:stream');
    const logger = createLogger({
      level: 'warn',
      destination: new Writable({
        write: (chunk: Buffer, _e, done) => {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    const client = new PosClient({ pos: (newClient() as unknown as { pos: never }).pos, logger });
    const page = await client.fetchPage(0, 20);
    expect(page.malformed).toEqual([]);
    const [repaired] = page.appeals;
    expect(repaired!.applicant).toMatchObject({ surname: 'Ив\ufffdанов', name: '\ufffd' });
    expect(repaired!.customFieldValues).toEqual([{ v: 'a\ufffd' }]);
    // Well-formed again: encodeURIComponent throws on a lone surrogate.
    expect(encodeURIComponent(repaired!.applicant!.surname!)).toBe('%D0%98%D0%B2%EF%BF%BD%D0%B0%D0%BD%D0%BE%D0%B2');
    expect(lines.join('')).toContain('"fields":["applicant.surname","applicant.name","customFieldValues[0].v"]');
  });
});

describe('a page that is not JSON', () => {
  it('says where it broke, never what it held', () => {
    const body = `{"content":[{"id":1,"applicant":{"surname": ${MARK}, "email": "pd1@example.test"}}]}`;
    let error: unknown;
    try {
      parseJson(body, 'pull page 0');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MalformedResponseError);
    const message = (error as Error).message;
    expect(message).toBe(
      `pull page 0: body is not JSON (unexpected character near position ${body.indexOf(MARK)}, ${body.length} characters)`,
    );
    expect(message).not.toContain(MARK);
    expect(String((error as Error).cause ?? '')).not.toContain(MARK);
  });

  it('a raw element that is not JSON fails its page with a MalformedResponseError that holds no data', async () => {
    await emulator().control.seedRawJson([`{"id": 5, "createdAt": "2024-05-01T10:00:00Z", "applicant": {"surname": ${MARK}}}`]);
    const error = await newClient()
      .fetchPage(0, 20)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect((error as Error).message).toMatch(/^pull page 0: body is not JSON \(unexpected character near position \d+, \d+ characters\)$/);
  });
});
