// pino logger with personal data (152-ФЗ) and secrets redacted by path, wherever they sit in a
// logged object. Code logs ids (`posId`), never appeals; redaction is the safety net for mistakes.
import { pino, type Logger, type DestinationStream } from 'pino';

const PERSONAL_KEYS = [
  'surname', 'name', 'patronymic', 'email', 'phone', 'phones', 'postAddress', 'address', 'locationAddress',
  'coordinates', 'LastName', 'FirstName', 'MiddleName', 'Email', 'Phones', 'PostalAddress', 'FIO',
  'applicant', 'coApplicants', 'executorInfo', 'managerInfo', 'Correspondent',
];
const SECRET_KEYS = [
  'password', 'access_token', 'accessToken', 'token', 'authorization', 'Authorization', 'secret',
  'clientSecret', 'platformClientSecret', 'dataKey', 'DATA_KEY', 'ADMIN_TOKEN', 'cookie',
];

/** Redaction paths: each key at the top level and up to three levels deep (pino paths need depth). */
export function redactionPaths(): string[] {
  const keys = [...PERSONAL_KEYS, ...SECRET_KEYS];
  const paths: string[] = [];
  for (const key of keys) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  paths.push('req.headers.authorization', 'headers.authorization', 'config.headers.Authorization');
  return paths;
}

export interface LoggerOptions {
  level?: string;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'pos-bridge', ...options.base },
      redact: { paths: redactionPaths(), censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

/** Child logger carrying the appeal's correlation field. */
export function appealLogger(logger: Logger, posId: number | string): Logger {
  return logger.child({ posId });
}

export type { Logger };
