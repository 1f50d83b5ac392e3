import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logging.js';
import { generateAppeals } from '../fixtures/generator.js';

function capture(): { lines: () => Record<string, unknown>[]; raw: () => string; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logging', () => {
  it('never writes applicant or co-applicant personal data, even when a whole appeal is logged by mistake', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    const appeals = generateAppeals(30, { seed: 7 });
    for (const appeal of appeals) {
      logger.child({ posId: appeal.id }).info({ appeal }, 'oops, a whole appeal');
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
    logger.info(
      { access_token: 'tok-123', password: 'pw-456', headers: { authorization: 'Bearer tok-789' }, config: { DATA_KEY: 'key-000' } },
      'secrets',
    );
    const raw = out.raw();
    for (const secret of ['tok-123', 'pw-456', 'tok-789', 'key-000']) expect(raw).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({ access_token: '[redacted]', msg: 'secrets' });
  });
});

describe('logging: values, messages and bindings', () => {
  const markers = {
    surname: 'Тестпд1',
    email: 'pd1@example.test',
    phone: '+7 900 111-22-33',
    address: 'ул. Маркерная, 7',
    text: 'Маркерный текст обращения номер один',
    inn: '7707083893',
  };

  it('scrubs contacts and document numbers from message strings, also formatted ones and error messages', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    logger.info(`call ${markers.phone} or write to ${markers.email}, ИНН ${markers.inn}`);
    logger.info('formatted %s and %o', markers.email, { surname: markers.surname });
    logger.error(new Error(`could not reach ${markers.email}`));
    logger.warn({ err: new SyntaxError(`Unexpected token 'Т', "{"surname": ${markers.surname}}" is not valid JSON`) }, 'parse failed');
    const raw = out.raw();
    for (const value of [markers.phone, markers.email, markers.inn, markers.surname]) expect(raw).not.toContain(value);
    expect(raw).toContain('Unexpected token in JSON');
  });

  it('redacts values under every personal key, at any depth, and scrubs other strings by value', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    logger.info(
      {
        Subject: markers.text,
        text: markers.text,
        comment: markers.text,
        reason: `refused for ${markers.email}`,
        customFieldValues: [{ name: 'Школа', value: markers.address }],
        mail: markers.email,
        tel: markers.phone,
        nested: { deeper: { note: `звонить ${markers.phone}` } },
      },
      'keys and values',
    );
    const raw = out.raw();
    for (const value of Object.values(markers)) expect(raw).not.toContain(value);
    expect(out.lines()[0]).toMatchObject({
      Subject: '[redacted]',
      text: '[redacted]',
      customFieldValues: '[redacted]',
      reason: 'refused for [redacted]',
    });
  });

  it('scrubs child-logger bindings, keeps ids and the author of a mapping change', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'debug' });
    const child = logger
      .child({ posId: 1234567890 })
      .child({ surname: markers.surname, contact: markers.email, jobId: 'register-1234567890', edmsId: '98765432101' });
    child.info({ mapping: 'directum-rx', version: 'v7', author: 'admin.petrov' }, 'mapping applied');
    child.child({ tel: markers.phone }).info('grandchild');
    const raw = out.raw();
    for (const value of [markers.surname, markers.email, markers.phone]) expect(raw).not.toContain(value);
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      posId: 1234567890,
      jobId: 'register-1234567890',
      edmsId: '98765432101',
      author: 'admin.petrov',
      surname: '[redacted]',
    });
    expect(second).toMatchObject({ posId: 1234567890, tel: '[redacted]' });
  });
});
