/**
 * Every failure the kernel reports is a named class that keeps the offending value as a
 * field and chains `cause`, so a caller can branch on `instanceof` and a log line says
 * what was wrong and where without a debugger.
 */

/** An actor name is empty, too long, uses a reserved prefix or a character outside the allowed set. */
export class InvalidActorNameError extends Error {
  constructor(
    readonly actorName: string,
    readonly parentPath: string,
    readonly reason: string,
  ) {
    super(`invalid actor name '${actorName}' under '${parentPath}': ${reason}`);
    this.name = 'InvalidActorNameError';
  }
}

/** A sibling already holds this name (names are unique among the children of one parent). */
export class ActorNameTakenError extends Error {
  constructor(
    readonly actorName: string,
    readonly parentPath: string,
  ) {
    super(`actor name '${actorName}' is already taken under '${parentPath}'`);
    this.name = 'ActorNameTakenError';
  }
}

/** `ask` got no reply in time. Names the target and the message type; the stack is the caller's. */
export class AskTimeoutError extends Error {
  constructor(
    readonly target: string,
    readonly messageType: string,
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(`ask to '${target}' with message '${messageType}' timed out after ${timeoutMs} ms`, options);
    this.name = 'AskTimeoutError';
  }
}

/**
 * Asks made inside actors' handlers wait on each other in a cycle (`cycle[0]` asks
 * `cycle[1]` ... the last asks `cycle[0]`): none of them can answer, so every ask of the cycle
 * fails with this at once instead of waiting for its timeout. See docs/adr/0008.
 */
export class DeadlockError extends Error {
  constructor(
    /** Paths of the actors of the cycle, in wait order (each waits on the next, the last on the first). */
    readonly cycle: readonly string[],
    /** The actor this ask was sent to (one of the cycle). */
    readonly target: string,
    readonly messageType: string,
  ) {
    super(`deadlock: ask to '${target}' with message '${messageType}' is part of a cycle of asks ${[...cycle, cycle[0]].join(' -> ')}`);
    this.name = 'DeadlockError';
  }
}

/** A bounded mailbox refused or dropped the message (reported to an asking sender). */
export class MailboxFullError extends Error {
  constructor(
    readonly target: string,
    readonly capacity: number,
    readonly messageType: string,
  ) {
    super(`mailbox of '${target}' is full (capacity ${capacity}); message '${messageType}' was not delivered`);
    this.name = 'MailboxFullError';
  }
}

/** The recipient of an ask had stopped, or stopped before it handled the message. */
export class ActorTerminatedError extends Error {
  constructor(
    readonly target: string,
    readonly messageType: string,
  ) {
    super(`actor '${target}' is terminated; message '${messageType}' was not handled`);
    this.name = 'ActorTerminatedError';
  }
}

/** The recipient of an ask failed while handling that very message; `cause` is its error. */
export class AskFailedError extends Error {
  constructor(
    readonly target: string,
    readonly messageType: string,
    options?: ErrorOptions,
  ) {
    super(`actor '${target}' failed while handling '${messageType}': ${describeError(options?.cause)}`, options);
    this.name = 'AskFailedError';
  }
}

/** Setup, constructor, `preStart` or `postRestart` threw: the actor could not start. */
export class ActorInitializationError extends Error {
  constructor(
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(`actor '${path}' failed to initialize: ${describeError(options?.cause)}`, options);
    this.name = 'ActorInitializationError';
  }
}

/** No actor type is registered under this name (config files name types). */
export class UnknownActorTypeError extends Error {
  constructor(
    readonly typeName: string,
    readonly known: readonly string[],
  ) {
    super(`unknown actor type '${typeName}' (registered: ${known.length ? known.join(', ') : 'none'})`);
    this.name = 'UnknownActorTypeError';
  }
}

/** The system is terminating or terminated: no new actors, no new asks. */
export class SystemTerminatedError extends Error {
  constructor(readonly systemName: string) {
    super(`actor system '${systemName}' is terminated`);
    this.name = 'SystemTerminatedError';
  }
}

/** Formats any thrown value for a message: errors by their message, anything else as a string. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Best-effort name of a message for error texts and events: `type` field, class name, or typeof. */
export function messageTypeOf(message: unknown): string {
  if (message === null) return 'null';
  if (typeof message === 'object') {
    const tagged = (message as { type?: unknown }).type;
    if (typeof tagged === 'string') return tagged;
    const ctor = (message as object).constructor;
    return ctor && ctor !== Object ? ctor.name : 'object';
  }
  return typeof message;
}

/** A spawn under a parent that is stopping, or in a terminated system. */
export class SpawnRefusedError extends Error {
  constructor(
    readonly parentPath: string,
    readonly actorName: string | undefined,
    readonly reason: string,
  ) {
    super(`cannot spawn '${actorName ?? '(generated name)'}' under '${parentPath}': ${reason}`);
    this.name = 'SpawnRefusedError';
  }
}

/** `stash()` beyond the actor's `stashCapacity`: the actor fails (and is supervised). */
export class StashOverflowError extends Error {
  constructor(
    readonly path: string,
    readonly capacity: number,
  ) {
    super(`stash of '${path}' is full (capacity ${capacity})`);
    this.name = 'StashOverflowError';
  }
}
