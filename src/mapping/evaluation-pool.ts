// Mapping evaluation that can be stopped: a few persistent worker threads, each holding compiled
// mappings by version (the YAML is sent to a thread once per version, compiled there), one appeal
// per task, and a deadline per task that terminates the thread running it (a fresh one takes its
// place on demand). Why threads and not JSONata's own timeout: see README.md "Bounds".
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BridgeError, type ErrorCode } from '../errors.js';
import type { PosAppeal } from '../pos/schemas.js';
import type { MappingResult } from './types.js';

/** Longest one appeal's evaluation may run in a worker thread (setting MAPPING_TIMEOUT). */
export const DEFAULT_MAPPING_TIMEOUT_MS = 2_000;

/** What a thread needs to evaluate one appeal with one mapping version. */
export interface EvaluationTask {
  name: string;
  version: string;
  source: string;
  fastPath: boolean;
  /** Field names in evaluation order: the thread reports progress by index. */
  fields: readonly string[];
  timeoutMs: number;
  appeal: PosAppeal;
  now: Date;
}

/** Messages between the pool and a thread (evaluation-worker.ts). */
export interface TaskMessage {
  id: number;
  key: string;
  name: string;
  fastPath: boolean;
  /** Sent when the thread is not known to hold this version yet. */
  source?: string;
  appeal: PosAppeal;
  nowMs: number;
}

export interface SerializedError {
  /** A BridgeError (revived as one) or the bridge's own fault (revived as a plain Error). */
  bridge: boolean;
  code: string;
  message: string;
  posId?: number;
  details?: Record<string, unknown>;
}

export type ReplyMessage =
  | { ready: true }
  | { id: number; needSource: true }
  | { id: number; ok: true; result: MappingResult }
  | { id: number; ok: false; error: SerializedError };

/** Progress slot values besides field index + 1. */
export const PROGRESS_IDLE = 0;
export const PROGRESS_CHECK = -1;

export interface EvaluationPoolOptions {
  /** Threads at most (default 2, or fewer cores). Started on demand, never before the first task. */
  size?: number;
  /** Heap of one thread; a mapping that exhausts it fails alone (default 256 MB). */
  maxHeapMb?: number;
}

interface Pending {
  task: EvaluationTask;
  resolve(result: MappingResult): void;
  reject(error: unknown): void;
}

interface Thread {
  worker: Worker;
  /** Index + 1 of the field being evaluated, written by the thread (Atomics). */
  progress: Int32Array;
  /** Versions the thread was given (it may have dropped old ones: it then asks again). */
  known: Set<string>;
  ready: boolean;
  current?: { pending: Pending; id: number; timer: NodeJS.Timeout; startedAt: number };
}

const KNOWN_LIMIT = 32;

/** tsx's ESM entry (tsx is a development dependency: source runs only in development and tests). */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Where import.meta.resolve is missing: the CommonJS entry lies beside the ESM one.
    return pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
  }
}

