// One HTTP stack for every outside system (ПОС, Directum RX): keep-alive agents, timeouts, the
// operator's outbound proxy, latency observation and a single error classification, so retry
// policy is the same whichever system failed.
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import { HttpsProxyAgent } from 'https-proxy-agent';
import {
  AuthError, BridgeError, MalformedResponseError, PermanentError, RateLimitedError, TransientError,
  type ExternalSystem,
} from '../errors.js';
import { redactQuoted, safeMessage } from '../redact.js';

export interface ProxySettings {
  httpsProxy?: string;
  noProxy?: string;
}

/** Called after every request: feeds the latency histograms of /metrics. */
export type HttpObserver = (event: { system: ExternalSystem; method: string; route: string; status: number | 'error'; seconds: number }) => void;

/**
 * Quick in-call retries of safe requests (GET, HEAD, PUT) after a dropped connection, timeout or
 * 5xx, so one flaky read does not cost a whole queue job its attempt. Writes that are not
 * idempotent (POST, PATCH) and 429s are left to the queue, which owns backoff and Retry-After.
 */
export interface ReadRetry {
  attempts: number;
  baseDelayMs: number;
}

export const DEFAULT_READ_RETRY: ReadRetry = { attempts: 2, baseDelayMs: 200 };

const SAFE_METHODS = new Set(['get', 'head', 'put', 'options']);

export interface HttpClientOptions {
  baseURL: string;
  /** Off unless given (unit tests of the clients see each failure at once). */
  retryReads?: ReadRetry;
  system: ExternalSystem;
  timeoutMs: number;
  proxy?: ProxySettings;
  observer?: HttpObserver;
  headers?: Record<string, string>;
  maxSockets?: number;
}

/** NO_PROXY semantics as curl has them: `*`, exact hosts, `.suffix`/`suffix` domains, optional :port. */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = target.hostname.toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [rawHost, entryPort] = entry.toLowerCase().split(':');
      if (entryPort && entryPort !== port) return false;
      const suffix = (rawHost ?? '').replace(/^\*?\./, '');
      return host === suffix || host.endsWith(`.${suffix}`);
    });
}

/** Label for metrics: the path with numeric ids and OData keys folded, so series stay few. */
export function routeLabel(url: string | undefined): string {
  return (url ?? '')
    .split('?')[0]!
    .replace(/\(\d+\)/g, '({id})')
    .replace(/\/\d+(?=\/|$)/g, '/{id}');
}

