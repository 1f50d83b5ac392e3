// The pre-flight of `pos-bridge sync`: before anything is pulled, Redis, the EDMS and ПОС must
// answer and accept the credentials, all within one time budget. A transient answer is tried again
// with backoff until the budget runs out; refused credentials or a request the system rejects end
// it at once. The EDMS goes before ПОС, so a broken EDMS leaves no trace in ПОС (not even a page read).
import type { EdmsAdapter, EdmsKind } from '../../adapters/contract.js';
import type { BridgeConfig } from '../config/load.js';
import { BridgeError, TransientError, describeError } from '../errors.js';
import { OutOfTime, retryWithin, withDeadline } from '../pipeline/within.js';
import type { PosClient } from '../pos/client.js';
import { describeRedis, probeRedis } from '../redis.js';
import { EDMS_NAMES } from './edms.js';

/** What the pre-flight found wrong, as one line for the operator. */
export class PreflightFailure extends Error {
  constructor(
    readonly system: 'redis' | 'pos' | EdmsKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PreflightFailure';
  }
}

const MAX_DETAIL = 200;
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

function failure(system: PreflightFailure['system'], name: string, error: unknown, budgetMs: number): PreflightFailure {
  if (error instanceof OutOfTime) {
    const { code, message } = describeError(error.last);
    return new PreflightFailure(
      system,
      code,
      `${name} did not answer within ${seconds(budgetMs)} (${code}: ${message.slice(0, MAX_DETAIL)})`,
    );
  }
  const { code, message } = describeError(error);
  if (code === 'AUTH_FAILED') return new PreflightFailure(system, code, `${name} refused the credentials (AUTH_FAILED)`);
  return new PreflightFailure(system, code, `${name} refused the pre-flight check (${code}: ${message.slice(0, MAX_DETAIL)})`);
}

/** Redis errors that another try cannot mend: a wrong password or user, a missing ACL right. */
const REDIS_REFUSALS = /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username/i;

export async function checkRedis(config: BridgeConfig['redis'], deadline: number, budgetMs: number): Promise<void> {
  const name = describeRedis(config);
  try {
    await retryWithin(deadline, async () => {
      try {
        await probeRedis(config, Math.min(5000, Math.max(100, deadline - Date.now())));
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        if (REDIS_REFUSALS.test(message)) throw new BridgeError('AUTH_FAILED', message, { system: 'redis' });
        throw new TransientError(message, { system: 'redis' });
      }
    });
  } catch (error) {
    throw failure('redis', name, error, budgetMs);
  }
}

export async function checkEdms(adapter: Pick<EdmsAdapter, 'ping' | 'kind'>, deadline: number, budgetMs: number): Promise<void> {
  const name = EDMS_NAMES[adapter.kind];
  try {
    await retryWithin(deadline, () => withDeadline(adapter.ping(), deadline, `${name} ping`));
  } catch (error) {
    throw failure(adapter.kind, name, error, budgetMs);
  }
}

/** A token and a one-item page: a cached token alone would say nothing of ПОС now. */
export async function checkPos(pos: Pick<PosClient, 'token' | 'fetchPage'>, deadline: number, budgetMs: number): Promise<void> {
  try {
    await retryWithin(deadline, () => withDeadline(pos.token(), deadline, 'token'));
    await retryWithin(deadline, () => withDeadline(pos.fetchPage(0, 1), deadline, 'pull page 0'));
  } catch (error) {
    throw failure('pos', 'ПОС', error, budgetMs);
  }
}
