// Loads settings from YAML (BRIDGE_CONFIG), an optional .env file and the environment (which wins),
// validates all of them at once and turns them into the typed configuration the bridge runs on.
// Nothing here opens a connection: a bad config stops the process before it touches anything.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BridgeError } from '../errors.js';
import { parseOriginEntry, SETTING_NAMES, settingsSchema, splitList, type Settings } from './schema.js';
import type { Schedule } from './schedule.js';
import {
  DEFAULT_ORGANISATION,
  parseOrganisations,
  resolveOrganisations,
  type OrganisationConfig,
  type RawOrganisation,
} from './organisations.js';
import { issueLine, issueLines } from '../zod-issues.js';
import { keyLayoutFor, type KeyLayout } from '../pipeline/organisation.js';

export { DEFAULT_ORGANISATION, type OrganisationConfig } from './organisations.js';

/** `edms`: commands that talk to the EDMS only (`edms directories`, `mappings check --against-edms`). */
/** `users`: `pos-bridge users …`, which edits ADMIN_USERS_FILE. */
export type Command = 'start' | 'sync' | 'demo' | 'tool' | 'edms' | 'reseal' | 'users';

export interface RedisTopology {
  sentinels?: { host: string; port: number }[];
  name?: string;
  /** TLS to the sentinels themselves; default: as REDIS_URL (rediss:// = TLS). */
  sentinelTls?: boolean;
  cluster?: { host: string; port: number }[];
}

export type EdmsConfig =
  | {
      kind: 'directum-rx';
      /** Absent unless set: required for start and sync, but tools may load the config without them. */
      baseUrl?: string;
      username?: string;
      password?: string;
      timeoutMs: number;
      requestEntityType: string;
      directoryTtlMs: number;
    }
  | {
      kind: 'delo';
      outboxDir: string;
      inboxDir: string;
      stateDir: string;
      durableWhen: 'registered' | 'written';
      /** Header organisations, id namespace and answer grace; undefined: the adapter's defaults. */
      sender?: string;
      recipient?: string;
      idNamespace?: string;
      answerGraceMs?: number;
      /** DELO_FILE_MODE (undefined: the umask's) and DELO_RETENTION (undefined: the adapter's 90 days). */
      fileMode?: number;
      retentionMs?: number;
    };

export interface BridgeConfig {
  /** `layout`: how keys spread over a Cluster's slots (src/pipeline/organisation.ts). */
  redis: { url: string; prefix: string; layout: KeyLayout; topology?: RedisTopology };
  pos: {
    baseUrl: string;
    /** Credentials are absent, never '', when not configured (POS_PLATFORM_CLIENT, POS_CLIENT_ID/SECRET). */
    platformClientId?: string;
    platformClientSecret?: string;
    clientId?: string;
    clientSecret?: string;
    pageSize: number;
    /** Idle timeout of one call (no byte for this long). */
    timeoutMs: number;
    maxAttachmentBytes: number;
    rateLimitPerSecond?: number;
    // The limits below are always set by loadConfig; a hand-built config (tests, tools) gets
    // POS_LIMIT_DEFAULTS and attachments from the ПОС origin only.
    /** Origins attachments may be downloaded from (POS_ATTACHMENT_ORIGINS). */
    attachmentOrigins?: readonly string[];
    /** Attachments one appeal may have (POS_MAX_ATTACHMENTS). */
    maxAttachments?: number;
    /** Bytes of all attachments of one appeal together (POS_MAX_ATTACHMENTS_TOTAL_MB). */
    maxAttachmentsTotalBytes?: number;
    /** Largest JSON body read from ПОС: pages, token, errors (POS_MAX_RESPONSE_MB). */
    maxResponseBytes?: number;
    /** Total deadline of one file transfer; JSON calls get min(this, 2 × timeoutMs) (HTTP_TOTAL_TIMEOUT). */
    totalTimeoutMs?: number;
  };
  proxy: { httpsProxy?: string; noProxy?: string };
  /**
   * The ЛКО this bridge serves, each with its own ПОС credentials (pos.clientId/clientSecret are the
   * first one's). One organisation from POS_CLIENT_ID/POS_CLIENT_SECRET has the key `default`.
   */
  organisations: OrganisationConfig[];
  edms: EdmsConfig;
  mappingsDir: string;
  /** Longest one appeal's mapping may run in a worker thread before it is stopped (MAPPING_TIMEOUT). */
  mappingTimeoutMs: number;
  http: { host: string; port: number };
  /**
   * The admin API's exposure: proxy trust, the queue UI's write access, browser sessions, the
   * console's users (ADMIN_USERS_FILE, absolute path; absent: ADMIN_TOKEN only) and how long the audit log keeps entries.
   */
  admin: {
    trustProxy: boolean | string;
    queueUiWritable: boolean;
    uiSessionIdleMs: number;
    uiSessionMaxMs: number;
    usersFile?: string;
    auditKeepMs: number;
  };
  adminToken?: string;
  dataKey?: Buffer;
  previousDataKey?: Buffer;
  schedules: { pull: Schedule; watch: Schedule; reconcile: Schedule };
  /**
   * lockMs: how soon a job (and its per-appeal lock) held by a crashed worker is taken up again.
   * processes: worker processes `start` forks (WORKERS); 1 runs everything in one process.
   */
  worker: { concurrency: number; maxAttempts: number; lockMs: number; processes: number | 'auto' };
  /** Finished jobs kept (JOB_KEEP_*), `age` in seconds as BullMQ takes it; `failed` applies to control jobs only. */
  jobRetention: { completed: { age: number; count: number }; failed: { age: number; count: number } };
  /** DEADLINE_TIME_ZONE: whose calendar day the deadline list counts days left in (an IANA zone). */
  deadlines: { timeZone: string };
  logLevel: Settings['LOG_LEVEL'];
}

