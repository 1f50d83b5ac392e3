// `Report` documents (delo-sev.md): the emulator writes them, the bridge's reader parses them into
// one normalised notification. Officials travel as Executor/Manager → FIO + Econtact; a
// postponement is a Consideration carrying a new Control/Deadline.
import type { Official } from '../../contract.js';
import { checkReport } from './schema.js';
import type { SevParty } from './docinfo.js';
import {
  SEV_NAMESPACE,
  SEV_VERSION,
  attr,
  buildXml,
  child,
  childText,
  children,
  element,
  textOf,
  type XmlElement,
  type XmlNode,
} from './xml.js';

export type ReportNotification =
  | { kind: 'reception' }
  | { kind: 'registration'; documentId?: string; number: string; date: string }
  | { kind: 'failure'; code: string; text: string }
  | { kind: 'forwarding'; to: string; redirection: boolean; comment?: string }
  | { kind: 'consideration'; executor?: Official; manager?: Official; deadline?: string; comment?: string }
  | { kind: 'answer'; documentId: string; date?: string; type?: string };

export interface ReportMessage {
  messageId: string;
  /** The package the Report is about (Header@ReturnID = InitialDoc@UID). */
  initialMessageId: string;
  time: string;
  /** InitialDoc/Number and Date when «Дело» repeats the registration there. */
  initialNumber?: string;
  initialDate?: string;
  notification: ReportNotification;
}

export interface ReportBuildInput extends ReportMessage {
  sender: SevParty;
  recipient: SevParty;
}

export function joinFio(official: Official): string {
  return [official.surname, official.name, official.patronymic].filter((p) => p && p.trim()).join(' ');
}

/** «Дело» keeps a person as one FIO string; surname first, then name, the rest is the patronymic. */
export function splitFio(fio: string): Pick<Official, 'surname' | 'name' | 'patronymic'> {
  const [surname, name, ...rest] = fio.trim().split(/\s+/);
  const out: Pick<Official, 'surname' | 'name' | 'patronymic'> = {};
  if (surname) out.surname = surname;
  if (name) out.name = name;
  if (rest.length > 0) out.patronymic = rest.join(' ');
  return out;
}

function officialElement(official: Official): XmlElement {
  const out: XmlElement = { FIO: joinFio(official) };
  const contacts: XmlElement[] = [];
  if (official.email) contacts.push(element(official.email, { Type: 'email' }));
  if (official.phone) contacts.push(element(official.phone, { Type: 'phone' }));
  if (contacts.length > 0) out.Econtact = contacts;
  return out;
}

function readOfficial(node: XmlNode | undefined): Official | undefined {
  if (node === undefined) return undefined;
  const official: Official = splitFio(childText(node, 'FIO') ?? '');
  for (const contact of children(node, 'Econtact')) {
    const type = (attr(contact, 'Type') ?? '').toLowerCase();
    if (type === 'email' || type === 'e-mail') official.email = textOf(contact);
    if (type === 'phone' || type === 'tel') official.phone = textOf(contact);
  }
  return official;
}

function notificationElement(n: ReportNotification): [string, XmlElement | string] {
  switch (n.kind) {
    case 'reception':
      return ['Reception', ''];
    case 'registration':
      return [
        'Registration',
        { ...element(undefined, { DocumentID: n.documentId, SystemDate: new Date().toISOString() }), Number: n.number, Date: n.date },
      ];
    case 'failure':
      return ['Failure', element(n.text, { Code: n.code })];
    case 'forwarding': {
      const body: XmlElement = { Addressee: n.to };
      if (n.comment !== undefined) body.Comment = n.comment;
      return [n.redirection ? 'Redirection' : 'Forwarding', body];
    }
    case 'consideration': {
      const body: XmlElement = {};
      if (n.executor) body.Executor = officialElement(n.executor);
      if (n.manager) body.Manager = officialElement(n.manager);
      if (n.deadline !== undefined) body.Control = { Deadline: n.deadline };
      if (n.comment !== undefined) body.Comment = n.comment;
      return ['Consideration', Object.keys(body).length > 0 ? body : ''];
    }
    case 'answer': {
      const body: XmlElement = element(undefined, { DocumentID: n.documentId });
      if (n.date !== undefined) body.Date = n.date;
      if (n.type !== undefined) body.Type = n.type;
      return ['Answer', body];
    }
  }
}

