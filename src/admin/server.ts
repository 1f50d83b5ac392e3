// Starts the admin API on a socket (the `api` role of `pos-bridge start`).
import type { AddressInfo } from 'node:net';
import { buildAdminApp, type AdminAppOptions } from './app.js';
import type { AdminDeps } from './deps.js';

export interface AdminServerOptions extends AdminAppOptions {
  host: string;
  /** 0 picks a free port; `url` tells which. */
  port: number;
}

export interface AdminServer {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

export async function startAdminServer(deps: AdminDeps, options: AdminServerOptions): Promise<AdminServer> {
  const { host, port, ...appOptions } = options;
  const app = await buildAdminApp(deps, { logger: true, ...appOptions });
  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  deps.logger.info({ url }, 'admin API listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= app.close();
      return closing;
    },
  };
}
