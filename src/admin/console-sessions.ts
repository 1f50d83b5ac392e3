// Console sessions (cookie pos_bridge_session), in Redis so every api process shares them. As for
// the queue UI (sessions.ts) the cookie holds a random id and Redis only its SHA-256. Each session
// also holds a CSRF token the console sends back on writes. A set per user lists their session keys,
// so removing the user ends them at once. Idle UI_SESSION_IDLE, absolute UI_SESSION_MAX.
import { randomBytes } from 'node:crypto';
import { SESSION_ID, sessionKey, sessionLifetimes, sessionStoreUnavailable, type UiSessionOptions } from './sessions.js';

/** The Redis commands the store needs (ioredis Redis and Cluster both have them). */
export interface ConsoleSessionRedis {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', ms: number, xx: 'XX'): Promise<unknown>;
  get(key: string): Promise<string | null>;
  del(...keys: string[]): Promise<unknown>;
  sadd(key: string, member: string): Promise<unknown>;
  srem(key: string, member: string): Promise<unknown>;
  smembers(key: string): Promise<string[]>;
  pexpire(key: string, ms: number): Promise<unknown>;
}

export interface ConsoleSession {
  user: string;
  csrfToken: string;
  createdAt: number;
  /** When it ends at the latest (UI_SESSION_MAX after login), epoch ms. */
  expiresAt: number;
  /** For a session opened with ADMIN_TOKEN: a digest of it, so rotating the token ends the session. */
  binding?: string;
}

interface Stored {
  user: string;
  csrf: string;
  created: number;
  seen: number;
  binding?: string;
}

export interface ConsoleSessionStore {
  readonly absoluteMs: number;
  create(user: string, binding?: string): Promise<{ id: string; session: ConsoleSession }>;
  /** The live session (its idle time restarted), or null. */
  touch(id: string): Promise<ConsoleSession | null>;
  revoke(id: string): Promise<void>;
  /** Ends every session of `user`; how many there were. */
  revokeUser(user: string): Promise<number>;
}

async function redisCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw sessionStoreUnavailable('console', error);
  }
}

export class RedisConsoleSessions implements ConsoleSessionStore {
  readonly absoluteMs: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: ConsoleSessionRedis,
    private readonly prefix: string,
    options: Partial<UiSessionOptions> = {},
  ) {
    ({ idleMs: this.idleMs, absoluteMs: this.absoluteMs, now: this.now } = sessionLifetimes(options));
  }

  private key(id: string): string {
    return sessionKey(this.prefix, 'console-session', id);
  }

  private userKey(user: string): string {
    return `${this.prefix}:console-sessions:${user}`;
  }

  private view(stored: Stored): ConsoleSession {
    return {
      user: stored.user,
      csrfToken: stored.csrf,
      createdAt: stored.created,
      expiresAt: stored.created + this.absoluteMs,
      ...(stored.binding ? { binding: stored.binding } : {}),
    };
  }

  async create(user: string, binding?: string): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const stored: Stored = { user, csrf: randomBytes(24).toString('base64url'), created: now, seen: now, ...(binding ? { binding } : {}) };
    const key = this.key(id);
    await redisCall(async () => {
      await this.redis.set(key, JSON.stringify(stored), 'PX', this.idleMs);
      await this.redis.sadd(this.userKey(user), key);
      // The set outlives none of its sessions by much: it is renewed at each login.
      await this.redis.pexpire(this.userKey(user), this.absoluteMs);
    });
    return { id, session: this.view(stored) };
  }

  async touch(id: string): Promise<ConsoleSession | null> {
    if (!SESSION_ID.test(id)) return null;
    const key = this.key(id);
    const text = await redisCall(() => this.redis.get(key));
    const stored = text ? (JSON.parse(text) as Stored) : undefined;
    if (!stored) return null;
    const now = this.now();
    const left = stored.created + this.absoluteMs - now;
    if (left <= 0 || now - stored.seen >= this.idleMs) {
      await this.dropKey(key, stored.user);
      return null;
    }
    stored.seen = now;
    // XX: a logout that deleted the key meanwhile is not undone.
    await redisCall(() => this.redis.set(key, JSON.stringify(stored), 'PX', Math.min(this.idleMs, left), 'XX'));
    return this.view(stored);
  }

  async revoke(id: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    const key = this.key(id);
    const text = await redisCall(() => this.redis.get(key));
    const user = text ? (JSON.parse(text) as Stored).user : undefined;
    await this.dropKey(key, user);
  }

  async revokeUser(user: string): Promise<number> {
    const keys = await redisCall(() => this.redis.smembers(this.userKey(user)));
    await redisCall(() => this.redis.del(...keys, this.userKey(user)));
    return keys.length;
  }

  private async dropKey(key: string, user: string | undefined): Promise<void> {
    await redisCall(async () => {
      await this.redis.del(key);
      if (user !== undefined) await this.redis.srem(this.userKey(user), key);
    });
  }
}
