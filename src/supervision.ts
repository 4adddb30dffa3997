import type { ActorRef } from './actor-ref.js';
import { ActorInitializationError } from './errors.js';
import type { ActorSystem } from './system.js';

/**
 * The supervision seam. When a child fails (a handler threw or its promise rejected), the
 * child is suspended (its mailbox keeps filling, nothing is handled) and its parent's
 * strategy is asked what to do. The strategy answers through `SupervisionControl`, now or
 * later (a backoff simply calls `restart` after a delay: the child waits suspended and
 * keeps its mailbox). Strategies for all children at once (one-for-all, rest-for-one),
 * intensity limits and backoff live in `supervisors/` and plug in here.
 */

/** What a supervisor does with a failed child. */
export type Directive = 'resume' | 'restart' | 'stop' | 'escalate';

/** The report a supervisor gets. */
export interface ChildFailure {
  /** The failed child. */
  readonly child: ActorRef<unknown>;
  /** What it threw (or rejected with). */
  readonly error: unknown;
  /** The message it was handling (already a dead letter). */
  readonly message: unknown;
  /** Restarts of this child so far. */
  readonly restartCount: number;
  /** The labels the child was spawned with. */
  readonly tags: Readonly<Record<string, unknown>> | undefined;
}

/** What a strategy may do. Each call is published as a `supervisor-decision` event. */
export interface SupervisionControl {
  /** The supervisor itself. */
  readonly self: ActorRef<unknown>;
  /** The system, for publishing events and logging. */
  readonly system: ActorSystem;
  /** The supervisor's live children in spawn order. */
  readonly children: ReadonlyArray<ActorRef<unknown>>;
  /** Lets the failed child go on with its next message, state kept. */
  resume(child: ActorRef<unknown>, error: unknown): void;
  /** Replaces the child's incarnation (mailbox kept). Works on any child, failed or not. */
  restart(child: ActorRef<unknown>, error: unknown): void;
  /** Stops the child (its children first). */
  stop(child: ActorRef<unknown>, error: unknown): void;
  /** Fails the supervisor itself with `error`, for its own parent to decide. */
  escalate(child: ActorRef<unknown>, error: unknown): void;
}

/** A supervisor strategy: decides about one child failure. */
export interface SupervisorStrategy {
  onFailure(failure: ChildFailure, control: SupervisionControl): void;
}

/** Picks a directive from the error. */
export type Decider = (error: unknown, failure: ChildFailure) => Directive;

/** The default decider: an actor that cannot start is stopped (restarting would fail again), anything else restarts. */
export const defaultDecider: Decider = (error) => (error instanceof ActorInitializationError ? 'stop' : 'restart');

/** Applies a decider's directive to the failed child only. */
export function oneForOneStrategy(decider: Decider = defaultDecider): SupervisorStrategy {
  return {
    onFailure(failure, control) {
      const directive = decider(failure.error, failure);
      control[directive](failure.child, failure.error);
    },
  };
}

/** The kernel's default: one-for-one with `defaultDecider`. */
export const defaultStrategy: SupervisorStrategy = oneForOneStrategy();