/** Freezes every object reachable from `value` (Buffers stay writable: typed arrays cannot be frozen). */
function deepFreeze<T>(value: T): Readonly<T> {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}

export class ConfigError extends BridgeError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n${problems.join('\n')}`);
    this.problems = problems;
  }
}

const redisTopologySchema = z
  .object({
    sentinels: z.array(z.object({ host: z.string(), port: z.number().int() })).optional(),
    name: z.string().optional(),
    sentinelTls: z.boolean().optional(),
    cluster: z.array(z.object({ host: z.string(), port: z.number().int() })).optional(),
  })
  .strict();

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  command?: Command;
  /** Path of the .env file; `false` skips it. Defaults to ./.env when present. */
  dotenvPath?: string | false;
}

type RawSettings = Record<string, string>;

interface YamlConfig {
  settings: RawSettings;
  topology?: RedisTopology;
  organisations?: RawOrganisation[];
}

function readYaml(path: string, problems: string[]): YamlConfig {
  if (!existsSync(path)) {
    problems.push(`BRIDGE_CONFIG: file not found: ${path}`);
    return { settings: {} };
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`BRIDGE_CONFIG: ${path} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return { settings: {} };
  }
  if (doc === null || doc === undefined) return { settings: {} };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    problems.push(`BRIDGE_CONFIG: ${path} must hold a mapping of setting names to values`);
    return { settings: {} };
  }
  const settings: RawSettings = {};
  let topology: RedisTopology | undefined;
  let organisations: RawOrganisation[] | undefined;
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key === 'organisations') {
      // Present but invalid still counts as listed: POS_CLIENT_ID is then not asked for as well.
      organisations = parseOrganisations(value, problems) ?? [];
    } else if (key === 'redis') {
      const parsed = redisTopologySchema.safeParse(value);
      if (parsed.success) topology = parsed.data;
      else problems.push(...parsed.error.issues.map((i) => `BRIDGE_CONFIG: ${issueLine({ ...i, path: ['redis', ...i.path] })}`));
    } else if (!(SETTING_NAMES as string[]).includes(key)) {
      problems.push(`BRIDGE_CONFIG: unknown setting ${key}`);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      settings[key] = String(value);
    } else if (value !== null && value !== undefined) {
      // A list or a mapping would otherwise arrive as the text "[object Object]".
      problems.push(`BRIDGE_CONFIG: ${key} must be a single value (text, a number or true/false)`);
    }
  }
  return { settings, topology, organisations };
}

