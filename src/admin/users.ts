// The console's users (ADMIN_USERS_FILE): names, roles and scrypt hashes of their tokens, never a
// token. A token is `<name>.<secret>`; the name picks the entry, so one scrypt runs per check. The
// file is re-read whenever its mtime or size changes, so `pos-bridge users add|remove` reaches
// running api processes without a restart.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { errorCode, writeFileAtomic } from '../atomic-write.js';
import { BridgeError } from '../errors.js';
import { ADMIN_ROLES, ADMIN_TOKEN_PRINCIPAL, type AdminRole, type Principal } from './principal.js';

export const USER_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const USER_NAME_RULE = '1-64 lower-case letters, digits, _ or -, starting with a letter or digit';
const HASH = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const userSchema = z
  .object({
    name: z.string().regex(USER_NAME, `must be ${USER_NAME_RULE}`),
    role: z.enum(ADMIN_ROLES),
    hash: z.string().regex(HASH, 'must be scrypt$N$r$p$salt$key'),
    createdAt: z.string(),
  })
  .strict();
const fileSchema = z.object({ version: z.literal(1), users: z.array(userSchema) }).strict();

export type AdminUser = z.infer<typeof userSchema>;

function scryptKey(secret: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem: N=16384, r=8 needs 16 MiB, exactly node's default limit.
    scrypt(secret, salt, length, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptKey(secret, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function secretMatches(secret: string, hash: string): Promise<boolean> {
  const [, N, r, p, salt, key] = HASH.exec(hash) ?? [];
  if (!key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scryptKey(secret, Buffer.from(salt!, 'base64url'), expected.length, { N: Number(N), r: Number(r), p: Number(p) });
  return timingSafeEqual(expected, actual);
}

/** Splits `<name>.<secret>`; undefined for anything else (ADMIN_TOKEN, garbage). */
export function splitUserToken(token: string): { name: string; secret: string } | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const name = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  return USER_NAME.test(name) && secret.length > 0 ? { name, secret } : undefined;
}

/** Why `name` cannot be a user's, or undefined. */
export function userNameProblem(name: string): string | undefined {
  if (!USER_NAME.test(name)) return `user name ${JSON.stringify(name)}: must be ${USER_NAME_RULE}`;
  if (name === ADMIN_TOKEN_PRINCIPAL) return `user name ${name} is reserved for ADMIN_TOKEN`;
  return undefined;
}

const invalid = (path: string, problem: string) => new BridgeError('CONFIG_INVALID', `ADMIN_USERS_FILE: ${path} ${problem}`);

function parseUsers(path: string, text: string): AdminUser[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : 'the file';
    throw invalid(path, `is not a users file: ${where} ${issue.message}`);
  }
  const seen = new Set<string>();
  for (const user of parsed.data.users) {
    if (seen.has(user.name)) throw invalid(path, `lists user ${user.name} twice`);
    seen.add(user.name);
  }
  return parsed.data.users;
}

/** What the admin app needs of the users: the API authenticates with it, the CLI edits it. */
export interface UsersStore {
  list(): Promise<AdminUser[]>;
  find(name: string): Promise<AdminUser | undefined>;
  /** The user a `<name>.<secret>` token belongs to, or null. */
  verify(token: string): Promise<Principal | null>;
}

let dummy: Promise<string> | undefined;
const dummyHash = () => (dummy ??= hashSecret(randomBytes(32).toString('base64url')));

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest('base64url');
const CACHE_LIMIT = 256;

export class UsersFile implements UsersStore {
  private cached?: { stamp: string; users: AdminUser[] };
  /** Digest of a token that passed scrypt → the hash it passed against; valid only while that hash is still the user's. */
  private readonly verified = new Map<string, string>();

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The users as the file holds them now; a missing file has none. */
  async list(): Promise<AdminUser[]> {
    let stamp: string;
    try {
      const info = await stat(this.path);
      stamp = `${info.ino}:${info.mtimeMs}:${info.size}`;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw invalid(this.path, `cannot be read: ${errorCode(error) ?? (error as Error).message}`);
    }
    if (this.cached?.stamp === stamp) return this.cached.users;
    const users = parseUsers(this.path, await readFile(this.path, 'utf8'));
    this.cached = { stamp, users };
    return users;
  }

  async find(name: string): Promise<AdminUser | undefined> {
    return (await this.list()).find((user) => user.name === name);
  }

  async verify(token: string): Promise<Principal | null> {
    const parts = splitUserToken(token);
    if (!parts) return null;
    const user = await this.find(parts.name);
    if (!user) {
      // The same scrypt as for a known name: response times do not tell which names exist.
      await secretMatches(parts.secret, await dummyHash());
      return null;
    }
    const key = digest(token);
    if (this.verified.get(key) !== user.hash) {
      if (!(await secretMatches(parts.secret, user.hash))) return null;
      if (this.verified.size >= CACHE_LIMIT) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(key, user.hash);
    }
    return { name: user.name, role: user.role, via: 'token' };
  }

  /** Adds a user and returns their token (shown once). Refuses a taken or reserved name. */
  async add(name: string, role: AdminRole): Promise<{ user: AdminUser; token: string }> {
    const problem = userNameProblem(name);
    if (problem) throw new BridgeError('PERMANENT', problem);
    const users = await this.list();
    if (users.some((user) => user.name === name)) throw new BridgeError('CONFLICT', `user ${name} exists already`);
    const secret = randomBytes(32).toString('base64url');
    const user: AdminUser = { name, role, hash: await hashSecret(secret), createdAt: new Date(this.now()).toISOString() };
    await this.write([...users, user]);
    return { user, token: `${name}.${secret}` };
  }

  /** false: no such user. */
  async remove(name: string): Promise<boolean> {
    const users = await this.list();
    if (!users.some((user) => user.name === name)) return false;
    await this.write(users.filter((user) => user.name !== name));
    return true;
  }

  private async write(users: AdminUser[]): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, users }, null, 2)}\n`, 0o600);
    this.cached = undefined;
  }
}
