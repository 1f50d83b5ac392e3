// `pos-bridge users add|list|remove`: the token printed once, the file, exit codes, the audit
// records and the end of a removed user's console sessions in Redis (and what happens without Redis).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisAuditLog } from '../../src/admin/audit.js';
import { RedisConsoleSessions } from '../../src/admin/console-sessions.js';
import { UsersFile } from '../../src/admin/users.js';
import type { CliIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { usersRemove } from '../../src/cli/users.js';
import { loadConfig } from '../../src/config/load.js';
import { testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

function io(env: Record<string, string>): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, env, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

let redis: Redis;
let dir: string;
let env: Record<string, string>;
let prefix: string;
beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pos-bridge-users-cli-'));
  prefix = uniquePrefix('users-cli');
  env = { ADMIN_USERS_FILE: join(dir, 'users.json'), REDIS_URL: testRedisUrl(), QUEUE_PREFIX: prefix };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = async (args: string[], withEnv = env) => {
  const cli = io(withEnv);
  const code = await runCli(['users', ...args], cli);
  return { code, out: cli.out.join(''), err: cli.err.join('') };
};

describe('pos-bridge users', () => {
  it('without ADMIN_USERS_FILE: a configuration error naming it, exit 2', async () => {
    const { code, err } = await run(['list'], { REDIS_URL: testRedisUrl() });
    expect(code).toBe(2);
    const problems = err.trim().split('\n').slice(1);
    expect(problems).toEqual([expect.stringMatching(/^ {2}ADMIN_USERS_FILE: is required for users/)]);
  });

  it('add prints the token once (a working one), list shows names and roles, a taken name is exit 1; audited', async () => {
    const added = await run(['add', 'alice', '--role', 'mapping-editor']);
    expect(added.code).toBe(0);
    expect(added.out).toMatch(/^alice\.[A-Za-z0-9_-]{43}\n$/);
    const token = added.out.trim();
    expect(await new UsersFile(env.ADMIN_USERS_FILE!).verify(token)).toEqual({ name: 'alice', role: 'mapping-editor', via: 'token' });
    expect(readFileSync(env.ADMIN_USERS_FILE!, 'utf8')).not.toContain(token.split('.')[1]);

    const json = await run(['add', 'bob', '--role', 'viewer', '--json']);
    expect(JSON.parse(json.out)).toEqual({ name: 'bob', role: 'viewer', token: expect.stringMatching(/^bob\./) });
    const taken = await run(['add', 'alice', '--role', 'operator']);
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('user alice exists already');
    expect((await run(['add', 'Alice', '--role', 'viewer'])).code).toBe(2);
    expect((await run(['add', 'carol', '--role', 'boss'])).code).toBe(2);

    const list = await run(['list']);
    expect(list.out).toMatch(/^NAME +ROLE +CREATED\nalice +mapping-editor +\d{4}-\d\d-\d\dT[^\n]+\nbob +viewer +/);
    expect(list.out).not.toContain('scrypt');
    const listed = JSON.parse((await run(['list', '--json'])).out) as { name: string }[];
    expect(listed.map((user) => Object.keys(user).sort())).toEqual([
      ['createdAt', 'name', 'role'],
      ['createdAt', 'name', 'role'],
    ]);

    const log = await new RedisAuditLog(redis, prefix).list();
    expect(log.map((entry) => [entry.action, entry.target, entry.who.startsWith('cli:')])).toEqual([
      ['user.add', 'bob', true],
      ['user.add', 'alice', true],
    ]);
    expect(log[1]!.details).toEqual({ role: 'mapping-editor' });
  });

  it("remove ends the user's console sessions in Redis and audits; an unknown user is exit 1", async () => {
    await run(['add', 'alice', '--role', 'viewer']);
    const sessions = new RedisConsoleSessions(redis, prefix);
    const one = await sessions.create('alice');
    const two = await sessions.create('alice');
    const other = await sessions.create('bob');
    const removed = await run(['remove', 'alice']);
    expect(removed.code).toBe(0);
    expect(removed.out).toBe('Removed alice; 2 console session(s) ended.\n');
    expect(await sessions.touch(one.id)).toBeNull();
    expect(await sessions.touch(two.id)).toBeNull();
    expect(await sessions.touch(other.id)).toMatchObject({ user: 'bob' });
    expect(await new UsersFile(env.ADMIN_USERS_FILE!).list()).toEqual([]);
    const [last] = await new RedisAuditLog(redis, prefix).list({ limit: 1 });
    expect(last).toMatchObject({ action: 'user.remove', target: 'alice', details: { sessions: 2 } });

    const unknown = await run(['remove', 'alice']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no user alice');
  });

  it('without Redis the file still changes, with a warning on stderr', async () => {
    await run(['add', 'alice', '--role', 'viewer']);
    const offline = { ...env, REDIS_URL: 'redis://127.0.0.1:1' };
    const cli = io(offline);
    const code = await usersRemove(cli, loadConfig({ env: offline, command: 'users', dotenvPath: false }), 'alice', {
      redisTimeoutMs: 300,
    });
    expect(code).toBe(0);
    expect(cli.err.join('')).toMatch(/^pos-bridge users: warning: ending alice's console sessions and the audit record not done: /);
    expect(await new UsersFile(env.ADMIN_USERS_FILE!).list()).toEqual([]);
  });
});
