// What every route module of the emulator needs: the state, the fault injector, credentials, the
// emulator's own base URL (known only after listen) and who made each ПОС call.
import type { FastifyRequest } from 'fastify';
import type { FaultInjector } from './faults.js';
import type { PosEmulatorState } from './state.js';

/** The organisation behind a request's bearer token, as history entries record it. */
export interface Caller {
  clientId: string;
  userId: number;
}

export interface EmulatorContext {
  state: PosEmulatorState;
  faults: FaultInjector;
  platformClient: { id: string; secret: string };
  /** Filled by the bearer check before a ПОС route runs. */
  callers: WeakMap<FastifyRequest, Caller>;
  baseUrl(): string;
}

/** ПОС's error body. */
export function messages(...texts: string[]): { messages: string[] } {
  return { messages: texts };
}

/** 403 text for a call on something another organisation holds. */
export function notYours(what: string): { messages: string[] } {
  return messages(`${what} принадлежит другой организации`);
}
