// The record schema each EDMS adapter expects (from adapters/registry.ts), and what the mapping
// check needs to know of it: the field names a mapping may fill and the ones it must.
import type { z } from 'zod';
import { EDMS_KINDS, EDMS_REGISTRY, type EdmsKind } from '../../adapters/registry.js';

export interface TargetSpec {
  kind: EdmsKind;
  schema: z.ZodType;
  fields: readonly string[];
  required: ReadonlySet<string>;
}

function describe(kind: EdmsKind, schema: z.ZodObject<Record<string, z.ZodType>>): TargetSpec {
  const fields = Object.keys(schema.shape);
  // A field is required when its schema does not accept "absent".
  const required = new Set(fields.filter((name) => !schema.shape[name]?.safeParse(undefined).success));
  return { kind, schema, fields, required };
}

const targets = Object.fromEntries(EDMS_KINDS.map((kind) => [kind, describe(kind, EDMS_REGISTRY[kind].recordSchema)])) as Record<
  EdmsKind,
  TargetSpec
>;

export function targetSpec(kind: EdmsKind): TargetSpec {
  return targets[kind];
}
