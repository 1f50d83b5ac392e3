// Real Chromium for the console's browser tests: Debian's build driven by playwright-core (no
// browser download). Without the binary the browser tests skip, unless POS_BRIDGE_REQUIRE_BROWSER
// (or CI) says they must run: then they fail.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const flagSet = (value: string | undefined) => value !== undefined && value !== '' && value !== '0' && value !== 'false';
export const browserRequired = flagSet(process.env.CI) || flagSet(process.env.POS_BRIDGE_REQUIRE_BROWSER);
export const browserFound = existsSync(CHROMIUM_PATH);

if (!browserFound && !browserRequired) {
  console.warn(
    `\n*** console browser tests SKIPPED: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH, or on Debian apt-get install chromium); ` +
      'with CI or POS_BRIDGE_REQUIRE_BROWSER set they fail instead. ***\n',
  );
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh browser (launch() gives it a temporary profile of its own). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface PageProblems {
  /** Console errors and warnings (CSP violations are console errors) and uncaught exceptions. */
  list: string[];
}

/**
 * Collects everything the page complains about. `allow` names console messages that are expected
 * (e.g. the 401 of GET /api/session before signing in, which Chromium logs as a failed load).
 */
export async function watchProblems(page: Page, allow: (message: ConsoleMessage) => boolean = () => false): Promise<PageProblems> {
  const problems: PageProblems = { list: [] };
  // Chromium logs CSP refusals; the event says which directive and where, in case it ever stops.
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + " +
      "' at ' + event.sourceFile + ':' + event.lineNumber + ':' + event.columnNumber + ' ' + event.sample));",
  });
  page.on('console', (message) => {
    if ((message.type() === 'error' || message.type() === 'warning') && !allow(message)) {
      problems.list.push(`console.${message.type()}: ${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', (error) => problems.list.push(`pageerror: ${error.message}`));
  return problems;
}
