// The README's main command, run in-process: it ends with its summary and exit code 0, and the
// bridge's log of the whole run holds no applicant's name, phone, e-mail or address.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAppeals } from '../../fixtures/generator.js';
import type { CliIO } from '../../src/cli/io.js';
import { runDemo } from '../../src/cli/demo.js';
import { testRedisUrl } from '../helpers/redis.js';

function capture(): CliIO & { out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    env: { REDIS_URL: testRedisUrl() },
    isTTY: false,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

describe.each(['directum-rx', 'delo'] as const)('demo with %s', (edms) => {
  it('ends with its summary and exit code 0, with no personal data in the log', async () => {
    const logPath = join(tmpdir(), `pos-bridge-demo-test-${edms}-${process.pid}.log`);
    const io = capture();
    const count = 60;
    const code = await runDemo({ edms, appeals: count, keepRunning: false, logPath }, io);
    expect(code, io.err()).toBe(0);
    const summary = io.out();
    expect(summary).toMatch(new RegExp(`accepted in ПОС\\s+${count}\\b`));
    expect(summary).toMatch(/accepted twice \(must be 0\)\s+0\b/);
    expect(summary).toMatch(new RegExp(`final answers\\s+${count}\\b`));

    // Let the asynchronous log destination flush, then grep it for every applicant's data.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const log = readFileSync(logPath, 'utf8');
    expect(log.match(/appeal registered and accepted/g)?.length).toBe(count);
    const people = generateAppeals(count, { seed: 2026 }).flatMap((a) => [a.applicant, ...(a.coApplicants ?? [])]);
    for (const person of people) {
      for (const value of [person?.surname, person?.phone, person?.email, person?.postAddress]) {
        if (value) expect(log.includes(value), `log contains personal data (${value.length} chars)`).toBe(false);
      }
    }
    rmSync(logPath, { force: true });
  }, 120_000);
});

describe('demo with several organisations', () => {
  it('--organisations 3: three ЛКО into one «Дело», each accepted and answered with its own token', async () => {
    const io = capture();
    const count = 30;
    const logPath = join(tmpdir(), `pos-bridge-demo-test-orgs-${process.pid}.log`);
    const code = await runDemo({ edms: 'delo', appeals: count, keepRunning: false, logPath, organisations: 3 }, io);
    expect(code, io.err()).toBe(0);
    const summary = io.out();
    expect(summary).toMatch(new RegExp(`accepted in ПОС\\s+${count}\\b`));
    expect(summary).toMatch(new RegExp(`final answers\\s+${count}\\b`));
    // The emulator refuses another cabinet's appeal with 403: 10 / 10 each means each went with its own token.
    for (const key of ['lko-1', 'lko-2', 'lko-3']) expect(summary).toMatch(new RegExp(`${key}\\s+.+\\s+10 / 10\\b`));
    rmSync(logPath, { force: true });
  }, 120_000);
});
