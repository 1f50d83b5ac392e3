// An organisation's effective mapping: the admins' file with the constants BRIDGE_CONFIG gives that
// organisation (business unit, addressee, …) written into its `constants:` section. Being YAML text
// again, it is compiled, checked against the EDMS and located exactly as the file itself is.
import { parseDocument } from 'yaml';

/** The source with `constants.<name>` set to each override; the file itself when there are none. */
export function effectiveSource(source: string, constants: Readonly<Record<string, unknown>>): string {
  const names = Object.keys(constants);
  if (names.length === 0) return source;
  const doc = parseDocument(source);
  for (const name of names) doc.setIn(['constants', name], constants[name]);
  // lineWidth 0: no folding, so expressions stay on the lines the admins wrote them on.
  return doc.toString({ lineWidth: 0 });
}
