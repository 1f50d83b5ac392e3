// drainAppeals against an in-memory model of the ПОС pull list (an offset-paged queue), with the
// list changed between page reads on a script or at random: accepts, arrivals, forced page sizes.
import { describe, expect, it } from 'vitest';
import { MalformedResponseError, TransientError } from '../../src/errors.js';
import type { MalformedAppeal, PulledPage } from '../../src/pos/client.js';
import { drainAppeals } from '../../src/pos/pull.js';
import type { PosAppeal } from '../../src/pos/schemas.js';

type Item = { appeal: PosAppeal } | { broken: MalformedAppeal };

/** The server side: a list read by page × size, which tests mutate between reads. */
class ListModel {
  items: Item[] = [];
  reads = 0;
  lastPassStartRead = 0;
  forcedSize?: number;
  omitTotals = false;
  /** Runs before read number `reads + 1`. */
  beforeRead?: (readNumber: number) => void;

  constructor(ids: number[] = []) {
    for (const id of ids) this.add(id);
  }

  add(id: number, at = this.items.length): void {
    this.items.splice(at, 0, { appeal: { id, description: `d${id}`, createdAt: '2024-01-01T00:00:00Z' } });
  }

  accept(id: number): void {
    this.items = this.items.filter((item) => !('appeal' in item) || item.appeal.id !== id);
  }

  ids(): number[] {
    return this.items.flatMap((item) => ('appeal' in item ? [item.appeal.id] : []));
  }

  async fetchPage(page: number, size: number): Promise<PulledPage> {
    this.beforeRead?.(this.reads + 1);
    this.reads += 1;
    if (page === 0) this.lastPassStartRead = this.reads;
    await Promise.resolve();
    const applied = this.forcedSize ?? size;
    const slice = this.items.slice(page * applied, (page + 1) * applied);
    const totalPages = Math.ceil(this.items.length / applied);
    return {
      appeals: slice.flatMap((item) => ('appeal' in item ? [item.appeal] : [])),
      malformed: slice.flatMap((item) => ('broken' in item ? [item.broken] : [])),
      pageNumber: page,
      pageSize: applied,
      elementCount: slice.length,
      last: page + 1 >= totalPages,
      totalElements: this.omitTotals ? undefined : this.items.length,
      totalPages: this.omitTotals ? undefined : totalPages,
    };
  }
}

