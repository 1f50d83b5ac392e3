// A users file in a fresh folder with one user of each role, for the tests of roles and sessions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminRole } from '../../src/admin/principal.js';
import { UsersFile } from '../../src/admin/users.js';

export interface UsersFixture {
  users: UsersFile;
  /** Bearer token of the user named after each role (`viewer`, `mapping-editor`, `operator`). */
  tokens: Record<AdminRole, string>;
  dir: string;
  remove(): void;
}

export async function usersFixture(): Promise<UsersFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-bridge-users-'));
  const users = new UsersFile(join(dir, 'users.json'));
  const tokens = {} as Record<AdminRole, string>;
  for (const role of ['viewer', 'mapping-editor', 'operator'] as const) tokens[role] = (await users.add(role, role)).token;
  return { users, tokens, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
