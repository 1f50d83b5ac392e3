// Writes packages into the «Дело» outbox so that a package folder appears only when complete:
// build `.tmp-<MessageID>/` (files first, DocInfo.xml last, each fsynced, then the folder), let
// the caller record the step, rename to `<MessageID>/` and fsync the outbox.
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, exists, fsyncDir, makeDir, writeFileSynced, type Modes } from '../fs/atomic.js';
import type { DeliveryPresence, OutgoingPackage } from '../transport.js';

export const TEMP_PREFIX = '.tmp-';
export const DOCINFO_FILE = 'DocInfo.xml';

export class OutboxWriter {
  /** `modes`: of the package folders and files (DELO_FILE_MODE); unset, the umask decides. */
  constructor(
    readonly outboxDir: string,
    private readonly modes: Modes = {},
  ) {}

  private finalPath(messageId: string): string {
    return join(this.outboxDir, messageId);
  }

  private tempPath(messageId: string): string {
    return join(this.outboxDir, `${TEMP_PREFIX}${messageId}`);
  }

  async presence(messageId: string): Promise<DeliveryPresence> {
    if (await exists(this.finalPath(messageId))) return 'complete';
    if (await exists(this.tempPath(messageId))) return 'partial';
    return 'absent';
  }

  async discardPartial(messageId: string): Promise<void> {
    await rm(this.tempPath(messageId), { recursive: true, force: true });
  }

  async write(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void> {
    const temp = this.tempPath(pkg.messageId);
    await rm(temp, { recursive: true, force: true });
    await makeDir(temp, this.modes.dir);
    for (const file of pkg.files) await writeFileSynced(join(temp, file.uniqueName), file.data, this.modes.file);
    await writeFileSynced(join(temp, DOCINFO_FILE), pkg.docInfoXml, this.modes.file);
    await fsyncDir(temp);
    await fsyncDir(this.outboxDir);
    await beforeCommit();
    try {
      await rename(temp, this.finalPath(pkg.messageId));
    } catch (error) {
      // Already there (an earlier attempt got this far): that one is complete, keep it.
      if (errorCode(error) !== 'ENOTEMPTY' && errorCode(error) !== 'EEXIST') throw error;
      await rm(temp, { recursive: true, force: true });
    }
    await fsyncDir(this.outboxDir);
  }

  async ping(): Promise<void> {
    const info = await stat(this.outboxDir);
    if (!info.isDirectory()) throw new Error(`${this.outboxDir} is not a directory`);
  }
}
