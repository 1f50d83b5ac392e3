// Starts the Directum RX emulator: the Integration Service at /Integration/odata plus the operator
// control API at /_emulator, on loopback. Used by the tests, the demo and `npm run emulator:directum`.
import Fastify, { LogController } from 'fastify';
import type { Logger } from 'pino';
import type { EdmsControl } from '../../contract.js';
import { DirectumClerk, type ClerkSettings } from './clerk.js';
import { DirectumStateControl } from './control.js';
import { controlRoutes } from './control-routes.js';
import { FaultInjector } from './faults.js';
import type { ModelOptions } from './model.js';
import { ODATA_BASE, odataRoutes } from './odata-routes.js';
import type { InstallationSeed } from './seed.js';
import { DirectumStore } from './store.js';

export interface DirectumEmulatorOptions {
  port?: number;
  host?: string;
  username?: string;
  password?: string;
  logger?: Logger;
  /** When the clerk registers a new request: 0 (default) at once, N ms later, or null only on command. */
  autoRegisterAfterMs?: number | null;
  /** The installation's directories: SHIPPED_INSTALLATION (default) or FOREIGN_INSTALLATION, or your own. */
  installation?: InstallationSeed;
  /**
   * Declared properties this installation's types lack, by entity set or type name, e.g.
   * `{ IRequests: ['NotifyByEmail'] }`: refused on writes, absent from $metadata.
   */
  undeclare?: ModelOptions['undeclare'];
}

export interface DirectumEmulator {
  /** Integration Service base, ending with /Integration/odata. */
  url: string;
  /** Server root, for the control API (DirectumControlClient). */
  origin: string;
  control: EdmsControl;
  clerk: DirectumClerk;
  faults: FaultInjector;
  state: DirectumStore;
  close(): Promise<void>;
}

export async function startDirectumEmulator(options: DirectumEmulatorOptions = {}): Promise<DirectumEmulator> {
  const state = new DirectumStore({ seed: options.installation ?? true, undeclare: options.undeclare });
  const settings: ClerkSettings = { autoRegisterAfterMs: options.autoRegisterAfterMs === undefined ? 0 : options.autoRegisterAfterMs };
  const clerk = new DirectumClerk(state, settings);
  const faults = new FaultInjector();
  // Request logging is off: OData filters carry citizens' names; the emulator logs only its own failures.
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024 * 1024,
    forceCloseConnections: true,
  });
  await app.register(async (scope) =>
    odataRoutes(scope, {
      store: state,
      clerk,
      faults,
      username: options.username ?? 'bridge',
      password: options.password ?? 'bridge-secret',
    }),
  );
  await app.register(async (scope) => controlRoutes(scope, { store: state, clerk, faults }));
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const origin = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `${origin}${ODATA_BASE}`,
    origin,
    control: new DirectumStateControl(clerk),
    clerk,
    faults,
    state,
    async close() {
      clerk.close();
      await app.close();
    },
  };
}
