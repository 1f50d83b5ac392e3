// What the rest of the bridge sees of a mapping: a compiled, validated version that turns a ПОС
// appeal into an EDMS record, and the status map that turns EDMS progress into ПОС statuses.
import type { EdmsKind, ProgressState } from '../../adapters/contract.js';
import type { AppealAnswerType, PosAppeal } from '../pos/schemas.js';
import type { WorkingCalendar } from './working-days.js';

/** One ПОС status post's fixed parts, as the admin wrote them for one EDMS progress state. */
export interface StatusRule {
  status: string;
  statusText: string;
  appealAnswerType?: AppealAnswerType;
  notifyApplicant?: boolean;
}

/** Normalised EDMS progress → ПОС status. `received` has no rule: nothing is posted for it. */
export type StatusMap = Record<Exclude<ProgressState, 'received'>, StatusRule> & {
  /** Optional refinement of the final answer's type by the EDMS's own verdict (answer.resolution). */
  answerTypeByResolution?: Record<string, AppealAnswerType>;
};

export interface MappingResult<R = unknown> {
  record: R;
  /** Defaults used for unknown dictionary keys, truncations, and the like: for preview and logs. */
  warnings: string[];
  /** Dictionaries whose default stood in for an unknown key (ПОС ids only ever reach coverage counts). */
  defaultsUsed?: string[];
}

export interface CompiledMapping<R = unknown> {
  /** File name without extension, e.g. `directum-rx`. */
  readonly name: string;
  /** Content hash of the source; changes whenever the file does. */
  readonly version: string;
  readonly target: EdmsKind;
  /** The YAML the mapping was compiled from (the pre-flight and error texts read its own values). */
  readonly source: string;
  readonly statusMap: StatusMap;
  /** controlDays' holidays and transfers: the deadline list counts working days by it (absent: weekends only). */
  readonly calendar?: WorkingCalendar;
  /** Maps one appeal; throws a BridgeError with code MAPPING_FAILED naming the field on failure. */
  map(appeal: PosAppeal, now?: Date): Promise<MappingResult<R>>;
}

/** A validation problem located in the admin's file. */
export interface MappingProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}
