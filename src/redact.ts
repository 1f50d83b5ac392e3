// The one sanitizer for text that leaves the process: error messages stored in Redis (job failures,
// an appeal's last error, the failed list), API answers and log lines. It says where and what kind
// of thing went wrong, never the citizen's data. Rules, in order:
//   1. values the caller knows to be personal (the appeal's names, contacts, address, text) are cut
//      out wherever they occur, also when a server quotes them back;
//   2. V8's JSON parse errors lose the quoted input and the offending character ("where", not "what");
//   3. e-mail addresses, phone numbers and СНИЛС/ИНН/passport-like digit runs become [redacted];
//   4. the text is made well-formed Unicode and capped at MAX_MESSAGE_CHARS.
// Texts written by other systems (ПОС and EDMS error bodies) also go through redactQuoted: a quoted
// fragment that is not a plain identifier is dropped, since servers quote the value they refused.

export const REDACTED = '[redacted]';
export const MAX_MESSAGE_CHARS = 2000;

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
/** Russian numbers as people write them: +7 900 111-22-33, 8 (900) 111 22 33, 89001112233. */
const RU_PHONE = /(?<![\p{L}\p{N}])(?:\+7|8)[\s.\-‐–]*\(?\d{3}\)?[\s.\-‐–]*\d{3}[\s.\-‐–]*\d{2}[\s.\-‐–]*\d{2}(?!\d)/gu;
/** Any other number written with a leading plus: +375 29 123 45 67. */
const PLUS_PHONE = /\+\d[\d\s().\-‐–]{6,18}\d/gu;
/** СНИЛС as printed: 123-456-789 01. */
const SNILS = /(?<!\d)\d{3}-\d{3}-\d{3}[\s-]\d{2}(?!\d)/g;
/** Passport series and number: 45 10 123456, 4510 123456. */
const PASSPORT = /(?<!\d)\d{2}\s?\d{2}\s\d{6}(?!\d)/g;
/**
 * ИНН (10/12), СНИЛС (11), phones and card numbers written as one run: ten digits or more standing
 * alone. Runs glued to letters, `-`, `_`, `.` or `/` are parts of ids, versions or paths and stay.
 */
const DIGIT_RUN = /(?<![\p{L}\p{N}_\-./])\d{10,}(?![\p{L}\p{N}_])/gu;
/** V8: Unexpected token 'И', "{"surname": Иванов}" is not valid JSON (also with "..." around). */
const JSON_TOKEN = /Unexpected token '[\s\S]{1,2}', (?:\.\.\.)?"[\s\S]*?"(?:\.\.\.)? is not valid JSON/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** A quoted fragment that names something (a property, a type, a route) rather than quoting data. */
const IDENTIFIER = /^[A-Za-z_$][\w$.\-/()[\]]{0,79}$/;
const QUOTED =
  /(?<![\p{L}\p{N}])(?:'([^'\n]{1,500})'|"([^"\n]{1,500})"|«([^»\n]{1,500})»|“([^”\n]{1,500})”|„([^“”\n]{1,500})[“”])(?![\p{L}\p{N}])/gu;

/** Text made well-formed: every lone surrogate becomes U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** Whether the text holds a lone surrogate (cannot be written as UTF-8 or percent-encoded). */
export function hasLoneSurrogate(text: string): boolean {
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text);
}

/** Rule 3 (and the parse-error part of 2) for any string: contacts and document numbers out. */
export function scrubText(text: string): string {
  return text
    .replace(JSON_TOKEN, 'Unexpected token in JSON')
    .replace(EMAIL, REDACTED)
    .replace(SNILS, REDACTED)
    .replace(RU_PHONE, REDACTED)
    .replace(PLUS_PHONE, REDACTED)
    .replace(PASSPORT, REDACTED)
    .replace(DIGIT_RUN, REDACTED);
}

/** For texts written by another system: quoted values out, quoted identifiers kept. */
export function redactQuoted(text: string): string {
  return text.replace(QUOTED, (whole, ...groups: unknown[]) => {
    const inner = groups.slice(0, 5).find((group): group is string => typeof group === 'string');
    return inner !== undefined && IDENTIFIER.test(inner) ? whole : `${whole[0]}…${whole[whole.length - 1]}`;
  });
}

const MIN_KNOWN_CHARS = 3;
const WINDOW = 24;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Rule 1: every occurrence of a known personal value, case-insensitively. A long value (an appeal
 * text) is looked for in overlapping pieces, so a server that quotes a part of it is caught too.
 */
export function redactKnown(text: string, known: Iterable<string>): string {
  let result = text;
  for (const raw of known) {
    const value = raw.trim();
    if (value.length < MIN_KNOWN_CHARS) continue;
    const pieces = value.length <= WINDOW * 2 ? [value] : windows(value);
    for (const piece of pieces) {
      if (!result.toLowerCase().includes(piece.toLowerCase())) continue;
      result = result.replace(new RegExp(escapeRegExp(piece), 'giu'), REDACTED);
    }
  }
  return result;
}

function windows(value: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start + WINDOW <= value.length; start += WINDOW / 2) pieces.push(value.slice(start, start + WINDOW));
  return pieces;
}

/** Cut at a code point boundary, so capping never makes a lone surrogate. */
function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The raw text of a thrown value, before sanitizing; a few built-in errors are told by kind only. */
function rawText(error: unknown): string {
  if (error instanceof URIError) return 'text that is not valid Unicode could not be encoded';
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  return String(error);
}

export interface SafeMessageOptions {
  /** Personal values of the appeal (or progress) the error is about: cut out wherever they occur. */
  known?: Iterable<string>;
}

/** The sanitized message of any thrown value (or of a text): what leaves the process. */
export function safeMessage(error: unknown, options: SafeMessageOptions = {}): string {
  let text = rawText(error);
  if (options.known) text = redactKnown(text, options.known);
  return cap(wellFormed(scrubText(text)), MAX_MESSAGE_CHARS);
}

/**
 * Where a JSON.parse failure happened, never what: "at position N" when V8 says it (or when its
 * quoted excerpt can be found in the text), otherwise only the kind of problem.
 */
export function jsonErrorWhere(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return `${jsonProblem(message)} at position ${position}`;
  if (/Unexpected end of JSON input/.test(message)) return `unexpected end of JSON input at position ${text.length}`;
  const excerpt = /Unexpected token '([\s\S]{1,2})', (\.\.\.)?"([\s\S]*?)"(\.\.\.)? is not valid JSON/.exec(message);
  if (excerpt) {
    const [, token = '', before, shown = ''] = excerpt;
    const found = text.indexOf(shown);
    // V8 shows 10 characters before the offending one when it cuts the text ("..."), else all of it.
    const offset = before ? 10 : Math.max(0, shown.indexOf(token));
    return found >= 0 ? `unexpected character near position ${found + offset}` : 'unexpected character';
  }
  return 'not valid JSON';
}

/** V8's fixed wording for a parse error that comes with a position (none of these quote the input). */
const JSON_PROBLEMS =
  /^(Unexpected number|Unexpected string|Unexpected non-whitespace character after JSON|Unterminated string|Bad control character in string literal|Bad Unicode escape|Bad escaped character|Expected property name or '\}'|Expected ',' or '\}' after property value|Expected ',' or '\]' after array element|Expected ':' after property name|Expected double-quoted property name|No number after minus sign|Exponent part is missing a number|Unterminated fractional number)/;

function jsonProblem(message: string): string {
  return JSON_PROBLEMS.exec(message)?.[1] ?? 'not valid JSON';
}