export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  const target = new URL(options.baseURL);
  const useProxy = Boolean(options.proxy?.httpsProxy) && !bypassesProxy(target, options.proxy?.noProxy);
  const proxyAgent = useProxy ? new HttpsProxyAgent(options.proxy!.httpsProxy!, agentOptions) : undefined;
  const instance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    httpAgent: proxyAgent ?? new http.Agent(agentOptions),
    httpsAgent: proxyAgent ?? new https.Agent(agentOptions),
    proxy: false, // the agent above does proxying; axios's own proxy support mishandles HTTPS tunnels
    headers: options.headers,
    maxRedirects: 0,
    validateStatus: (status) => status >= 200 && status < 300,
    transitional: { clarifyTimeoutError: true },
  });

  if (options.retryReads) installReadRetry(instance, options.retryReads);
  if (options.observer) {
    const observe = options.observer;
    const started = new WeakMap<object, bigint>();
    instance.interceptors.request.use((config) => {
      started.set(config, process.hrtime.bigint());
      return config;
    });
    const report = (config: object | undefined, method: string | undefined, url: string | undefined, status: number | 'error') => {
      const t0 = config ? started.get(config) : undefined;
      if (t0 === undefined) return;
      observe({ system: options.system, method: (method ?? 'get').toUpperCase(), route: routeLabel(url), status, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    };
    instance.interceptors.response.use(
      (response) => {
        report(response.config, response.config.method, response.config.url, response.status);
        return response;
      },
      (error: unknown) => {
        if (error instanceof AxiosError && error.config) {
          report(error.config, error.config.method, error.config.url, error.response?.status ?? 'error');
        }
        return Promise.reject(error);
      },
    );
  }
  return instance;
}

function installReadRetry(instance: AxiosInstance, retry: ReadRetry): void {
  const tries = new WeakMap<object, number>();
  instance.interceptors.response.use(undefined, async (error: unknown) => {
    if (!(error instanceof AxiosError) || !error.config) throw error;
    const config = error.config;
    const status = error.response?.status;
    const transient = status === undefined ? error.code !== 'ERR_CANCELED' : status === 408 || status >= 500;
    const done = tries.get(config) ?? 0;
    if (!transient || !SAFE_METHODS.has((config.method ?? 'get').toLowerCase()) || done >= retry.attempts) throw error;
    tries.set(config, done + 1);
    const delay = retry.baseDelayMs * 2 ** done;
    await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
    return instance.request(config);
  });
}

/** Retry-After as seconds or an HTTP date; a missing or odd value means "one second". */
export function parseRetryAfter(value: unknown, now = Date.now()): number {
  if (typeof value !== 'string' && typeof value !== 'number') return 1000;
  const text = String(value).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.max(0, Math.round(Number(text) * 1000));
  const date = Date.parse(text);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}

/** The server's error texts: ПОС sends {"messages":[...]}, OData {"error":{"message"}}, others vary. */
export function serverMessages(body: unknown): string[] {
  if (typeof body === 'string') return body.trim() ? [body.trim().slice(0, 500)] : [];
  if (!body || typeof body !== 'object') return [];
  const record = body as Record<string, unknown>;
  if (Array.isArray(record.messages)) return record.messages.map(String);
  const error = record.error;
  if (typeof error === 'string') return [typeof record.error_description === 'string' ? `${error}: ${record.error_description}` : error];
  if (error && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') {
    return [String((error as Record<string, unknown>).message)];
  }
  if (typeof record.message === 'string') return [record.message];
  return [];
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'ENETUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET', 'ERR_CANCELED',
]);

/** Turns whatever axios threw into one of the bridge's coded errors. */
export function classifyHttpError(error: unknown, system: ExternalSystem, what: string): BridgeError {
  if (error instanceof BridgeError) return error;
  if (!(error instanceof AxiosError)) {
    // V8 parse errors quote the body: only the sanitized text (src/redact.ts) travels on.
    if (error instanceof SyntaxError) return new MalformedResponseError(`${what}: unreadable response: ${safeMessage(error)}`, { system });
    return new TransientError(`${what}: ${(error as Error)?.message ?? String(error)}`, { system, cause: error });
  }
  const status = error.response?.status;
  if (status === undefined) {
    const code = error.code ?? 'ERR_NETWORK';
    const label = code === 'ETIMEDOUT' || code === 'ECONNABORTED' ? 'timed out' : `network error ${code}`;
    if (NETWORK_CODES.has(code) || code === 'ERR_NETWORK' || code === 'ERR_BAD_RESPONSE') {
      return new TransientError(`${what}: ${label}`, { system, cause: error });
    }
    return new TransientError(`${what}: ${error.message}`, { system, cause: error });
  }
  // Servers quote the value they refused (a surname, an address): quoted data out, identifiers kept.
  const messages = serverMessages(error.response?.data).map((message) => safeMessage(redactQuoted(message)));
  const suffix = messages.length ? `: ${messages.join('; ')}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(error.response?.headers?.['retry-after']);
    return new RateLimitedError(`${what}: rate limited, retry after ${retryAfterMs} ms`, retryAfterMs, { system, status });
  }
  if (status === 408 || status >= 500) return new TransientError(`${what}: HTTP ${status}${suffix}`, { system, status });
  if (status === 401 || status === 403) return new AuthError(`${what}: HTTP ${status} (credentials rejected)${suffix}`, { system, status });
  return new PermanentError(`${what}: HTTP ${status}${suffix}`, messages, { system, status });
}
