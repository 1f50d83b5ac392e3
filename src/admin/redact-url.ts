// Request URLs as logs may show them. The UI login takes `?token=`, and URL parsing decodes
// parameter names, so `?%74oken=` logs in as well as `?token=`: a regex on the raw text misses it.
// Names are compared decoded (repeatedly, for double encoding) and case-folded; the fragment is
// treated like the query; and the secrets themselves are looked for in every part, encoded or not.

const REDACTED = '[redacted]';
/** Parameter names whose values are credentials, wherever in the name they appear. */
const SECRET_NAME = /token|secret|passw|auth|session|api[-_]?key|cookie|signature/;

/** Percent-decodes what decodes and leaves the rest (a malformed escape never throws). */
function decodeLoosely(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round += 1) {
    const next = current.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return Buffer.from(run.replace(/%/g, ''), 'hex').toString('latin1');
      }
    });
    if (next === current) break;
    current = next;
  }
  return current;
}

/** Whether a query or fragment parameter name (raw, as sent) names a credential. */
export function isSecretParamName(rawName: string): boolean {
  const name = decodeLoosely(rawName.replace(/\+/g, ' ')).toLowerCase();
  // `token%3Dabc` decodes to a name holding `=`: the value hides in the name.
  return SECRET_NAME.test(name) || name.includes('=');
}

function containsSecret(text: string, secrets: readonly string[]): boolean {
  if (secrets.length === 0) return false;
  const decoded = decodeLoosely(text.replace(/\+/g, ' '));
  return secrets.some((secret) => text.includes(secret) || decoded.includes(secret));
}

function redactParams(params: string, secrets: readonly string[]): string {
  return params
    .split(/([&;])/)
    .map((part) => {
      if (part === '&' || part === ';' || part === '') return part;
      const at = part.indexOf('=');
      const name = at < 0 ? part : part.slice(0, at);
      if (isSecretParamName(name) || containsSecret(name, secrets)) return `${at < 0 ? REDACTED : name}=${REDACTED}`;
      if (at >= 0 && containsSecret(part.slice(at + 1), secrets)) return `${name}=${REDACTED}`;
      return part;
    })
    .join('');
}

/**
 * The URL with credentials masked: values of parameters named like credentials (in the query or
 * the fragment, in any case or encoding, repeated or not) and any path segment or value holding
 * one of `secrets` (e.g. ADMIN_TOKEN).
 */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  const known = secrets.filter((secret) => secret.length >= 8);
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? undefined : url.slice(hashAt + 1);
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt < 0 ? undefined : beforeHash.slice(queryAt + 1);
  const shownPath = path
    .split('/')
    .map((segment) => (containsSecret(segment, known) ? REDACTED : segment))
    .join('/');
  let shown = shownPath;
  if (query !== undefined) shown += `?${redactParams(query, known)}`;
  if (fragment !== undefined) shown += `#${redactParams(fragment, known)}`;
  // A secret spread over delimiters ('/' and '=' occur in base64 tokens) hides nothing: drop it all.
  return containsSecret(shown, known) ? '[redacted url]' : shown;
}
