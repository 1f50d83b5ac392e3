// Notices admins' edits in the mappings directory: fs.watch for speed (debounced, since editors
// write in several steps), plus a periodic re-scan because fs.watch misses events on some file
// systems (NFS, bind mounts) and while the process is busy.
import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../logging.js';

export interface DirWatchOptions {
  dir: string;
  isMappingFile(fileName: string): boolean;
  /** A mapping file may have changed (name without extension is up to the caller). */
  onFile(fileName: string): Promise<void>;
  /** The periodic full re-scan. */
  onRescan(): Promise<void>;
  debounceMs: number;
  rescanMs: number;
  logger: Logger;
}

export class DirWatch {
  private watcher?: FSWatcher;
  private interval?: NodeJS.Timeout;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private running = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: DirWatchOptions) {}

  start(): void {
    const { dir, logger } = this.options;
    try {
      this.watcher = watch(dir, (_event, fileName) => {
        if (fileName === null) this.schedule('*');
        else if (this.options.isMappingFile(fileName)) this.schedule(fileName);
      });
      this.watcher.on('error', (error) =>
        logger.warn({ err: error, dir }, 'mappings directory watch failed; re-scanning periodically only'),
      );
    } catch (error) {
      logger.warn({ err: error, dir }, 'cannot watch the mappings directory; re-scanning periodically only');
    }
    this.interval = setInterval(() => this.serialize(() => this.options.onRescan()), this.options.rescanMs);
    this.interval.unref();
  }

  private schedule(fileName: string): void {
    const previous = this.pending.get(fileName);
    if (previous) clearTimeout(previous);
    const timer = setTimeout(() => {
      this.pending.delete(fileName);
      this.serialize(() => (fileName === '*' ? this.options.onRescan() : this.options.onFile(fileName)));
    }, this.options.debounceMs);
    timer.unref();
    this.pending.set(fileName, timer);
  }

  /** One handler at a time, so a re-scan and a file event never apply the same edit twice. */
  private serialize(task: () => Promise<void>): void {
    if (this.stopped) return;
    this.running = this.running.then(task).catch((error: unknown) => {
      this.options.logger.error({ err: error }, 'applying a mapping file change failed');
    });
  }

  /** Stops watching and waits for a handler already running. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    if (this.interval) clearInterval(this.interval);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await this.running;
  }
}
