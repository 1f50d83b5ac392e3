// The organisation cabinets (ЛКО) one emulator holds: who may get a token, who owns an appeal, and
// which organisation a FORWARDED answer's free-text reassignmentInfo names.
import { timingSafeEqual } from 'node:crypto';
import type { EmulatorOrganisation } from './types.js';

export const DEFAULT_ORGANISATION: EmulatorOrganisation = { clientId: 'demo-org', secret: 'demo-secret' };

/** What the control API shows of an organisation: never its secret. */
export interface OrganisationView {
  clientId: string;
  opaId: number | null;
  opaName: string | null;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Why an organisation cannot join the list, or undefined when it can. */
function problemOf(organisation: EmulatorOrganisation, held: readonly EmulatorOrganisation[]): string | undefined {
  if (organisation.clientId === '') return 'organisation clientId must not be empty';
  if (organisation.secret === '') return `organisation ${organisation.clientId}: secret must not be empty`;
  if (held.some((o) => o.clientId === organisation.clientId)) return `organisation ${organisation.clientId} already exists`;
  return undefined;
}

export class OrganisationRegistry {
  private held: EmulatorOrganisation[] = [];

  /** Throws on an empty list, an empty clientId or secret, or a clientId given twice. */
  constructor(private readonly initial: readonly EmulatorOrganisation[]) {
    if (initial.length === 0) throw new Error('the ПОС emulator needs at least one organisation');
    for (const organisation of initial) {
      const problem = problemOf(organisation, this.held);
      if (problem) throw new Error(problem);
      this.held.push({ ...organisation });
    }
  }

  all(): readonly EmulatorOrganisation[] {
    return this.held;
  }

  /** Where seeds go when no organisation is named. */
  first(): EmulatorOrganisation {
    return this.held[0]!;
  }

  get(clientId: string): EmulatorOrganisation | undefined {
    return this.held.find((o) => o.clientId === clientId);
  }

  /** Adds one at runtime; a taken clientId is refused rather than silently re-keyed. */
  add(organisation: EmulatorOrganisation): { ok: true } | { ok: false; message: string } {
    const problem = problemOf(organisation, this.held);
    if (problem) return { ok: false, message: problem };
    this.held.push({ ...organisation });
    return { ok: true };
  }

  /** The password grant: the organisation whose ClientID and SecretKey both match. */
  authenticate(clientId: string, secret: string): EmulatorOrganisation | undefined {
    const organisation = this.held.find((o) => sameText(o.clientId, clientId));
    return organisation && sameText(organisation.secret, secret) ? organisation : undefined;
  }

  /**
   * The organisation other than `except` that reassignmentInfo names: its clientId, opaId or
   * opaName occurs in the text, case-insensitively (opaId only as a whole number). The longest
   * matching name wins (so "school-77" beats "school-7"), then the one registered first.
   */
  addressedBy(reassignmentInfo: string, except: string): EmulatorOrganisation | undefined {
    const text = reassignmentInfo.toLocaleLowerCase('ru');
    const numbers: readonly string[] = text.match(/\d+/g) ?? [];
    let best: { organisation: EmulatorOrganisation; length: number } | undefined;
    const consider = (organisation: EmulatorOrganisation, length: number) => {
      if (length > (best?.length ?? 0)) best = { organisation, length };
    };
    for (const organisation of this.held) {
      if (organisation.clientId === except) continue;
      for (const name of [organisation.clientId, organisation.opaName ?? '']) {
        const needle = name.trim().toLocaleLowerCase('ru');
        if (needle !== '' && text.includes(needle)) consider(organisation, needle.length);
      }
      // A number matches only whole: opaId 1 is not named by "отдел 10".
      const id = organisation.opaId === undefined ? '' : String(organisation.opaId);
      if (id !== '' && numbers.includes(id)) consider(organisation, id.length);
    }
    return best?.organisation;
  }

  /** Back to the start-up list: organisations added at runtime go. */
  reset(): void {
    this.held = this.initial.map((o) => ({ ...o }));
  }
}

export function organisationView(organisation: EmulatorOrganisation): OrganisationView {
  return { clientId: organisation.clientId, opaId: organisation.opaId ?? null, opaName: organisation.opaName ?? null };
}

/**
 * `POS_EMULATOR_ORGANISATIONS`: `clientId:secret` pairs separated by commas; the secret is
 * everything after the first colon. Throws with the offending entry named.
 */
export function parseOrganisationList(text: string): EmulatorOrganisation[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const colon = entry.indexOf(':');
      const clientId = colon < 0 ? '' : entry.slice(0, colon).trim();
      const secret = colon < 0 ? '' : entry.slice(colon + 1);
      // Named by position: the entry itself may be a secret typed without its clientId.
      if (clientId === '' || secret === '') throw new Error(`entry ${index + 1} is not clientId:secret`);
      return { clientId, secret };
    });
}
