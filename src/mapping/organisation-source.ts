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

/** What of the configuration decides which organisations change which mapping. */
export interface OrganisationMappings {
  /** The EDMS (its mapping is the default one); undefined when EDMS is not set. */
  edms?: string;
  organisations: readonly { key: string; mapping?: string; constants: Readonly<Record<string, unknown>> }[];
}

/** The organisations whose constants change mapping `name`: their effective sources, labelled by organisation. */
export function organisationVariants(
  config: OrganisationMappings,
  file: string,
  name: string,
  source: string,
): { source: string; label: string }[] {
  return config.organisations
    .filter((org) => (org.mapping ?? config.edms) === name && Object.keys(org.constants).length > 0)
    .map((org) => ({ source: effectiveSource(source, org.constants), label: `${file} (organisation ${org.key}, with its constants)` }));
}
