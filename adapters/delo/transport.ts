// The adapter speaks to «Дело» through a transport. The folder transport (exchange folders, this
// package) is the one «Дело» offers everywhere; a web-API transport (CoreHost OData, delo-sev.md)
// can be added behind the same interface without touching the adapter's state or idempotency.
import type { ReportMessage } from './sev/report.js';

export interface OutgoingPackage {
  messageId: string;
  docInfoXml: string;
  /** Files by their name inside the package (Resource@UniqueName). */
  files: { uniqueName: string; data: Buffer }[];
}

/** How far an earlier delivery of a package got. `complete`: «Дело» can see it (or took it already, see DeloAdapter). */
export type DeliveryPresence = 'absent' | 'partial' | 'complete';

export interface InboundAnswerFile {
  uniqueName: string;
  /** Original name (File/Description). */
  name: string;
  contentType: string;
  data: Buffer;
}

/** An answer letter read from its DocInfo package. */
export interface InboundAnswer {
  documentId: string;
  text?: string;
  resolution?: string;
  number?: string;
  date?: string;
  files: InboundAnswerFile[];
}

/** Where Reports go once read: the adapter's state. */
export interface ReportSink {
  /** posId of the package a Report names, or null when this bridge never sent it. */
  resolve(initialMessageId: string): Promise<number | null>;
  /** True when this Report was applied already; checked before an answer's files are read. */
  isDuplicate(posId: number, report: ReportMessage): Promise<boolean>;
  apply(posId: number, report: ReportMessage, answer?: InboundAnswer): Promise<'applied' | 'duplicate'>;
  /** DocumentID of the appeal's own Document (an answer's Link may point at it), or null. */
  appealDocumentId(posId: number): Promise<string | null>;
  /**
   * When a reader first waited for the answer package of this Report (epoch ms): recorded once, by
   * whichever reader comes first, and kept over a restart, so every reader measures the same grace.
   */
  waitingSince(reportId: string): Promise<number>;
  /** The Report left the inbox (applied, duplicate or quarantined): forget when it started waiting. */
  stopWaiting(reportId: string): Promise<void>;
}

export interface PollCounts {
  applied: number;
  duplicates: number;
  quarantined: number;
  /** Files left for a later poll (still being written, or claimed by another reader). */
  deferred: number;
}

export interface DeloTransport {
  init(): Promise<void>;
  presence(messageId: string): Promise<DeliveryPresence>;
  /** Removes what a crashed delivery left behind, so it can be written again. */
  discardPartial(messageId: string): Promise<void>;
  /**
   * Makes the package visible to «Дело» in one step. `beforeCommit` runs once the package is
   * complete and durable but before «Дело» can see it (the adapter records `writing` there).
   */
  deliver(pkg: OutgoingPackage, beforeCommit: () => Promise<void>): Promise<void>;
  /** Reads every waiting Report once and hands it to the sink. */
  receive(sink: ReportSink): Promise<PollCounts>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
