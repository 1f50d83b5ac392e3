// The СЭВ `DocInfo` package (delo-sev.md): the appeal the bridge sends, and the answer letter
// «Дело» sends back. Element order follows the vendor schema's sequence so a strict validator on
// the «Дело» side accepts it. Card fields without a dedicated element (DOC_DATE, delivery, NOTE)
// travel as AdditionalField named after the «Дело» card field.
import type { DeloRecord } from '../record.js';
import { SEV_NAMESPACE, SEV_VERSION, buildXml, element, type XmlElement } from './xml.js';

export interface SevParty {
  /** Organisation name (Contact/Organization). */
  organization: string;
  /** Sending/receiving system (EDMS). */
  system: string;
}

/** One file of a package: its place in the folder and what the card says of it. */
export interface PackageFileEntry {
  resourceId: string;
  /** File name inside the package folder (ResourceList/Resource@UniqueName). */
  uniqueName: string;
  /** Original file name, kept in File/Description. */
  description: string;
  extension: string;
  size: number;
}

export interface AppealPackageInput {
  messageId: string;
  documentId: string;
  posId: number;
  time: Date;
  record: DeloRecord;
  files: PackageFileEntry[];
  sender: SevParty;
  recipient: SevParty;
}

export interface AnswerPackageInput {
  messageId: string;
  documentId: string;
  time: Date;
  /** The appeal package this letter answers. */
  initialMessageId: string;
  initialDocumentId?: string;
  number: string;
  date: string;
  text: string;
  resolution?: string;
  files: PackageFileEntry[];
  sender: SevParty;
  recipient: SevParty;
}

/** AdditionalField names the adapter writes itself; a mapping may not use them. */
export const RESERVED_FIELDS = ['POS_ID', 'DOC_DATE', 'DELIVERY', 'NOTE'] as const;

/** File extension without the dot, lower case, only safe characters (may be empty). */
export function extensionOf(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return '';
  return base
    .slice(dot + 1)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 16);
}

/** Folder-safe unique name for the n-th file: the original name may hold anything, even `../`. */
export function uniqueFileName(index: number, originalName: string): string {
  const extension = extensionOf(originalName);
  return `file-${String(index + 1).padStart(3, '0')}${extension ? `.${extension}` : ''}`;
}

function header(messageId: string, time: Date, sender: SevParty, recipient: SevParty, files: PackageFileEntry[]): XmlElement {
  const party = (p: SevParty): XmlElement => ({ Contact: { Organization: p.organization }, EDMS: p.system });
  const out: XmlElement = {
    $: { MessageID: messageId, Version: SEV_VERSION, Time: time.toISOString(), MessageType: 'MainDoc' },
    Sender: party(sender),
    Recipient: party(recipient),
  };
  if (files.length > 0) {
    out.ResourceList = { Resource: files.map((f) => element(undefined, { UID: f.resourceId, UniqueName: f.uniqueName })) };
  }
  return out;
}

function fileElements(files: PackageFileEntry[]): XmlElement[] {
  return files.map((f) => ({
    ...element(undefined, { ResourceID: f.resourceId, Size: f.size }),
    Description: f.description,
    Extension: f.extension,
  }));
}

function privatePerson(person: NonNullable<DeloRecord['Author']>): XmlElement {
  const fio = [person.Surname, person.Name, person.Patronymic].filter((part) => part && part.trim()).join(' ');
  const out: XmlElement = { FIO: fio };
  const address = person.Address;
  if (address && Object.values(address).some((v) => v !== undefined)) {
    const addr: XmlElement = {};
    if (address.ZipCode !== undefined) addr.ZipCode = address.ZipCode;
    if (address.Region !== undefined) addr.Region = address.Region;
    if (address.Settlement !== undefined) addr.Settlement = address.Settlement;
    if (address.Text !== undefined) addr.Text = address.Text;
    out.Address = addr;
  }
  const contacts: XmlElement[] = [];
  if (person.Email) contacts.push(element(person.Email, { Type: 'email' }));
  if (person.Phone) contacts.push(element(person.Phone, { Type: 'phone' }));
  if (contacts.length > 0) out.Econtact = contacts;
  return out;
}

function additionalFields(input: AppealPackageInput): XmlElement[] {
  const { record } = input;
  const fields = [
    element(String(input.posId), { Name: 'POS_ID', Type: 'Integer' }),
    element(record.DocumentDate, { Name: 'DOC_DATE', Type: 'Date' }),
  ];
  if (record.DeliveryType !== undefined) fields.push(element(record.DeliveryType, { Name: 'DELIVERY', Type: 'String' }));
  if (record.Note !== undefined) fields.push(element(record.Note, { Name: 'NOTE', Type: 'String' }));
  for (const field of record.AdditionalFields ?? []) fields.push(element(field.Value, { Name: field.Name, Type: field.Type }));
  return fields;
}

/** The DocInfo of an appeal package, as XML text. */
export function buildAppealDocInfo(input: AppealPackageInput): string {
  const { record } = input;
  const document: XmlElement = {
    $: { DocumentID: input.documentId, Type: 'Incoming', MainDocument: 'true' },
    RegistrationInfo: '',
  };
  if (record.Deadline !== undefined) document.Control = { Deadline: record.Deadline };
  if (record.Consists !== undefined) document.Consists = record.Consists;
  document.Annotation = record.Annotation;
  document.Rubric = record.Rubrics.map((r) => (r.Name === undefined ? { Code: r.Code } : { Code: r.Code, Name: r.Name }));
  const authors: XmlElement[] = [];
  if (record.Author) authors.push({ $: { Role: 'Applicant' }, PrivatePerson: privatePerson(record.Author) });
  for (const co of record.CoAuthors ?? []) authors.push({ $: { Role: 'CoApplicant' }, PrivatePerson: privatePerson(co) });
  if (authors.length > 0) document.Author = authors;
  if (record.Addressee !== undefined) document.Addressee = record.Addressee;
  document.AdditionalField = additionalFields(input);
  if (input.files.length > 0) document.File = fileElements(input.files);
  return buildXml('DocInfo', {
    $: { xmlns: SEV_NAMESPACE },
    Header: header(input.messageId, input.time, input.sender, input.recipient, input.files),
    DocumentList: { Document: document },
  });
}

/** The DocInfo of an answer letter (MainDoc, Type=Created), linked to the appeal it answers. */
export function buildAnswerDocInfo(input: AnswerPackageInput): string {
  const document: XmlElement = {
    $: { DocumentID: input.documentId, Type: 'Created', MainDocument: 'true' },
    RegistrationInfo: { Number: input.number, Date: input.date },
    Annotation: input.text,
  };
  if (input.resolution !== undefined) document.AdditionalField = element(input.resolution, { Name: 'RESOLUTION', Type: 'String' });
  if (input.files.length > 0) document.File = fileElements(input.files);
  document.Link = element(undefined, { Type: 'Answer', MessageID: input.initialMessageId, DocumentID: input.initialDocumentId });
  return buildXml('DocInfo', {
    $: { xmlns: SEV_NAMESPACE },
    Header: header(input.messageId, input.time, input.sender, input.recipient, input.files),
    DocumentList: { Document: document },
  });
}
