// ADMIN_USERS_FILE: what is stored (a hash, never the token), the file's mode, re-reading after
// another process edits it, a broken file, and checking tokens.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { hashSecret, secretMatches, splitUserToken, UsersFile } from '../../src/admin/users.js';
import { makeFakes } from './fakes.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pos-bridge-users-test-'));
  path = join(dir, 'users.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('UsersFile', () => {
  it('stores an scrypt hash, never the token, in a 0600 file of the documented shape', async () => {
    const users = new UsersFile(path, () => Date.parse('2026-03-01T10:00:00Z'));
    const { user, token } = await users.add('alice', 'mapping-editor');
    expect(token).toMatch(/^alice\.[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(token.split('.')[1]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      users: [{ name: 'alice', role: 'mapping-editor', hash: user.hash, createdAt: '2026-03-01T10:00:00.000Z' }],
    });
    expect(user.hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  });

  it('verifies the token of its user only, and refuses taken and reserved names', async () => {
    const users = new UsersFile(path);
    const alice = await users.add('alice', 'viewer');
    const bob = await users.add('bob', 'operator');
    expect(await users.verify(alice.token)).toEqual({ name: 'alice', role: 'viewer', via: 'token' });
    expect(await users.verify(bob.token)).toEqual({ name: 'bob', role: 'operator', via: 'token' });
    // Bob's secret under Alice's name, a cut token, an unknown name, no dot.
    expect(await users.verify(`alice.${bob.token.split('.')[1]}`)).toBeNull();
    expect(await users.verify(alice.token.slice(0, -1))).toBeNull();
    expect(await users.verify(`carol.${alice.token.split('.')[1]}`)).toBeNull();
    expect(await users.verify('no-dot-at-all')).toBeNull();
    await expect(users.add('alice', 'operator')).rejects.toThrow('user alice exists already');
    await expect(users.add('admin', 'operator')).rejects.toThrow('reserved for ADMIN_TOKEN');
    await expect(users.add('Bad.Name', 'viewer')).rejects.toThrow('must be 1-64 lower-case');
  });

  it('re-reads the file another process changed: a removed user and a replaced hash stop working at once', async () => {
    const api = new UsersFile(path);
    const cli = new UsersFile(path);
    const alice = await cli.add('alice', 'viewer');
    expect(await api.verify(alice.token)).toMatchObject({ name: 'alice' });
    // The CLI gives Alice another token (same name): the cached check of the old one must not count.
    await cli.remove('alice');
    expect(await api.verify(alice.token)).toBeNull();
    const again = await cli.add('alice', 'operator');
    expect(await api.verify(alice.token)).toBeNull();
    expect(await api.verify(again.token)).toEqual({ name: 'alice', role: 'operator', via: 'token' });

    // A role edited by hand, the file replaced (as editors do) with its old mtime put back: still seen.
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.users[0].role = 'viewer';
    const { mtime } = statSync(path);
    rmSync(path);
    writeFileSync(path, JSON.stringify(doc));
    utimesSync(path, mtime, mtime);
    expect(await api.find('alice')).toMatchObject({ role: 'viewer' });
  });

  it('a missing file has no users; a broken one is CONFIG_INVALID naming the file and the problem', async () => {
    const users = new UsersFile(path);
    expect(await users.list()).toEqual([]);
    writeFileSync(path, '{"version":1,"users":[');
    await expect(users.list()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`${path} is not valid JSON`),
    });
    writeFileSync(path, JSON.stringify({ version: 1, users: [{ name: 'alice', role: 'boss', hash: 'x', createdAt: 'now' }] }));
    await expect(users.list()).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^ADMIN_USERS_FILE: .*users\.json is not a users file: users\.0\.role /),
    });
    const entry = { name: 'alice', role: 'viewer', hash: await hashSecret('s'), createdAt: 'now' };
    writeFileSync(path, JSON.stringify({ version: 1, users: [entry, entry] }));
    await expect(users.list()).rejects.toThrow('lists user alice twice');
    // The admin app does not start on it.
    await expect(buildAdminApp(makeFakes({ users }).deps)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('lists user alice twice'),
    });
  });
});

describe('token helpers', () => {
  it('splits <name>.<secret> at the first dot and checks secrets against their hash', async () => {
    expect(splitUserToken('alice.abc.def')).toEqual({ name: 'alice', secret: 'abc.def' });
    expect(splitUserToken('.abc')).toBeUndefined();
    expect(splitUserToken('alice.')).toBeUndefined();
    expect(splitUserToken('Alice.abc')).toBeUndefined();
    const hash = await hashSecret('right');
    expect(await secretMatches('right', hash)).toBe(true);
    expect(await secretMatches('wrong', hash)).toBe(false);
    expect(await secretMatches('right', 'scrypt$garbage')).toBe(false);
  });
});
