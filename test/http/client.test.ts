// The shared HTTP client's in-call read retry is bounded: a server that keeps failing (or refusing
// connections) gets the configured number of extra tries, not an endless loop.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyHttpError, createHttpClient } from '../../src/http/client.js';
import { TransientError } from '../../src/errors.js';
import { freePort } from '../helpers/redis-server.js';

describe('read retry', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('tries a GET that keeps answering 503 three times in all, then gives up', async () => {
    let requests = 0;
    server = createServer((_req, res) => {
      requests += 1;
      res.writeHead(503).end();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const http = createHttpClient({
      baseURL: `http://127.0.0.1:${port}`,
      system: 'directum-rx',
      timeoutMs: 2000,
      retryReads: { attempts: 2, baseDelayMs: 10 },
    });
    const error = await http.get('/x').then(
      () => null,
      (e: unknown) => classifyHttpError(e, 'directum-rx', 'GET x'),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(requests).toBe(3);
  });

  it('gives up on a refused connection after the same tries', async () => {
    const port = await freePort();
    const http = createHttpClient({
      baseURL: `http://127.0.0.1:${port}`,
      system: 'directum-rx',
      timeoutMs: 2000,
      retryReads: { attempts: 2, baseDelayMs: 10 },
    });
    let tries = 0;
    // Every in-call retry passes through the request interceptors again.
    http.interceptors.request.use((config) => {
      tries += 1;
      return config;
    });
    const error = await http.get('/x').then(
      () => null,
      (e: unknown) => classifyHttpError(e, 'directum-rx', 'GET x'),
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(tries).toBe(3);
  });
});
