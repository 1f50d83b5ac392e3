// Masked views of a ПОС appeal for the console's previews: applicants' names, phones, e-mails and
// addresses are replaced by a hint of their shape (`И***`, `+7 *** ***-**-12`, `i***@***.ru`,
// `***`), enough to recognise which field went where in the EDMS record and nothing more. The
// record is masked by mapping the masked appeal, so no personal value reaches it either.
import type { PosAppeal } from '../pos/schemas.js';

export const MASK = '***';

/** First letter, then `***`: `Иванова` → `И***`. Blank stays as it is (the mapping treats it as absent). */
export function maskName(value: string): string {
  const first = Array.from(value.trim())[0];
  return first === undefined ? value : `${first}${MASK}`;
}

/** Digits become `*` but the last two (and a country code after `+`): `+7 912 345-67-12` → `+7 *** ***-**-12`. */
export function maskPhone(value: string): string {
  const digits = value.replace(/\D/g, '').length;
  if (digits < 4) return value.trim() === '' ? value : MASK;
  let seen = 0;
  return value.replace(/\d/g, (digit, offset: number) => {
    seen += 1;
    const countryCode = seen === 1 && value.slice(0, offset).trim() === '+';
    return countryCode || seen > digits - 2 ? digit : '*';
  });
}

/** `ivan.petrov@mail.ru` → `i***@***.ru`: the local part's first character and the top-level domain. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return value.trim() === '' ? value : MASK;
  const first = Array.from(value)[0]!;
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  return `${first}${MASK}@${MASK}${dot >= 0 ? domain.slice(dot) : ''}`;
}

/** Every text inside becomes `***`, keys and other values kept (locationAddress is a structure). */
function maskTexts(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.trim() === '' ? value : MASK;
  if (depth > 16 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => maskTexts(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskTexts(item, depth + 1)]));
}

const NAME_FIELDS = new Set(['surname', 'name', 'patronymic']);
/** Person fields that are not personal; any other text of a person (ПОС may add some) is masked. */
const PLAIN_PERSON_FIELDS = new Set(['sendWithRussiaPost']);

function maskPerson(person: unknown): unknown {
  if (person === null || typeof person !== 'object' || Array.isArray(person)) return person;
  const masked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(person)) {
    if (PLAIN_PERSON_FIELDS.has(key)) masked[key] = value;
    else if (typeof value !== 'string') masked[key] = maskTexts(value);
    else if (NAME_FIELDS.has(key)) masked[key] = maskName(value);
    else if (key === 'phone') masked[key] = maskPhone(value);
    else if (key === 'email') masked[key] = maskEmail(value);
    else masked[key] = maskTexts(value);
  }
  return masked;
}

/** The appeal with its applicants' personal fields and the addresses masked; everything else as it is. */
export function maskAppeal(appeal: PosAppeal): PosAppeal {
  const masked: PosAppeal = { ...appeal };
  if (appeal.applicant) masked.applicant = maskPerson(appeal.applicant) as PosAppeal['applicant'];
  if (appeal.coApplicants) masked.coApplicants = appeal.coApplicants.map((person) => maskPerson(person)) as PosAppeal['coApplicants'];
  if (typeof appeal.address === 'string') masked.address = maskTexts(appeal.address) as string;
  if (appeal.locationAddress) masked.locationAddress = maskTexts(appeal.locationAddress) as PosAppeal['locationAddress'];
  return masked;
}
