// One HTTP stack for every outside system (ПОС, Directum RX): keep-alive agents, timeouts, the
// operator's outbound proxy, latency observation and a single error classification, so retry
// policy is the same whichever system failed.
import http from 'node:http';
import https from 'node:https';
import { finished, type Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { getProxyForUrl } from 'proxy-from-env';
import {
  AuthError,
  BridgeError,
  MalformedResponseError,
  PermanentError,
  RateLimitedError,
  TransientError,
  type ExternalSystem,
} from '../errors.js';
import { safeServerDetails } from './upstream-details.js';
import { safeMessage } from '../redact.js';

export interface ProxySettings {
  httpsProxy?: string;
  noProxy?: string;
}

/** Called after every request: feeds the latency histograms of /metrics. */
export type HttpObserver = (event: {
  system: ExternalSystem;
  method: string;
  route: string;
  status: number | 'error';
  seconds: number;
}) => void;

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
  /** Idle timeout: the call fails when no byte arrives for this long. */
  timeoutMs: number;
  /**
   * Total deadline of one call, however steadily bytes arrive (a slow-drip server would otherwise
   * hold a worker forever); a request may set its own `deadlineMs`. Streamed bodies count until read.
   */
  totalTimeoutMs?: number;
  /** Largest body read into memory (axios maxContentLength); a request may lift it with -1. */
  maxResponseBytes?: number;
  proxy?: ProxySettings;
  observer?: HttpObserver;
  headers?: Record<string, string>;
  maxSockets?: number;
}

/**
 * Whether NO_PROXY sends `target` direct, by proxy-from-env's rules (the ones axios follows): `*`,
 * exact host names, `.suffix` or `*.suffix` for subdomains, an optional `:port` that must match.
 * It reads process.env only, so the configured values stand in for it during the (synchronous) call.
 */
export function bypassesProxy(target: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const actual = process.env;
  const stand = 'http://proxy.invalid';
  process.env = { no_proxy: noProxy, http_proxy: stand, https_proxy: stand };
  try {
    return getProxyForUrl(target) === '';
  } finally {
    process.env = actual;
  }
}

/** Label for metrics: the path with numeric ids and OData keys folded, so series stay few. */
export function routeLabel(url: string | undefined): string {
  return (url ?? '')
    .split('?')[0]!
    .replace(/\(\d+\)/g, '({id})')
    .replace(/\/\d+(?=\/|$)/g, '/{id}');
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Total deadline of this call in ms; the client's totalTimeoutMs when left out. */
    deadlineMs?: number;
  }
}

/** Calls whose total deadline passed, with that deadline: classifyHttpError names it. */
const expiredDeadlines = new WeakMap<object, number>();

function isStream(data: unknown): data is Readable {
  return Boolean(data) && typeof (data as Readable).pipe === 'function' && typeof (data as Readable).destroy === 'function';
}

/**
 * Aborts a call once its deadline passes, body included. Installed before any other interceptor, so
 * it runs last on the way out (after rate limiting, which must not eat the deadline) and first on
 * the way back; an in-call retry passes through again and gets a deadline of its own.
 */
function installDeadline(instance: AxiosInstance, defaultMs: number | undefined): void {
  const calls = new WeakMap<object, { timer: NodeJS.Timeout; body?: Readable }>();
  // A streamed body outlives the call's promise, and axios stops watching an error body once it
  // has rejected: the deadline holds until such a body is read or dropped.
  const settle = (config: object | undefined, data: unknown) => {
    const call = config ? calls.get(config) : undefined;
    if (!call) return;
    if (isStream(data) && !data.destroyed) {
      call.body = data;
      finished(data, () => clearTimeout(call.timer));
    } else {
      clearTimeout(call.timer);
    }
  };
  instance.interceptors.request.use((config) => {
    const ms = config.deadlineMs ?? defaultMs;
    if (!ms) return config;
    const controller = new AbortController();
    expiredDeadlines.delete(config);
    const timer = setTimeout(() => {
      expiredDeadlines.set(config, ms);
      controller.abort();
      const body = calls.get(config)?.body;
      if (body && !body.destroyed) body.destroy(new AxiosError(`total deadline of ${ms} ms exceeded`, AxiosError.ECONNABORTED, config));
    }, ms);
    calls.set(config, { timer });
    config.signal = config.signal ? AbortSignal.any([config.signal as AbortSignal, controller.signal]) : controller.signal;
    return config;
  });
  instance.interceptors.response.use(
    (response) => {
      settle(response.config, response.data);
      return response;
    },
    (error: unknown) => {
      if (error instanceof AxiosError) settle(error.config, error.response?.data);
      // Passed on as it came: callers classify axios errors themselves.
      throw error;
    },
  );
}

