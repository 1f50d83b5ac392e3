// The directory references a record carries, read by the adapter's declared reference fields
// (`DocumentKind`, `Questions[].Code`): one list for registration, the dry run and the pre-flight.
import type { ReferenceField, ReferenceValue } from './contract.js';

const asReference = (value: unknown): ReferenceValue | undefined => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { Id?: unknown }).Id === 'number') return { Id: (value as { Id: number }).Id };
  return undefined;
};

export function recordReferences(record: unknown, fields: readonly ReferenceField[]): { field: string; value: ReferenceValue }[] {
  const references: { field: string; value: ReferenceValue }[] = [];
  const object = (record ?? {}) as Record<string, unknown>;
  for (const { field } of fields) {
    const [name, inner] = field.split('[].');
    const raw = object[name!];
    if (inner === undefined) {
      const value = asReference(raw);
      if (value !== undefined) references.push({ field, value });
      continue;
    }
    for (const item of Array.isArray(raw) ? raw : []) {
      const element = (item ?? {}) as Record<string, unknown>;
      const value = asReference(inner in element ? element[inner] : element);
      if (value !== undefined) references.push({ field, value });
    }
  }
  return references;
}
