// Reading ПОС responses: bodies are fetched as raw text and parsed here, so a body that is not JSON
// or not of the expected shape becomes a MalformedResponseError instead of a confusing TypeError.
import { AxiosError } from 'axios';
import type { z } from 'zod';
import { MalformedResponseError } from '../errors.js';
import { jsonErrorWhere } from '../redact.js';
import { issueLines } from '../zod-issues.js';

/** Axios options that hand the body over untouched (no silent JSON parsing). */
export const rawText = { responseType: 'text' as const, transformResponse: [(data: unknown) => data] };

/** Zod issues as `path: message`; zod messages name types and rules, never the offending value. */
export function describeIssues(error: z.ZodError): string[] {
  return issueLines(error, '(root)');
}

/** JSON error bodies arrive as text (responses are read raw); parse them so the messages survive. */
export function withParsedErrorBody(error: unknown): unknown {
  if (error instanceof AxiosError && error.response && typeof error.response.data === 'string') {
    try {
      error.response.data = JSON.parse(error.response.data) as unknown;
    } catch {
      // not JSON: nothing of it reaches a message (http/upstream-details.ts)
    }
  }
  return error;
}

export function parseJson(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw new MalformedResponseError(`${what}: expected a JSON body`, { system: 'pos' });
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the body around the fault (a citizen's name, say): tell where, never what.
    throw new MalformedResponseError(`${what}: body is not JSON (${jsonErrorWhere(error, text)}, ${text.length} characters)`, {
      system: 'pos',
    });
  }
}

export function validated<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = describeIssues(parsed.error);
    throw new MalformedResponseError(`${what}: unexpected response shape: ${issues.slice(0, 5).join('; ')}`, {
      system: 'pos',
      details: { issues },
    });
  }
  return parsed.data;
}
