// The ПОС EDMS interface (pos-edms-api.md): token, pull page, mark-accepted, status/answer, file
// upload, attachment download. One re-authentication on 401/403 is the only retry here: the queue
// owns every other retry, so each failure surfaces as a coded error (src/errors.ts) at once.
import type { Readable } from 'node:stream';
import { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { AppealFile } from '../../adapters/contract.js';
import type { BridgeConfig } from '../config/load.js';
import { POS_LIMIT_DEFAULTS } from '../config/schema.js';
import {
  AppealTooLargeError,
  AttachmentOriginError,
  AuthError,
  BridgeError,
  FileTooLargeError,
  MalformedAppealError,
  PermanentError,
} from '../errors.js';
import { classifyHttpError, createHttpClient, type HttpObserver, type ProxySettings, type ReadRetry } from '../http/client.js';
import type { RequestLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logging.js';
import { attachmentContentType, attachmentName, checkAnnouncedLength, multipartFileBody, readLimited } from './attachments.js';
import { admitAppeal } from './limits.js';
import { pageSchema, posAnswerSchema, uploadedFileSchema, type PosAnswer, type PosAppeal, type UploadedFile } from './schemas.js';
import { PosTokenSource, TOKEN_PATH } from './token.js';
import { describeIssues, parseJson, rawText, validated, withParsedErrorBody } from './wire.js';

export const POS_PATHS = {
  token: TOKEN_PATH,
  pull: '/appeal-service/edms',
  accept: (posId: number) => `/appeal-service/edms/${posId}/mark-accepted`,
  answer: (posId: number) => `/appeal-service/edms/${posId}`,
  upload: '/file-storage-service/filestorage',
} as const;

/** Largest error body read from a failed download, for the error codes it may hold. */
const ERROR_BODY_LIMIT = 64 * 1024;
/** Redirects followed per download, each within the allowed origins. */
const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MB = 1024 * 1024;

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
  /** The bridge's key of the organisation (ЛКО) whose credentials these are, for error texts. */
  organisation?: string;
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

function formatMb(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

function isAuthRejection(error: unknown): boolean {
  const status = error instanceof AxiosError ? error.response?.status : undefined;
  return status === 401 || status === 403;
}

export class PosClient {
  private readonly http: AxiosInstance;
  private readonly pos: BridgeConfig['pos'];
  private readonly logger?: Logger;
  /** scheme://host[:port] of POS_BASE_URL: the only origin that ever sees the bearer token. */
  private readonly posOrigin: string;
  private readonly attachmentOrigins: ReadonlySet<string>;
  private readonly totalTimeoutMs: number;
  private readonly tokens: PosTokenSource;
  private readonly organisation?: string;

  constructor(options: PosClientOptions) {
    this.pos = options.pos;
    this.organisation = options.organisation;
    this.logger = options.logger;
    this.posOrigin = new URL(options.pos.baseUrl).origin;
    this.attachmentOrigins = new Set(options.pos.attachmentOrigins ?? [this.posOrigin]);
    this.totalTimeoutMs = options.pos.totalTimeoutMs ?? POS_LIMIT_DEFAULTS.totalTimeoutMs;
    this.http = createHttpClient({
      baseURL: options.pos.baseUrl,
      system: 'pos',
      timeoutMs: options.pos.timeoutMs,
      // JSON calls are small: twice the idle timeout is plenty. File transfers set the full deadline.
      totalTimeoutMs: Math.min(this.totalTimeoutMs, 2 * options.pos.timeoutMs),
      maxResponseBytes: options.pos.maxResponseBytes ?? POS_LIMIT_DEFAULTS.maxResponseMb * MB,
      proxy: options.proxy,
      observer: options.observer && labelledObserver(options.observer, this.posOrigin),
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

  /** Drops the connections (and requests still in flight): the one-shot commands end with it. */
  close(): void {
    for (const agent of [this.http.defaults.httpAgent, this.http.defaults.httpsAgent] as { destroy?: () => void }[]) agent?.destroy?.();
  }

  /** Readiness: ПОС answers and accepts the credentials. */
  async ping(): Promise<void> {
    await this.token();
  }

  async fetchPage(page: number, size: number): Promise<PulledPage> {
    const what = `pull page ${page}`;
    const response = await this.authorized(what, (auth) =>
      this.http.get<string>(POS_PATHS.pull, { ...rawText, params: { page, size }, headers: auth }),
    );
    const body = validated(pageSchema, parseJson(response.data, what), what);
    const appeals: PosAppeal[] = [];
    const malformed: MalformedAppeal[] = [];
    // Each element on its own (limits, schema, text repair: src/pos/limits.ts): one cannot stop the page.
    for (const element of body.content) {
      const admitted = admitAppeal(element);
      if ('appeal' in admitted) {
        appeals.push(admitted.appeal);
        if (admitted.repaired.length > 0) {
          this.logger?.warn(
            { posId: admitted.appeal.id, fields: admitted.repaired },
            'ПОС appeal held text that is not valid Unicode; repaired to U+FFFD',
          );
        }
        continue;
      }
      malformed.push(admitted.malformed);
      this.logger?.warn(
        { posId: admitted.malformed.id, code: admitted.malformed.code, issues: admitted.malformed.issues },
        'ПОС list holds a malformed appeal',
      );
    }
    const pageNumber = body.number ?? page;
    const pageSize = body.size ?? size;
    const last = body.last ?? (body.totalPages !== undefined ? pageNumber + 1 >= body.totalPages : body.content.length < pageSize);
    this.logger?.debug(
      { page: pageNumber, size: pageSize, count: body.content.length, malformed: malformed.length, last },
      'pulled a page',
    );
    return {
      appeals,
      malformed,
      pageNumber,
      last: last || body.content.length === 0,
      pageSize,
      totalElements: body.totalElements,
      totalPages: body.totalPages,
      elementCount: body.content.length,
    };
  }

  /** Removes the appeal from the pull list. Call only once it is durably registered in the EDMS. */
  async markAccepted(posId: number): Promise<void> {
    await this.authorized(`mark-accepted ${posId}`, (auth) =>
      this.http.post(POS_PATHS.accept(posId), undefined, { ...rawText, headers: auth }),
    );
    this.logger?.debug({ posId }, 'marked accepted in ПОС');
  }

  /** Sends a status or the final answer; a body ПОС would refuse is refused here, unsent. */
  async postAnswer(body: PosAnswer): Promise<void> {
    const parsed = posAnswerSchema.safeParse(body);
    if (!parsed.success) {
      const issues = describeIssues(parsed.error);
      const posId = typeof body?.id === 'number' ? body.id : undefined;
      throw new BridgeError('ANSWER_INVALID', `answer for appeal ${posId ?? '?'} refused before sending: ${issues.join('; ')}`, {
        system: 'pos',
        posId,
        details: { issues },
      });
    }
    const answer = parsed.data;
    await this.authorized(`answer ${answer.id}`, (auth) =>
      this.http.post(POS_PATHS.answer(answer.id), answer, { ...rawText, headers: { ...auth, 'Content-Type': 'application/json' } }),
    );
    this.logger?.debug({ posId: answer.id, final: answer.answer }, 'posted a status to ПОС');
  }

  /** Puts a file into ПОС file storage; its `id` goes into PosAnswer.attachmentIds. */
  async uploadFile(file: AppealFile): Promise<UploadedFile> {
    const what = 'upload file';
    const { body, contentType } = multipartFileBody('file', file);
    const response = await this.authorized(what, (auth) =>
      this.http.post<string>(POS_PATHS.upload, body, {
        ...rawText,
        headers: { ...auth, 'Content-Type': contentType },
        deadlineMs: this.totalTimeoutMs,
      }),
    );
    const uploaded = validated(uploadedFileSchema, parseJson(response.data, what), what);
    this.logger?.debug({ fileId: uploaded.id, size: file.data.length }, 'uploaded a file to ПОС');
    return uploaded;
  }

  /**
   * All attachments of one appeal, within POS_MAX_ATTACHMENTS and POS_MAX_ATTACHMENTS_TOTAL_MB.
   * Every URL's origin is checked before the first byte is fetched.
   */
  async downloadAttachments(urls: readonly string[]): Promise<AppealFile[]> {
    const maxCount = this.pos.maxAttachments ?? POS_LIMIT_DEFAULTS.maxAttachments;
    if (urls.length > maxCount) {
      throw new AppealTooLargeError(`the appeal has ${urls.length} attachments, more than POS_MAX_ATTACHMENTS (${maxCount})`, {
        system: 'pos',
        details: { count: urls.length, maxCount },
      });
    }
    for (const url of urls) this.allowedTarget(url);
    const maxTotal = this.pos.maxAttachmentsTotalBytes ?? POS_LIMIT_DEFAULTS.maxAttachmentsTotalMb * MB;
    const files: AppealFile[] = [];
    let total = 0;
    for (const url of urls) {
      const room = maxTotal - total;
      const maxBytes = Math.min(this.pos.maxAttachmentBytes, room);
      let file: AppealFile;
      try {
        file = await this.downloadAttachment(url, { maxBytes });
      } catch (error) {
        const announced = error instanceof FileTooLargeError ? Number(error.details?.announced) : Number.NaN;
        if (error instanceof FileTooLargeError && room < this.pos.maxAttachmentBytes && !(announced > this.pos.maxAttachmentBytes)) {
          throw new AppealTooLargeError(
            `the appeal's attachments together are larger than POS_MAX_ATTACHMENTS_TOTAL_MB (${formatMb(maxTotal)})`,
            { system: 'pos', details: { maxTotalBytes: maxTotal, downloadedBytes: total, files: files.length } },
          );
        }
        throw error;
      }
      total += file.data.length;
      files.push(file);
    }
    return files;
  }

  /**
   * Streams an attachment into memory, stopping as soon as it passes the size limit. The URL comes
   * from appeal data: it is fetched only from POS_ATTACHMENT_ORIGINS, redirects only within them,
   * and the bearer token goes only to the ПОС origin itself (scheme, host and port of POS_BASE_URL).
   */
  async downloadAttachment(url: string, options: { maxBytes?: number } = {}): Promise<AppealFile> {
    const maxBytes = options.maxBytes ?? this.pos.maxAttachmentBytes;
    const what = 'download attachment'; // no path: file names can be personal data
    const first = this.allowedTarget(url);
    const deadlineAt = Date.now() + this.totalTimeoutMs; // one deadline for the whole redirect chain
    let target = first;
    for (let redirects = 0; ; redirects += 1) {
      const response = await this.fetchAttachment(target, what, deadlineAt);
      if (!REDIRECT_STATUSES.has(response.status)) return this.readAttachment(first, response, maxBytes, what);
      response.data.destroy();
      const status = response.status;
      if (redirects >= MAX_REDIRECTS)
        throw new PermanentError(`${what}: more than ${MAX_REDIRECTS} redirects`, [], { system: 'pos', status });
      const location: unknown = response.headers.location;
      if (typeof location !== 'string' || !location)
        throw new PermanentError(`${what}: HTTP ${status} without a Location`, [], { system: 'pos', status });
      target = this.allowedTarget(location, target);
    }
  }

  /**
   * The URL to fetch, or the reason it must not be. Messages name the origin at most: an
   * attachment's path and query can hold personal data.
   */
  private allowedTarget(raw: string, redirectedFrom?: URL): URL {
    let target: URL;
    try {
      target = new URL(raw, redirectedFrom ?? `${this.pos.baseUrl}/`);
    } catch {
      const message = redirectedFrom ? 'attachment redirected to something that is not a URL' : 'an attachment URL is not a URL';
      throw new MalformedAppealError(message, ['attachments: not a URL'], { system: 'pos' });
    }
    const refuse = (message: string) => new AttachmentOriginError(message, { system: 'pos', details: { origin: target.origin } });
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw refuse(`attachment URL scheme ${target.protocol} is not allowed: only the origins in POS_ATTACHMENT_ORIGINS are`);
    }
    if (target.username || target.password) throw refuse(`attachment URL for ${target.origin} carries credentials; refused`);
    if (target.protocol === 'http:' && !this.posOrigin.startsWith('http:')) {
      throw refuse(`attachment origin ${target.origin} is plain http while POS_BASE_URL is https; refused`);
    }
    if (!this.attachmentOrigins.has(target.origin)) {
      throw refuse(
        redirectedFrom
          ? `attachment redirected to origin ${target.origin}, which is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal`
          : `attachment origin ${target.origin} is not in POS_ATTACHMENT_ORIGINS; allow it and retry the appeal`,
      );
    }
    return target;
  }

  /** One hop: with the bearer token on the ПОС origin (renewed once on 401/403), without it anywhere else. */
  private fetchAttachment(target: URL, what: string, deadlineAt: number): Promise<AxiosResponse<Readable>> {
    const send = (auth: Record<string, string>) => this.streamGet(target.href, auth, Math.max(1, deadlineAt - Date.now()));
    if (target.origin === this.posOrigin) return this.authorized(what, send);
    return send({}).catch((error: unknown) => Promise.reject(classifyHttpError(withParsedErrorBody(error), 'pos', what)));
  }

  private async readAttachment(source: URL, response: AxiosResponse<Readable>, maxBytes: number, what: string): Promise<AppealFile> {
    const stream = response.data;
    try {
      checkAnnouncedLength(response.headers['content-length'], maxBytes, what);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    const data = await readLimited(stream, maxBytes, what).catch((error: unknown) => Promise.reject(classifyHttpError(error, 'pos', what)));
    const contentDisposition: unknown = response.headers['content-disposition'];
    return {
      name: attachmentName(source.href, typeof contentDisposition === 'string' ? contentDisposition : undefined),
      contentType: attachmentContentType(response.headers['content-type']),
      data,
    };
  }

  /**
   * GET as a stream, redirects answered rather than followed (the caller checks each hop). A failed
   * response's body is read (bounded) so its socket is freed and its error codes kept.
   */
  private async streamGet(url: string, headers: Record<string, string>, deadlineMs: number): Promise<AxiosResponse<Readable>> {
    try {
      return await this.http.get<Readable>(url, {
        responseType: 'stream',
        headers: { ...headers, Accept: '*/*' },
        maxContentLength: -1, // readLimited enforces the attachment limits
        deadlineMs,
        validateStatus: (status) => (status >= 200 && status < 300) || REDIRECT_STATUSES.has(status),
      });
    } catch (error) {
      const body = error instanceof AxiosError ? (error.response?.data as Readable | undefined) : undefined;
      if (error instanceof AxiosError && error.response && body && typeof body.pipe === 'function') {
        const text = await readLimited(body, ERROR_BODY_LIMIT, 'error body').then(
          (b) => b.toString('utf8'),
          () => '',
        );
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
      // A fresh token that ПОС accepted elsewhere and refuses here: this call is not this ЛКО's to
      // make (another organisation's appeal). Retrying cannot help; saying whose token it was does.
      if (error instanceof AxiosError && error.response?.status === 403) {
        const organisation = this.organisation ? `organisation ${this.organisation}` : 'this organisation';
        throw new BridgeError(
          'POS_FORBIDDEN',
          `ПОС ${what}: HTTP 403 with a fresh token of ${organisation}: the appeal belongs to another organisation's cabinet`,
          { system: 'pos', status: 403 },
        );
      }
      const classified = classifyHttpError(withParsedErrorBody(error), 'pos', what);
      if (classified instanceof AuthError) this.tokens.invalidate(second);
      throw classified;
    }
  }
}
