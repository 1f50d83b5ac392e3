// Fault injection and rate limiting for the ПОС routes. Faults are picked per request before the
// route runs; what a fault does (status, delay, dropped socket, corrupted body) is up to the server.
import { z } from 'zod';
import { mulberry32, type Random } from '../../../fixtures/prng.js';
import { POS_ROUTES, type ActiveFault, type FaultSpec, type PosRoute, type RateLimit } from './types.js';

const routeSchema = z.enum([...POS_ROUTES, '*']);
const selection = {
  route: routeSchema,
  times: z.number().int().positive().optional(),
  rate: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
};

/** Control-API validation of a fault, so a typo is refused instead of silently never firing. */
export const faultSpecSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('status'),
      status: z.number().int().min(400).max(599),
      retryAfter: z.number().min(0).optional(),
      ...selection,
    })
    .strict(),
  z.object({ kind: z.literal('slow'), delayMs: z.number().int().min(0).max(600_000), ...selection }).strict(),
  z.object({ kind: z.literal('drop'), ...selection }).strict(),
  z.object({ kind: z.literal('drop-after'), ...selection }).strict(),
  z.object({ kind: z.literal('malformed'), ...selection }).strict(),
]);

export const rateLimitSchema = z.object({ perSecond: z.number().positive(), burst: z.number().positive().optional() }).strict();

interface Rule extends ActiveFault {
  random: Random;
}

export class FaultInjector {
  private rules: Rule[] = [];
  private nextId = 1;

  /** Without `times` or `rate` a fault fires on every matching call until cleared. */
  add(spec: FaultSpec): ActiveFault {
    const rule: Rule = {
      id: this.nextId++,
      spec,
      remaining: spec.times ?? null,
      fired: 0,
      random: spec.seed === undefined ? Math.random : mulberry32(spec.seed),
    };
    this.rules.push(rule);
    return this.describe(rule);
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((rule) => this.describe(rule));
  }

  /** The fault for this call, if any: the first rule for the route (or `*`) that fires. */
  take(route: PosRoute): FaultSpec | undefined {
    for (const rule of this.rules) {
      if (rule.spec.route !== route && rule.spec.route !== '*') continue;
      if (rule.spec.rate !== undefined && !(rule.random() < rule.spec.rate)) continue;
      rule.fired += 1;
      if (rule.remaining !== null) {
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      }
      return rule.spec;
    }
    return undefined;
  }

  private describe(rule: Rule): ActiveFault {
    return { id: rule.id, spec: rule.spec, remaining: rule.remaining, fired: rule.fired };
  }
}

/** Token bucket over all ПОС routes together: `perSecond` sustained, `burst` at once. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    now = Date.now(),
  ) {
    this.tokens = this.capacity;
    this.last = now;
  }

  private get capacity(): number {
    return this.limit.burst ?? this.limit.perSecond;
  }

  /** Takes one token; when none is left, returns the whole seconds to wait (Retry-After). */
  take(now = Date.now()): { allowed: true } | { allowed: false; retryAfterSeconds: number } {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.limit.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.limit.perSecond)) };
  }
}
