// The web console's static shell at /console/: a fixed list of built files from dist/console
// (npm run build), each with a strict CSP. No authentication here: the shell holds no data, and
// everything it shows comes from /api, which authenticates every request.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorSchema } from './schemas.js';

export const CONSOLE_PATH = '/console/';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** What the build writes (console/build.mjs); anything else under /console/ is 404. */
const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'app.css.map': 'application/json; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** The package root (package.json next to mappings/), from src/admin or dist/src/admin alike. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'mappings'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('no package root (package.json with mappings/) above the admin module');
    dir = parent;
  }
}

/** Where `npm run build` puts the console. */
export function defaultConsoleDir(): string {
  return join(packageRoot(), 'dist', 'console');
}

// Static files, like /docs and /ui: described here, left out of the OpenAPI document of the API.
const schemaBase = { hide: true, tags: ['console'], response: { 404: errorSchema, 503: errorSchema } };

export function registerConsole(app: FastifyInstance, dir: string): void {
  // Files are read on each request (they are few and small): a rebuild shows without a restart.
  const send = async (reply: FastifyReply, file: string) => {
    reply.headers(SECURITY_HEADERS);
    const type = FILES[file];
    if (!type) return reply.code(404).send({ error: 'not_found', message: `the console has no file ${file}` });
    let body: Buffer;
    try {
      body = await readFile(join(dir, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (!existsSync(join(dir, 'index.html'))) {
        return reply.code(503).send({ error: 'console_not_built', message: 'run npm run build' });
      }
      return reply.code(404).send({ error: 'not_found', message: `the console has no file ${file}` });
    }
    // index.html names the assets without hashes, so nothing may be cached for long.
    const cache = file === 'index.html' ? 'no-store' : 'no-cache';
    return reply.code(200).header('content-type', type).header('cache-control', cache).send(body);
  };

  app.get(
    '/console',
    { schema: { ...schemaBase, summary: 'Redirects to the web console at /console/', response: {} } },
    async (_request, reply) => reply.code(308).header('location', CONSOLE_PATH).send(),
  );
  app.get(
    CONSOLE_PATH,
    { schema: { ...schemaBase, summary: 'The web console (an HTML page; sign in with a token)' } },
    async (_request, reply) => send(reply, 'index.html'),
  );
  app.get<{ Params: { file: string } }>(
    `${CONSOLE_PATH}:file`,
    { schema: { ...schemaBase, summary: "The web console's scripts and styles" } },
    async (request, reply) => send(reply, request.params.file),
  );
}
