// Structural check of СЭВ documents over the xml2js tree: the bridge's tests, the emulator (which
// answers an invalid package with Failure) and the Report reader (which quarantines an invalid
// Report) all use these, so "valid" means the same thing on both sides of the exchange folder.
import { z } from 'zod';
import { isUuid } from './ids.js';
import { SEV_NAMESPACE, children, attr, parseXml, type XmlElement } from './xml.js';
import { issueLines } from '../../../src/zod-issues.js';

const uuid = z.string().refine(isUuid, 'must be a UUID');
const isoDate = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date');
const attributes = <S extends z.ZodRawShape>(shape: S) => z.looseObject(shape);
/** xml2js gives one child as an object and several as an array; checked as an array either way (precise issue paths). */
const oneOrMany = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === undefined || Array.isArray(v) ? v : [v]), z.array(schema));

/** A leaf element's text, whether it has attributes or not; an element with child elements is not text. */
const leafText = (v: unknown) =>
  v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).every((k) => k === '_' || k === '$')
    ? ((v as { _?: unknown })._ ?? '')
    : v;
const text = z.preprocess(leafText, z.string({ error: 'must be a text element' }));
const nonEmptyText = z.preprocess(leafText, z.string({ error: 'must be a text element' }).min(1, 'must not be empty'));
const dateText = z.preprocess(leafText, isoDate);
/** A file name inside a package folder: no path separators, no dot-names. */
// eslint-disable-next-line no-control-regex -- control characters are what a plain file name must not hold
const PLAIN_FILE_NAME = /^[^/\\:*?"<>|\u0000-\u001f]+$/;
const folderFileName = z
  .string()
  .regex(PLAIN_FILE_NAME, 'must be a plain file name')
  .refine((n) => !n.startsWith('.'), 'must not start with a dot');

const party = z.looseObject({ Contact: z.unknown(), EDMS: z.unknown().optional() });

const header = z.looseObject({
  $: attributes({
    MessageID: uuid,
    Version: z.string().min(1),
    Time: isoDate,
    MessageType: z.enum(['MainDoc', 'AddToDoc', 'Reception', 'Failure', 'Report']),
  }),
  Sender: party,
  Recipient: party,
  ResourceList: z
    .looseObject({ Resource: oneOrMany(z.looseObject({ $: attributes({ UID: uuid, UniqueName: folderFileName }) })) })
    .optional(),
});

const econtact = z.looseObject({ _: z.string().min(1), $: attributes({ Type: z.string().min(1) }) });
const privatePerson = z.looseObject({
  FIO: nonEmptyText,
  Address: z
    .union([
      z.literal(''),
      z.looseObject({ ZipCode: text.optional(), Region: text.optional(), Settlement: text.optional(), Text: text.optional() }),
    ])
    .optional(),
  Econtact: oneOrMany(econtact).optional(),
});
const author = z
  .looseObject({ PrivatePerson: privatePerson.optional(), Organization: z.unknown().optional() })
  .refine((a) => a.PrivatePerson !== undefined || a.Organization !== undefined, 'Author needs PrivatePerson or Organization');

const rubric = z.union([nonEmptyText, z.looseObject({ Code: nonEmptyText, Name: text.optional() })]);
const additionalField = z.looseObject({
  $: attributes({ Name: z.string().min(1), Type: z.string().optional() }),
  _: z.string().optional(),
});
const file = z.looseObject({
  $: attributes({ ResourceID: uuid, Size: z.string().regex(/^\d+$/, 'must be a byte count') }),
  Description: text.optional(),
  Extension: text.optional(),
});

const document = z.looseObject({
  $: attributes({
    DocumentID: uuid,
    Type: z.enum(['Created', 'Incoming', 'Project']),
    MainDocument: z.enum(['true', 'false']).optional(),
  }),
  RegistrationInfo: z.union([z.literal(''), z.looseObject({ Number: text.optional(), Date: dateText.optional() })]).optional(),
  Control: z
    .union([z.literal(''), z.looseObject({ Deadline: dateText.optional(), FactDate: dateText.optional(), State: text.optional() })])
    .optional(),
  Consists: text.optional(),
  Annotation: nonEmptyText,
  Rubric: oneOrMany(rubric).optional(),
  Author: oneOrMany(author).optional(),
  Addressee: text.optional(),
  AdditionalField: oneOrMany(additionalField).optional(),
  File: oneOrMany(file).optional(),
});

const namespaced = attributes({ xmlns: z.literal(SEV_NAMESPACE, { error: `must be ${SEV_NAMESPACE}` }) });

export const docInfoTreeSchema = z
  .looseObject({ $: namespaced, Header: header, DocumentList: z.looseObject({ Document: oneOrMany(document) }) })
  .superRefine((tree, ctx) => {
    const root = tree as unknown as XmlElement;
    const resources = children(child0(root, 'Header'), 'ResourceList').flatMap((list) => children(list, 'Resource'));
    const uids = resources.map((r) => attr(r, 'UID') ?? '');
    const names = resources.map((r) => attr(r, 'UniqueName') ?? '');
    if (new Set(uids).size !== uids.length)
      ctx.addIssue({ code: 'custom', path: ['Header', 'ResourceList'], message: 'Resource@UID repeats' });
    if (new Set(names).size !== names.length)
      ctx.addIssue({ code: 'custom', path: ['Header', 'ResourceList'], message: 'Resource@UniqueName repeats' });
    const documents = children(child0(root, 'DocumentList'), 'Document');
    const main = documents.filter((d) => attr(d, 'MainDocument') === 'true');
    if (main.length !== 1)
      ctx.addIssue({ code: 'custom', path: ['DocumentList'], message: `exactly one MainDocument expected, found ${main.length}` });
    for (const doc of documents) {
      for (const f of children(doc, 'File')) {
        const id = attr(f, 'ResourceID') ?? '';
        if (!uids.includes(id))
          ctx.addIssue({ code: 'custom', path: ['DocumentList', 'Document', 'File'], message: `File@ResourceID ${id} has no Resource` });
      }
    }
  });

function child0(node: XmlElement, name: string): XmlElement | undefined {
  const found = children(node, name)[0];
  return typeof found === 'object' ? found : undefined;
}

/** Notification kinds the bridge understands (ГОСТ Р 53898 acknowledgements and the answer). */
export const NOTIFICATION_KINDS = ['Reception', 'Registration', 'Failure', 'Forwarding', 'Redirection', 'Consideration', 'Answer'] as const;

const official = z.looseObject({ FIO: nonEmptyText, Econtact: oneOrMany(econtact).optional() });
const forwarding = z.looseObject({ Addressee: nonEmptyText, Comment: text.optional() });

const notification = z
  .looseObject({
    InitialDoc: z.looseObject({ $: attributes({ UID: uuid }), Number: text.optional(), Date: text.optional() }),
    Reception: text.optional(),
    Registration: z
      .looseObject({
        $: attributes({ DocumentID: uuid.optional(), SystemDate: isoDate.optional() }).optional(),
        Number: nonEmptyText,
        Date: dateText,
      })
      .optional(),
    Failure: z.looseObject({ $: attributes({ Code: z.string().min(1) }), _: z.string().optional() }).optional(),
    Forwarding: forwarding.optional(),
    Redirection: forwarding.optional(),
    Consideration: z
      .union([
        z.literal(''),
        z.looseObject({
          Executor: official.optional(),
          Manager: official.optional(),
          Control: z.looseObject({ Deadline: dateText }).optional(),
          Comment: text.optional(),
        }),
      ])
      .optional(),
    Answer: z.looseObject({ $: attributes({ DocumentID: uuid }), Date: dateText.optional(), Type: text.optional() }).optional(),
  })
  .superRefine((n, ctx) => {
    const present = NOTIFICATION_KINDS.filter((kind) => n[kind] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['Notification'],
        message: `exactly one of ${NOTIFICATION_KINDS.join('|')} expected, found ${present.length ? present.join(', ') : 'none'}`,
      });
    }
  });

