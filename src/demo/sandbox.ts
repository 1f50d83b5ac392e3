// Emulators of ПОС and an EDMS side by side, with the settings a bridge needs to talk to them:
// the demo's world, and an operator's sandbox.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EdmsControl, EdmsKind } from '../../adapters/contract.js';
import { startDirectumEmulator, type DirectumEmulator, type DirectumEmulatorOptions } from '../../adapters/directum-rx/emulator/server.js';
import { startDeloEmulator, type RunningDeloEmulator } from '../../adapters/delo/emulator/index.js';
import { startPosEmulator, type PosEmulator } from '../pos/emulator/index.js';

export type EdmsSandbox = EdmsSandboxBase & ({ kind: 'directum-rx'; directum: DirectumEmulator } | { kind: 'delo'; delo: RunningDeloEmulator });

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

export async function startEdmsEmulator(kind: EdmsKind, workDir: string, options: SandboxOptions = {}): Promise<EdmsSandbox> {
  if (kind === 'directum-rx') {
    const emulator = await startDirectumEmulator({ ...options.directum, username: 'bridge', password: 'bridge-secret' });
    return {
      kind,
      directum: emulator,
      control: emulator.control,
      env: { EDMS: kind, DIRECTUM_BASE_URL: emulator.url, DIRECTUM_USERNAME: 'bridge', DIRECTUM_PASSWORD: 'bridge-secret' },
      close: () => emulator.close(),
    };
  }
  const outboxDir = join(workDir, 'delo', 'outbox');
  const inboxDir = join(workDir, 'delo', 'inbox');
  const stateDir = join(workDir, 'delo', 'state');
  for (const dir of [outboxDir, inboxDir, stateDir]) mkdirSync(dir, { recursive: true });
  const emulator = await startDeloEmulator({ outboxDir, inboxDir, pollMs: 100 });
  return {
    kind,
    delo: emulator,
    control: emulator.control,
    env: { EDMS: kind, DELO_OUTBOX_DIR: outboxDir, DELO_INBOX_DIR: inboxDir, DELO_STATE_DIR: stateDir },
    close: () => emulator.stop(),
  };
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
