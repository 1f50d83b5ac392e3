// `pos-bridge reseal`: kept jobs' payloads sealed again under DATA_KEY (v2), straight in Redis.
import type { BridgeConfig } from '../config/load.js';
import { requiredSetting } from '../config/required.js';
import { PayloadCipher } from '../pipeline/crypto.js';
import { BridgeQueues } from '../pipeline/queues.js';
import { resealJobs, type ResealReport } from '../pipeline/reseal.js';
import { connectRedis } from '../redis.js';
import { table, type CliIO } from './io.js';

/** 0: every kept payload is v2 under DATA_KEY; 1: some did not open or were running (run again). */
export async function reseal(io: CliIO, config: BridgeConfig, options: { json: boolean }): Promise<number> {
  const cipher = new PayloadCipher(requiredSetting(config.dataKey, 'DATA_KEY'), config.previousDataKey ? [config.previousDataKey] : []);
  const redis = connectRedis(config.redis);
  // Every organisation's queues (each ЛКО has its own): one report over all of them.
  const report: ResealReport = { queues: {}, problems: [], done: true };
  try {
    for (const org of config.organisations) {
      const queues = new BridgeQueues(redis, config.redis.prefix, org.key, config.redis.layout);
      try {
        const part = await resealJobs(queues, cipher);
        Object.assign(report.queues, part.queues);
        report.problems.push(...part.problems);
        report.done &&= part.done;
      } finally {
        await queues.close();
      }
    }
  } finally {
    redis.disconnect();
  }
  if (options.json) {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return report.done ? 0 : 1;
  }
  const rows = Object.entries(report.queues).map(([queue, c]) => [queue, c.resealed, c.current, c.active]);
  io.stdout(table([['QUEUE', 'RESEALED', 'ALREADY CURRENT', 'RUNNING (LEFT ALONE)'], ...rows]));
  for (const problem of report.problems) {
    io.stderr(
      `pos-bridge reseal: ${problem.queue} job ${problem.jobId}${problem.posId === undefined ? '' : ` (appeal ${problem.posId})`}: ${problem.code}: ${problem.message}\n`,
    );
  }
  if (report.done) io.stdout('Every kept payload is sealed under DATA_KEY (v2); DATA_KEY_PREVIOUS is no longer needed for them.\n');
  else io.stdout(`Not done: ${report.problems.length} payload(s) could not be resealed; running jobs were left alone. Run again later.\n`);
  return report.done ? 0 : 1;
}
