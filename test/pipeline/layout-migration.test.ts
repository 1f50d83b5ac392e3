// Where each key of a one-slot installation goes in the spread layout: queue keys under their
// queue's own tag, an organisation's state under its tag, what they share under {shared}.
import { describe, expect, it } from 'vitest';
import { spreadKeyFor } from '../../src/pipeline/layout-migration.js';
import { queueNameFor, sharedPrefixFor, statePrefixFor } from '../../src/pipeline/organisation.js';

const ORGS = ['default', 'school-7'];
const to = (key: string) => spreadKeyFor(key, '{pb}', 'pb', ORGS);

describe('spread layout key names', () => {
  it('names queues, state and shared keys with a tag each', () => {
    expect(queueNameFor('register', 'default', 'spread')).toBe('{register}');
    expect(queueNameFor('push', 'school-7', 'spread')).toBe('{push-school-7}');
    expect(statePrefixFor('pb', 'default', 'spread')).toBe('pb:{state}');
    expect(statePrefixFor('pb', 'school-7', 'spread')).toBe('pb:{state:school-7}');
    expect(sharedPrefixFor('pb', 'spread')).toBe('pb:{shared}');
    // One-slot names are the ones installations have always had.
    expect([queueNameFor('register'), statePrefixFor('{pb}'), statePrefixFor('{pb}', 'school-7'), sharedPrefixFor('{pb}')]).toEqual([
      'register',
      '{pb}',
      '{pb}:org:school-7',
      '{pb}',
    ]);
  });

  it('moves each family of keys to its place, and leaves other prefixes alone', () => {
    expect(to('{pb}:register:wait')).toEqual({ from: '{pb}:register:wait', to: 'pb:{register}:wait', family: 'queue' });
    expect(to('{pb}:register-school-7:42:lock')?.to).toBe('pb:{register-school-7}:42:lock');
    expect(to('{pb}:control:repeat:scheduled-pull')?.to).toBe('pb:{control}:repeat:scheduled-pull');
    expect(to('{pb}:appeal:42')).toEqual({ from: '{pb}:appeal:42', to: 'pb:{state}:appeal:42', family: 'state' });
    expect(to('{pb}:org:school-7:appeal:42')?.to).toBe('pb:{state:school-7}:appeal:42');
    expect(to('{pb}:mapping:doc:directum-rx')).toMatchObject({ to: 'pb:{shared}:mapping:doc:directum-rx', family: 'shared' });
    expect(to('{pb}:pos-rate')?.to).toBe('pb:{shared}:pos-rate');
    expect(to('{pb}:edms:outage')?.to).toBe('pb:{shared}:edms:outage');
    expect(to('{pb}:ui-session:abc')).toMatchObject({ to: 'pb:ui-session:abc', family: 'session' });
    expect(to('{other}:register:wait')).toBeNull();
  });
});