/** The thread's module: compiled JS next to this file, or TypeScript through tsx when run from source. */
function spawnWorker(workerData: unknown, maxHeapMb: number): Worker {
  // JSONata allocates a promise or more per step; with a thread's default young generation it
  // ran measurably slower (~1 500 against ~2 000 appeals per CPU-second of the shipped mapping).
  const options = { workerData, resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 64 } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./evaluation-worker.js', import.meta.url), options);
  const tsx = tsxLoader();
  const entry = new URL('./evaluation-worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => { (api.register ?? api.default.register)(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { ...options, eval: true });
}

function timeoutError(task: EvaluationTask, progress: number): BridgeError {
  const field = progress > 0 ? task.fields[progress - 1] : undefined;
  const where = field ? `field ${field}` : progress === PROGRESS_CHECK ? 'record check' : 'evaluation';
  return new BridgeError('MAPPING_TIMEOUT', `mapping "${task.name}" ${where}: stopped after ${task.timeoutMs} ms (MAPPING_TIMEOUT)`, {
    posId: task.appeal.id,
    details: { mapping: task.name, version: task.version, field, timeoutMs: task.timeoutMs },
  });
}

function threadFailure(task: EvaluationTask, progress: number, reason: string): BridgeError {
  const field = progress > 0 ? task.fields[progress - 1] : undefined;
  return new BridgeError('MAPPING_FAILED', `mapping "${task.name}"${field ? ` field ${field}` : ''}: ${reason}`, {
    posId: task.appeal.id,
    details: { mapping: task.name, version: task.version, field },
  });
}

function revive(error: SerializedError): Error {
  if (!error.bridge) return new Error(error.message);
  return new BridgeError(error.code as ErrorCode, error.message, { posId: error.posId, details: error.details });
}

export class EvaluationPool {
  private readonly size: number;
  private readonly maxHeapMb: number;
  private readonly threads = new Set<Thread>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(options: EvaluationPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.maxHeapMb = options.maxHeapMb ?? 256;
  }

  /** Threads running now (started on demand, replaced after a deadline). */
  get threadCount(): number {
    return this.threads.size;
  }

  /** Maps one appeal in a thread; MAPPING_TIMEOUT once the task has run `timeoutMs`. */
  evaluate(task: EvaluationTask): Promise<MappingResult> {
    if (this.closed) return Promise.reject(new Error('the mapping evaluation pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject });
      this.pump();
    });
  }

  /** Stops every thread; tasks still waiting or running are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new Error('the mapping evaluation pool is closed');
    for (const pending of this.queue.splice(0)) pending.reject(stopped);
    const threads = [...this.threads];
    for (const thread of threads) {
      if (thread.current) {
        clearTimeout(thread.current.timer);
        thread.current.pending.reject(stopped);
        thread.current = undefined;
      }
    }
    this.threads.clear();
    await Promise.all(threads.map((thread) => thread.worker.terminate().catch(() => undefined)));
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const idle = [...this.threads].find((thread) => thread.ready && !thread.current);
      if (idle) {
        this.dispatch(idle, this.queue.shift() as Pending);
        continue;
      }
      const starting = [...this.threads].filter((thread) => !thread.ready).length;
      if (this.threads.size < this.size && starting < this.queue.length) {
        this.start();
        continue;
      }
      return;
    }
  }

  private start(): void {
    const progress = new Int32Array(new SharedArrayBuffer(4));
    const worker = spawnWorker({ progress: progress.buffer }, this.maxHeapMb);
    const thread: Thread = { worker, progress, known: new Set(), ready: false };
    this.threads.add(thread);
    worker.on('message', (message: ReplyMessage) => this.onMessage(thread, message));
    worker.on('error', (error) => this.onExit(thread, error));
    worker.on('exit', () => this.onExit(thread));
  }

  private dispatch(thread: Thread, pending: Pending, withSource = false): void {
    const { task } = pending;
    const key = `${task.version}/${task.fastPath ? 'fast' : 'jsonata'}`;
    const message: TaskMessage = {
      id: this.nextId++,
      key,
      name: task.name,
      fastPath: task.fastPath,
      source: withSource || !thread.known.has(key) ? task.source : undefined,
      appeal: task.appeal,
      nowMs: task.now.getTime(),
    };
    if (thread.known.size >= KNOWN_LIMIT) thread.known.clear();
    thread.known.add(key);
    Atomics.store(thread.progress, 0, PROGRESS_IDLE);
    // The deadline counts this task's own running time, never its wait for a free thread.
    const startedAt = thread.current?.startedAt ?? performance.now();
    const left = Math.max(0, task.timeoutMs - (performance.now() - startedAt));
    const timer = setTimeout(() => this.onTimeout(thread), left);
    thread.current = { pending, id: message.id, timer, startedAt };
    thread.worker.ref();
    thread.worker.postMessage(message);
  }

  private onMessage(thread: Thread, message: ReplyMessage): void {
    if ('ready' in message) {
      thread.ready = true;
      // Only a thread with work keeps the process alive (a `sync` run must end when its work does).
      thread.worker.unref();
      this.pump();
      return;
    }
    const current = thread.current;
    if (!current || current.id !== message.id) return;
    if ('needSource' in message) {
      clearTimeout(current.timer);
      this.dispatch(thread, current.pending, true);
      return;
    }
    this.finish(thread);
    if (message.ok) current.pending.resolve(message.result);
    else current.pending.reject(revive(message.error));
    this.pump();
  }

  private finish(thread: Thread): void {
    if (thread.current) clearTimeout(thread.current.timer);
    thread.current = undefined;
    thread.worker.unref();
  }

  private onTimeout(thread: Thread): void {
    const current = thread.current;
    if (!current) return;
    const progress = Atomics.load(thread.progress, 0);
    this.retire(thread);
    current.pending.reject(timeoutError(current.pending.task, progress));
    this.pump();
  }

  /** A thread that died by itself: out of memory, or a fault before it was ready. */
  private onExit(thread: Thread, error?: NodeJS.ErrnoException): void {
    if (!this.threads.has(thread)) return;
    const current = thread.current;
    const wasReady = thread.ready;
    this.retire(thread);
    if (current) {
      const outOfMemory = error?.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const progress = Atomics.load(thread.progress, 0);
      current.pending.reject(
        threadFailure(
          current.pending.task,
          progress,
          outOfMemory ? `ran out of memory (${this.maxHeapMb} MB)` : 'the evaluation thread stopped',
        ),
      );
    }
    if (!wasReady && !current) {
      // A thread that cannot even start would be restarted for ever: fail what waits instead.
      const reason = new Error(`the mapping evaluation thread did not start: ${error?.message ?? 'it exited'}`);
      for (const pending of this.queue.splice(0)) pending.reject(reason);
      return;
    }
    this.pump();
  }

  private retire(thread: Thread): void {
    if (thread.current) clearTimeout(thread.current.timer);
    thread.current = undefined;
    this.threads.delete(thread);
    thread.worker.removeAllListeners('message');
    void thread.worker.terminate().catch(() => undefined);
  }
}

let shared: EvaluationPool | undefined;

/** One pool for code that compiles mappings without saying where they run (CLI preview, tests). */
export function sharedEvaluationPool(): EvaluationPool {
  shared ??= new EvaluationPool();
  return shared;
}
