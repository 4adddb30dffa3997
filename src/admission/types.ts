/**
 * The admission planner's contract (issue 9; seed 004: the turn planner and the adaptive
 * throughput planner with the review's suggestions). The plan is the contract: a planner
 * turns a request into a plan, an executor (the admission controller) carries the plan
 * out and reports where it diverged. Everything here is plain data (msgpack-able).
 *
 * Times are milliseconds on one clock chosen by the caller (the planner never reads one).
 */

/**
 * What kind of resource a job consumes. Lanes are per class; cloud classes have one lane
 * per provider (the review: one shared cloud budget lets five calls to one provider hit
 * its rate limit together).
 *
 *   local-generation      local model inference (the GPU, for generation)
 *   cloud-generation      a model provider's API (lanes per provider)
 *   gpu-render            GPU work that is not inference (rendering, media)
 *   tool                  tool calls (shell, browser, HTTP)
 *   background-memory     memory consolidation, indexing: may wait
 */
export type ResourceClass = 'local-generation' | 'cloud-generation' | 'gpu-render' | 'tool' | 'background-memory';

export const RESOURCE_CLASSES: readonly ResourceClass[] = ['local-generation', 'cloud-generation', 'gpu-render', 'tool', 'background-memory'];

/** Classes whose lanes are per provider (a job of such a class must name its provider). */
export const PROVIDER_CLASSES: readonly ResourceClass[] = ['cloud-generation'];

/** Which job goes first among jobs of one lane at the same priority. */
export type OrderPolicy =
  /** Newer first (LIFO): freshness, e.g. a chat turn the user just typed. */
  | 'newest-first'
  /** Older first (FIFO): fairness, nobody starves (training, background work). */
  | 'oldest-first';

/** One piece of expensive work. */
export interface AdmissionJob {
  /** Unique within a request. */
  readonly id: string;
  readonly resourceClass: ResourceClass;
  /** Required for provider classes (e.g. 'openai', 'anthropic'); ignored otherwise. */
  readonly provider?: string;
  /** Higher goes first. A finite number. */
  readonly priority: number;
  /** When the job was created (caller's clock). */
  readonly createdAtMs: number;
  /**
   * What the job produces (a handle). Jobs of one class for the same artifact coalesce: the
   * highest priority wins, then the latest created; jobs of different classes for the same
   * artifact are different work and are all kept.
   */
  readonly artifactKey: string;
  /** Artifacts that must be ready before the job may start. */
  readonly dependencyKeys?: readonly string[];
  /** Estimated run time, ms; default: the class's `estimatedDurationMs`. */
  readonly estimatedDurationMs?: number;
}

/** A lane's budget: how many jobs may run at once. */
export interface LaneBudget {
  /** Concurrent jobs, an integer >= 1. */
  readonly capacity: number;
  /** Default newest-first. */
  readonly order?: OrderPolicy;
  /** Per-job run time estimate for jobs that give none, ms (>= 0). */
  readonly estimatedDurationMs: number;
}

/** An artifact that is ready, with an optional lease. */
export interface ReadyArtifact {
  readonly key: string;
  /** The lease ends at this time (caller's clock); absent: no expiry. */
  readonly validUntilMs?: number;
  /** Who holds the artifact resident (observability: who keeps it alive). */
  readonly holderId?: string;
}

export interface PlanRequest {
  /** Now, on the caller's clock. */
  readonly nowMs: number;
  readonly jobs: readonly AdmissionJob[];
  /** Budgets of the non-provider classes. */
  readonly lanes: Partial<Readonly<Record<ResourceClass, LaneBudget>>>;
  /** Budgets per provider for provider classes: providerLanes['cloud-generation']['openai']. */
  readonly providerLanes?: Partial<Readonly<Record<ResourceClass, Readonly<Record<string, LaneBudget>>>>>;
  /** Artifacts ready now (an expired lease is not ready). */
  readonly ready?: readonly ReadyArtifact[];
  /** First response budget, ms (default 10,000: the seed's alpha SLO). */
  readonly firstResponseBudgetMs?: number;
  /** All responses budget, ms (default 30,000: the seed's alpha SLO). */
  readonly allResponsesBudgetMs?: number;
}

/** A lane's identity: its class, and its provider for provider classes. */
export interface LaneId {
  readonly resourceClass: ResourceClass;
  readonly provider?: string;
}

/** A job the plan admits. */
export interface PlannedJob {
  readonly id: string;
  readonly lane: LaneId;
  /** Position in its lane's order, from 0. */
  readonly order: number;
  /** order / capacity: wave 0 runs first, wave 1 when wave 0 finishes, ... */
  readonly wave: number;
  readonly estimatedStartMs: number;
  readonly estimatedFinishMs: number;
}

/** A job that cannot start: a dependency is not ready. */
export interface DeferredJob {
  readonly id: string;
  readonly missingDependencies: readonly string[];
}

/** A job replaced by another job of the same class and artifact. */
export interface CoalescedJob {
  readonly id: string;
  readonly keptId: string;
}

/** A job refused because its lane has no budget configured (never deferred silently). */
export interface UnbudgetedJob {
  readonly id: string;
  readonly lane: LaneId;
}

export interface AdmissionPlan {
  /** Admitted jobs, by estimated start, then lane order. */
  readonly admitted: readonly PlannedJob[];
  readonly deferred: readonly DeferredJob[];
  readonly coalesced: readonly CoalescedJob[];
  readonly unbudgeted: readonly UnbudgetedJob[];
  /** Earliest estimated finish of an admitted job, relative to nowMs; null when none. */
  readonly estimatedFirstResponseMs: number | null;
  /** Latest estimated finish, relative to nowMs; null when none. */
  readonly estimatedAllResponsesMs: number | null;
  readonly meetsFirstResponseBudget: boolean;
  readonly meetsAllResponsesBudget: boolean;
  readonly firstResponseBudgetMs: number;
  readonly allResponsesBudgetMs: number;
}