export function buildReportXml(input: ReportBuildInput): string {
  const party = (p: SevParty): XmlElement => ({ Contact: { Organization: p.organization }, EDMS: p.system });
  const initialDoc: XmlElement = element(undefined, { UID: input.initialMessageId });
  if (input.initialNumber !== undefined) initialDoc.Number = input.initialNumber;
  if (input.initialDate !== undefined) initialDoc.Date = input.initialDate;
  const [kind, body] = notificationElement(input.notification);
  return buildXml('Report', {
    $: { xmlns: SEV_NAMESPACE },
    Header: {
      $: { MessageID: input.messageId, Version: SEV_VERSION, Time: input.time, MessageType: 'Report', ReturnID: input.initialMessageId },
      Sender: party(input.sender),
      Recipient: party(input.recipient),
    },
    Notification: { InitialDoc: initialDoc, [kind]: body },
  });
}

function readNotification(n: XmlNode): ReportNotification {
  const registration = child(n, 'Registration');
  if (registration !== undefined) {
    const documentId = attr(registration, 'DocumentID');
    return {
      kind: 'registration',
      ...(documentId ? { documentId } : {}),
      number: childText(registration, 'Number') ?? '',
      date: childText(registration, 'Date') ?? '',
    };
  }
  const failure = child(n, 'Failure');
  if (failure !== undefined) return { kind: 'failure', code: attr(failure, 'Code') ?? '', text: textOf(failure) };
  for (const name of ['Forwarding', 'Redirection'] as const) {
    const fwd = child(n, name);
    if (fwd !== undefined) {
      const comment = childText(fwd, 'Comment');
      return {
        kind: 'forwarding',
        to: childText(fwd, 'Addressee') ?? '',
        redirection: name === 'Redirection',
        ...(comment ? { comment } : {}),
      };
    }
  }
  const consideration = child(n, 'Consideration');
  if (consideration !== undefined) {
    const out: Extract<ReportNotification, { kind: 'consideration' }> = { kind: 'consideration' };
    const executor = readOfficial(child(consideration, 'Executor'));
    const manager = readOfficial(child(consideration, 'Manager'));
    const deadline = childText(child(consideration, 'Control'), 'Deadline');
    const comment = childText(consideration, 'Comment');
    if (executor) out.executor = executor;
    if (manager) out.manager = manager;
    if (deadline) out.deadline = deadline;
    if (comment) out.comment = comment;
    return out;
  }
  const answer = child(n, 'Answer');
  if (answer !== undefined) {
    const date = childText(answer, 'Date');
    const type = childText(answer, 'Type');
    return { kind: 'answer', documentId: attr(answer, 'DocumentID') ?? '', ...(date ? { date } : {}), ...(type ? { type } : {}) };
  }
  return { kind: 'reception' };
}

export type ReportParseResult = { ok: true; report: ReportMessage } | { ok: false; issues: string[]; wellFormed: boolean };

/** Parses and checks a Report file's text; never throws on bad input. */
export async function parseReport(xmlText: string): Promise<ReportParseResult> {
  const checked = await checkReport(xmlText);
  if (!checked.ok) return checked;
  const header = child(checked.root, 'Header');
  const notification = child(checked.root, 'Notification')!;
  const initialDoc = child(notification, 'InitialDoc');
  const report: ReportMessage = {
    messageId: attr(header, 'MessageID')!.toLowerCase(),
    initialMessageId: attr(initialDoc, 'UID')!.toLowerCase(),
    time: new Date(attr(header, 'Time')!).toISOString(),
    notification: readNotification(notification),
  };
  const number = childText(initialDoc, 'Number');
  const date = childText(initialDoc, 'Date');
  if (number) report.initialNumber = number;
  if (date) report.initialDate = date;
  return { ok: true, report };
}
