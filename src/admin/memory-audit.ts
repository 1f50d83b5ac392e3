// An AuditLog held in memory: for tests and for embedding the admin app without Redis. The
// service uses RedisAuditLog, which every api process shares.
import type { AuditEntry, AuditInput, AuditLog } from './deps.js';

export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  private sequence = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async record(entry: AuditInput): Promise<void> {
    const at = this.now();
    this.sequence += 1;
    this.entries.push({ ...entry, id: `${at}-${this.sequence}`, at: new Date(at).toISOString() });
  }

  async list(options: { limit?: number; before?: string; action?: string } = {}): Promise<AuditEntry[]> {
    const newestFirst = [...this.entries].reverse();
    const start = options.before === undefined ? 0 : newestFirst.findIndex((entry) => entry.id === options.before) + 1;
    return newestFirst
      .slice(start)
      .filter((entry) => options.action === undefined || entry.action === options.action)
      .slice(0, options.limit ?? 100);
  }
}
