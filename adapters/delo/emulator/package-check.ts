// The emulator's intake check of one package folder: the same structural check the bridge's tests
// use, plus what only the folder can tell (MessageID = folder name, every file there with its size).
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode } from '../fs/atomic.js';
import { DOCINFO_FILE } from '../folder/outbox.js';
import { checkDocInfo } from '../sev/schema.js';
import { attr, child, children, textOf, type XmlElement } from '../sev/xml.js';

export interface CheckedPackage {
  xml: string;
  root: XmlElement;
  messageId: string;
  documentId: string;
  posId?: number;
  files: { uniqueName: string; name: string; size: number }[];
}

export type PackageCheck = { ok: true; pkg: CheckedPackage } | { ok: false; issues: string[] };

export async function checkPackageFolder(folder: string, folderName: string): Promise<PackageCheck> {
  let xml: string;
  try {
    xml = await readFile(join(folder, DOCINFO_FILE), 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return { ok: false, issues: [`${DOCINFO_FILE} is missing`] };
    throw error;
  }
  const checked = await checkDocInfo(xml);
  if (!checked.ok) return checked;
  const issues: string[] = [];
  const header = child(checked.root, 'Header');
  const messageId = attr(header, 'MessageID')!.toLowerCase();
  if (messageId !== folderName.toLowerCase()) issues.push(`Header@MessageID ${messageId} differs from the folder name ${folderName}`);
  const uniqueNames = new Map<string, string>();
  for (const resource of children(child(header, 'ResourceList'), 'Resource'))
    uniqueNames.set(attr(resource, 'UID')!.toLowerCase(), attr(resource, 'UniqueName')!);
  const document = children(child(checked.root, 'DocumentList'), 'Document').find((d) => attr(d, 'MainDocument') === 'true')!;
  const files: CheckedPackage['files'] = [];
  for (const file of children(document, 'File')) {
    const uniqueName = uniqueNames.get(attr(file, 'ResourceID')!.toLowerCase())!;
    const declared = Number(attr(file, 'Size'));
    try {
      const { size } = await stat(join(folder, uniqueName));
      if (size !== declared) issues.push(`${uniqueName} has ${size} bytes, File@Size says ${declared}`);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
      issues.push(`${uniqueName} is missing from the package`);
    }
    files.push({ uniqueName, name: textOf(child(file, 'Description')) || uniqueName, size: declared });
  }
  if (issues.length > 0) return { ok: false, issues };
  const posField = children(document, 'AdditionalField').find((f) => attr(f, 'Name') === 'POS_ID');
  const posId = posField ? Number(textOf(posField)) : NaN;
  const pkg: CheckedPackage = { xml, root: checked.root, messageId, documentId: attr(document, 'DocumentID')!.toLowerCase(), files };
  if (Number.isInteger(posId) && posId > 0) pkg.posId = posId;
  return { ok: true, pkg };
}
