// One ПОС emulator for a test file: started before its tests, emptied before each, closed after.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startPosEmulator, type PosEmulator } from '../../src/pos/emulator/index.js';

export function usePosEmulator(): () => PosEmulator {
  let emulator: PosEmulator | undefined;
  beforeAll(async () => {
    emulator = await startPosEmulator({ port: 0 });
  });
  afterAll(async () => {
    await emulator?.close();
  });
  beforeEach(async () => {
    await emulator!.control.reset();
  });
  return () => {
    if (!emulator) throw new Error('the ПОС emulator starts in beforeAll');
    return emulator;
  };
}

/** The ПОС client settings of the emulator's demo organisation (its platform pair and credentials). */
export function demoPosSettings(baseUrl: string, timeoutMs = 5000) {
  return {
    baseUrl,
    platformClientId: 'pos-bridge',
    platformClientSecret: 'platform-secret',
    clientId: 'demo-org',
    clientSecret: 'demo-secret',
    pageSize: 20,
    timeoutMs,
    maxAttachmentBytes: 1024 * 1024,
  };
}
