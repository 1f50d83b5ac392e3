// Public surface of the ЭОС «Дело» adapter.
export { DeloAdapter, type DeloAdapterOptions, type DurableWhen } from './adapter.js';
export { deloRecordSchema, type DeloRecord } from './record.js';
export type { DeloTransport, DeliveryPresence, OutgoingPackage, PollCounts, ReportSink, InboundAnswer } from './transport.js';
export { FolderTransport, type FolderTransportOptions } from './folder/transport.js';
export { buildAppealDocInfo, buildAnswerDocInfo, RESERVED_FIELDS } from './sev/docinfo.js';
export { checkDocInfo, checkReport, docInfoTreeSchema, reportTreeSchema } from './sev/schema.js';
export { buildReportXml, parseReport, type ReportMessage, type ReportNotification } from './sev/report.js';
export { messageIdFor, documentIdFor, uuidV5, DEFAULT_ID_NAMESPACE } from './sev/ids.js';
export { SEV_NAMESPACE, toXmlText } from './sev/xml.js';
export type { DeloRecordState } from './state/types.js';
