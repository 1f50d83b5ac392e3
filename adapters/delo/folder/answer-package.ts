// Reads an answer letter's DocInfo package (an inbox subfolder written by «Дело» before the Report
// that announces it) into an InboundAnswer, checking every file against the card.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../fs/atomic.js';
import { contentTypeOf } from '../sev/content-type.js';
import { extensionOf } from '../sev/docinfo.js';
import { checkDocInfo } from '../sev/schema.js';
import { attr, child, childText, children, textOf } from '../sev/xml.js';
import type { InboundAnswer, InboundAnswerFile } from '../transport.js';
import { DOCINFO_FILE } from './outbox.js';

export type AnswerReadResult = { ok: true; answer: InboundAnswer } | { ok: false; reason: string };

export async function readAnswerPackage(folder: string): Promise<AnswerReadResult> {
  let xml: string;
  try {
    xml = await readFile(join(folder, DOCINFO_FILE), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { ok: false, reason: `answer package has no ${DOCINFO_FILE}` };
    throw error;
  }
  const checked = await checkDocInfo(xml);
  if (!checked.ok) return { ok: false, reason: `answer package is invalid: ${checked.issues.join('; ')}` };
  const header = child(checked.root, 'Header');
  const uniqueNames = new Map<string, string>();
  for (const resource of children(child(header, 'ResourceList'), 'Resource')) {
    uniqueNames.set(attr(resource, 'UID')!.toLowerCase(), attr(resource, 'UniqueName')!);
  }
  const document = children(child(checked.root, 'DocumentList'), 'Document').find((d) => attr(d, 'MainDocument') === 'true')!;
  const files: InboundAnswerFile[] = [];
  for (const file of children(document, 'File')) {
    const uniqueName = uniqueNames.get(attr(file, 'ResourceID')!.toLowerCase())!;
    let data: Buffer;
    try {
      data = await readFile(join(folder, uniqueName));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return { ok: false, reason: `answer file ${uniqueName} is missing` };
      throw error;
    }
    const declared = Number(attr(file, 'Size'));
    if (data.length !== declared) return { ok: false, reason: `answer file ${uniqueName} has ${data.length} bytes, the card says ${declared}` };
    const extension = childText(file, 'Extension') ?? extensionOf(uniqueName);
    files.push({ uniqueName, name: childText(file, 'Description') ?? uniqueName, contentType: contentTypeOf(extension), data });
  }
  const registration = child(document, 'RegistrationInfo');
  const answer: InboundAnswer = { documentId: attr(document, 'DocumentID')!.toLowerCase(), files };
  const text = textOf(child(document, 'Annotation'));
  if (text !== '') answer.text = text;
  const number = childText(registration, 'Number');
  const date = childText(registration, 'Date');
  if (number) answer.number = number;
  if (date) answer.date = date;
  const resolution = children(document, 'AdditionalField').find((f) => attr(f, 'Name') === 'RESOLUTION');
  if (resolution !== undefined && textOf(resolution) !== '') answer.resolution = textOf(resolution);
  return { ok: true, answer };
}
