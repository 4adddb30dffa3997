/**
 * The admission controller actor (issue 9): executes the plans of src/admission's pure
 * planner against real lane slots. See controller.ts; the mesh wiring is actors/mesh/think.ts.
 */
export { admissionController, spawnAdmissionController } from './controller.js';
export { laneKeyOf } from './messages.js';
export type {
  AdmissionMsg,
  AdmissionOutcome,
  AdmissionSettings,
  AdmissionStatus,
  ArtifactReadyMsg,
  ArtifactRevokedMsg,
  DivergenceKind,
  JobDone,
  LaneStatus,
  StatusQuery,
  Submit,
} from './messages.js';
