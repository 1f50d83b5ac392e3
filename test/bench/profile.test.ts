// The CPU profile summary of the benchmark report: self time per function and per origin, and
// Node's own work charged to the package or file that asked for it.
import { describe, expect, it } from 'vitest';
import { formatProfile, originOf, summariseProfile } from '../../bench/profile.js';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber, scriptId: '0', columnNumber: 0 });

describe('CPU profile summary', () => {
  it('names origins: packages (scoped too), repository files from sources or dist, Node internals', () => {
    expect(originOf('file:///app/node_modules/axios/lib/core/Axios.js', 'request')).toBe('axios');
    expect(originOf('file:///app/node_modules/@fastify/multipart/index.js', 'x')).toBe('@fastify/multipart');
    expect(originOf('file:///app/dist/src/pipeline/store.js', 'get')).toBe('src/pipeline/store');
    expect(originOf('file:///srv/pos-bridge/adapters/directum-rx/client.ts', 'list')).toBe('adapters/directum-rx/client');
    expect(originOf('node:internal/streams/writable', 'write')).toBe('node (internals)');
    expect(originOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(originOf('', 'writev')).toBe('(native)');
  });

  it('sums sampled time per function and charges natives to their nearest caller', () => {
    // root → axios.request → node:http write → writev (native); root → ioredis.send; idle
    const profile = {
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 5, 6] },
        { id: 2, callFrame: frame('request', 'file:///a/node_modules/axios/lib/axios.js', 9), children: [3] },
        { id: 3, callFrame: frame('write', 'node:_http_outgoing'), children: [4] },
        { id: 4, callFrame: frame('writev', ''), children: [] },
        { id: 5, callFrame: frame('sendCommand', 'file:///a/node_modules/ioredis/built/Redis.js'), children: [] },
        { id: 6, callFrame: frame('(idle)', ''), children: [] },
      ],
      startTime: 0,
      endTime: 10_000,
      // The time of sample i is timeDeltas[i + 1] (µs).
      samples: [4, 4, 3, 2, 5, 6, 6],
      timeDeltas: [0, 1000, 1000, 1000, 1000, 2000, 2000, 2000],
    };
    const summary = summariseProfile(profile, 10);
    expect(summary.totalMs).toBe(10);
    expect(summary.idleShare).toBeCloseTo(0.4);
    const share = (list: { name: string; share: number }[], name: string) => list.find((entry) => entry.name === name)?.share;
    expect(share(summary.origins, '(native)')).toBeCloseTo(2 / 6);
    expect(share(summary.origins, 'ioredis')).toBeCloseTo(2 / 6);
    expect(share(summary.onBehalfOf, 'axios')).toBeCloseTo(4 / 6);
    expect(share(summary.onBehalfOf, 'ioredis')).toBeCloseTo(2 / 6);
    expect(summary.functions[0]?.name).toBe('writev');
    expect(formatProfile(summary)).toContain('axios');
  });
});
