// What the demo reads back to show progress and prove the result: ПОС's side (the emulator's
// record of acceptances and status history) and the bridge's own counters.
import type { PosEmulator } from '../pos/emulator/index.js';
import type { PipelineContext } from '../pipeline/context.js';
import { FailedJobs } from '../pipeline/failed.js';
import { DEFAULT_ORGANISATION } from '../pipeline/organisation.js';

export interface DemoOutcome {
  pulled: number;
  registered: number;
  accepted: number;
  duplicateAccepts: number;
  statusesInPos: number;
  finalAnswers: number;
  byAnswerType: Record<string, number>;
  outOfOrder: number;
  setAside: number;
  failedJobs: number;
  /** Accepted appeals whose EDMS record the clerks may act on. */
  registeredUnfinished: { posId: number; edmsId: string }[];
  /** Per ПОС organisation (ClientID): accepted and finally answered. */
  byOrganisation: Record<string, { accepted: number; answered: number }>;
}

async function counter(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, v) => sum + v.value, 0);
}

/** A history is in lifecycle order when nothing follows the final answer and "registered" comes first. */
function inOrder(statuses: { body: { answer: boolean; regNumber?: string } }[]): boolean {
  const finalAt = statuses.findIndex((s) => s.body.answer);
  return finalAt === -1 || finalAt === statuses.length - 1;
}

export async function collectOutcome(pos: PosEmulator, contexts: readonly PipelineContext[], seeded: number[]): Promise<DemoOutcome> {
  const ctx = contexts[0]!;
  // Which pipeline holds an appeal: the one of the ЛКО that owns it in ПОС (demo keys lko-N ↔ demo-lko-N).
  const contextOf = (owner: string | undefined) =>
    contexts.find((candidate) => candidate.organisation !== DEFAULT_ORGANISATION && owner === `demo-${candidate.organisation}`) ?? ctx;
  let failedJobs = 0;
  for (const each of contexts)
    failedJobs += (await new FailedJobs(each.queues, each.store).list()).filter((f) => f.queue !== 'pull').length;
  const outcome: DemoOutcome = {
    pulled: await counter(ctx.metrics.appealsPulled),
    registered: await counter(ctx.metrics.appealsRegistered),
    accepted: 0,
    duplicateAccepts: 0,
    statusesInPos: 0,
    finalAnswers: 0,
    byAnswerType: {},
    outOfOrder: 0,
    setAside: await counter(ctx.metrics.appealsSetAside),
    failedJobs,
    registeredUnfinished: [],
    byOrganisation: {},
  };
  for (const posId of seeded) {
    const stored = pos.state.find(String(posId));
    if (!stored) continue;
    if (stored.accepted) outcome.accepted += 1;
    if (stored.acceptCount > 1) outcome.duplicateAccepts += 1;
    outcome.statusesInPos += stored.history.length;
    if (stored.finalAnswerAt) outcome.finalAnswers += 1;
    for (const entry of stored.history) {
      const type = entry.body.appealAnswerType;
      if (type) outcome.byAnswerType[type] = (outcome.byAnswerType[type] ?? 0) + 1;
    }
    if (!inOrder(stored.history)) outcome.outOfOrder += 1;
    const tally = (outcome.byOrganisation[stored.owner] ??= { accepted: 0, answered: 0 });
    if (stored.accepted) tally.accepted += 1;
    if (stored.finalAnswerAt) tally.answered += 1;
    if (stored.accepted && !stored.finalAnswerAt) {
      const record = await contextOf(stored.owner).store.get(posId);
      if (record?.edmsId) outcome.registeredUnfinished.push({ posId, edmsId: record.edmsId });
    }
  }
  return outcome;
}
