// A failover makes ioredis retry many times a second, each try an error event: such link errors
// are told apart from command errors and logged at most once per interval.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isRedisLinkError, throttledRedisWarning } from '../src/redis.js';

describe('Redis link errors', () => {
  it('tells a lost link from a failed command', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    expect(isRedisLinkError(refused)).toBe(true);
    expect(isRedisLinkError(new Error('All sentinels are unreachable. Retrying from scratch after 10ms.'))).toBe(true);
    expect(isRedisLinkError(new Error('CLUSTERDOWN The cluster is down'))).toBe(true);
    expect(isRedisLinkError(new Error('ERR Error running script (call to f_1234): @user_script:1: bad argument'))).toBe(false);
    expect(isRedisLinkError(new Error('Missing lock for job 42. moveToFinished'))).toBe(false);
  });

  it('logs one line per interval however many retries fail', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const warn = throttledRedisWarning(logger, { queue: 'register' }, 60_000);
    for (let i = 0; i < 100; i += 1) warn(new Error('read ECONNRESET'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      queue: 'register',
      err: 'read ECONNRESET',
      msg: 'Redis connection problem; reconnecting',
    });
  });
});
