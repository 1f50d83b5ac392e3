// The messages between the `start --workers N` supervisor and the worker processes it forks, over
// the IPC channel of node:child_process fork. Only metrics and a start-up notice cross it: the
// configuration is read again by each worker, and the work itself goes through Redis.
import type { Registry } from 'prom-client';
import { registryJson, toMetricList, type MetricJson } from './process-metrics.js';

const METRICS_REQUEST = 'pos-bridge:metrics-request';
export const METRICS_REPLY = 'pos-bridge:metrics-reply';
export const WORKER_READY = 'pos-bridge:worker-ready';

export interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

export type WorkerMessage = { type: typeof WORKER_READY } | { type: typeof METRICS_REPLY; id: number; metrics: MetricJson[] };

function typed(message: unknown): { type: string; id?: unknown; metrics?: unknown } | undefined {
  if (typeof message !== 'object' || message === null || !('type' in message) || typeof message.type !== 'string') return undefined;
  return message as { type: string };
}

export function metricsRequest(id: number): MetricsRequest {
  return { type: METRICS_REQUEST, id };
}

/** A worker's message as the supervisor may trust it; anything else is undefined and ignored. */
export function parseWorkerMessage(message: unknown): WorkerMessage | undefined {
  const shape = typed(message);
  if (shape?.type === WORKER_READY) return { type: WORKER_READY };
  if (shape?.type !== METRICS_REPLY || typeof shape.id !== 'number') return undefined;
  const metrics = toMetricList(shape.metrics);
  return metrics ? { type: METRICS_REPLY, id: shape.id, metrics } : undefined;
}

/** Sends when the channel is open; a closed one (the supervisor gone) is not an error here. */
function send(message: WorkerMessage): void {
  if (process.send && process.connected) process.send(message, undefined, {}, () => undefined);
}

/**
 * The worker's side: answers metrics requests with `registry`, tells the supervisor it runs, and
 * calls `orphaned` when the channel closes — the supervisor died without stopping this process,
 * which must not run on unsupervised. Returns the detach that closes the channel on the way out.
 */
export function serveSupervisor(registry: Registry, orphaned: () => void): () => void {
  const onMessage = (message: unknown) => {
    const request = typed(message);
    if (request?.type !== METRICS_REQUEST || typeof request.id !== 'number') return;
    const id = request.id;
    registryJson(registry).then(
      (metrics) => send({ type: METRICS_REPLY, id, metrics }),
      () => undefined,
    );
  };
  process.on('message', onMessage);
  process.once('disconnect', orphaned);
  // The supervisor may have died while this process was starting: that 'disconnect' was missed.
  if (!process.connected) setImmediate(orphaned);
  send({ type: WORKER_READY });
  return () => {
    process.off('message', onMessage);
    process.off('disconnect', orphaned);
    // An open channel keeps the event loop, and so this process, alive.
    if (process.connected) process.disconnect();
  };
}
