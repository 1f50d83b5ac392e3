// `pos-bridge reseal`: seals the payloads of kept jobs again under DATA_KEY, as v2 values bound to
// their appeal. Run it after a key rotation (the old key as DATA_KEY_PREVIOUS) or after upgrading
// from a release that wrote v1 values; once it reports nothing left, DATA_KEY_PREVIOUS can go.
// Running jobs are left alone (their worker holds the payload in memory): run it again later.
import type { Job, JobType, Queue } from 'bullmq';
import { describeError } from '../errors.js';
import type { PayloadCipher, SealContext } from './crypto.js';
import type { BridgeQueues } from './queues.js';

/** Every state a job rests in with its payload kept in Redis, except `active`. */
const RESTING_STATES: JobType[] = ['waiting', 'prioritized', 'delayed', 'waiting-children', 'failed', 'completed'];
const PAGE = 500;

interface SealedField {
  queue: Queue;
  field: 'sealedAppeal' | 'sealedProgress';
  purpose: SealContext['purpose'];
}

export interface ResealProblem {
  queue: string;
  jobId: string;
  posId?: number;
  code: string;
  message: string;
}

export interface QueueResealCounts {
  resealed: number;
  /** Already v2 under DATA_KEY. */
  current: number;
  /** Running now: not touched. */
  active: number;
}

export interface ResealReport {
  queues: Record<string, QueueResealCounts>;
  /** Payloads that do not open (unknown key, tampered, another appeal's) or could not be written. */
  problems: ResealProblem[];
  /** Nothing stale is left: every kept payload is v2 under DATA_KEY. */
  done: boolean;
}

async function resealJob(job: Job, target: SealedField, cipher: PayloadCipher): Promise<'resealed' | 'current' | 'none'> {
  const data = job.data as Record<string, unknown>;
  const sealed = data[target.field];
  if (typeof sealed !== 'string' || sealed === '') return 'none';
  const posId = data.posId;
  if (typeof posId !== 'number') throw new Error('the job has no numeric posId');
  const fresh = cipher.reseal(sealed, { purpose: target.purpose, posId });
  if (fresh === undefined) return 'current';
  await job.updateData({ ...data, [target.field]: fresh });
  return 'resealed';
}

export async function resealJobs(queues: BridgeQueues, cipher: PayloadCipher): Promise<ResealReport> {
  const targets: SealedField[] = [
    { queue: queues.register as Queue, field: 'sealedAppeal', purpose: 'appeal' },
    { queue: queues.push as Queue, field: 'sealedProgress', purpose: 'progress' },
  ];
  const report: ResealReport = { queues: {}, problems: [], done: true };
  for (const target of targets) {
    const counts: QueueResealCounts = { resealed: 0, current: 0, active: await target.queue.getJobCountByTypes('active') };
    report.queues[target.queue.name] = counts;
    for (const state of RESTING_STATES) {
      // updateData keeps a job where it is, so pages do not shift under the walk.
      for (let start = 0; ; start += PAGE) {
        const jobs = (await target.queue.getJobs([state], start, start + PAGE - 1, true)) as Job[];
        for (const job of jobs) {
          if (!job) continue; // removed while the page was read
          try {
            const outcome = await resealJob(job, target, cipher);
            if (outcome !== 'none') counts[outcome] += 1;
          } catch (error) {
            const { code, message } = describeError(error);
            const posId = (job.data as { posId?: unknown })?.posId;
            report.problems.push({
              queue: target.queue.name,
              jobId: String(job.id),
              posId: typeof posId === 'number' ? posId : undefined,
              code,
              message,
            });
          }
        }
        if (jobs.length < PAGE) break;
      }
    }
    if (counts.active > 0) report.done = false;
  }
  if (report.problems.length > 0) report.done = false;
  return report;
}
