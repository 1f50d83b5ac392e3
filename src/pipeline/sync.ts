// `pos-bridge sync`: one full cycle through the same processors and queues the service uses. The
// run claims every job it queues, and the unfinished jobs earlier runs left, in Redis; it waits for
// those jobs (not for the queues to go quiet) and reads what they did from the run's own counters,
// so other workers on the same queues neither hold it up nor skew its numbers (run-ledger.ts):
//   1. pull everything waiting — a ПОС answer that fails for a moment is retried within the budget;
//   2. wait for the run's registrations and acceptances («Дело»: until «Дело» has registered them);
//   3. read the EDMS changes, the statuses of the appeals just registered among them;
//   4. wait for the run's pushes.
import { randomBytes } from 'node:crypto';
import type { Job, JobState, Queue } from 'bullmq';
import { describeError } from '../errors.js';
import type { PipelineContext, PosApi } from './context.js';
import { processPull, processWatch, type EnqueueHooks, type PullReport } from './control.js';
import { failedEntryOf, malformedEntryOf, type FailedEntry } from './failed.js';
import type { LedgerQueue } from './run-ledger.js';
import { OutOfTime, retryWithin, withDeadline } from './within.js';

export interface SyncProblem {
  phase: 'pull' | 'watch';
  code: string;
  message: string;
  /** The time budget ran out while ПОС (or the EDMS) kept failing. */
  outOfTime: boolean;
}

export interface SyncSummary {
  runId: string;
  pulled: PullReport;
  accepted: number;
  changesRead: number;
  pushesSent: number;
  /** This run's appeals the EDMS had not registered yet when the run ended («Дело»). */
  awaitingRegistration: number;
  stillRetrying: number;
  /** Unfinished jobs of earlier runs that this run took over. */
  continued: number;
  /** The EDMS refused the credentials or stopped answering during the run; `held` appeals wait for it. */
  edmsUnavailable: { code: string; since: string; held: number } | null;
  /** A pull or watch that could not finish. */
  problems: SyncProblem[];
  newFailures: FailedEntry[];
  olderFailures: number;
  timedOut: boolean;
}

export type SyncPhase = 'pull' | 'register' | 'watch' | 'push';

export interface SyncOptions {
  timeoutMs: number;
  onProgress?: (phase: SyncPhase, counts: { waiting: number; active: number; delayed: number }) => void;
  pollMs?: number;
}

const LIVE_TYPES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children'] as const;
const TERMINAL = new Set<JobState | 'unknown'>(['completed', 'failed', 'unknown']);
/** Claims outlive the run a little, so a run that dies lets its jobs go to the next one. */
const CLAIM_MARGIN_MS = 5 * 60_000;

/** The jobs one run waits for, per queue: those still live, and how the others ended. */
class RunJobs {
  readonly live: Record<LedgerQueue, Set<string>> = { register: new Set(), push: new Set() };
  readonly ended: Record<LedgerQueue, Map<string, JobState | 'unknown'>> = { register: new Map(), push: new Map() };

  track(queue: LedgerQueue, id: string): void {
    if (!this.ended[queue].has(id)) this.live[queue].add(id);
  }

  end(queue: LedgerQueue, id: string, state: JobState | 'unknown'): void {
    this.live[queue].delete(id);
    this.ended[queue].set(id, state);
  }
}

