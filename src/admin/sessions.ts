// Browser sessions of the queue UI, kept in Redis so that every `api` process shares them and a
// logout ends a session everywhere. The cookie holds a random id (32 bytes); Redis holds only its
// SHA-256, so a copy of Redis opens no browser session. A session ends after UI_SESSION_IDLE
// without a request, after UI_SESSION_MAX in any case, or at logout.
import { createHash, randomBytes } from 'node:crypto';
import { BridgeError } from '../errors.js';

/** The Redis commands the store needs (ioredis Redis and Cluster both have them). */
export interface SessionRedis {
  set(key: string, value: string, px: 'PX', ms: number): Promise<unknown>;
  get(key: string): Promise<string | null>;
  pexpire(key: string, ms: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export interface UiSessionOptions {
  idleMs: number;
  absoluteMs: number;
  now?: () => number;
}

export const DEFAULT_UI_SESSION_IDLE_MS = 30 * 60_000;
export const DEFAULT_UI_SESSION_MAX_MS = 8 * 60 * 60_000;

/** What the UI needs from a session store: the admin app gets one injected (AdminDeps.uiSessions). */
export interface UiSessionStore {
  /** Upper bound of a session's life: the cookie's Max-Age. */
  readonly absoluteMs: number;
  /**
   * A new session; returns the id to put in the cookie. `binding` (a digest of the credential that
   * opened it) must be presented again by touch: rotating ADMIN_TOKEN ends every session.
   */
  create(binding: string): Promise<string>;
  /** True while the session lives and was opened with `binding`; each use restarts its idle time. */
  touch(id: string, binding: string): Promise<boolean>;
  revoke(id: string): Promise<void>;
}

/** A session id as the stores make them: 32 random bytes, base64url. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Both session stores' lifetimes: idle, absolute (never shorter than idle), and their clock. */
export function sessionLifetimes(options: Partial<UiSessionOptions>): UiSessionOptions & { now: () => number } {
  const idleMs = options.idleMs ?? DEFAULT_UI_SESSION_IDLE_MS;
  return { idleMs, absoluteMs: Math.max(idleMs, options.absoluteMs ?? DEFAULT_UI_SESSION_MAX_MS), now: options.now ?? Date.now };
}

/** The Redis key of a session: its id's SHA-256, so a copy of Redis opens no browser session. */
export function sessionKey(prefix: string, kind: 'ui-session' | 'console-session', id: string): string {
  return `${prefix}:${kind}:${createHash('sha256').update(id).digest('hex')}`;
}

export function sessionStoreUnavailable(store: string, error: unknown): BridgeError {
  return new BridgeError('TRANSIENT', `the ${store} session store (Redis) does not answer`, { system: 'redis', cause: error });
}

const unavailable = (error: unknown) => sessionStoreUnavailable('UI', error);

export class RedisUiSessions implements UiSessionStore {
  readonly absoluteMs: number;
  private readonly idleMs: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: SessionRedis,
    private readonly prefix: string,
    options: Partial<UiSessionOptions> = {},
  ) {
    ({ idleMs: this.idleMs, absoluteMs: this.absoluteMs, now: this.now } = sessionLifetimes(options));
  }

  private key(id: string): string {
    return sessionKey(this.prefix, 'ui-session', id);
  }

  async create(binding: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    try {
      await this.redis.set(this.key(id), `${this.now()} ${binding}`, 'PX', this.idleMs);
    } catch (error) {
      throw unavailable(error);
    }
    return id;
  }

  async touch(id: string, binding: string): Promise<boolean> {
    if (!SESSION_ID.test(id)) return false;
    const key = this.key(id);
    try {
      const [createdText, boundTo] = (await this.redis.get(key))?.split(' ') ?? [];
      const created = Number(createdText);
      if (!created) return false;
      const left = created + this.absoluteMs - this.now();
      if (left <= 0 || boundTo !== binding) {
        await this.redis.del(key);
        return false;
      }
      // A concurrent logout may delete the key first: PEXPIRE on a missing key does nothing.
      await this.redis.pexpire(key, Math.min(this.idleMs, left));
      return true;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async revoke(id: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    try {
      await this.redis.del(this.key(id));
    } catch (error) {
      throw unavailable(error);
    }
  }
}
