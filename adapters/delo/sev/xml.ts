// XML plumbing shared by the package writer, the Report reader and the emulator: one namespace,
// one way to make any Unicode string legal XML 1.0, one parser configuration and small accessors
// over the xml2js tree (which gives a single child as an object and repeated ones as an array).
import { Builder, Parser } from 'xml2js';

export const SEV_NAMESPACE = 'http://www.eos.ru/2010/sev';
export const SEV_VERSION = '1.0';

/**
 * XML 1.0 cannot carry C0 control characters (other than tab, LF, CR), U+FFFE/U+FFFF or unpaired
 * surrogates, not even as character references. Decision: controls and non-characters are dropped
 * (they carry no meaning in a citizen's text); an unpaired surrogate becomes U+FFFD so the reader
 * still sees that a character was lost. Everything else (emoji, combining marks, `&<>"'`) is kept
 * and escaped by the builder.
 */
export function toXmlText(value: string): string {
  return (
    value
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
  );
}

/** xml2js tree node: attributes under `$`, text under `_`, children by element name. */
export interface XmlElement {
  $?: Record<string, string>;
  _?: string;
  [child: string]: XmlNode | XmlNode[] | Record<string, string> | string | undefined;
}
export type XmlNode = XmlElement | string;

/** Builds a tree for the builder, sanitising every string on the way. */
export function sanitizeTree<T>(value: T): T {
  if (typeof value === 'string') return toXmlText(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((item) => sanitizeTree(item)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) out[key] = sanitizeTree(child);
    }
    return out as T;
  }
  return value;
}

/** Serialises `{ [rootName]: tree }` as UTF-8 XML with a declaration; strings are sanitised first. */
export function buildXml(rootName: string, tree: XmlElement): string {
  const builder = new Builder({
    rootName,
    xmldec: { version: '1.0', encoding: 'UTF-8' },
    renderOpts: { pretty: true, indent: '  ', newline: '\n' },
  });
  return builder.buildObject(sanitizeTree(tree));
}

/**
 * Parses XML text. Whitespace-only text is kept (an annotation may legitimately be spaces) and
 * nothing is trimmed, so text round-trips exactly; namespaces stay as plain `xmlns` attributes.
 */
export async function parseXml(text: string): Promise<{ rootName: string; root: XmlElement }> {
  const parser = new Parser({
    explicitArray: false,
    explicitRoot: true,
    includeWhiteChars: true,
    trim: false,
    normalize: false,
    emptyTag: '',
    strict: true,
  });
  const doc: unknown = await parser.parseStringPromise(text);
  if (!doc || typeof doc !== 'object') throw new Error('empty XML document');
  const entries = Object.entries(doc as Record<string, unknown>);
  if (entries.length !== 1) throw new Error('XML document must have exactly one root element');
  const [rootName, rootValue] = entries[0]!;
  const root: XmlElement = typeof rootValue === 'string' ? { _: rootValue } : (rootValue as XmlElement);
  return { rootName, root };
}

/** Children named `name`, always as an array (xml2js collapses a single child). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  if (!node || typeof node === 'string') return [];
  const value = node[name];
  if (value === undefined || name === '$') return [];
  if (Array.isArray(value)) return value;
  return [value];
}

export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** Text content of an element (empty string when it has none). */
export function textOf(node: XmlNode | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  return typeof node._ === 'string' ? node._ : '';
}

/** Text of the first child `name`, or undefined when the child is missing or blank. */
export function childText(node: XmlNode | undefined, name: string): string | undefined {
  const found = child(node, name);
  if (found === undefined) return undefined;
  const text = textOf(found);
  return text.trim() === '' ? undefined : text;
}

export function attr(node: XmlNode | undefined, name: string): string | undefined {
  if (!node || typeof node === 'string') return undefined;
  return node.$?.[name];
}

/** Element with text and attributes, skipping undefined attributes. */
export function element(text: string | undefined, attributes: Record<string, string | number | boolean | undefined> = {}): XmlElement {
  const $: Record<string, string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) $[key] = String(value);
  }
  const out: XmlElement = {};
  if (Object.keys($).length > 0) out.$ = $;
  if (text !== undefined) out._ = text;
  return out;
}
