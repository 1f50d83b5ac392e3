// rediss:// means TLS for a single node (ioredis reads the URL), and for Cluster and Sentinel
// nodes from the config file (which ioredis cannot guess). Inspected, not connected: no TLS Redis here.
import { describe, expect, it } from 'vitest';
import { CLUSTER_FAILOVER_PATIENCE, reconnectOnReadOnly, redisPlan } from '../src/redis.js';

const cluster = [{ host: 'redis-0.internal', port: 7000 }];
const sentinels = [{ host: 'sentinel-0.internal', port: 26379 }];

describe('Redis connection plan', () => {
  it('Cluster over rediss:// uses TLS on every node, keeps host names for certificate checks, and the credentials', () => {
    const plan = redisPlan({ url: 'rediss://bridge:pw%40x@ignored:6380', prefix: '{pb}', topology: { cluster } });
    expect(plan.kind).toBe('cluster');
    if (plan.kind !== 'cluster') return;
    expect(plan.nodes).toEqual(cluster);
    expect(plan.options.redisOptions).toMatchObject({ tls: {}, username: 'bridge', password: 'pw@x', maxRetriesPerRequest: null });
    const looked: string[] = [];
    plan.options.dnsLookup!('redis-1.internal', (_error, address) => looked.push(address));
    expect(looked).toEqual(['redis-1.internal']);
  });

  it('Cluster over redis:// stays plain', () => {
    const plan = redisPlan({ url: 'redis://:pw@ignored:6379', prefix: '{pb}', topology: { cluster } });
    if (plan.kind !== 'cluster') throw new Error(plan.kind);
    expect(plan.options.redisOptions?.tls).toBeUndefined();
    expect(plan.options.dnsLookup).toBeUndefined();
    expect(plan.options.redisOptions?.password).toBe('pw');
  });

  it('Cluster commands wait out a failover; the one-try probe does not', () => {
    const config = { url: 'redis://ignored', prefix: '{pb}', topology: { cluster } };
    const plan = redisPlan(config);
    if (plan.kind !== 'cluster') throw new Error(plan.kind);
    expect(plan.options).toMatchObject(CLUSTER_FAILOVER_PATIENCE);
    const probe = redisPlan(config, { connectTimeout: 1000 });
    if (probe.kind !== 'cluster') throw new Error(probe.kind);
    expect(probe.options.maxRedirections).toBeUndefined();
  });

  it('Sentinel over rediss:// uses TLS to the master and, unless told otherwise, to the sentinels', () => {
    const tls = redisPlan({ url: 'rediss://:pw@ignored:6380', prefix: 'pb', topology: { sentinels, name: 'main' } });
    if (tls.kind !== 'sentinel') throw new Error(tls.kind);
    expect(tls.options).toMatchObject({
      sentinels,
      name: 'main',
      password: 'pw',
      tls: {},
      enableTLSForSentinelMode: true,
      sentinelTLS: {},
    });

    const plainSentinels = redisPlan({ url: 'rediss://ignored', prefix: 'pb', topology: { sentinels, sentinelTls: false } });
    if (plainSentinels.kind !== 'sentinel') throw new Error(plainSentinels.kind);
    expect(plainSentinels.options).toMatchObject({ tls: {}, enableTLSForSentinelMode: true, name: 'mymaster' });
    expect(plainSentinels.options.sentinelTLS).toBeUndefined();

    const plain = redisPlan({ url: 'redis://ignored', prefix: 'pb', topology: { sentinels } });
    if (plain.kind !== 'sentinel') throw new Error(plain.kind);
    expect(plain.options.tls).toBeUndefined();
    expect(plain.options.sentinelTLS).toBeUndefined();
  });

  it('a write refused by a demoted master reconnects and is sent again (Sentinel and a single URL, not the probe)', () => {
    const readOnly = new Error("READONLY You can't write against a read only replica.");
    expect(reconnectOnReadOnly(readOnly)).toBe(2);
    expect(reconnectOnReadOnly(new Error('ERR wrong number of arguments'))).toBe(false);
    const sentinel = redisPlan({ url: 'redis://ignored', prefix: 'pb', topology: { sentinels } });
    const single = redisPlan({ url: 'redis://h:6379', prefix: 'pb' });
    const probe = redisPlan({ url: 'redis://ignored', prefix: 'pb', topology: { sentinels } }, { connectTimeout: 1000 });
    if (sentinel.kind !== 'sentinel' || single.kind !== 'url' || probe.kind !== 'sentinel') throw new Error('unexpected plans');
    expect(sentinel.options.reconnectOnError).toBe(reconnectOnReadOnly);
    expect(single.options.reconnectOnError).toBe(reconnectOnReadOnly);
    expect(probe.options.reconnectOnError).toBeUndefined();
  });

  it('a single node is opened from the URL itself', () => {
    expect(redisPlan({ url: 'rediss://h:6380', prefix: 'pb' })).toMatchObject({ kind: 'url', url: 'rediss://h:6380' });
  });
});
