// The IRequests create body for one appeal: directory references as links ({"Id": n}), only the
// properties this installation's type declares, and what has no property of its own (fast track,
// the problem's address, co-applicants) in the card's Note or its full-text version instead.
import type { DirectumPerson, DirectumRecord } from './record.js';
import { LINK_FIELDS, QUESTION_FIELD } from './references.js';

/**
 * The card's ПОС marker: `[POS:<id>]` for the organisation `default`, `[POS@<key>:<id>]` for another
 * ЛКО, so an appeal forwarded between two of the bridge's organisations is two cards, and one
 * organisation's `contains` search never meets the other's cards.
 */
export const markerPrefix = (organisation?: string) => (organisation && organisation !== 'default' ? `[POS@${organisation}:` : '[POS:');
export const posMarker = (posId: number, organisation?: string) => `${markerPrefix(organisation)}${posId}]`;

export interface CardInput {
  posId: number;
  organisation?: string;
  record: DirectumRecord;
  /** Record field → resolved directory ids, in the record's order (QUESTION_FIELD holds every question). */
  linked: ReadonlyMap<string, readonly number[]>;
  /** IPersons Id of the applicant, when there is one. */
  correspondent?: number;
  /** Whether the installation's IRequest declares the property ($metadata). */
  declares: (property: string) => boolean;
}

export function cardBody({ posId, organisation, record, linked, correspondent, declares }: CardInput): {
  card: Record<string, unknown>;
  dropped: string[];
} {
  const card: Record<string, unknown> = {};
  const dropped: string[] = [];
  const put = (property: string, value: unknown) => {
    if (value === undefined) return;
    if (declares(property)) card[property] = value;
    else dropped.push(property);
  };
  const note = [posMarker(posId, organisation), record.Note];
  put('Subject', record.Subject);
  put('RequestDate', record.RequestDate);
  put('Deadline', record.Deadline);
  put('InitialDeadline', record.InitialDeadline);
  const collective = (record.CoApplicants?.length ?? 0) > 0;
  put('RequestType', collective ? 'Collective' : (record.RequestType ?? (correspondent !== undefined ? 'Individual' : 'Anonymous')));
  put('NotifyByEmail', record.NotifyByEmail);
  for (const field of LINK_FIELDS) {
    const id = linked.get(field)?.[0];
    if (id !== undefined) put(field, { Id: id });
  }
  if (correspondent !== undefined) put('Correspondent', { Id: correspondent });
  put(
    'Questions',
    [...new Set(linked.get(QUESTION_FIELD) ?? [])].map((id) => ({ Question: { Id: id } })),
  );
  if (record.FastTrack !== undefined) {
    if (declares('FastTrack')) card.FastTrack = record.FastTrack;
    else if (record.FastTrack) note.push('ПОС: ускоренное рассмотрение');
  }
  if (record.ProblemAddress) {
    if (declares('ProblemAddress')) card.ProblemAddress = record.ProblemAddress;
    else note.push(`Адрес проблемы: ${record.ProblemAddress}`);
  }
  card.Note = note.filter(Boolean).join('\n');
  return { card, dropped };
}

const personLine = (person: DirectumPerson) =>
  [
    [person.LastName, person.FirstName, person.MiddleName].filter(Boolean).join(' '),
    person.Email && `e-mail: ${person.Email}`,
    person.Phones && `телефон: ${person.Phones}`,
    person.PostalAddress && `адрес: ${person.PostalAddress}`,
  ]
    .filter(Boolean)
    .join('; ');

/** The text version: the appeal, then the co-applicants of a collective appeal (IRequests has no collection for them). */
export function fullTextOf(record: DirectumRecord): string {
  const co = record.CoApplicants ?? [];
  if (co.length === 0) return record.FullText;
  return `${record.FullText}\n\nСоавторы коллективного обращения:\n${co.map((person) => `- ${personLine(person)}`).join('\n')}`;
}
