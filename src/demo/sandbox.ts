// Emulators of ПОС and an EDMS side by side, with the settings a bridge needs to talk to them:
// the demo's world, the tests' and the benchmark's, and an operator's sandbox.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EdmsControl, EdmsKind } from '../../adapters/contract.js';
import { startDirectumEmulator, type DirectumEmulator, type DirectumEmulatorOptions } from '../../adapters/directum-rx/emulator/server.js';
import { startDeloEmulator, type RunningDeloEmulator } from '../../adapters/delo/emulator/index.js';
import { startPosEmulator, type PosEmulator } from '../pos/emulator/index.js';

export type EdmsSandbox = EdmsSandboxBase &
  ({ kind: 'directum-rx'; directum: DirectumEmulator } | { kind: 'delo'; delo: RunningDeloEmulator });

interface EdmsSandboxBase {
  control: EdmsControl;
  /** Settings (environment names) that point a bridge at this emulator. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface Sandbox {
  pos: PosEmulator;
  edms: EdmsSandbox;
  /** Settings that point a bridge at both emulators. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export const SANDBOX_POS_CREDENTIALS = {
  POS_PLATFORM_CLIENT: 'pos-bridge:platform-secret',
  POS_CLIENT_ID: 'demo-org',
  POS_CLIENT_SECRET: 'demo-secret',
};

export interface SandboxOptions {
  /** Directum RX: which installation to seed (default: one matching the shipped mapping), types customised. */
  directum?: Pick<DirectumEmulatorOptions, 'installation' | 'undeclare'>;
}

type EdmsEmulatorStarter = (workDir: string, options: SandboxOptions) => Promise<EdmsSandbox>;

// One per kind of adapters/registry.ts: a kind added there does not compile until it has its emulator here.
const EDMS_EMULATORS: Record<EdmsKind, EdmsEmulatorStarter> = {
  'directum-rx': async (_workDir, options) => {
    const emulator = await startDirectumEmulator({ ...options.directum, username: 'bridge', password: 'bridge-secret' });
    return {
      kind: 'directum-rx',
      directum: emulator,
      control: emulator.control,
      env: { EDMS: 'directum-rx', DIRECTUM_BASE_URL: emulator.url, DIRECTUM_USERNAME: 'bridge', DIRECTUM_PASSWORD: 'bridge-secret' },
      close: () => emulator.close(),
    };
  },
  delo: async (workDir) => {
    const outboxDir = join(workDir, 'delo', 'outbox');
    const inboxDir = join(workDir, 'delo', 'inbox');
    const stateDir = join(workDir, 'delo', 'state');
    for (const dir of [outboxDir, inboxDir, stateDir]) mkdirSync(dir, { recursive: true });
    const emulator = await startDeloEmulator({ outboxDir, inboxDir, pollMs: 100 });
    return {
      kind: 'delo',
      delo: emulator,
      control: emulator.control,
      env: { EDMS: 'delo', DELO_OUTBOX_DIR: outboxDir, DELO_INBOX_DIR: inboxDir, DELO_STATE_DIR: stateDir },
      close: () => emulator.stop(),
    };
  },
};

export function startEdmsEmulator(kind: EdmsKind, workDir: string, options: SandboxOptions = {}): Promise<EdmsSandbox> {
  return EDMS_EMULATORS[kind](workDir, options);
}

export async function startSandbox(kind: EdmsKind, workDir: string, options: SandboxOptions = {}): Promise<Sandbox> {
  const pos = await startPosEmulator();
  const edms = await startEdmsEmulator(kind, workDir, options);
  return {
    pos,
    edms,
    env: { POS_BASE_URL: pos.url, ...SANDBOX_POS_CREDENTIALS, ...edms.env },
    close: async () => {
      await edms.close();
      await pos.close();
    },
  };
}

export interface BridgeSettings {
  redisUrl: string;
  /** QUEUE_PREFIX; absent: the default. */
  prefix?: string;
  mappingsDir: string;
}

/** Settings that run a bridge against the sandbox: fresh DATA_KEY and ADMIN_TOKEN, the admin API on a free port. */
export function bridgeEnv(sandboxEnv: Record<string, string>, settings: BridgeSettings): Record<string, string> {
  return {
    ...sandboxEnv,
    REDIS_URL: settings.redisUrl,
    ...(settings.prefix !== undefined ? { QUEUE_PREFIX: settings.prefix } : {}),
    DATA_KEY: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(16).toString('hex'),
    HTTP_PORT: '0',
    MAPPINGS_DIR: settings.mappingsDir,
  };
}
