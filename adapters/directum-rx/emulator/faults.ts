// Fault injection for the OData routes, by route class and optionally entity set, firing for the
// next `count` matching requests or at a `rate` (0..1) until cleared. `drop-after` and `malformed`
// act after the request has been carried out (the write is committed; the answer is lost or
// garbled); the others act before it. `400` refuses a write the way OData servers do, quoting the
// values of the request body back in the error message (what the bridge must never store or log).
import { z } from 'zod';

export const faultRoutes = ['create', 'read', 'patch', 'version', 'body', '*'] as const;
export const faultKinds = ['5xx', '429', 'slow', 'drop', 'drop-after', 'malformed', '401', '400'] as const;
export type FaultRoute = (typeof faultRoutes)[number];

export const faultRuleSchema = z
  .object({
    route: z.enum(faultRoutes),
    kind: z.enum(faultKinds),
    /** Only requests to this entity set (e.g. IExternalEntityLinks). */
    set: z.string().min(1).optional(),
    /** Fire for the next N matching requests, then retire. */
    count: z.number().int().positive().optional(),
    /** Fire at this probability on every matching request (when no count is given). */
    rate: z.number().min(0).max(1).optional(),
    /** 5xx: which status (default 503). */
    status: z.number().int().min(500).max(599).optional(),
    /** 429: Retry-After seconds (default 1). */
    retryAfterSeconds: z.number().int().min(0).optional(),
    /** slow: delay before answering (default 3000 ms). */
    delayMs: z.number().int().min(0).optional(),
  })
  .strict();

export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule extends FaultRule {
  id: string;
  fired: number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;

  add(rule: FaultRule): string {
    const parsed = faultRuleSchema.parse(rule);
    const id = `fault-${this.nextId++}`;
    this.rules.push({ ...parsed, id, fired: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): (FaultRule & { id: string; fired: number })[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** The rule that fires for this request, if any (counting it). */
  take(route: Exclude<FaultRoute, '*'>, set: string | undefined, random: () => number = Math.random): ActiveRule | undefined {
    for (const rule of this.rules) {
      if (rule.route !== '*' && rule.route !== route) continue;
      if (rule.set !== undefined && rule.set !== set) continue;
      if (rule.count !== undefined) {
        rule.fired += 1;
        if (rule.fired >= rule.count) this.rules = this.rules.filter((other) => other !== rule);
        return rule;
      }
      if (rule.rate !== undefined && random() >= rule.rate) continue;
      rule.fired += 1;
      return rule;
    }
    return undefined;
  }
}
