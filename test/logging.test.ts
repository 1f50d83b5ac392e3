import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { appealLogger, createLogger } from '../src/logging.js';
import { generateAppeals } from '../fixtures/generator.js';

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, raw: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging', () => {
  it('never writes applicant or co-applicant personal data, even when a whole appeal is logged by mistake', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    const appeals = generateAppeals(30, { seed: 7 });
    for (const appeal of appeals) {
      appealLogger(logger, appeal.id).info({ appeal }, 'oops, a whole appeal');
      logger.info({ job: { data: { appeal } } }, 'nested deeper');
      logger.info(appeal.applicant ?? {}, 'applicant spread at the top level');
    }
    const raw = out.raw();
    for (const appeal of appeals) {
      for (const person of [appeal.applicant, ...(appeal.coApplicants ?? [])]) {
        for (const value of [person?.surname, person?.phone, person?.email, person?.postAddress]) {
          if (value) expect(raw).not.toContain(value);
        }
      }
      if (appeal.address) expect(raw).not.toContain(appeal.address);
    }
    // The correlation field survives redaction.
    expect(out.lines().filter((line) => line.posId === appeals[0]!.id)).toHaveLength(1);
  });

  it('redacts tokens, passwords and authorization headers', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream });
    logger.info({ access_token: 'tok-123', password: 'pw-456', headers: { authorization: 'Bearer tok-789' }, config: { DATA_KEY: 'key-000' } }, 'secrets');
    const raw = out.raw();
    for (const secret of ['tok-123', 'pw-456', 'tok-789', 'key-000']) expect(raw).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ access_token: '[redacted]', msg: 'secrets' });
  });
});