function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function recorder() {
  const handed: number[] = [];
  return { handed, onAppeal: async (appeal: PosAppeal) => void handed.push(appeal.id) };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('drainAppeals on a queue model', () => {
  for (const size of [1, 3, 7, 20]) {
    it(`page size ${size}, caller accepts each appeal at once: every appeal handed on exactly once`, async () => {
      const list = new ListModel(range(1, 50));
      const handed: number[] = [];
      const report = await drainAppeals(
        list,
        async (a) => {
          handed.push(a.id);
          list.accept(a.id);
        },
        { pageSize: size },
      );
      expect([...handed].sort((x, y) => x - y)).toEqual(range(1, 50));
      expect(report).toMatchObject({ handedOn: 50, seen: 50, complete: true });
      expect(list.items).toHaveLength(0);
      // Each pass hands on about half of what is left: reads stay near 50/size plus a few passes.
      expect(report.pages).toBeLessThan(Math.ceil(50 / size) * 2 + 12);
    });
  }

  it('nothing accepted during the drain: two passes, everything once', async () => {
    const list = new ListModel(range(1, 45));
    const { handed, onAppeal } = recorder();
    const report = await drainAppeals(list, onAppeal, { pageSize: 20 });
    expect(handed).toEqual(range(1, 45));
    expect(report).toMatchObject({ passes: 2, pages: 6, complete: true, handedOn: 45 });
  });

  it('an empty list costs one read', async () => {
    const list = new ListModel();
    const report = await drainAppeals(list, recorder().onAppeal, { pageSize: 20 });
    expect(report).toMatchObject({ passes: 1, pages: 1, handedOn: 0, complete: true });
  });

  it('does not stop on a pass that found nothing new while concurrent accepts shifted an unseen appeal past it', async () => {
    // Page size 1, list p q r t. Pass 1 reads p, q, r; p is accepted before the 4th read, so t
    // moves to offset 2 and is skipped. Pass 2 reads q (seen); q and r are accepted before the next
    // read, so t moves to offset 0 and page 1 is empty: "nothing new", yet t was never seen.
    const list = new ListModel([1, 2, 3, 4]);
    list.beforeRead = (n) => {
      if (n === 4) list.accept(1);
      if (n === 6) {
        list.accept(2);
        list.accept(3);
      }
    };
    const { handed, onAppeal } = recorder();
    const report = await drainAppeals(list, onAppeal, { pageSize: 1 });
    expect(handed).toEqual([1, 2, 3, 4]);
    expect(report.complete).toBe(true);
  });

  it('picks up appeals that arrive mid-drain', async () => {
    const list = new ListModel(range(1, 10));
    list.beforeRead = (n) => {
      if (n === 2) list.add(100);
      if (n === 5) list.add(101);
    };
    const { handed, onAppeal } = recorder();
    await drainAppeals(list, onAppeal, { pageSize: 3 });
    expect([...handed].sort((x, y) => x - y)).toEqual([...range(1, 10), 100, 101]);
  });

  it('an appeal that shows up twice (arrival before the read position) is handed on once', async () => {
    const list = new ListModel(range(1, 6));
    list.beforeRead = (n) => {
      if (n === 2) list.add(50, 0); // older createdAt published late: everything moves back one place
    };
    const seenOnPages: number[] = [];
    const handed: number[] = [];
    const paging = {
      fetchPage: async (page: number, size: number) => {
        const result = await list.fetchPage(page, size);
        seenOnPages.push(...result.appeals.map((a) => a.id));
        return result;
      },
    };
    await drainAppeals(paging, async (a) => void handed.push(a.id), { pageSize: 2 });
    expect(seenOnPages.filter((id) => id === 2).length).toBeGreaterThan(1);
    expect([...handed].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 50]);
  });

  it('respects a page size the server forces, also when it changes mid-pass', async () => {
    const list = new ListModel(range(1, 30));
    list.forcedSize = 4;
    list.beforeRead = (n) => {
      if (n === 3) list.forcedSize = 7;
    };
    const handed: number[] = [];
    const report = await drainAppeals(
      list,
      async (a) => {
        handed.push(a.id);
        list.accept(a.id);
      },
      { pageSize: 20 },
    );
    expect([...handed].sort((x, y) => x - y)).toEqual(range(1, 30));
    expect(list.items).toHaveLength(0);
    expect(report.complete).toBe(true);
  });

  it('without totalElements a multi-page list needs two quiet passes', async () => {
    const list = new ListModel(range(1, 5));
    list.omitTotals = true;
    const { handed, onAppeal } = recorder();
    const report = await drainAppeals(list, onAppeal, { pageSize: 2 });
    expect(handed).toEqual(range(1, 5));
    expect(report).toMatchObject({ passes: 3, complete: true });
  });

  it('skips appeals the caller already holds, without handing them on', async () => {
    const list = new ListModel(range(1, 6));
    const { handed, onAppeal } = recorder();
    const report = await drainAppeals(list, onAppeal, { pageSize: 4, isInHand: (id) => id % 2 === 0 });
    expect(handed).toEqual([1, 3, 5]);
    expect(report).toMatchObject({ handedOn: 3, inHand: 3, seen: 6, complete: true });
  });

  it('reports each malformed element once per drain while the rest flow', async () => {
    const list = new ListModel(range(1, 4));
    list.items.splice(1, 0, { broken: { id: 'x-9', issues: ['createdAt: Invalid input'] } });
    list.items.push({ broken: { issues: ['id: Invalid input'] } });
    const reported: MalformedAppeal[] = [];
    const { handed, onAppeal } = recorder();
    const report = await drainAppeals(list, onAppeal, { pageSize: 2, onMalformed: (m) => void reported.push(m) });
    expect(handed).toEqual(range(1, 4));
    expect(reported).toEqual([{ id: 'x-9', issues: ['createdAt: Invalid input'] }, { issues: ['id: Invalid input'] }]);
    expect(report.malformed).toEqual(reported);
    expect(report.passes).toBe(2);
  });

  it('hands on one appeal at a time (the callback is awaited)', async () => {
    const list = new ListModel(range(1, 12));
    let inFlight = 0;
    let maxInFlight = 0;
    await drainAppeals(
      list,
      async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
      },
      { pageSize: 5 },
    );
    expect(maxInFlight).toBe(1);
  });

  it('stops at maxPasses under constant inflow and says it is incomplete', async () => {
    const list = new ListModel([1]);
    let next = 2;
    list.beforeRead = () => list.add(next++);
    const report = await drainAppeals(list, recorder().onAppeal, { pageSize: 10, maxPasses: 5 });
    expect(report.passes).toBe(5);
    expect(report.complete).toBe(false);
  });

  it('an abort stops the drain with the signal reason', async () => {
    const list = new ListModel(range(1, 40));
    const controller = new AbortController();
    const { handed } = recorder();
    const run = drainAppeals(
      list,
      async (a) => {
        handed.push(a.id);
        if (handed.length === 3) controller.abort(new Error('shutting down'));
      },
      { pageSize: 2, signal: controller.signal },
    );
    await expect(run).rejects.toThrow('shutting down');
    expect(handed).toHaveLength(3);
    expect(list.reads).toBe(2);
  });

  it('a server that ignores `page` is refused rather than read forever', async () => {
    const list = new ListModel(range(1, 5));
    const stuck = { fetchPage: async (_page: number, size: number) => list.fetchPage(0, size) };
    await expect(drainAppeals(stuck, recorder().onAppeal, { pageSize: 2 })).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('a failed page read ends the drain with that error', async () => {
    const list = new ListModel(range(1, 5));
    list.beforeRead = (n) => {
      if (n === 2) throw new TransientError('pull page 1: HTTP 503', { system: 'pos', status: 503 });
    };
    await expect(drainAppeals(list, recorder().onAppeal, { pageSize: 2 })).rejects.toBeInstanceOf(TransientError);
  });

  it('random accepts and arrivals between reads: nothing present through the last pass is missed, nothing handed twice', async () => {
    for (let seed = 1; seed <= 400; seed += 1) {
      const random = mulberry32(seed);
      const list = new ListModel(range(1, Math.floor(random() * 40)));
      list.omitTotals = false;
      const pageSize = 1 + Math.floor(random() * 7);
      const arrivals = new Map<number, number>(); // id → read number before which it arrived
      const pendingAccepts: { id: number; due: number }[] = [];
      let nextId = 1000;
      const acceptNow = random() < 0.3;
      list.beforeRead = (n) => {
        for (const entry of pendingAccepts.filter((p) => p.due <= n)) list.accept(entry.id);
        pendingAccepts.splice(0, pendingAccepts.length, ...pendingAccepts.filter((p) => p.due > n));
        if (n <= 12 && random() < 0.4) {
          const id = nextId++;
          const at = random() < 0.7 ? list.items.length : Math.floor(random() * (list.items.length + 1));
          list.add(id, at);
          arrivals.set(id, n);
        }
      };
      const handed: number[] = [];
      const report = await drainAppeals(
        list,
        async (a) => {
          handed.push(a.id);
          if (acceptNow) list.accept(a.id);
          else if (random() < 0.8) pendingAccepts.push({ id: a.id, due: list.reads + 1 + Math.floor(random() * 4) });
        },
        { pageSize, maxPasses: 500 },
      );
      const context = `seed ${seed}, page size ${pageSize}`;
      expect(report.complete, context).toBe(true);
      expect(new Set(handed).size, context).toBe(handed.length);
      const missed = list.ids().filter((id) => !handed.includes(id) && (arrivals.get(id) ?? 0) <= list.lastPassStartRead);
      expect(missed, context).toEqual([]);
    }
  });
});
