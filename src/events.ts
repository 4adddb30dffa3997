/**
 * The typed events the runtime publishes on `system.events$`. Every decision the runtime
 * makes (start, stop, failure, restart, resume, drop, overflow) is one of these, so an
 * operator can watch a run as a stream instead of reading logs. Later layers (breakers,
 * passivation, admission, membership) add their own kinds through `RuntimeEvent`'s
 * open `type` string; the kernel's kinds are listed here.
 */

/** Why a message ended as a dead letter. */
export type DeadLetterReason =
  | 'recipient-stopped'
  | 'recipient-not-found'
  | 'mailbox-full'
  | 'actor-failed'
  | 'sent-to-dead-letters'
  | (string & {});

interface EventBase {
  /** Milliseconds since the epoch, when the runtime decided. */
  readonly timestamp: number;
  /** Full path of the actor the event is about. */
  readonly path: string;
}

export interface ActorStartedEvent extends EventBase {
  readonly type: 'actor-started';
  readonly actorType: string;
}

export interface ActorStoppedEvent extends EventBase {
  readonly type: 'actor-stopped';
  /** Messages that were still queued and went to dead letters. */
  readonly droppedMessages: number;
}

export interface ActorFailedEvent extends EventBase {
  readonly type: 'actor-failed';
  readonly error: unknown;
  readonly messageType: string;
}

export interface ActorRestartedEvent extends EventBase {
  readonly type: 'actor-restarted';
  readonly error: unknown;
  /** How many times this actor has been restarted since it was spawned. */
  readonly restartCount: number;
}

export interface ActorResumedEvent extends EventBase {
  readonly type: 'actor-resumed';
  readonly error: unknown;
}

export interface SupervisorDecisionEvent extends EventBase {
  readonly type: 'supervisor-decision';
  /** The supervised child. `path` is the supervisor. */
  readonly child: string;
  readonly directive: string;
  readonly error: unknown;
}

export interface DeadLetterEvent extends EventBase {
  readonly type: 'dead-letter';
  /** `path` is the intended recipient. */
  readonly message: unknown;
  readonly messageType: string;
  readonly reason: DeadLetterReason;
  readonly error?: unknown;
  /** The message was sent with `ask`; its promise was rejected. */
  readonly wasAsk: boolean;
}

export interface MailboxOverflowEvent extends EventBase {
  readonly type: 'mailbox-overflow';
  readonly policy: string;
  readonly capacity: number;
  readonly messageType: string;
}

export interface SystemTerminatingEvent extends EventBase {
  readonly type: 'system-terminating';
  readonly reason: string;
  readonly error?: unknown;
}


export interface StopAbandonedEvent extends EventBase {
  readonly type: 'stop-abandoned';
  /** The postStop did not settle within this many milliseconds; the stop went on without it. */
  readonly afterMs: number;
}

/** Asks made in handlers wait on each other in a cycle; each of them was failed with DeadlockError. `path` is the actor that closed the cycle. */
export interface DeadlockDetectedEvent extends EventBase {
  readonly type: 'deadlock-detected';
  /** Paths of the actors of the cycle, in wait order (each waits on the next, the last on the first). */
  readonly cycle: readonly string[];
  /** Number of asks failed (one per edge of the cycle). */
  readonly failedAsks: number;
}

/** The kernel's events. */
export type KernelEvent =
  | ActorStartedEvent
  | ActorStoppedEvent
  | ActorFailedEvent
  | ActorRestartedEvent
  | ActorResumedEvent
  | SupervisorDecisionEvent
  | DeadLetterEvent
  | MailboxOverflowEvent
  | SystemTerminatingEvent
  | StopAbandonedEvent
  | DeadlockDetectedEvent;

/** An event from a layer above the kernel (supervisors, mesh, transport ...). */
export interface ExtensionEvent extends EventBase {
  readonly type: `x:${string}` | (string & {});
  readonly [field: string]: unknown;
}

/** Anything on `system.events$`. Narrow on `type`. */
export type RuntimeEvent = KernelEvent | ExtensionEvent;

/** One sample on `system.metrics$`. */
export interface MetricsSample {
  readonly timestamp: number;
  /** Live actors, guardians included. */
  readonly actors: number;
  /** Messages handled since the system started. */
  readonly processed: number;
  /** Messages handled per second over the last interval. */
  readonly processedPerSecond: number;
  /** Dead letters since the system started. */
  readonly deadLetters: number;
  /** Messages waiting in all mailboxes. */
  readonly queued: number;
  /** The deepest mailboxes at sampling time, deepest first. */
  readonly deepest: ReadonlyArray<{ readonly path: string; readonly depth: number }>;
}
