// The record schema each EDMS adapter expects, and what the mapping check needs to know of it:
// the field names a mapping may fill and the ones it must.
import type { z } from 'zod';
import { deloRecordSchema } from '../../adapters/delo/record.js';
import { directumRecordSchema } from '../../adapters/directum-rx/record.js';
import type { EdmsKind } from '../../adapters/contract.js';

export interface TargetSpec {
  kind: EdmsKind;
  schema: z.ZodType;
  fields: readonly string[];
  required: ReadonlySet<string>;
}

function describe(kind: EdmsKind, schema: z.ZodObject): TargetSpec {
  const fields = Object.keys(schema.shape);
  // A field is required when its schema does not accept "absent".
  const required = new Set(fields.filter((name) => !schema.shape[name]?.safeParse(undefined).success));
  return { kind, schema, fields, required };
}

const targets: Record<EdmsKind, TargetSpec> = {
  'directum-rx': describe('directum-rx', directumRecordSchema),
  delo: describe('delo', deloRecordSchema),
};

export function targetSpec(kind: EdmsKind): TargetSpec {
  return targets[kind];
}
