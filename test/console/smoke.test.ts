// The console in real Chromium against a real admin app (fake dependencies, shipped mappings): the
// page loads under the strict CSP without a single complaint, the login form is labelled, the
// mappings list comes from the API, the editor is CodeMirror with YAML highlighting, and the failed
// list shows the organisation column when there are several. scenario.test.ts runs a whole bridge.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/admin/app.js';
import { ADMIN_TOKEN, makeFakes, type Fakes } from '../admin/fakes.js';
import { shippedMappings, type ShippedMappings } from '../admin/shipped-mappings.js';
import { browserFound, browserRequired, launchBrowser, watchProblems } from './browser.js';
import { buildConsoleInto, type BuiltConsole } from './build.js';

/** Before signing in GET /api/session answers 401, and so does a wrong token: Chromium logs them as failed loads. */
const expected401 = (message: { text(): string; location(): { url: string } }) =>
  message.text().includes('status of 401') && /\/api\/(session|login)$/.test(message.location().url);

describe('the console in Chromium', () => {
  it.runIf(!browserFound && browserRequired)('has a browser (required: CI or POS_BRIDGE_REQUIRE_BROWSER is set)', () => {
    expect.fail('no Chromium (Debian: apt-get install chromium; .ci/run installs it; or set CHROMIUM_PATH)');
  });

  describe.runIf(browserFound)('smoke', () => {
    let built: BuiltConsole;
    let mappings: ShippedMappings;
    let app: FastifyInstance;
    let fakes: Fakes;
    let url: string;
    let browser: Browser;
    let shots: string;

    beforeAll(async () => {
      [built, mappings, browser] = await Promise.all([buildConsoleInto(), shippedMappings(), launchBrowser()]);
      fakes = makeFakes({ mappings: mappings.registry });
      app = await buildAdminApp(fakes.deps, { consoleDir: built.dir });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
      shots = mkdtempSync(join(tmpdir(), 'pos-bridge-console-shots-'));
    });
    afterAll(async () => {
      await browser?.close();
      await app?.close();
      await mappings?.close();
      built?.remove();
      if (shots && !process.env.POS_BRIDGE_KEEP_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
    });

    it('signs in, lists the mappings and opens the editor without a CSP complaint', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      page.setDefaultTimeout(10_000);
      const problems = await watchProblems(page, expected401);
      await page.goto(`${url}/console/`);

      // The login form: the token field found by its label.
      const token = page.getByLabel('Токен доступа');
      await expect.poll(() => token.getAttribute('data-testid')).toBe('login-token');
      await token.fill('wrong-token');
      await page.getByTestId('login-submit').click();
      await expect.poll(() => page.getByTestId('login-error').textContent()).toBe('Ошибка: Токен не подошёл');
      await token.fill(ADMIN_TOKEN);
      await page.getByTestId('login-submit').click();

      // The list comes from the shipped mappings through GET /api/mappings.
      await page.getByTestId('mappings-table').waitFor();
      expect(await page.getByTestId('who').textContent()).toBe('admin (оператор)');
      const names = await page.locator('[data-testid^="mapping-link-"]').allTextContents();
      expect(names.sort()).toEqual(['delo', 'directum-rx']);
      await page.screenshot({ path: join(shots, 'mappings.png'), fullPage: true });

      await page.getByTestId('mapping-link-directum-rx').click();
      await page.locator('.cm-editor .cm-content').waitFor();
      expect(await page.locator('.cm-content').getAttribute('aria-label')).toBe('Исходный текст маппинга (YAML)');
      expect(await page.locator('.cm-line').first().textContent()).toMatch(/^# =+/);

      // YAML highlighting: the highlighter's spans (comments at the top) have a colour of their own,
      // and keys further down another one (their styles reached the page under the CSP).
      const targetLine = page.locator('.cm-line', { hasText: 'target: directum-rx' });
      for (let step = 0; step < 40 && (await targetLine.count()) === 0; step += 1) {
        await page.locator('.cm-scroller').evaluate((scroller) => scroller.scrollBy(0, 300));
        await page.waitForTimeout(50);
      }
      await targetLine.waitFor();
      // (Runs in the page; the root tsconfig has no DOM globals, so the window comes from the node.)
      const spanColours = await page
        .locator('.cm-line span')
        .evaluateAll((spans) => spans.map((span) => span.ownerDocument.defaultView!.getComputedStyle(span).color));
      const textColour = await page
        .locator('.cm-content')
        .evaluate((content) => content.ownerDocument.defaultView!.getComputedStyle(content).color);
      const colours = [...new Set(spanColours)].filter((colour) => colour !== textColour);
      expect(colours.length).toBeGreaterThanOrEqual(2);
      await page.locator('.cm-scroller').evaluate((scroller) => scroller.scrollTo(0, 0));

      // The real check of the shipped mapping: nothing to mark.
      await expect.poll(() => page.getByTestId('lint-status').textContent()).toBe('Ошибок нет');
      expect(await page.locator('.cm-lintRange-error').count()).toBe(0);
      expect(await page.getByTestId('apply').isDisabled()).toBe(false);

      // An edit (typed from the keyboard) survives the redraw a language switch makes.
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.type('# draft\n');
      expect(await page.locator('.cm-line').first().textContent()).toBe('# draft');

      // English, kept for the next visit.
      await page.getByTestId('language').selectOption('en');
      await expect.poll(() => page.getByTestId('nav-mappings').textContent()).toBe('Mappings');
      expect(
        await page.locator('html').evaluate((html) => html.ownerDocument.defaultView!.localStorage.getItem('pos-bridge.console.lang')),
      ).toBe('en');
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      expect(await page.locator('.cm-line').first().textContent()).toBe('# draft');
      await page.screenshot({ path: join(shots, 'editor.png'), fullPage: true });
      expect(statSync(join(shots, 'editor.png')).size).toBeGreaterThan(10_000);

      expect(problems.list).toEqual([]);
      await page.close();
    });

    it('lists the failed jobs with the organisation column and retries one (a session write: CSRF token sent)', async () => {
      fakes.state.failed.push(
        {
          id: 'push-4101',
          organisation: 'default',
          queue: 'push',
          name: 'register',
          posId: 4101,
          attemptsMade: 5,
          failedAt: '2024-03-01T10:00:00.000Z',
          error: { code: 'EDMS_REFERENCE_UNKNOWN', message: 'subject 12: no department' },
        },
        {
          id: 'push-4102',
          organisation: 'north',
          queue: 'push',
          name: 'register',
          posId: 4102,
          attemptsMade: 3,
          failedAt: '2024-03-01T11:00:00.000Z',
          error: { code: 'TIMEOUT', message: 'the EDMS did not answer in 30 s' },
        },
      );
      const page = await browser.newPage({ viewport: { width: 1280, height: 600 } });
      page.setDefaultTimeout(10_000);
      const problems = await watchProblems(page, expected401);
      await page.goto(`${url}/console/#/failed`);
      await page.getByTestId('login-token').fill(ADMIN_TOKEN);
      await page.getByTestId('login-submit').click();
      const table = page.getByTestId('failed-table');
      await table.waitFor();
      expect(await table.locator('th').allTextContents()).toEqual([
        'Id ПОС',
        'Организация',
        'Код',
        'Сообщение',
        'Время',
        'Попытки',
        'Действия',
      ]);
      expect(await table.locator('tbody tr').count()).toBe(2);
      expect(await table.locator('tbody tr').first().locator('td').nth(1).textContent()).toBe('default');
      await page.screenshot({ path: join(shots, 'failed.png') });

      // The real app refuses a session's write without the CSRF token: this one carried it.
      await page.getByTestId('retry-push-4101').click();
      await expect.poll(() => page.getByTestId('message').textContent()).toBe('Отправлено повторно: 1');
      expect(fakes.state.retried).toEqual(['push-4101']);
      await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
      expect(problems.list).toEqual([]);
      await page.close();
    });
  });
});
