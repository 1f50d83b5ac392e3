// The organisations (ЛКО, organisation cabinets in ПОС) one bridge serves. Several come from the
// `organisations:` list of BRIDGE_CONFIG, each naming the environment variable of its SecretKey;
// one comes from POS_CLIENT_ID/POS_CLIENT_SECRET and has the key `default`, under which job ids,
// state keys and queue names stay exactly what single-organisation bridges always wrote.
import { z } from 'zod';

export const DEFAULT_ORGANISATION = 'default';
const KEY = /^[a-z0-9-]{1,32}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface OrganisationConfig {
  /** [a-z0-9-]{1,32}: in job ids, metric labels, logs and the admin API. */
  key: string;
  /** Absent, never '', when POS_CLIENT_ID / the secret is not configured (allowed for tools). */
  clientId?: string;
  clientSecret?: string;
  /** The mapping's name; undefined: the mapping named after EDMS. */
  mapping?: string;
  /** Values that replace the mapping's constants of the same name for this organisation. */
  constants: Readonly<Record<string, unknown>>;
}

const entrySchema = z
  .object({
    key: z.string({ error: 'is required' }).regex(KEY, 'must be 1 to 32 of a-z, 0-9 and -'),
    clientId: z
      .union([z.string(), z.number()], { error: "is required (the ЛКО's ClientID)" })
      .transform(String)
      .pipe(z.string().trim().min(1, "is required (the ЛКО's ClientID)")),
    clientSecretEnv: z
      .string({ error: 'is required (the environment variable holding its SecretKey)' })
      .regex(ENV_NAME, 'must be an environment variable name like POS_SECRET_CITY'),
    mapping: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a mapping name (its file name without .yaml)')
      .optional(),
    constants: z.record(z.string(), z.unknown(), { error: 'must be a mapping of constant names to values' }).optional(),
  })
  .strict();

export interface RawOrganisation {
  key: string;
  clientId: string;
  clientSecretEnv: string;
  mapping?: string;
  constants?: Record<string, unknown>;
}

/** Where a problem of the list is: `organisations[1] (school-7).clientSecretEnv`. */
function where(index: number, key: unknown, field?: string): string {
  const named = typeof key === 'string' && key ? ` (${key})` : '';
  return `BRIDGE_CONFIG: organisations[${index}]${named}${field ? `.${field}` : ''}`;
}

/** Validates the YAML list; problems name the organisation and the field. */
export function parseOrganisations(value: unknown, problems: string[]): RawOrganisation[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push('BRIDGE_CONFIG: organisations: must be a non-empty list of {key, clientId, clientSecretEnv}');
    return undefined;
  }
  const parsed: RawOrganisation[] = [];
  value.forEach((entry, index) => {
    const result = entrySchema.safeParse(entry);
    const key = (entry as { key?: unknown } | null)?.key;
    if (!result.success) {
      for (const issue of result.error.issues) {
        const field = issue.path.join('.') || undefined;
        const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
        problems.push(`${where(index, key, field)}: ${message}`);
      }
      return;
    }
    parsed.push(result.data);
  });
  const seen = new Map<string, string>();
  for (const [index, org] of parsed.entries()) {
    for (const [what, value] of [
      ['key', org.key],
      ['clientId', org.clientId],
    ] as const) {
      const earlier = seen.get(`${what}:${value}`);
      if (earlier) problems.push(`${where(index, org.key, what)}: "${value}" is also used by ${earlier}`);
      else seen.set(`${what}:${value}`, org.key);
    }
  }
  return parsed;
}

/** Reads each organisation's secret from the environment; a missing one is a problem naming both. */
export function resolveOrganisations(
  raw: RawOrganisation[],
  env: Record<string, string | undefined>,
  problems: string[],
): OrganisationConfig[] {
  return raw.map((org, index) => {
    const secret = env[org.clientSecretEnv]?.trim();
    if (!secret)
      problems.push(`${where(index, org.key, 'clientSecretEnv')}: ${org.clientSecretEnv} is not set (it must hold the ЛКО's SecretKey)`);
    return {
      key: org.key,
      clientId: org.clientId,
      clientSecret: secret || undefined,
      mapping: org.mapping,
      constants: { ...(org.constants ?? {}) },
    };
  });
}
