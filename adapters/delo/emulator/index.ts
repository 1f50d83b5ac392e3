// Programmatic entry of the «Дело» emulator: start it on two folders, drive it through `control`.
import type { Logger } from 'pino';
import type { EdmsControl } from '../../contract.js';
import { DeloClerk } from './control.js';
import { DeloEmulator, type DeloEmulatorOptions } from './emulator.js';
import type { DeloFaults } from './faults.js';
import { buildControlServer } from './http.js';

export interface RunningDeloEmulator {
  control: EdmsControl & DeloClerk;
  /** Live fault counters: change them at any time. */
  faults: DeloFaults;
  emulator: DeloEmulator;
  /** Takes waiting packages now instead of at the next tick; returns how many. */
  pollOnce(): Promise<number>;
  /** Packages held or waiting, repeated deliveries included. */
  countPackages(): Promise<number>;
  /** Set when started with `port`: the control API's root URL. */
  url?: string;
  stop(): Promise<void>;
}

export interface StartDeloEmulatorOptions extends DeloEmulatorOptions {
  /** Also serve the HTTP control API on this port (0: any free port). */
  port?: number;
  host?: string;
  logger?: Logger;
}

export async function startDeloEmulator(options: StartDeloEmulatorOptions): Promise<RunningDeloEmulator> {
  const emulator = new DeloEmulator(options);
  await emulator.start();
  const running: RunningDeloEmulator = {
    control: new DeloClerk(emulator),
    faults: emulator.faults,
    emulator,
    pollOnce: () => emulator.pollOnce(),
    countPackages: () => emulator.countPackages(),
    stop: () => emulator.stop(),
  };
  if (options.port !== undefined) {
    const app = buildControlServer(emulator);
    const address = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
    running.url = address;
    running.stop = async () => {
      await app.close();
      await emulator.stop();
    };
  }
  return running;
}

export { ANSWER_PACKAGE_NAMINGS, DeloEmulator, type AnswerPackageNaming } from './emulator.js';
export { DeloClerk, type DeloInspection } from './control.js';
export { DeloControlClient, buildControlServer, CONTROL_BASE, type DeloEmulatorSettings } from './http.js';
export { noFaults, type DeloFaults } from './faults.js';
