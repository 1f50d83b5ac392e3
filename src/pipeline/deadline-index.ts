// Appeals by the deadline promised to the citizen (ПОС answerAt, moved by a postponement the bridge
// pushed), so the deadline list and its gauges read a range instead of every appeal:
//   <p>:deadlines   sorted set  posId scored by the deadline (epoch ms)
// The store adds a member at registration, moves it at a pushed postponement and removes it at the
// final answer or when the appeal is set aside (store.ts writes it in the same MULTI as the state).
import type { RedisConnection } from '../redis.js';

export interface DueAppeal {
  posId: number;
  deadlineMs: number;
}

/** The score of an ISO deadline; undefined for a date that cannot be parsed (left out of the index). */
export function deadlineScore(deadline: string | null | undefined): number | undefined {
  if (!deadline) return undefined;
  const ms = Date.parse(deadline);
  return Number.isNaN(ms) ? undefined : ms;
}

export class DeadlineIndex {
  readonly key: string;

  constructor(
    private readonly redis: RedisConnection,
    prefix: string,
  ) {
    this.key = `${prefix}:deadlines`;
  }

  /** Appeals due by `untilMs`, the overdue ones included, earliest first. */
  async dueBy(untilMs: number): Promise<DueAppeal[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', untilMs, 'WITHSCORES');
    const due: DueAppeal[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) due.push({ posId: Number(flat[i]), deadlineMs: Number(flat[i + 1]) });
    return due;
  }

  /** How many are due by `untilMs` (overdue included); ZCOUNT, for the gauges. */
  async countDueBy(untilMs: number): Promise<number> {
    return this.redis.zcount(this.key, '-inf', untilMs);
  }

  /** The deadline the index holds for an appeal (ms), or null when it is not indexed. */
  async of(posId: number): Promise<number | null> {
    const score = await this.redis.zscore(this.key, String(posId));
    return score === null ? null : Number(score);
  }
}