function queueOf(ctx: PipelineContext, name: LedgerQueue): Queue {
  return (name === 'register' ? ctx.queues.register : ctx.queues.push) as Queue;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ПОС for the run's pull: a page read that fails for a moment is read again within the budget. */
function patientPos(pos: PosApi, deadline: number): PosApi {
  return {
    fetchPage: (page, size) => retryWithin(deadline, () => withDeadline(pos.fetchPage(page, size), deadline, `pull page ${page}`)),
    markAccepted: (posId) => pos.markAccepted(posId),
    postAnswer: (body) => pos.postAnswer(body),
    uploadFile: (file) => pos.uploadFile(file),
    downloadAttachment: (url, options) => pos.downloadAttachment(url, options),
    downloadAttachments: (urls) => pos.downloadAttachments(urls),
  };
}

function problemOf(phase: SyncProblem['phase'], error: unknown): SyncProblem {
  const outOfTime = error instanceof OutOfTime;
  const { code, message } = describeError(outOfTime ? error.last : error);
  return { phase, code, message, outOfTime };
}

async function statesOf(queue: Queue, ids: string[]): Promise<Map<string, JobState | 'unknown'>> {
  const states = new Map<string, JobState | 'unknown'>();
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    const found = await Promise.all(chunk.map((id) => queue.getJobState(id)));
    chunk.forEach((id, j) => states.set(id, found[j]!));
  }
  return states;
}

type WaitEnd = 'done' | 'deadline' | 'stopped';

/**
 * Waits until every live job of the run in `queueName` has ended, the deadline passes, or `stop`
 * says there is no point (the EDMS is down and nothing is running).
 */
async function waitForJobs(
  ctx: PipelineContext,
  jobs: RunJobs,
  queueName: LedgerQueue,
  deadline: number,
  options: SyncOptions,
  phase: SyncPhase,
  stop: (counts: { waiting: number; active: number; delayed: number }) => Promise<boolean>,
): Promise<WaitEnd> {
  const queue = queueOf(ctx, queueName);
  for (;;) {
    const live = [...jobs.live[queueName]];
    const states = await withDeadline(statesOf(queue, live), deadline + 5000, 'Redis');
    const counts = { waiting: 0, active: 0, delayed: 0 };
    for (const [id, state] of states) {
      if (TERMINAL.has(state)) jobs.end(queueName, id, state);
      else if (state === 'active') counts.active += 1;
      else if (state === 'delayed') counts.delayed += 1;
      else counts.waiting += 1;
    }
    options.onProgress?.(phase, counts);
    if (jobs.live[queueName].size === 0) return 'done';
    if (await stop(counts)) return 'stopped';
    if (Date.now() >= deadline) return 'deadline';
    // Fewer state reads per second for a long list of jobs.
    const pollMs = Math.min(2000, Math.max(options.pollMs ?? 200, Math.ceil(jobs.live[queueName].size / 10)));
    await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
  }
}

export async function runSync(ctx: PipelineContext, options: SyncOptions): Promise<SyncSummary> {
  const runId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const deadline = Date.now() + options.timeoutMs;
  const claimMs = options.timeoutMs + CLAIM_MARGIN_MS;
  const jobs = new RunJobs();
  const problems: SyncProblem[] = [];
  const malformedBefore = new Set((await ctx.store.malformed()).map((entry) => entry.id));
  const hooks: EnqueueHooks = {
    beforeAdd: async (queue, jobId) => {
      for (const owned of await ctx.runs.claim(runId, queue, [jobId], claimMs)) jobs.track(queue, owned);
    },
  };

  // Jobs earlier runs left unfinished (a run that timed out, or died): this run continues them.
  let continued = 0;
  for (const queueName of ['register', 'push'] as const) {
    const ids = [...new Set(await queueOf(ctx, queueName).getRanges([...LIVE_TYPES], 0, -1))];
    const owned = await ctx.runs.claim(runId, queueName, ids, claimMs);
    for (const id of owned) jobs.track(queueName, id);
    continued += owned.length;
  }

  options.onProgress?.('pull', { waiting: 0, active: 1, delayed: 0 });
  let pulled: PullReport = { handedOn: 0, pages: 0, passes: 0, malformed: 0 };
  try {
    pulled = await processPull({ ...ctx, pos: patientPos(ctx.pos, deadline) }, hooks);
  } catch (error) {
    const problem = problemOf('pull', error);
    problems.push(problem);
    ctx.logger.warn({ code: problem.code, reason: problem.message }, 'sync: the pull did not finish');
  }

  // The EDMS went down and every registration of the run waits for it: nothing more to wait for.
  const edmsDown = async (counts: { waiting: number; active: number }) =>
    counts.waiting === 0 && counts.active === 0 && (await ctx.edmsGate.outage(true)) !== null;
  const registered = await waitForJobs(ctx, jobs, 'register', deadline, options, 'register', edmsDown);

  let changesRead = 0;
  if (registered !== 'stopped' && Date.now() < deadline) {
    options.onProgress?.('watch', { waiting: 0, active: 1, delayed: 0 });
    try {
      changesRead = (await retryWithin(deadline, () => withDeadline(processWatch(ctx, hooks), deadline, 'watch'))).changed;
    } catch (error) {
      const problem = problemOf('watch', error);
      problems.push(problem);
      ctx.logger.warn({ code: problem.code, reason: problem.message }, 'sync: reading the EDMS changes did not finish');
    }
  }
  const pushed = await waitForJobs(
    ctx,
    jobs,
    'push',
    deadline,
    options,
    'push',
    async (counts) => counts.waiting === 0 && counts.active === 0 && registered === 'stopped',
  );

  const summary = await summarize(ctx, runId, jobs, { pulled, changesRead, continued, problems, malformedBefore });
  const outOfTime = problems.some((problem) => problem.outOfTime);
  summary.timedOut = outOfTime || ((registered === 'deadline' || pushed === 'deadline') && summary.stillRetrying > 0);
  // Jobs left unfinished go back to whoever comes next (the next run claims them).
  for (const queueName of ['register', 'push'] as const) await ctx.runs.release(runId, queueName, [...jobs.live[queueName]]);
  return summary;
}

