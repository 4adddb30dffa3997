import type { ActorRef } from '../../src/index.js';
import type { AdmissionJob, LaneBudget, LaneId, ReadyArtifact, ResourceClass } from '../../src/admission/types.js';

/**
 * The admission controller's messages (controller.ts). The shape of `submit`:
 *
 *   { type: 'submit', job, run, replyTo?, settled? }
 *
 * `run` is the job's work, a function returning a promise, called when the controller
 * admits the job; the job is done when the promise settles. A callback rather than a start
 * message to the submitter: in one process it is the cheapest shape (no message out and no
 * `job-done` message back from the submitter, no actor needed to submit), the promise tells
 * the controller exactly when the lane slot frees, and a job cannot "forget" to report
 * (an actor that dies mid-job would hold its slot forever). An actor that wants to run the
 * work itself gives a `run` that tells it and resolves when it answers.
 * The outcome (completed, failed, refused, coalesced) goes to `replyTo` (actors) and/or to
 * `settled` (in-process callers; called in the controller's turn, keep it cheap).
 */
export interface Submit {
  readonly type: 'submit';
  readonly job: AdmissionJob;
  readonly run: () => Promise<unknown> | unknown;
  readonly replyTo?: ActorRef<AdmissionOutcome>;
  readonly settled?: (outcome: AdmissionOutcome) => void;
}

/** What became of a submitted job (told once). */
export interface AdmissionOutcome {
  readonly type: 'admission-outcome';
  readonly jobId: string;
  /** completed: `run` resolved; failed: it threw or rejected; refused: never admitted (see error); coalesced: replaced by `keptId`. */
  readonly outcome: 'completed' | 'failed' | 'refused' | 'coalesced';
  readonly lane: LaneId;
  /** For failed and refused: what went wrong. */
  readonly error?: string;
  /** For coalesced: the job that is run instead. */
  readonly keptId?: string;
  /** For completed and failed: wall-clock ms from submit to start, and from start to finish. */
  readonly waitedMs?: number;
  readonly ranMs?: number;
}

/** An artifact became ready (a lease; `validUntilMs` on the Date.now() clock). */
export interface ArtifactReadyMsg {
  readonly type: 'artifact-ready';
  readonly artifact: ReadyArtifact;
}

/** An artifact is no longer ready: jobs not yet started that need it go back to deferred. */
export interface ArtifactRevokedMsg {
  readonly type: 'artifact-revoked';
  readonly key: string;
}

/**
 * A started job's work settled: for work that reports by message (an actor's `run` that
 * only tells another actor, which later tells the controller `job-done`; such a `run` returns
 * a promise that never settles). Work whose promise settles is finished without it.
 */
export interface JobDone {
  readonly type: 'job-done';
  readonly jobId: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** Asks for the controller's state; answered with one AdmissionStatus. */
export interface StatusQuery {
  readonly type: 'status';
  readonly replyTo: ActorRef<AdmissionStatus>;
}

export interface LaneStatus {
  readonly lane: LaneId;
  readonly capacity: number;
  readonly running: number;
  /** Admitted by the plan, waiting for a free slot. */
  readonly queued: number;
  /** Most jobs this lane ever ran at once. */
  readonly peak: number;
}

export interface AdmissionStatus {
  readonly type: 'admission-status';
  /** By lane key: the class, or `class:provider` for provider classes. */
  readonly lanes: Readonly<Record<string, LaneStatus>>;
  /** Jobs admitted and waiting for a slot, all lanes. */
  readonly queued: number;
  /** Jobs waiting for dependencies, with what each still misses. */
  readonly deferred: readonly { readonly id: string; readonly missingDependencies: readonly string[] }[];
  /** Keys of the artifacts ready now. */
  readonly ready: readonly string[];
}

/** Internal: re-plan the jobs that arrived or changed this turn; lease-expiry: a lease may have ended. */
export interface Replan {
  readonly type: 'replan';
}
export interface LeaseExpiry {
  readonly type: 'lease-expiry';
}
/** Internal: jobs whose promises settled since the last one (controller.ts `jobSettled`). */
export interface JobsSettled {
  readonly type: 'jobs-settled';
}

export type AdmissionMsg = Submit | ArtifactReadyMsg | ArtifactRevokedMsg | JobDone | StatusQuery | Replan | LeaseExpiry | JobsSettled;

/** The controller's configuration: lane budgets as in a PlanRequest, and the plan's budgets. */
export interface AdmissionSettings {
  readonly lanes: Partial<Readonly<Record<ResourceClass, LaneBudget>>>;
  readonly providerLanes?: Partial<Readonly<Record<ResourceClass, Readonly<Record<string, LaneBudget>>>>>;
  /** First response budget, ms (the planner's default when absent). */
  readonly firstResponseBudgetMs?: number;
  /** All responses budget, ms: a job finishing later than its plan's time + this is a `budget-missed` divergence. */
  readonly allResponsesBudgetMs?: number;
}

/** How execution departed from the plan (the `kind` of an `admission-divergence` event). */
export type DivergenceKind = 'wave-skipped' | 'deferred-outside-plan' | 'budget-missed';

/** The key of a lane: its class, or `class:provider`. */
export function laneKeyOf(lane: LaneId): string {
  return lane.provider === undefined ? lane.resourceClass : `${lane.resourceClass}:${lane.provider}`;
}
