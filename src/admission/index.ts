/**
 * Admission lanes (issue 9): the pure planner, its contract, and the artifact leases it
 * reads readiness from. The controller actor that executes plans lives beside these files
 * (written separately) and is exported from its own module.
 */
export { plan, validateRequest, validateArtifact, isProviderClass, laneIdOf, DEFAULT_FIRST_RESPONSE_BUDGET_MS, DEFAULT_ALL_RESPONSES_BUDGET_MS, DEFAULT_ORDER_POLICY } from './planner.js';
export { ArtifactLeases } from './leases.js';
export { AdmissionRequestError } from './errors.js';
export { RESOURCE_CLASSES, PROVIDER_CLASSES } from './types.js';
export type {
  AdmissionJob,
  AdmissionPlan,
  CoalescedJob,
  DeferredJob,
  LaneBudget,
  LaneId,
  OrderPolicy,
  PlannedJob,
  PlanRequest,
  ReadyArtifact,
  ResourceClass,
  UnbudgetedJob,
} from './types.js';
