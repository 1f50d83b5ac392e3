// What of an upstream error body may reach our error messages, the failed list and logs. Error
// bodies of ПОС and Directum can echo what we sent them (a citizen's name, phone, address), so no
// free text is ever copied. Kept are:
//  - the HTTP status (by the caller, always);
//  - an error code: OData `error.code` or OAuth `error`, when it looks like an identifier (a letter,
//    then letters, digits, `_ . -`; at most 64 characters): codes are set by software, not people;
//  - ПОС `messages[]` entries and OData `error.message` texts that are one of the fixed phrases
//    below, matched in full. A phrase may hold a number, a file id, or a property or type name.
// Anything else (OData `message`, `error_description`, HTML, plain text) is dropped unseen.
import type { ExternalSystem } from '../errors.js';

const CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

const KNOWN_PHRASES: Partial<Record<ExternalSystem, readonly RegExp[]>> = {
  pos: [
    /^Обращение с id \d{1,19} не найдено$/,
    /^Обращение \d{1,19} не принято в работу \(mark-accepted не вызывался\)$/,
    /^По обращению \d{1,19} уже направлен окончательный ответ$/,
    /^Файл [0-9a-f-]{1,64} не найден$/,
    /^multipart field "file" is required$/,
    /^Too many requests$/,
    /^Emulated failure: HTTP \d{3}$/,
  ],
  // OData messages about the request's structure: they name properties, types and ids, never values.
  'directum-rx': [
    /^The property '[A-Za-z_][A-Za-z0-9_]{0,63}' does not exist on type '[A-Za-z0-9_.]{1,128}'$/,
    /^Navigation property [A-Za-z_][A-Za-z0-9_]{0,63} must be an object like \{"Id": n\}$/,
    /^Navigation property [A-Za-z_][A-Za-z0-9_]{0,63} links to I[A-Za-z]{1,64}\(\d{1,19}\), which does not exist$/,
  ],
};

function code(value: unknown): string | undefined {
  return typeof value === 'string' && CODE.test(value) ? value : undefined;
}

/** The safe parts of an error body (already parsed when it was JSON): codes and known phrases. */
export function safeServerDetails(body: unknown, system: ExternalSystem): string[] {
  if (!body || typeof body !== 'object') return [];
  const record = body as Record<string, unknown>;
  const details: string[] = [];
  const error = record.error;
  const phrases = KNOWN_PHRASES[system] ?? [];
  if (error && typeof error === 'object') {
    const odata = code((error as Record<string, unknown>).code);
    if (odata) details.push(odata);
    const message = (error as Record<string, unknown>).message;
    if (typeof message === 'string' && phrases.some((phrase) => phrase.test(message))) details.push(message);
  } else {
    const oauth = code(error);
    if (oauth) details.push(oauth);
  }
  if (Array.isArray(record.messages)) {
    for (const message of record.messages) {
      if (typeof message === 'string' && phrases.some((phrase) => phrase.test(message))) details.push(message);
    }
  }
  return details;
}
