// A bare HTTP client for the Directum emulator's OData surface: whatever it answers, as it is
// (status, headers, text, the JSON if it parses), with the emulator's Basic credentials.
export const ODATA_AUTH = `Basic ${Buffer.from('bridge:bridge-secret').toString('base64')}`;
export const ODATA_JSON_HEADERS = { authorization: ODATA_AUTH, accept: 'application/json', 'content-type': 'application/json' };

export interface ODataAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed as it came: each test reads the parts it checks, and expect() judges their shape. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the emulator's answer is dynamic JSON
  json: any;
}

export type ODataFetch = (
  method: string,
  path: string,
  options?: { body?: unknown; headers?: Record<string, string> },
) => Promise<ODataAnswer>;

/** Buffers go as they are (version bodies); anything else as JSON. */
export function odataFetch(baseUrl: () => string): ODataFetch {
  return async (method, path, options = {}) => {
    const body = Buffer.isBuffer(options.body) ? options.body : options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await fetch(`${baseUrl()}/${path}`, { method, headers: options.headers ?? ODATA_JSON_HEADERS, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
}