export const reportTreeSchema = z
  .looseObject({
    $: namespaced,
    Header: z.looseObject({ $: attributes({ MessageID: uuid, MessageType: z.literal('Report'), ReturnID: uuid, Time: isoDate }) }),
    Notification: notification,
  })
  .superRefine((tree, ctx) => {
    const returnId = tree.Header.$.ReturnID;
    const initial = tree.Notification.InitialDoc.$.UID;
    if (returnId.toLowerCase() !== initial.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['Header', 'ReturnID'],
        message: `ReturnID ${returnId} differs from InitialDoc@UID ${initial}`,
      });
    }
  });

/** `wellFormed: false` means the text is not XML at all (possibly a file still being written). */
export type CheckResult = { ok: true; root: XmlElement } | { ok: false; issues: string[]; wellFormed: boolean };

function describeIssues(error: z.ZodError): string[] {
  return issueLines(error, '(root)');
}

async function check(xmlText: string, rootName: 'DocInfo' | 'Report', schema: z.ZodType): Promise<CheckResult> {
  let parsed: { rootName: string; root: XmlElement };
  try {
    parsed = await parseXml(xmlText);
  } catch (error) {
    return { ok: false, wellFormed: false, issues: [`not well-formed XML: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (parsed.rootName !== rootName)
    return { ok: false, wellFormed: true, issues: [`root element is ${parsed.rootName}, expected ${rootName}`] };
  const result = schema.safeParse(parsed.root);
  return result.success ? { ok: true, root: parsed.root } : { ok: false, wellFormed: true, issues: describeIssues(result.error) };
}

/** Parses and checks a DocInfo package description. */
export function checkDocInfo(xmlText: string): Promise<CheckResult> {
  return check(xmlText, 'DocInfo', docInfoTreeSchema);
}

/** Parses and checks a Report. */
export function checkReport(xmlText: string): Promise<CheckResult> {
  return check(xmlText, 'Report', reportTreeSchema);
}
