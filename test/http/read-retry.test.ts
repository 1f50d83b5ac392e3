// In-call retries of safe requests are bounded: a server that drops every connection is tried
// 1 + attempts times, then the call fails with a coded error (it used to retry without end,
// because axios copies the request config on every retry).
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyHttpError, createHttpClient } from '../../src/http/client.js';

describe('read retries', () => {
  let server: Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    server = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it('stops after the configured attempts on dropped connections', async () => {
    const http = createHttpClient({
      baseURL: `http://127.0.0.1:${port}`,
      system: 'directum-rx',
      timeoutMs: 2000,
      retryReads: { attempts: 2, baseDelayMs: 20 },
    });
    connections = 0;
    const error = await http
      .get('/Integration/odata/IRequests')
      .catch((caught: unknown) => classifyHttpError(caught, 'directum-rx', 'Directum GET IRequests'));
    expect(error).toMatchObject({ code: 'TRANSIENT' });
    expect(connections).toBe(3);
  });

  it('does not retry a POST', async () => {
    const http = createHttpClient({
      baseURL: `http://127.0.0.1:${port}`,
      system: 'directum-rx',
      timeoutMs: 2000,
      retryReads: { attempts: 2, baseDelayMs: 20 },
    });
    connections = 0;
    await expect(http.post('/Integration/odata/IRequests', '{}')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(connections).toBe(1);
  });
});
