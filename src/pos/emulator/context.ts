// What every route module of the emulator needs: the state, the fault injector, credentials and the
// emulator's own base URL (known only after listen).
import type { FaultInjector } from './faults.js';
import type { PosEmulatorState } from './state.js';

export interface EmulatorContext {
  state: PosEmulatorState;
  faults: FaultInjector;
  platformClient: { id: string; secret: string };
  organisation: { clientId: string; secret: string };
  baseUrl(): string;
}

/** ПОС's error body. */
export function messages(...texts: string[]): { messages: string[] } {
  return { messages: texts };
}
