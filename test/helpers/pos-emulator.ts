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
