// The shared EDMS adapter conformance suite, unchanged, against the «Дело» adapter and its
// emulator over real exchange folders.
import { rm } from 'node:fs/promises';
import { FolderTransport } from '../../adapters/delo/folder/transport.js';
import { DeloAdapter } from '../../adapters/delo/adapter.js';
import { startDeloEmulator } from '../../adapters/delo/emulator/index.js';
import type { OutgoingPackage } from '../../adapters/delo/transport.js';
import { TransientError } from '../../src/errors.js';
import { describeEdmsAdapterConformance } from './edms-adapter.suite.js';
import { deloDirs, recordForAppeal } from '../adapters/delo/helpers.js';

/** Commits the package, then loses the answer — as a process killed right after the rename. */
class LosingTransport extends FolderTransport {
  loseNext = false;
  override async deliver(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void> {
    await super.deliver(pkg, beforeCommit);
    if (this.loseNext) {
      this.loseNext = false;
      throw new TransientError('connection to the exchange share lost after the write', { system: 'delo' });
    }
  }
}

describeEdmsAdapterConformance(
  'ЭОС «Дело» over СЭВ exchange folders',
  async () => {
    const dirs = await deloDirs('conformance');
    const emulator = await startDeloEmulator({
      outboxDir: dirs.outboxDir,
      inboxDir: dirs.inboxDir,
      archiveDir: dirs.archiveDir,
      pollMs: 50,
    });
    const transport = new LosingTransport({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir });
    const adapter = new DeloAdapter({ outboxDir: dirs.outboxDir, inboxDir: dirs.inboxDir, stateDir: dirs.stateDir, transport });
    return {
      adapter,
      control: emulator.control,
      recordFor: recordForAppeal,
      loseNextWriteResponse: async () => {
        transport.loseNext = true;
      },
      countRecords: () => emulator.countPackages(),
      // The exchange share is no longer mounted: the outbox folder is gone.
      makeUnreachable: () => rm(dirs.outboxDir, { recursive: true, force: true }),
      close: async () => {
        await adapter.close();
        await emulator.stop();
        await dirs.remove();
      },
    };
  },
  {
    installation: { directories: 'unreadable', reason: /cannot read «Дело» directories/ },
    lostWriteResponse: true,
    countsRecords: true,
    reportsManager: true,
    postponementReasons: true,
    unreachable: true,
    // The folder exchange has no credentials of its own: the file system's permissions decide.
    credentials: false,
    // Nor connections: the adapter holds only files, and close waits for a poll in flight.
    openConnections: false,
  },
);
