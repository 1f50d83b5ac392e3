// The ПОС EDMS interface (pos-edms-api.md): token, pull page, mark-accepted, status/answer, file
// upload, attachment download. One re-authentication on 401/403 is the only retry here: the queue
// owns every other retry, so each failure surfaces as a coded error (src/errors.ts) at once.
import type { Readable } from 'node:stream';
import { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { AppealFile } from '../../adapters/contract.js';
import type { BridgeConfig } from '../config/load.js';
import { AuthError, BridgeError, PermanentError } from '../errors.js';
import { classifyHttpError, createHttpClient, type HttpObserver, type ProxySettings, type ReadRetry } from '../http/client.js';
import type { RequestLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logging.js';
import {
  attachmentContentType, attachmentName, checkAnnouncedLength, multipartFileBody, readLimited,
} from './attachments.js';
import { admitAppeal } from './limits.js';
import {
  pageSchema, posAnswerSchema, uploadedFileSchema, type PosAnswer, type PosAppeal, type UploadedFile,
} from './schemas.js';
import { PosTokenSource, TOKEN_PATH } from './token.js';
import { describeIssues, parseJson, rawText, validated, withParsedErrorBody } from './wire.js';

export const POS_PATHS = {
  token: TOKEN_PATH,
  pull: '/appeal-service/edms',
  accept: (posId: number) => `/appeal-service/edms/${posId}/mark-accepted`,
  answer: (posId: number) => `/appeal-service/edms/${posId}`,
  upload: '/file-storage-service/filestorage',
} as const;

/** Largest error body read from a failed download, for the server's messages. */
const ERROR_BODY_LIMIT = 64 * 1024;

export interface PosClientOptions {
  pos: BridgeConfig['pos'];
  proxy?: ProxySettings;
  logger?: Logger;
  observer?: HttpObserver;
  now?: () => number;
  /** In-call retries of reads (pull, downloads); off by default. */
  retryReads?: ReadRetry;
  /** Paces every request to ПОС (POS_RATE_LIMIT); none: unpaced. */
  limiter?: RequestLimiter;
}

/** A list element that failed appealSchema or a limit. No personal data: field paths and messages only. */
export interface MalformedAppeal {
  id?: number | string;
  /** Why it is set aside; MALFORMED_APPEAL when absent. */
  code?: 'MALFORMED_APPEAL' | 'APPEAL_TOO_LARGE';
  issues: string[];
}

export interface PulledPage {
  appeals: PosAppeal[];
  malformed: MalformedAppeal[];
  /** The page number the server says it returned (0-based). */
  pageNumber: number;
  last: boolean;
  totalElements?: number;
  totalPages?: number;
  /** The page size the server applied, which may differ from the one asked for. */
  pageSize?: number;
  /** Elements on this page, valid and malformed together. */
  elementCount?: number;
}

/**
 * Metric label of a ПОС route. Attachment URLs are absolute and carry file ids: fold them so each
 * file does not become a series of its own, and never put another host's path into a label.
 */
export function posRouteLabel(route: string, posOrigin: string): string {
  let path = route;
  if (/^https?:\/\//i.test(route)) {
    const url = new URL(route);
    if (url.origin !== posOrigin) return 'external-attachment';
    path = url.pathname;
  }
  return path.replace(/^(\/file-storage-service\/filestorage)\/[^/]+.*$/, '$1/{id}');
}

function labelledObserver(observer: HttpObserver, posOrigin: string): HttpObserver {
  return (event) => observer({ ...event, route: posRouteLabel(event.route, posOrigin) });
}

function isAuthRejection(error: unknown): boolean {
  const status = error instanceof AxiosError ? error.response?.status : undefined;
  return status === 401 || status === 403;
}


export class PosClient {
  private readonly http: AxiosInstance;
  private readonly pos: BridgeConfig['pos'];
  private readonly logger?: Logger;
  private readonly posHost: string;
  private readonly tokens: PosTokenSource;

  constructor(options: PosClientOptions) {
    this.pos = options.pos;
    this.logger = options.logger;
    this.posHost = new URL(options.pos.baseUrl).hostname.toLowerCase();
    this.http = createHttpClient({
      baseURL: options.pos.baseUrl,
      system: 'pos',
      timeoutMs: options.pos.timeoutMs,
      proxy: options.proxy,
      observer: options.observer && labelledObserver(options.observer, new URL(options.pos.baseUrl).origin),
      headers: { Accept: 'application/json' },
      retryReads: options.retryReads,
    });
    const limiter = options.limiter;
    if (limiter) {
      // Every request to ПОС (token, pages, downloads, posts, their in-call retries) takes a slot.
      this.http.interceptors.request.use(async (config) => {
        await limiter.acquire();
        return config;
      });
    }
    this.tokens = new PosTokenSource(this.http, options.pos, options.now ?? Date.now, options.logger);
  }

  /** A valid access token: cached, renewed shortly before it expires, one request for all callers. */
  token(): Promise<string> {
    return this.tokens.get();
  }

  /** Readiness: ПОС answers and accepts the credentials. */
  async ping(): Promise<void> {
    await this.token();
  }

  async fetchPage(page: number, size: number): Promise<PulledPage> {
    const what = `pull page ${page}`;
    const response = await this.authorized(what, (auth) =>
      this.http.get<string>(POS_PATHS.pull, { ...rawText, params: { page, size }, headers: auth }));
    const body = validated(pageSchema, parseJson(response.data, what), what);
    const appeals: PosAppeal[] = [];
    const malformed: MalformedAppeal[] = [];
    // Each element on its own (limits, schema, text repair: src/pos/limits.ts): one cannot stop the page.
    for (const element of body.content) {
      const admitted = admitAppeal(element);
      if ('appeal' in admitted) {
        appeals.push(admitted.appeal);
        if (admitted.repaired.length > 0) {
          this.logger?.warn({ posId: admitted.appeal.id, fields: admitted.repaired }, 'ПОС appeal held text that is not valid Unicode; repaired to U+FFFD');
        }
        continue;
      }
      malformed.push(admitted.malformed);
      this.logger?.warn({ posId: admitted.malformed.id, code: admitted.malformed.code, issues: admitted.malformed.issues }, 'ПОС list holds a malformed appeal');
    }
    const pageNumber = body.number ?? page;
    const pageSize = body.size ?? size;
    const last = body.last
      ?? (body.totalPages !== undefined ? pageNumber + 1 >= body.totalPages : body.content.length < pageSize);
    this.logger?.debug({ page: pageNumber, size: pageSize, count: body.content.length, malformed: malformed.length, last }, 'pulled a page');
    return {
      appeals, malformed, pageNumber, last: last || body.content.length === 0, pageSize,
      totalElements: body.totalElements, totalPages: body.totalPages, elementCount: body.content.length,
    };
  }

  /** Removes the appeal from the pull list. Call only once it is durably registered in the EDMS. */
  async markAccepted(posId: number): Promise<void> {
    await this.authorized(`mark-accepted ${posId}`, (auth) =>
      this.http.post(POS_PATHS.accept(posId), undefined, { ...rawText, headers: auth }));
    this.logger?.debug({ posId }, 'marked accepted in ПОС');
  }

  /** Sends a status or the final answer; a body ПОС would refuse is refused here, unsent. */
  async postAnswer(body: PosAnswer): Promise<void> {
    const parsed = posAnswerSchema.safeParse(body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      const posId = typeof body?.id === 'number' ? body.id : undefined;
      throw new BridgeError('ANSWER_INVALID', `answer for appeal ${posId ?? '?'} refused before sending: ${issues.join('; ')}`, false, {
        system: 'pos', posId, details: { issues },
      });
    }
    const answer = parsed.data;
    await this.authorized(`answer ${answer.id}`, (auth) =>
      this.http.post(POS_PATHS.answer(answer.id), answer, { ...rawText, headers: { ...auth, 'Content-Type': 'application/json' } }));
    this.logger?.debug({ posId: answer.id, final: answer.answer }, 'posted a status to ПОС');
  }

  /** Puts a file into ПОС file storage; its `id` goes into PosAnswer.attachmentIds. */
  async uploadFile(file: AppealFile): Promise<UploadedFile> {
    const what = 'upload file';
    const { body, contentType } = multipartFileBody('file', file);
    const response = await this.authorized(what, (auth) =>
      this.http.post<string>(POS_PATHS.upload, body, { ...rawText, headers: { ...auth, 'Content-Type': contentType } }));
    const uploaded = validated(uploadedFileSchema, parseJson(response.data, what), what);
    this.logger?.debug({ fileId: uploaded.id, size: file.data.length }, 'uploaded a file to ПОС');
    return uploaded;
  }

  /**
   * Streams an attachment into memory, stopping as soon as it passes the size limit. The bearer
   * token goes only to the ПОС host and its subdomains: the URL comes from appeal data.
   */
  async downloadAttachment(url: string, options: { maxBytes?: number } = {}): Promise<AppealFile> {
    const maxBytes = options.maxBytes ?? this.pos.maxAttachmentBytes;
    const target = new URL(url, `${this.pos.baseUrl}/`);
    const what = 'download attachment'; // no path: file names can be personal data
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new PermanentError(`${what}: unsupported URL scheme ${target.protocol}`, [], { system: 'pos' });
    }
    const send = (auth: Record<string, string>) => this.streamGet(target.href, auth);
    const response = this.isPosHost(target.hostname)
      ? await this.authorized(what, send)
      : await send({}).catch((error: unknown) => Promise.reject(classifyHttpError(withParsedErrorBody(error), 'pos', what)));
    const stream = response.data;
    try {
      checkAnnouncedLength(response.headers['content-length'], maxBytes, what);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    const data = await readLimited(stream, maxBytes, what).catch((error: unknown) => Promise.reject(classifyHttpError(error, 'pos', what)));
    const contentDisposition = response.headers['content-disposition'];
    return {
      name: attachmentName(target.href, typeof contentDisposition === 'string' ? contentDisposition : undefined),
      contentType: attachmentContentType(response.headers['content-type']),
      data,
    };
  }

  private isPosHost(hostname: string): boolean {
    const host = hostname.toLowerCase();
    return host === this.posHost || host.endsWith(`.${this.posHost}`);
  }

  /** GET as a stream; a failed response's body is read (bounded) so its socket is freed and messages kept. */
  private async streamGet(url: string, headers: Record<string, string>): Promise<AxiosResponse<Readable>> {
    try {
      return await this.http.get<Readable>(url, { responseType: 'stream', headers: { ...headers, Accept: '*/*' } });
    } catch (error) {
      const body = error instanceof AxiosError ? (error.response?.data as Readable | undefined) : undefined;
      if (error instanceof AxiosError && error.response && body && typeof body.pipe === 'function') {
        const text = await readLimited(body, ERROR_BODY_LIMIT, 'error body').then((b) => b.toString('utf8'), () => '');
        error.response.data = text;
      }
      throw error;
    }
  }

  /** Runs a Bearer call; on 401/403 renews the token once and repeats the call once. */
  private async authorized<T>(what: string, send: (auth: Record<string, string>) => Promise<T>): Promise<T> {
    const first = await this.token();
    try {
      return await send({ Authorization: `Bearer ${first}` });
    } catch (error) {
      if (!isAuthRejection(error)) throw classifyHttpError(withParsedErrorBody(error), 'pos', what);
      this.tokens.invalidate(first);
      this.logger?.info({ call: what }, 'ПОС rejected the access token; renewing it once');
    }
    const second = await this.token();
    try {
      return await send({ Authorization: `Bearer ${second}` });
    } catch (error) {
      const classified = classifyHttpError(withParsedErrorBody(error), 'pos', what);
      if (classified instanceof AuthError) this.tokens.invalidate(second);
      throw classified;
    }
  }
}
