// Public surface of the ПОС emulator.
export { startPosEmulator, type PosEmulator } from './server.js';
export {
  PosEmulatorControl,
  type EmulatorAppealSummary,
  type EmulatorAppealView,
  type EmulatorFileMeta,
  type OrganisationView,
  type SeedTarget,
} from './control-client.js';
export { PosEmulatorState } from './state.js';
export { DEFAULT_ORGANISATION, parseOrganisationList } from './organisations.js';
export { contentDisposition } from './file-routes.js';
export { platformStatus } from './answers.js';
export type {
  ActiveFault,
  CustodyRecord,
  EmulatorOrganisation,
  EmulatorSettings,
  EmulatorStats,
  FaultAction,
  FaultSpec,
  HistoryEntry,
  PosEmulatorOptions,
  PosRoute,
  RateLimit,
  StoredAppeal,
  StoredFile,
} from './types.js';
