// /console/: the built web console served as a fixed set of files, each with the strict CSP, and
// an answer that says what to do when it was never built.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../fixtures/index.js';
import { buildAdminApp } from '../../src/admin/app.js';
import { CONSOLE_CSP, defaultConsoleDir } from '../../src/admin/console.js';
import { buildConsoleInto, type BuiltConsole } from '../console/build.js';
import { makeFakes } from './fakes.js';

let built: BuiltConsole;
let app: FastifyInstance | undefined;

beforeAll(async () => {
  built = await buildConsoleInto();
});
afterAll(() => built.remove());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const SECURITY = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

describe('the web console at /console/', () => {
  it('redirects /console to /console/ (permanent, the method kept)', async () => {
    app = await buildAdminApp(makeFakes().deps, { consoleDir: built.dir });
    const answer = await app.inject({ url: '/console' });
    expect(answer.statusCode).toBe(308);
    expect(answer.headers.location).toBe('/console/');
  });

  it('serves index.html without credentials, with the strict CSP and no inline script or style', async () => {
    app = await buildAdminApp(makeFakes().deps, { consoleDir: built.dir });
    const page = await app.inject({ url: '/console/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers).toMatchObject(SECURITY);
    expect(CONSOLE_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    const html = page.body;
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="app.css" />');
    // Every <script> has a src and is empty; no <style> element, no style= or on*= attributes.
    for (const script of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/g) ?? [])
      expect(script).toMatch(/^<script[^>]*\ssrc="[^"]+"[^>]*><\/script>$/);
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('serves the script and the stylesheet with their content types and the same headers', async () => {
    app = await buildAdminApp(makeFakes().deps, { consoleDir: built.dir });
    const script = await app.inject({ url: '/console/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    expect(script.headers).toMatchObject(SECURITY);
    expect(script.body.length).toBeGreaterThan(10_000);
    expect(script.body).toContain('/api/mappings');
    const style = await app.inject({ url: '/console/app.css' });
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain(':focus-visible');
    const head = await app.inject({ method: 'HEAD', url: '/console/' });
    expect(head.statusCode).toBe(200);
  });

  it('answers 404 for files that are not the console (nothing else of the directory or the disk)', async () => {
    app = await buildAdminApp(makeFakes().deps, { consoleDir: built.dir });
    for (const url of ['/console/nope.js', '/console/..%2Fpackage.json', '/console/index.htm', '/console/sub/app.js']) {
      const answer = await app.inject({ url });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json(), url).toMatchObject({ error: expect.any(String) as unknown });
    }
  });

  it('answers 503 console_not_built when the directory holds no build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'pos-bridge-console-empty-'));
    try {
      for (const dir of [empty, join(empty, 'missing')]) {
        app = await buildAdminApp(makeFakes().deps, { consoleDir: dir });
        for (const url of ['/console/', '/console/app.js']) {
          const answer = await app.inject({ url });
          expect(answer.statusCode, url).toBe(503);
          expect(answer.json()).toEqual({ error: 'console_not_built', message: 'run npm run build' });
          expect(answer.headers['content-security-policy']).toBe(CONSOLE_CSP);
        }
        await app.close();
        app = undefined;
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('finds dist/console at the package root by default', () => {
    expect(defaultConsoleDir()).toBe(join(packageRoot(), 'dist', 'console'));
  });
});
