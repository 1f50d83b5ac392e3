// What the pipeline suites that run for both EDMS (crash, faults, reconcile) need to know of each:
// how to count its records, how to slow or disturb it, and what it can do at all. A case one EDMS
// cannot play is skipped by a capability declared here, so the skip shows in the test report.
import type { EdmsKind } from '../../adapters/contract.js';
import type { World } from './harness.js';

export interface EdmsCapabilities {
  /**
   * A record can disappear from the EDMS behind the bridge's back (deleted by hand) and the adapter
   * sees it. Directum RX: the adapter asks IRequests. «Дело»: the folder exchange cannot ask «Дело»
   * anything; the adapter knows its records from its own state and the Reports, so a card deleted
   * in «Дело» stays known to it and reconcile cannot find it missing.
   */
  recordsCanVanish: boolean;
}

export interface PipelineEdms {
  kind: EdmsKind;
  capabilities: EdmsCapabilities;
  /**
   * Appeal counts are multiplied by this: «Дело»'s exchange folders are fsync-bound (several times
   * slower per appeal than Directum's HTTP emulator), and the property holds at any size.
   */
  scale: number;
  /** Records the EDMS holds, each way it can be counted: a second registration shows in each. */
  recordCounts(world: World): Promise<number[]>;
  /** When the EDMS made the appeal's record durable (ms since epoch), or null if it never did. */
  durableAt(world: World, posId: number): Promise<number | null>;
  /** Keeps many registrations in flight: every EDMS write takes about `delayMs` longer. */
  slowWrites(world: World, delayMs: number): void;
  /** EDMS-side trouble for the faults suite, as the EDMS really goes wrong; `fired` counts it so far. */
  injectFaults(world: World): { fired(): number };
  /** Deletes the record in the EDMS as an operator would by hand (only with recordsCanVanish). */
  removeRecord(world: World, edmsId: string): void;
}

function directumOf(world: World) {
  const edms = world.sandbox.edms;
  if (edms.kind !== 'directum-rx') throw new Error('directum world expected');
  return edms.directum;
}

function deloOf(world: World) {
  const edms = world.sandbox.edms;
  if (edms.kind !== 'delo') throw new Error('«Дело» world expected');
  return edms.delo;
}

const directum: PipelineEdms = {
  kind: 'directum-rx',
  capabilities: { recordsCanVanish: true },
  scale: 1,
  async recordCounts(world) {
    const { state } = directumOf(world);
    return [state.count('IRequests'), state.count('IExternalEntityLinks')];
  },
  async durableAt(world, posId) {
    // Durable once the create call returned: the linked request's creation time is the earliest bound.
    const { state } = directumOf(world);
    const link = state.rows('IExternalEntityLinks').find((row) => row.ExtEntityId === String(posId));
    const created = link ? state.find('IRequests', Number(link.EntityId))?.Created : undefined;
    return typeof created === 'string' ? Date.parse(created) : null;
  },
  slowWrites(world, delayMs) {
    directumOf(world).faults.add({ route: 'create', kind: 'slow', delayMs, rate: 1 });
  },
  injectFaults(world) {
    const { faults } = directumOf(world);
    const failing = faults.add({ route: '*', kind: '5xx', rate: 0.3 });
    faults.add({ route: 'create', kind: '429', count: 2, retryAfterSeconds: 1 });
    return { fired: () => faults.list().find((rule) => rule.id === failing)?.fired ?? 0 };
  },
  removeRecord(world, edmsId) {
    directumOf(world).state.remove('IRequests', Number(edmsId));
  },
};

const delo: PipelineEdms = {
  kind: 'delo',
  capabilities: { recordsCanVanish: false },
  scale: 0.35,
  async recordCounts(world) {
    return [await deloOf(world).countPackages()];
  },
  async durableAt(world, posId) {
    // DELO_DURABLE_WHEN=registered (the default): durable once «Дело» has registered the card.
    const card = deloOf(world)
      .emulator.allCards()
      .find((candidate) => candidate.posId === posId);
    return card?.date ? Date.parse(card.date) : null;
  },
  slowWrites(world, delayMs) {
    // A package waits this long in the outbox before «Дело» takes and registers it.
    deloOf(world).faults.pickupDelayMs = delayMs;
  },
  injectFaults(world) {
    // The folder exchange has no 5xx or 429: its trouble is a slow exchange module and Reports
    // written twice, half-written, malformed, or about packages nobody sent.
    const { faults } = deloOf(world);
    const counted = { duplicateReports: 8, truncatedReports: 4, malformedReports: 4, unknownInitialDocReports: 4 };
    Object.assign(faults, { pickupDelayMs: 300, ...counted });
    const total = Object.values(counted).reduce((sum, n) => sum + n, 0);
    return { fired: () => total - Object.keys(counted).reduce((sum, key) => sum + faults[key as keyof typeof counted], 0) };
  },
  removeRecord() {
    throw new Error('«Дело» records cannot vanish behind the adapter (capabilities.recordsCanVanish)');
  },
};

export const PIPELINE_EDMS: readonly PipelineEdms[] = [directum, delo];

/** `count` scaled for this EDMS, never below `floor`. */
export function sized(edms: PipelineEdms, count: number, floor = 1): number {
  return Math.max(floor, Math.round(count * edms.scale));
}
