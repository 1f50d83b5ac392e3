// Faults the «Дело» emulator can inject, by count: each counter is decremented as the fault fires,
// so a test states exactly how many times something goes wrong. Mutable at run time (in process
// or over the control API).
import { z } from 'zod';

export const deloFaultsSchema = z
  .object({
    /** Packages stay in the outbox at least this long before pickup (slow exchange module). */
    pickupDelayMs: z.number().int().min(0),
    /** The next N Reports are written twice (same content, two files). */
    duplicateReports: z.number().int().min(0),
    /** The next N Reports appear half-written under their final name and are completed later. */
    truncatedReports: z.number().int().min(0),
    /** How long a truncated Report stays incomplete. */
    truncatedForMs: z.number().int().min(0),
    /** The next N Reports are each followed by a malformed Report file. */
    malformedReports: z.number().int().min(0),
    /** The next N Reports are each followed by a Report about a package nobody sent. */
    unknownInitialDocReports: z.number().int().min(0),
    /** The next N valid packages are refused with Failure instead of registered. */
    refusePackages: z.number().int().min(0),
  })
  .strict();

export type DeloFaults = z.infer<typeof deloFaultsSchema>;

export function noFaults(): DeloFaults {
  return {
    pickupDelayMs: 0,
    duplicateReports: 0,
    truncatedReports: 0,
    truncatedForMs: 300,
    malformedReports: 0,
    unknownInitialDocReports: 0,
    refusePackages: 0,
  };
}

/** Takes one from a counter; true when the fault fires now. */
export function consume(
  faults: DeloFaults,
  key: 'duplicateReports' | 'truncatedReports' | 'malformedReports' | 'unknownInitialDocReports' | 'refusePackages',
): boolean {
  if (faults[key] <= 0) return false;
  faults[key] -= 1;
  return true;
}
