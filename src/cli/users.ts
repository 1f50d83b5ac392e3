// `pos-bridge users add|list|remove`: the console's users in ADMIN_USERS_FILE. The file is the
// truth; Redis only gets the audit record and, on remove, the end of the user's sessions. When
// Redis does not answer the file still changes (a warning says what did not happen): a removed
// user's sessions die anyway, since every request looks the user up again.
import { userInfo } from 'node:os';
import { RedisAuditLog } from '../admin/audit.js';
import { RedisConsoleSessions } from '../admin/console-sessions.js';
import type { AuditInput } from '../admin/deps.js';
import type { AdminRole } from '../admin/principal.js';
import { userNameProblem, UsersFile } from '../admin/users.js';
import type { BridgeConfig } from '../config/load.js';
import { BridgeError, describeError } from '../errors.js';
import { sharedPrefixFor } from '../pipeline/organisation.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

export interface UsersCommandOptions {
  /** How long Redis may take for the audit record and the session removal. Default 5 s. */
  redisTimeoutMs?: number;
}

function cliWho(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:${process.env.USER ?? 'unknown'}`; // no passwd entry (some containers)
  }
}

function fileOf(config: BridgeConfig): UsersFile {
  // configFor('users') has made sure it is set.
  return new UsersFile(config.admin.usersFile!);
}

/** The Redis side of a change, bounded in time; false (with a warning on stderr) when Redis did not do it. */
async function inRedis(
  io: CliIO,
  config: BridgeConfig,
  options: UsersCommandOptions,
  what: string,
  work: (parts: { audit: RedisAuditLog; sessions: RedisConsoleSessions }) => Promise<void>,
): Promise<boolean> {
  const redis = connectRedis(config.redis);
  const prefix = sharedPrefixFor(config.redis.prefix, config.redis.layout);
  const parts = {
    audit: new RedisAuditLog(redis, prefix, { keepMs: config.admin.auditKeepMs }),
    sessions: new RedisConsoleSessions(redis, prefix, { idleMs: config.admin.uiSessionIdleMs, absoluteMs: config.admin.uiSessionMaxMs }),
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('Redis did not answer in time')), options.redisTimeoutMs ?? 5000);
  });
  try {
    await Promise.race([work(parts), timeout]);
    return true;
  } catch (error) {
    io.stderr(`pos-bridge users: warning: ${what} not done: ${describeError(error).message}\n`);
    return false;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

async function audit(io: CliIO, config: BridgeConfig, options: UsersCommandOptions, entry: Omit<AuditInput, 'who'>): Promise<void> {
  await inRedis(io, config, options, 'the audit record', ({ audit: log }) => log.record({ who: cliWho(), ...entry }));
}

export async function usersAdd(
  io: CliIO,
  config: BridgeConfig,
  name: string,
  command: { role: AdminRole; json: boolean },
  options: UsersCommandOptions = {},
): Promise<number> {
  const problem = userNameProblem(name);
  if (problem) {
    io.stderr(`pos-bridge users add: ${problem}\n`);
    return 2;
  }
  let added: Awaited<ReturnType<UsersFile['add']>>;
  try {
    added = await fileOf(config).add(name, command.role);
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    io.stderr(`pos-bridge users add: ${error.message}\n`);
    return error.code === 'CONFIG_INVALID' ? 2 : 1;
  }
  await audit(io, config, options, { action: 'user.add', target: name, details: { role: command.role } });
  if (command.json) io.stdout(`${JSON.stringify({ name, role: command.role, token: added.token })}\n`);
  else {
    io.stdout(`${added.token}\n`);
    io.stderr(`pos-bridge users add: ${name} (${command.role}) added; the token above is shown only this once\n`);
  }
  return 0;
}

export async function usersList(io: CliIO, config: BridgeConfig, command: { json: boolean }): Promise<number> {
  let users;
  try {
    users = await fileOf(config).list();
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    io.stderr(`pos-bridge users list: ${error.message}\n`);
    return 2;
  }
  const rows = users.map(({ name, role, createdAt }) => ({ name, role, createdAt }));
  if (command.json) io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  else if (rows.length === 0) io.stdout(`No users in ${config.admin.usersFile}; add one with: pos-bridge users add NAME --role viewer\n`);
  else io.stdout(table([['NAME', 'ROLE', 'CREATED'], ...rows.map((row) => [row.name, row.role, row.createdAt])]));
  return 0;
}

export async function usersRemove(io: CliIO, config: BridgeConfig, name: string, options: UsersCommandOptions = {}): Promise<number> {
  let removed: boolean;
  try {
    removed = await fileOf(config).remove(name);
  } catch (error) {
    if (!(error instanceof BridgeError)) throw error;
    io.stderr(`pos-bridge users remove: ${error.message}\n`);
    return 2;
  }
  if (!removed) {
    io.stderr(`pos-bridge users remove: no user ${name} in ${config.admin.usersFile}\n`);
    return 1;
  }
  let ended = 0;
  await inRedis(io, config, options, `ending ${name}'s console sessions and the audit record`, async ({ audit: log, sessions }) => {
    ended = await sessions.revokeUser(name);
    await log.record({ who: cliWho(), action: 'user.remove', target: name, details: { sessions: ended } });
  });
  io.stdout(`Removed ${name}${ended ? `; ${ended} console session(s) ended` : ''}.\n`);
  return 0;
}
