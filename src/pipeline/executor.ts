// The executor's name in the appeal record: an official of the agency, shown in the deadline list,
// yet a person's name, so it rests sealed under DATA_KEY like the appeals (crypto.ts), bound to the
// appeal. Contacts (phone, e-mail) are never kept.
import type { EdmsProgress } from '../../adapters/contract.js';
import type { PayloadCipher } from './crypto.js';

/** Surname, name, patronymic of the official; undefined without any. */
export function officialName(official: EdmsProgress['executor']): string | undefined {
  const parts = [official?.surname, official?.name, official?.patronymic];
  const name = parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(' ');
  return name || undefined;
}

export function sealExecutor(cipher: PayloadCipher, posId: number, name: string): string {
  return cipher.seal(name, { purpose: 'executor', posId });
}

/** The name, or undefined when there is none or it no longer opens (sealed with a key since dropped). */
export function openExecutor(cipher: PayloadCipher, posId: number, sealed: string | undefined): string | undefined {
  if (!sealed) return undefined;
  try {
    return cipher.open(sealed, { purpose: 'executor', posId });
  } catch {
    return undefined;
  }
}
