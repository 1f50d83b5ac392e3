// The ПОС access token (pos-edms-api.md §1): the password grant with the platform pair as Basic,
// cached until shortly before it expires, one request in flight however many callers wait.
import { AxiosError, type AxiosInstance, type AxiosResponse } from 'axios';
import type { BridgeConfig } from '../config/load.js';
import { requiredSetting } from '../config/required.js';
import { AuthError, PermanentError, type BridgeError } from '../errors.js';
import { classifyHttpError } from '../http/client.js';
import type { Logger } from '../logging.js';
import { tokenResponseSchema } from './schemas.js';
import { parseJson, rawText, validated, withParsedErrorBody } from './wire.js';

export const TOKEN_PATH = '/user-service/oauth/token';
/** Assumed token lifetime when the token response leaves out `expires_in`. */
const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** OAuth errors that mean "the configured credentials are wrong", whatever the status. */
const OAUTH_CREDENTIAL_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export class PosTokenSource {
  private cached?: { token: string; refreshAt: number };
  private pending?: Promise<string>;

  constructor(
    private readonly http: AxiosInstance,
    private readonly pos: BridgeConfig['pos'],
    private readonly now: () => number,
    private readonly logger?: Logger,
  ) {}

  /** A valid access token: cached, renewed shortly before it expires, one request for all callers. */
  get(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return Promise.resolve(this.cached.token);
    if (!this.pending) {
      this.pending = this.request().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  /** Forgets the token ПОС rejected, unless another caller has already replaced it. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async request(): Promise<string> {
    const what = 'token';
    const platformId = requiredSetting(this.pos.platformClientId, 'POS_PLATFORM_CLIENT');
    const platformSecret = requiredSetting(this.pos.platformClientSecret, 'POS_PLATFORM_CLIENT');
    const basic = Buffer.from(`${platformId}:${platformSecret}`, 'utf8').toString('base64');
    const form = new URLSearchParams({
      grant_type: 'password',
      username: requiredSetting(this.pos.clientId, 'POS_CLIENT_ID'),
      password: requiredSetting(this.pos.clientSecret, 'POS_CLIENT_SECRET'),
      scope: 'any',
    });
    let response: AxiosResponse<string>;
    try {
      response = await this.http.post<string>(TOKEN_PATH, form.toString(), {
        ...rawText,
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    } catch (error) {
      throw tokenError(error);
    }
    const body = validated(tokenResponseSchema, parseJson(response.data, what), what);
    const ttlMs = (body.expires_in ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000;
    // Renew a little early so a call never leaves with a token that dies in flight.
    const margin = Math.min(60_000, ttlMs * 0.1);
    this.cached = { token: body.access_token, refreshAt: this.now() + ttlMs - margin };
    this.logger?.info({ expiresInSeconds: ttlMs / 1000 }, 'got a ПОС access token');
    return body.access_token;
  }
}

/** 401, or an OAuth credentials error in a 400, means the configured pairs are wrong: no loop. */
function tokenError(error: unknown): BridgeError {
  const classified = classifyHttpError(withParsedErrorBody(error), 'pos', 'token');
  const data: unknown = error instanceof AxiosError ? error.response?.data : undefined;
  const oauthError = data && typeof data === 'object' ? (data as Record<string, unknown>).error : undefined;
  if (classified instanceof PermanentError && typeof oauthError === 'string' && OAUTH_CREDENTIAL_ERRORS.has(oauthError)) {
    return new AuthError(`token: credentials rejected (${oauthError})`, { system: 'pos', status: classified.status });
  }
  return classified;
}
