// A request-rate limit shared by every bridge process: GCRA (the "generic cell rate algorithm")
// in one Redis script, on Redis's own clock. Each outgoing request to a limited system takes a
// slot first and waits for it, so ПОС sees at most the configured rate however many workers run
// and however many requests one job makes — and never answers 429 for the bridge's own bursts.
import type { RedisConnection } from '../redis.js';

/** Returns 0 and books the slot, or the milliseconds to wait before asking again. */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat - tolerance - now
-- Whole milliseconds, at least 1: Redis truncates a Lua number reply, and 0 means "booked".
if wait > 0 then return math.ceil(wait) end
redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 1000)
return 0`;

export interface RequestLimiter {
  /** Resolves when a request may be sent. */
  acquire(): Promise<void>;
}

export class RedisRateLimiter implements RequestLimiter {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  /** `perSecond` requests per second on average; `burst` of them may go back to back. */
  constructor(
    private readonly redis: RedisConnection,
    private readonly key: string,
    perSecond: number,
    burst = 1,
  ) {
    this.intervalMs = 1000 / perSecond;
    this.toleranceMs = this.intervalMs * Math.max(0, burst - 1);
  }

  async acquire(): Promise<void> {
    for (;;) {
      const wait = Number(await this.redis.eval(GCRA, 1, this.key, String(this.intervalMs), String(this.toleranceMs)));
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
    }
  }
}
