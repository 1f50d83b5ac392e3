// The audit log in Redis: one stream `<shared prefix>:audit` that every api process and the CLI
// append to. Entries older than AUDIT_KEEP are trimmed on each append (XADD MINID), so the stream
// never needs a sweeper. Stream ids are milliseconds-based and give the newest-first paging order.
import { BridgeError } from '../errors.js';
import type { AuditEntry, AuditInput, AuditLog } from './deps.js';

export const DEFAULT_AUDIT_KEEP_MS = 365 * 86_400_000;
export const AUDIT_ID = /^\d{1,20}-\d{1,20}$/;
const BATCH = 200;
/** With an action filter, how many entries one list call looks through at most. */
const SCAN_LIMIT = 20_000;

/** The Redis commands the log needs (ioredis Redis and Cluster both have them). */
export interface AuditRedis {
  xadd(key: string, ...args: string[]): Promise<string | null>;
  xrevrange(key: string, end: string, start: string, count: 'COUNT', n: number): Promise<[string, string[]][]>;
}

type Stored = Omit<AuditEntry, 'id'>;

function unavailable(error: unknown): BridgeError {
  return new BridgeError('TRANSIENT', 'the audit log (Redis) does not answer', { system: 'redis', cause: error });
}

export class RedisAuditLog implements AuditLog {
  readonly key: string;
  private readonly keepMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: AuditRedis,
    sharedPrefix: string,
    options: { keepMs?: number; now?: () => number } = {},
  ) {
    this.key = `${sharedPrefix}:audit`;
    this.keepMs = options.keepMs ?? DEFAULT_AUDIT_KEEP_MS;
    this.now = options.now ?? Date.now;
  }

  async record(entry: AuditInput): Promise<void> {
    const at = this.now();
    const stored: Stored = { at: new Date(at).toISOString(), ...entry };
    const trim = ['MINID', String(Math.max(0, at - this.keepMs))];
    const fields = ['entry', JSON.stringify(stored)];
    try {
      // The id carries our clock (the injected one in tests); when another process's clock ran
      // ahead, Redis refuses a smaller id and its own `*` id keeps the order.
      await this.redis.xadd(this.key, ...trim, `${at}-*`, ...fields).catch((error: unknown) => {
        if (!/equal or smaller/i.test((error as Error).message)) throw error;
        return this.redis.xadd(this.key, ...trim, '*', ...fields);
      });
    } catch (error) {
      throw unavailable(error);
    }
  }

  async list(options: { limit?: number; before?: string; action?: string } = {}): Promise<AuditEntry[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000));
    const found: AuditEntry[] = [];
    let end = options.before !== undefined && AUDIT_ID.test(options.before) ? `(${options.before}` : '+';
    for (let scanned = 0; found.length < limit && scanned < SCAN_LIMIT;) {
      const count = options.action === undefined ? limit - found.length : BATCH;
      let batch: [string, string[]][];
      try {
        batch = await this.redis.xrevrange(this.key, end, '-', 'COUNT', count);
      } catch (error) {
        throw unavailable(error);
      }
      for (const [id, fields] of batch) {
        const entry = parseEntry(id, fields);
        if (entry && (options.action === undefined || entry.action === options.action)) found.push(entry);
        if (found.length === limit) break;
      }
      if (batch.length < count) break;
      scanned += batch.length;
      end = `(${batch[batch.length - 1]![0]}`;
    }
    return found;
  }
}

function parseEntry(id: string, fields: string[]): AuditEntry | undefined {
  const at = fields.indexOf('entry');
  const text = at < 0 ? undefined : fields[at + 1];
  if (!text) return undefined;
  try {
    return { id, ...(JSON.parse(text) as Stored) };
  } catch {
    return undefined; // a foreign entry in our stream: skipped, not fatal to the list
  }
}