async function summarize(
  ctx: PipelineContext,
  runId: string,
  jobs: RunJobs,
  parts: { pulled: PullReport; changesRead: number; continued: number; problems: SyncProblem[]; malformedBefore: Set<string> },
): Promise<SyncSummary> {
  const totals = await ctx.runs.totals(runId);
  const outage = await ctx.edmsGate.outage(true);
  let awaitingRegistration = 0;
  let held = 0;
  let stillRetrying = jobs.live.push.size;
  for (const id of jobs.live.register) {
    const job = (await ctx.queues.register.getJob(id)) as Job<{ posId: number; edmsWaits?: number }> | undefined;
    const record = job ? await ctx.store.get(job.data.posId) : null;
    if (outage && job?.data.edmsWaits) held += 1;
    else if (record?.state === 'awaiting_registration') awaitingRegistration += 1;
    else stillRetrying += 1;
  }

  const newFailures: FailedEntry[] = [];
  for (const queueName of ['register', 'push'] as const) {
    const queue = queueOf(ctx, queueName);
    for (const [id, state] of jobs.ended[queueName]) {
      if (state !== 'failed') continue;
      const job = await queue.getJob(id);
      if (job) newFailures.push(failedEntryOf(queue, job, ctx.organisation));
    }
  }
  const malformed = await ctx.store.malformed();
  for (const bad of malformed) {
    if (!parts.malformedBefore.has(bad.id)) newFailures.push(malformedEntryOf(ctx.organisation, bad));
  }
  const failedNow = (await ctx.queues.register.getFailedCount()) + (await ctx.queues.push.getFailedCount()) + malformed.length;

  return {
    runId,
    pulled: parts.pulled,
    accepted: totals.accepted ?? 0,
    changesRead: parts.changesRead,
    pushesSent: totals.pushed ?? 0,
    awaitingRegistration,
    stillRetrying,
    continued: parts.continued,
    edmsUnavailable: outage ? { ...outage, held } : null,
    problems: parts.problems,
    newFailures,
    olderFailures: Math.max(0, failedNow - newFailures.length),
    timedOut: false,
  };
}

/** 0 when everything the run started landed (appeals «Дело» has yet to register may wait); 1 otherwise. */
export function syncExitCode(summary: SyncSummary): 0 | 1 {
  const failed = summary.newFailures.length > 0 || summary.stillRetrying > 0 || summary.problems.length > 0;
  return failed || summary.edmsUnavailable !== null || summary.timedOut ? 1 : 0;
}
