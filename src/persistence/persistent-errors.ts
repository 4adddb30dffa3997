import { describeError } from '../errors.js';

/**
 * The errors of persistent actors (src/persistence/persistent-actor.ts). The journal's own
 * errors (WriterConflictError, JournalClosedError, ...) arrive as their `cause`, so a
 * supervisor's decider can look through them.
 */

/**
 * A persistent actor could not recover its state: claiming the persistence id (another
 * live writer holds it: WriterConflictError), loading the snapshot, replaying or applying
 * an event failed. Thrown from the actor's start, so the kernel wraps it in
 * ActorInitializationError and the default supervision stops the actor.
 */
export class PersistenceRecoveryError extends Error {
  constructor(
    readonly path: string,
    readonly persistenceId: string,
    options?: ErrorOptions,
  ) {
    super(`persistent actor '${path}' could not recover persistence id '${persistenceId}': ${describeError(options?.cause)}`, options);
    this.name = 'PersistenceRecoveryError';
  }
}

/**
 * The journal did not take events a persistent actor persisted (or applying them failed).
 * The actor's state is no longer known to match the journal, so the actor fails with this
 * error (its supervisor decides; a restart recovers from the journal).
 */
export class PersistFailedError extends Error {
  constructor(
    readonly path: string,
    readonly persistenceId: string,
    /** The sequence number the first of the events would have had. */
    readonly fromSequenceNr: number,
    readonly eventCount: number,
    options?: ErrorOptions,
  ) {
    super(
      `persistent actor '${path}' failed to persist ${eventCount} event(s) from sequence number ${fromSequenceNr} of persistence id '${persistenceId}': ${describeError(options?.cause)}`,
      options,
    );
    this.name = 'PersistFailedError';
  }
}