function pickKnown(source: NodeJS.ProcessEnv | Record<string, string>): RawSettings {
  const picked: RawSettings = {};
  for (const name of SETTING_NAMES) {
    const value = source[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/** Settings that must be present for a command; checked on the raw values so that every problem shows at once. */
function requireFor(raw: RawSettings, command: Command, problems: string[], several: boolean): void {
  const missing = (name: string, why: string) => {
    if (!raw[name]) problems.push(`${name}: is required ${why}`);
  };
  if (several) {
    // Two sources of credentials would leave it unclear which ЛКО a job belongs to.
    for (const name of ['POS_CLIENT_ID', 'POS_CLIENT_SECRET']) {
      if (raw[name])
        problems.push(
          `${name}: must not be set when BRIDGE_CONFIG lists organisations: (give that ЛКО an entry there, key default keeps its jobs)`,
        );
    }
  }
  if (command === 'start' || command === 'sync') {
    missing('POS_PLATFORM_CLIENT', '(the platform client pair id:secret)');
    if (!several) {
      missing('POS_CLIENT_ID', "(the organisation's ClientID)");
      missing('POS_CLIENT_SECRET', "(the organisation's SecretKey)");
    }
    missing('EDMS', '(directum-rx or delo)');
    missing('DATA_KEY', `for ${command} (32-byte key that encrypts personal data in Redis)`);
  }
  if (command === 'start') missing('ADMIN_TOKEN', 'for start (bearer token of the admin API)');
  if (command === 'edms') missing('EDMS', '(directum-rx or delo)');
  if (command === 'reseal') missing('DATA_KEY', 'for reseal (the key to seal kept payloads under)');
  if (command === 'users') missing('ADMIN_USERS_FILE', "for users (the console users' file to edit)");
  if (raw.EDMS === 'directum-rx') {
    missing('DIRECTUM_BASE_URL', 'with EDMS=directum-rx');
    missing('DIRECTUM_USERNAME', 'with EDMS=directum-rx');
    missing('DIRECTUM_PASSWORD', 'with EDMS=directum-rx');
  }
  if (raw.EDMS === 'delo') {
    missing('DELO_OUTBOX_DIR', 'with EDMS=delo');
    missing('DELO_INBOX_DIR', 'with EDMS=delo');
  }
}

/** Plain http attachment origins only beside an http POS_BASE_URL (a sandbox or the emulator). */
function checkOriginSchemes(raw: RawSettings, problems: string[]): void {
  if (!raw.POS_ATTACHMENT_ORIGINS) return;
  let baseProtocol: string;
  try {
    baseProtocol = new URL(raw.POS_BASE_URL ?? 'https://pos.gosuslugi.ru').protocol;
  } catch {
    return; // POS_BASE_URL has its own line
  }
  if (baseProtocol !== 'https:') return;
  for (const entry of splitList(raw.POS_ATTACHMENT_ORIGINS)) {
    const parsed = parseOriginEntry(entry);
    if ('origin' in parsed && parsed.protocol === 'http:') {
      problems.push(`POS_ATTACHMENT_ORIGINS: "${entry}" is plain http; only https origins are allowed while POS_BASE_URL is https`);
    }
  }
}

/** Validates everything and returns the configuration, or throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): BridgeConfig {
  const env = options.env ?? process.env;
  const command = options.command ?? 'tool';
  const problems: string[] = [];

  const yaml: YamlConfig = env.BRIDGE_CONFIG ? readYaml(env.BRIDGE_CONFIG, problems) : { settings: {} };
  const dotenvPath = options.dotenvPath === undefined ? resolve('.env') : options.dotenvPath;
  const dotenvAll = dotenvPath && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const dotenv = pickKnown(dotenvAll);
  const merged = { ...yaml.settings, ...dotenv, ...pickKnown(env) };

  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    problems.push(...issueLines(parsed.error));
  }
  requireFor(merged, command, problems, yaml.organisations !== undefined);
  checkOriginSchemes(merged, problems);
  if (yaml.organisations) checkOrganisationMappings(yaml.organisations, resolve(merged.MAPPINGS_DIR ?? './mappings'), problems);
  const organisations = yaml.organisations ? resolveOrganisations(yaml.organisations, { ...dotenvAll, ...env }, problems) : undefined;
  const prefix = merged.QUEUE_PREFIX ?? 'pos-bridge';
  if (yaml.topology?.cluster?.length && /[{}]/.test(prefix) && !/\{[^{}]+\}/.test(prefix)) {
    // On a Cluster a brace decides the slot: {pos-bridge} keeps every key on one master, no brace
    // spreads them (a tag per queue and per organisation); a stray brace would do neither.
    problems.push(
      'QUEUE_PREFIX: on Redis Cluster, a brace must make a hash tag such as {pos-bridge}, or leave braces out to spread the keys',
    );
  }
  if (!parsed.success || problems.length > 0) {
    // One line per variable, in the order interface.md lists them.
    const order = (line: string) => SETTING_NAMES.indexOf(line.split(':')[0] as (typeof SETTING_NAMES)[number]);
    throw new ConfigError(problems.sort((a, b) => order(a) - order(b)));
  }
  // Parsed once; nothing may change it at run time.
  return deepFreeze(toConfig(parsed.data, yaml.topology, organisations));
}

/** A mapping an organisation names must be a file in MAPPINGS_DIR (the API may add one later, not at start). */
function checkOrganisationMappings(organisations: RawOrganisation[], dir: string, problems: string[]): void {
  organisations.forEach((org, index) => {
    if (org.mapping && !['.yaml', '.yml'].some((ext) => existsSync(resolve(dir, `${org.mapping}${ext}`)))) {
      problems.push(
        `BRIDGE_CONFIG: organisations[${index}] (${org.key}).mapping: no mapping "${org.mapping}" in ${dir} (${org.mapping}.yaml)`,
      );
    }
  });
}

const MB = 1024 * 1024;

function toConfig(s: Settings, topology?: RedisTopology, listed?: OrganisationConfig[]): BridgeConfig {
  const organisations: OrganisationConfig[] = listed ?? [
    { key: DEFAULT_ORGANISATION, clientId: s.POS_CLIENT_ID, clientSecret: s.POS_CLIENT_SECRET, constants: {} },
  ];
  const edms: EdmsConfig =
    s.EDMS === 'delo'
      ? {
          kind: 'delo',
          outboxDir: resolve(s.DELO_OUTBOX_DIR ?? ''),
          inboxDir: resolve(s.DELO_INBOX_DIR ?? ''),
          stateDir: resolve(s.DELO_STATE_DIR ?? `${s.DELO_INBOX_DIR ?? '.'}/../pos-bridge-state`),
          durableWhen: s.DELO_DURABLE_WHEN,
          sender: s.DELO_SENDER,
          recipient: s.DELO_RECIPIENT,
          idNamespace: s.DELO_ID_NAMESPACE,
          answerGraceMs: s.DELO_ANSWER_GRACE,
          fileMode: s.DELO_FILE_MODE,
          retentionMs: s.DELO_RETENTION,
        }
      : {
          kind: 'directum-rx',
          baseUrl: s.DIRECTUM_BASE_URL,
          username: s.DIRECTUM_USERNAME,
          password: s.DIRECTUM_PASSWORD,
          timeoutMs: s.DIRECTUM_TIMEOUT,
          requestEntityType: s.DIRECTUM_ENTITY_TYPE,
          directoryTtlMs: s.DIRECTUM_DIRECTORY_TTL,
        };
  return {
    redis: { url: s.REDIS_URL, prefix: s.QUEUE_PREFIX, layout: keyLayoutFor(s.QUEUE_PREFIX, Boolean(topology?.cluster?.length)), topology },
    pos: {
      baseUrl: s.POS_BASE_URL.replace(/\/+$/, ''),
      platformClientId: s.POS_PLATFORM_CLIENT?.id,
      platformClientSecret: s.POS_PLATFORM_CLIENT?.secret,
      clientId: organisations[0]!.clientId,
      clientSecret: organisations[0]!.clientSecret,
      pageSize: s.POS_PAGE_SIZE,
      timeoutMs: s.POS_TIMEOUT,
      maxAttachmentBytes: s.POS_MAX_ATTACHMENT_MB * MB,
      rateLimitPerSecond: s.POS_RATE_LIMIT,
      attachmentOrigins: s.POS_ATTACHMENT_ORIGINS ?? [new URL(s.POS_BASE_URL).origin],
      maxAttachments: s.POS_MAX_ATTACHMENTS,
      maxAttachmentsTotalBytes: s.POS_MAX_ATTACHMENTS_TOTAL_MB * MB,
      maxResponseBytes: s.POS_MAX_RESPONSE_MB * MB,
      totalTimeoutMs: s.HTTP_TOTAL_TIMEOUT,
    },
    proxy: { httpsProxy: s.HTTPS_PROXY, noProxy: s.NO_PROXY },
    organisations,
    edms,
    mappingsDir: resolve(s.MAPPINGS_DIR),
    mappingTimeoutMs: s.MAPPING_TIMEOUT,
    http: { host: s.HTTP_HOST, port: s.HTTP_PORT },
    admin: {
      trustProxy: s.TRUST_PROXY,
      queueUiWritable: s.QUEUE_UI_WRITABLE,
      uiSessionIdleMs: s.UI_SESSION_IDLE,
      uiSessionMaxMs: s.UI_SESSION_MAX,
      ...(s.ADMIN_USERS_FILE ? { usersFile: resolve(s.ADMIN_USERS_FILE) } : {}),
      auditKeepMs: s.AUDIT_KEEP,
    },
    adminToken: s.ADMIN_TOKEN,
    dataKey: s.DATA_KEY,
    previousDataKey: s.DATA_KEY_PREVIOUS,
    schedules: { pull: s.PULL_EVERY, watch: s.WATCH_EVERY, reconcile: s.RECONCILE_EVERY },
    worker: { concurrency: s.WORKER_CONCURRENCY, maxAttempts: s.MAX_ATTEMPTS, lockMs: s.JOB_LOCK_TIMEOUT, processes: s.WORKERS },
    jobRetention: {
      completed: { age: Math.round(s.JOB_KEEP_COMPLETED_AGE / 1000), count: s.JOB_KEEP_COMPLETED_COUNT },
      failed: { age: Math.round(s.JOB_KEEP_FAILED_AGE / 1000), count: s.JOB_KEEP_FAILED_COUNT },
    },
    deadlines: { timeZone: s.DEADLINE_TIME_ZONE },
    logLevel: s.LOG_LEVEL,
  };
}

/** A URL as it may be shown: the password part masked; `[redacted]` when it does not parse. */
export function urlWithoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = 'redacted';
    return url.href.replace(/:redacted@/, ':[redacted]@');
  } catch {
    return '[redacted]';
  }
}
