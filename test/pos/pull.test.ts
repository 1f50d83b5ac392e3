// drainAppeals with a real PosClient against the ПОС emulator: the skipping trap of accepting while
// paging, arrivals and duplicates mid-drain, malformed records, faults and early token expiry.
import { describe, expect, it } from 'vitest';
import { demoPosSettings, usePosEmulator } from '../helpers/pos-emulator.js';
import { RateLimitedError, TransientError } from '../../src/errors.js';
import { PosClient } from '../../src/pos/client.js';
import { drainAppeals } from '../../src/pos/pull.js';
import type { MalformedAppeal } from '../../src/pos/client.js';

const emulator = usePosEmulator();

function newClient(): PosClient {
  return new PosClient({ pos: demoPosSettings(emulator().url) });
}

function sorted(ids: number[]): number[] {
  return [...ids].sort((a, b) => a - b);
}

function duplicatesOf(ids: number[]): number[] {
  return ids.filter((id, index) => ids.indexOf(id) !== index);
}

describe('drain against the emulator', () => {
  for (const forced of [1, 3, 7, 20]) {
    it(`forced page size ${forced}, each appeal accepted the moment it is handed on: all of them, once`, async () => {
      const ids = await emulator().control.generate(45, forced);
      await emulator().control.settings({ forcePageSize: forced });
      const client = newClient();
      const handed: number[] = [];
      const report = await drainAppeals(
        client,
        async (appeal) => {
          handed.push(appeal.id);
          await client.markAccepted(appeal.id);
        },
        { pageSize: 20 },
      );

      expect(duplicatesOf(handed)).toEqual([]);
      expect(sorted(handed)).toEqual(sorted(ids));
      expect(report).toMatchObject({ handedOn: 45, complete: true, malformed: [] });
      const stats = await emulator().control.stats();
      expect(stats.pendingTotal).toBe(0);
      expect(stats.duplicatesAccepted).toBe(0);
      expect(stats.requests.pull).toBe(report.pages);
    });
  }

  it('with the pipeline accepting later and concurrently, nothing is missed or handed twice', async () => {
    const ids = await emulator().control.generate(60, 21);
    await emulator().control.settings({ forcePageSize: 4 });
    const client = newClient();
    const handed: number[] = [];
    const accepts: Promise<void>[] = [];
    const report = await drainAppeals(
      client,
      async (appeal) => {
        handed.push(appeal.id);
        // Registration takes a while; acceptance lands whenever it is done, while paging goes on.
        const delay = (appeal.id * 7) % 25;
        accepts.push(new Promise((resolve) => setTimeout(resolve, delay)).then(() => client.markAccepted(appeal.id)));
      },
      { pageSize: 20 },
    );
    await Promise.all(accepts);
    expect(duplicatesOf(handed)).toEqual([]);
    expect(sorted(handed)).toEqual(sorted(ids));
    expect(report.complete).toBe(true);
    expect((await emulator().control.stats()).pendingTotal).toBe(0);
  });

  it('picks up appeals that arrive mid-drain', async () => {
    const first = await emulator().control.generate(12, 31);
    await emulator().control.settings({ forcePageSize: 5 });
    const client = newClient();
    const handed: number[] = [];
    let later: number[] = [];
    await drainAppeals(
      client,
      async (appeal) => {
        handed.push(appeal.id);
        if (handed.length === 4) later = await emulator().control.generate(6, 32);
      },
      { pageSize: 5 },
    );
    expect(later).toHaveLength(6);
    expect(sorted(handed)).toEqual(sorted([...first, ...later]));
    expect(duplicatesOf(handed)).toEqual([]);
  });

  it('an appeal published late with an older date shifts the list; repeats are not handed on twice', async () => {
    const ids = await emulator().control.generate(9, 41);
    const client = newClient();
    const handed: number[] = [];
    const listedPerPass: number[][] = [];
    const watching = {
      fetchPage: async (page: number, size: number) => {
        const result = await client.fetchPage(page, size);
        if (page === 0) listedPerPass.push([]);
        listedPerPass.at(-1)!.push(...result.appeals.map((a) => a.id));
        return result;
      },
    };
    await drainAppeals(
      watching,
      async (appeal) => {
        handed.push(appeal.id);
        if (handed.length === 2) {
          await emulator().control.seed([{ id: 90_001, description: 'опубликовано с задержкой', createdAt: '2000-01-01T00:00:00Z' }]);
        }
      },
      { pageSize: 3 },
    );
    // Within the first pass the last appeal of page 0 moved to page 1 and was listed again.
    expect(duplicatesOf(listedPerPass[0]!)).toEqual([ids[2]]);
    expect(duplicatesOf(handed)).toEqual([]);
    expect(sorted(handed)).toEqual(sorted([...ids, 90_001]));
  });

  it('reports malformed raw appeals once each while the rest flow', async () => {
    const ids = await emulator().control.generate(7, 51);
    await emulator().control.seedRaw([
      { id: 'abc', description: 'id строкой', createdAt: '2024-01-01T00:00:00Z' },
      { id: 880, createdAt: '2024-01-02T00:00:00Z' },
      { id: 881, description: 'плохая дата', createdAt: 'вчера' },
    ]);
    await emulator().control.settings({ forcePageSize: 2 });
    const client = newClient();
    const handed: number[] = [];
    const reported: MalformedAppeal[] = [];
    const report = await drainAppeals(
      client,
      async (appeal) => {
        handed.push(appeal.id);
        await client.markAccepted(appeal.id);
      },
      { pageSize: 2, onMalformed: (m) => void reported.push(m) },
    );
    expect(sorted(handed)).toEqual(sorted(ids));
    expect(reported.map((m) => m.id).sort()).toEqual([880, 881, 'abc'].sort());
    expect(report.malformed).toHaveLength(3);
    expect(report.complete).toBe(true);
    // The malformed records stay in the list (nobody accepts them); the valid ones are gone.
    expect((await emulator().control.stats()).pendingTotal).toBe(3);
  });

  it('skips appeals already in hand from an earlier drain', async () => {
    const ids = await emulator().control.generate(8, 61);
    const client = newClient();
    const inHand = new Set<number>();
    await drainAppeals(client, async (appeal) => void inHand.add(appeal.id), { pageSize: 3 });
    expect(sorted([...inHand])).toEqual(sorted(ids));
    const again: number[] = [];
    const report = await drainAppeals(client, async (appeal) => void again.push(appeal.id), {
      pageSize: 3,
      isInHand: (id) => inHand.has(id),
    });
    expect(again).toEqual([]);
    expect(report).toMatchObject({ handedOn: 0, inHand: 8, complete: true });
  });

  it('faults on the pull surface as coded errors; the next drain finishes the job without repeats', async () => {
    const ids = await emulator().control.generate(10, 71);
    await emulator().control.settings({ forcePageSize: 3 });
    const client = newClient();
    const handed = new Set<number>();
    const onAppeal = async (appeal: { id: number }) => {
      expect(handed.has(appeal.id)).toBe(false);
      handed.add(appeal.id);
    };
    const options = { pageSize: 3, isInHand: (id: number) => handed.has(id) };

    await emulator().control.addFault({ route: 'pull', kind: 'status', status: 503, times: 1 });
    await emulator().control.addFault({ route: 'pull', kind: 'status', status: 429, retryAfter: 2, times: 1 });
    await emulator().control.addFault({ route: 'pull', kind: 'drop', times: 1 });
    // Faults fire in the order added: the first read of each drain meets the next one.
    await expect(drainAppeals(client, onAppeal, options)).rejects.toBeInstanceOf(TransientError);
    const limited = await drainAppeals(client, onAppeal, options).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).retryAfterMs).toBe(2000);
    await expect(drainAppeals(client, onAppeal, options)).rejects.toBeInstanceOf(TransientError);

    await emulator().control.addFault({ route: 'pull', kind: 'status', status: 502, rate: 0.3, seed: 5, times: 3 });
    let report;
    for (let attempt = 0; attempt < 10 && !report; attempt += 1) {
      report = await drainAppeals(client, onAppeal, options).catch(() => undefined);
    }
    expect(report?.complete).toBe(true);
    expect(sorted([...handed])).toEqual(sorted(ids));
  });

  it('a token expiring mid-drain is renewed without disturbing the drain', async () => {
    const ids = await emulator().control.generate(15, 81);
    await emulator().control.settings({ forcePageSize: 4 });
    const client = newClient();
    const handed: number[] = [];
    const report = await drainAppeals(
      client,
      async (appeal) => {
        handed.push(appeal.id);
        if (handed.length === 5 || handed.length === 11) await emulator().control.expireTokens();
        await client.markAccepted(appeal.id);
      },
      { pageSize: 4 },
    );
    expect(sorted(handed)).toEqual(sorted(ids));
    expect(report.complete).toBe(true);
    const stats = await emulator().control.stats();
    expect(stats.tokensIssued).toBe(3);
    expect(stats.pendingTotal).toBe(0);
  });
});