/** axios's maxContentLength refusal: a body larger than the client reads into memory. */
function isTooLarge(error: AxiosError): boolean {
  return error.code === AxiosError.ERR_BAD_RESPONSE && /^maxContentLength size of -?\d+ exceeded$/.test(error.message);
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
    maxContentLength: options.maxResponseBytes ?? -1,
    validateStatus: (status) => status >= 200 && status < 300,
    transitional: { clarifyTimeoutError: true },
  });

  installDeadline(instance, options.totalTimeoutMs);
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
      observe({
        system: options.system,
        method: (method ?? 'get').toUpperCase(),
        route: routeLabel(url),
        status,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
      });
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
        throw error;
      },
    );
  }
  return instance;
}

/** Tries so far, carried on the request config: axios copies the config for every request, so a side table keyed by it would lose count. */
type RetriedConfig = InternalAxiosRequestConfig & { bridgeReadRetries?: number };

function installReadRetry(instance: AxiosInstance, retry: ReadRetry): void {
  instance.interceptors.response.use(undefined, async (error: unknown) => {
    if (!(error instanceof AxiosError) || !error.config) throw error;
    const config = error.config as RetriedConfig;
    const status = error.response?.status;
    // A cancelled call (its deadline passed) or an oversized body would only fail again.
    const transient = status === undefined ? error.code !== 'ERR_CANCELED' && !isTooLarge(error) : status === 408 || status >= 500;
    const done = config.bridgeReadRetries ?? 0;
    if (!transient || !SAFE_METHODS.has((config.method ?? 'get').toLowerCase()) || done >= retry.attempts) throw error;
    const delay = retry.baseDelayMs * 2 ** done;
    await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * (delay / 2)));
    return instance.request({ ...config, bridgeReadRetries: done + 1 } as RetriedConfig);
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

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'ERR_CANCELED',
]);

/** Seconds to a tenth: a download's later hops get what is left of one deadline, e.g. 299 996 ms. */
function formatMs(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/** Turns whatever axios threw into one of the bridge's coded errors. */
export function classifyHttpError(error: unknown, system: ExternalSystem, what: string): BridgeError {
  if (error instanceof BridgeError) return error;
  if (!(error instanceof AxiosError)) {
    // A JSON parser's message quotes the body: say only what went wrong.
    if (error instanceof SyntaxError) return new MalformedResponseError(`${what}: unreadable response (not JSON)`, { system });
    return new TransientError(`${what}: ${(error as Error)?.message ?? String(error)}`, { system, cause: error });
  }
  const deadline = error.config ? expiredDeadlines.get(error.config) : undefined;
  if (deadline !== undefined) {
    return new TransientError(`${what}: timed out: not complete within the total deadline of ${formatMs(deadline)}`, {
      system,
      cause: error,
    });
  }
  if (isTooLarge(error)) {
    const limit = error.config?.maxContentLength;
    return new MalformedResponseError(`${what}: response larger than the limit of ${limit} bytes`, {
      system,
      details: { maxBytes: limit },
    });
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
  // Status, codes and known phrases only: error bodies can echo personal data (upstream-details.ts).
  const messages = safeServerDetails(error.response?.data, system).map((message) => safeMessage(message));
  const suffix = messages.length ? `: ${messages.join('; ')}` : '';
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(error.response?.headers?.['retry-after']);
    return new RateLimitedError(`${what}: rate limited, retry after ${retryAfterMs} ms`, retryAfterMs, { system, status });
  }
  if (status === 408 || status >= 500) return new TransientError(`${what}: HTTP ${status}${suffix}`, { system, status });
  if (status === 401 || status === 403) return new AuthError(`${what}: HTTP ${status} (credentials rejected)${suffix}`, { system, status });
  return new PermanentError(`${what}: HTTP ${status}${suffix}`, messages, { system, status });
}
