// One mapping evaluation thread, started by evaluation-pool.ts: compiles each mapping version
// once, when the pool first sends its YAML, then maps appeals one at a time and writes the index
// of the field it is on where the pool can read it, even after the thread is stopped.
import { parentPort, workerData } from 'node:worker_threads';
import { BridgeError } from '../errors.js';
import { compileMapping } from './compile.js';
import type { MappingEngine } from './engine.js';
import type { ReplyMessage, SerializedError, TaskMessage } from './evaluation-pool.js';

/** Versions kept compiled; an older one is compiled again if the pool sends it again. */
const KEEP = 8;

const port = parentPort;
if (!port) throw new Error('evaluation-worker.ts runs as a worker thread only');
const progress = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);
const engines = new Map<string, MappingEngine>();

function engineFor(message: TaskMessage): MappingEngine | undefined {
  const cached = engines.get(message.key);
  if (cached) {
    engines.delete(message.key);
    engines.set(message.key, cached);
    return cached;
  }
  if (message.source === undefined) return undefined;
  const { mapping, problems } = compileMapping(message.source, `${message.name}.yaml`, { fastPath: message.fastPath });
  if (!mapping)
    throw new BridgeError(
      'MAPPING_INVALID',
      `mapping "${message.name}" does not compile in the evaluation thread (${problems.length} problems)`,
    );
  engines.set(message.key, mapping as MappingEngine);
  if (engines.size > KEEP) engines.delete(engines.keys().next().value as string);
  return mapping as MappingEngine;
}

function serialize(error: unknown): SerializedError {
  if (error instanceof BridgeError) {
    return { bridge: true, code: error.code, message: error.message, posId: error.posId, details: error.details };
  }
  // Anything else is the bridge's own fault; its name says enough without risking a value.
  return {
    bridge: false,
    code: 'INTERNAL',
    message: `mapping evaluation failed: ${error instanceof Error ? error.name : 'unexpected failure'}`,
  };
}

async function handle(message: TaskMessage): Promise<void> {
  let reply: ReplyMessage;
  try {
    const engine = engineFor(message);
    if (!engine) {
      port?.postMessage({ id: message.id, needSource: true } satisfies ReplyMessage);
      return;
    }
    const result = await engine.evaluateHere(message.appeal, new Date(message.nowMs), (stage) => Atomics.store(progress, 0, stage));
    reply = { id: message.id, ok: true, result };
  } catch (error) {
    reply = { id: message.id, ok: false, error: serialize(error) };
  }
  port?.postMessage(reply);
}

port.on('message', (message: TaskMessage) => void handle(message));
port.postMessage({ ready: true } satisfies ReplyMessage);
