// Lookups the registration needs besides the directories (directories.ts): the applicant as an
// IPersons entry (found or created), file extensions → the IAssociatedApplications that open them
// (cached per adapter).
import { BridgeError } from '../../src/errors.js';
import { odataString, type DirectumClient, type ODataEntity } from './client.js';
import type { DirectumPerson } from './record.js';

/** Phone numbers compared by their last ten digits, so +7 912…, 8 (912)… and 912… are the same. */
export function phoneKeys(phones: string | null | undefined): string[] {
  return (phones ?? '')
    .split(/[,;]/)
    .map((phone) => phone.replace(/\D/g, ''))
    .filter((digits) => digits.length >= 5)
    .map((digits) => digits.slice(-10));
}

/**
 * Person match rule: the same last and first name (case-insensitive) AND either the same e-mail
 * (case-insensitive) or a phone with the same digits. Without an e-mail and a phone nobody can be
 * told apart by name alone, so a new person is created.
 */
export function samePerson(candidate: Record<string, unknown>, person: DirectumPerson): boolean {
  const lower = (value: unknown) => (typeof value === 'string' ? value : '').trim().toLowerCase();
  if (lower(candidate.LastName) !== lower(person.LastName) || lower(candidate.FirstName) !== lower(person.FirstName)) return false;
  if (person.Email && lower(candidate.Email) === lower(person.Email)) return true;
  const theirs = new Set(phoneKeys(candidate.Phones as string | undefined));
  return phoneKeys(person.Phones).some((key) => theirs.has(key));
}

export class DirectumLookups {
  private applications?: Promise<Map<string, number>>;

  constructor(private readonly client: DirectumClient) {}

  async personId(person: DirectumPerson): Promise<number> {
    if (person.Email || person.Phones) {
      const filter = `tolower(LastName) eq ${odataString(person.LastName.trim().toLowerCase())} and tolower(FirstName) eq ${odataString(person.FirstName.trim().toLowerCase())}`;
      const { value } = await this.client.list('IPersons', {
        filter,
        select: 'Id,LastName,FirstName,Email,Phones',
        orderby: 'Id',
        top: 100,
      });
      const match = value.find((candidate) => samePerson(candidate, person));
      if (match) return match.Id;
    }
    const created = await this.client.create('IPersons', {
      LastName: person.LastName,
      FirstName: person.FirstName,
      MiddleName: person.MiddleName,
      Email: person.Email,
      Phones: person.Phones,
      PostalAddress: person.PostalAddress,
    });
    return created.Id;
  }

  /** The application for a file name's extension; `bin` for unknown ones if Directum has it. */
  async applicationId(fileName: string): Promise<{ id: number; extension: string }> {
    if (!this.applications) {
      this.applications = this.client
        .list<ODataEntity>('IAssociatedApplications', { select: 'Id,Extension' })
        .then(({ value }) => new Map(value.map((app) => [(typeof app.Extension === 'string' ? app.Extension : '').toLowerCase(), app.Id])));
      this.applications.catch(() => (this.applications = undefined));
    }
    const apps = await this.applications;
    const extension = /\.([^./\\]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
    const id = apps.get(extension);
    if (id !== undefined) return { id, extension };
    const fallback = apps.get('bin');
    if (fallback !== undefined) return { id: fallback, extension: 'bin' };
    throw new BridgeError('EDMS_REJECTED', `Directum has no application for .${extension || '(none)'} files`, { system: 'directum-rx' });
  }
}
