// Status push: N appeals the bridge registered and accepted are answered in the Directum emulator
// (an executor assigned, an answer letter written, a third of them with an answer file) at once;
// the bridge is timed from its next ПОС request until every final answer is in ПОС. With a
// rate limit, ПОС allows R requests/s over all routes and the bridge runs with POS_RATE_LIMIT=R
// (or without it): the figures are the share of R it used and the number of 429s it drew.
import type { Official } from '../adapters/contract.js';
import type { SeedAppeal } from '../fixtures/generator.js';
import type { Lab } from './lab.js';
import { startLab } from './lab.js';
import { bridgeEnv, coresBetween, cpuSnapshot, waitUntil, type CpuShare, type DrainSettings } from './drain.js';
import { spawnNode, type LogSummary, type NodeChild } from './processes.js';
import { mib } from './stats.js';

export interface PushResult {
  appeals: number;
  /** ПОС requests/s allowed (none: unlimited). */
  rateLimit?: number;
  /** The bridge's POS_RATE_LIMIT. */
  posRateLimitSetting?: number;
  /** First ПОС request of the bridge → last final answer stored. */
  seconds: number;
  appealsPerSecond: number;
  /** ПОС requests answered (not 429) per second in that window. */
  requestsPerSecond: number;
  requestsPerAppeal: number;
  /** Answered requests ÷ what the limit allowed in the window (rate × window + one full bucket). */
  shareOfLimit?: number;
  rejected429: number;
  /**
   * "Registered" statuses still undelivered once the drain had settled (none arrived for
   * SETTLE_MS): changes the bridge's watch did not pick up.
   */
  missedRegisteredStatuses: number;
  peakRssMiB: number;
  cores: CpuShare;
  log: LogSummary;
}

const EXECUTOR: Official = { surname: 'Соколова', name: 'Анна', patronymic: 'Викторовна', phone: '+7 (495) 123-45-67' };
const MANAGER: Official = { surname: 'Морозов', name: 'Игорь', patronymic: 'Сергеевич' };
const ANSWER_FILE = {
  name: 'Ответ заявителю.pdf',
  contentType: 'application/pdf',
  data: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2400, 0x20)]),
};

/** No new status for this long (with the watch every 250 ms) means the bridge has nothing more to send. */
const SETTLE_MS = 3000;

function finalAnswers(lab: Lab): number {
  let count = 0;
  for (const appeal of lab.pos.state.appeals.values()) if (appeal.finalAnswerAt) count += 1;
  return count;
}

function lastFinalAnswer(lab: Lab): number {
  let last = 0;
  for (const appeal of lab.pos.state.appeals.values()) last = Math.max(last, Date.parse(appeal.finalAnswerAt ?? ''));
  return last;
}

function posRequests(lab: Lab): { total: number; over: number } {
  const stats = lab.pos.state.stats();
  return { total: Object.values(stats.requests).reduce((sum, value) => sum + value, 0), over: stats.requestsOverLimit };
}

/** The clerks' work: every request assigned and answered, a third with an answer document. */
function answerAll(lab: Lab): void {
  const requests = lab.directum.state.rows('IRequests');
  for (const [index, request] of requests.entries()) {
    lab.directum.clerk.assign(request.Id, EXECUTOR, MANAGER);
    lab.directum.clerk.answer(request.Id, {
      text: `Уважаемый заявитель! По Вашему обращению проведена проверка, нарушения устранены. Ответ № ${index + 1}.`,
      file: index % 3 === 0 ? ANSWER_FILE : undefined,
    });
  }
}

/** `rateLimit`: ПОС's limit (requests/s); `posRateLimit`: the bridge's POS_RATE_LIMIT (none: unset). */
export async function measurePush(
  appeals: readonly SeedAppeal[],
  settings: DrainSettings,
  rateLimit?: number,
  posRateLimit?: number,
): Promise<PushResult> {
  const lab = await startLab();
  try {
    lab.pos.state.seed(appeals);
    const extra: Record<string, string> = { WATCH_EVERY: '250ms', ...(posRateLimit ? { POS_RATE_LIMIT: String(posRateLimit) } : {}) };
    const bridge: NodeChild = spawnNode('src/cli/entry.ts', { env: bridgeEnv(lab, settings, extra), args: ['start', '--role', 'all'] });
    try {
      // First the bridge registers and accepts the appeals and delivers their "registered" status.
      const deadline = Date.now() + settings.timeoutMs;
      await waitUntil('push preparation', bridge, deadline, () => lab.pos.state.stats().acceptedTotal === appeals.length);
      let stored = -1;
      let changedAt = Date.now();
      await waitUntil('registered statuses', bridge, deadline, () => {
        const now = lab.pos.state.stats().answersStored;
        if (now !== stored) [stored, changedAt] = [now, Date.now()];
        return stored >= appeals.length || Date.now() - changedAt > SETTLE_MS;
      });
      answerAll(lab);
      if (rateLimit) lab.pos.state.applySettings({ rateLimit: { perSecond: rateLimit } });
      const before = posRequests(lab);
      let start: { at: number; cpu: CpuShare } | undefined;
      await waitUntil(
        `push of ${appeals.length}`,
        bridge,
        Date.now() + settings.timeoutMs,
        () => {
          if (!start && posRequests(lab).total > before.total) start = { at: Date.now(), cpu: cpuSnapshot(lab, bridge) };
          return finalAnswers(lab) === appeals.length;
        },
        25,
      );
      const endCpu = cpuSnapshot(lab, bridge);
      const end = lastFinalAnswer(lab);
      const startAt = start?.at ?? end;
      const seconds = Math.max(0.001, (end - startAt) / 1000);
      const after = posRequests(lab);
      const answered = after.total - before.total - (after.over - before.over);
      return {
        appeals: appeals.length,
        rateLimit,
        posRateLimitSetting: posRateLimit,
        seconds,
        appealsPerSecond: appeals.length / seconds,
        requestsPerSecond: answered / seconds,
        requestsPerAppeal: answered / appeals.length,
        // The most the limiter could have let through in the window: the rate, plus one full bucket.
        shareOfLimit: rateLimit ? answered / (rateLimit * seconds + rateLimit) : undefined,
        rejected429: after.over - before.over,
        missedRegisteredStatuses: appeals.length - stored,
        peakRssMiB: mib(bridge.peakRssBytes()),
        cores: coresBetween(start?.cpu ?? endCpu, endCpu, Math.max(0.001, (Date.now() - startAt) / 1000)),
        log: bridge.logSummary(),
      };
    } finally {
      await bridge.stop();
    }
  } finally {
    await lab.close();
  }
}
