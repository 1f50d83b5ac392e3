// The worker's side of the supervisor's IPC channel in a real forked process: it says it is ready,
// answers a metrics request with its registry, and stops when the channel closes (the supervisor
// died), rather than running on unsupervised.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsRequest, parseWorkerMessage, type WorkerMessage } from '../../src/service/worker-ipc.js';

describe('worker side of the IPC channel', () => {
  it('is ready, answers a metrics request, and exits when its supervisor is gone', async () => {
    const child = fork(join(import.meta.dirname, 'ipc-worker.fixture.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      const messages: WorkerMessage[] = [];
      child.on('message', (message: unknown) => {
        const parsed = parseWorkerMessage(message);
        if (parsed) messages.push(parsed);
      });
      const next = async () => {
        const deadline = Date.now() + 15_000;
        while (messages.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        return messages.shift();
      };
      expect(await next()).toEqual({ type: 'pos-bridge:worker-ready' });
      child.send(metricsRequest(41));
      const reply = await next();
      expect(reply).toMatchObject({ type: 'pos-bridge:metrics-reply', id: 41 });
      const accepted =
        reply?.type === 'pos-bridge:metrics-reply'
          ? reply.metrics.find((metric) => metric.name === 'pos_bridge_appeals_accepted_total')
          : undefined;
      expect(accepted?.values).toEqual([{ value: 2, labels: { organisation: 'default' } }]);

      const exit = once(child, 'exit');
      child.disconnect();
      expect((await exit)[0]).toBe(7);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});
