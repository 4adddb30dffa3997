/**
 * ActorRef: the only way to reach an actor. A ref is an address (path + system + node)
 * with `tell` and `ask`; it serializes to plain data (`toJSON`) so it can cross a network
 * and be resolved again on the other side (`system.resolve`). Refs to local actors, to
 * pending asks and to dead letters all share this interface, and so will remote refs.
 */

/** The plain-data form of a ref. */
export interface ActorRefData {
  readonly path: string;
  readonly system: string;
  readonly node: string;
}

/** Options of `ask`. */
export interface AskOptions {
  /** Milliseconds to wait for the reply before rejecting with AskTimeoutError. Default: the system's `askTimeoutMs`. */
  readonly timeoutMs?: number;
}

export interface ActorRef<M = unknown> {
  /** Path inside the system, such as `/user/orchestrator/sector-3`. */
  readonly path: string;
  /** Name of the actor system the actor lives in. */
  readonly systemName: string;
  /** Node (process) that hosts the actor. */
  readonly node: string;
  /** Sends a message without waiting. Never throws: an undeliverable message becomes a dead letter. */
  tell(message: M): void;
  /**
   * Sends the message that `build` makes around a temporary reply ref, and resolves with
   * the first message sent to that ref. Rejects with AskTimeoutError (naming the target and
   * the message type) after `timeoutMs`, and at once with MailboxFullError,
   * ActorTerminatedError or AskFailedError when the message cannot be or was not handled.
   */
  ask<R>(build: (replyTo: ActorRef<R>) => M, options?: AskOptions): Promise<R>;
  /** `am://system@node/path`. */
  toString(): string;
  /** Plain data: path, system, node. */
  toJSON(): ActorRefData;
}

/** The URI form of a ref: `am://system@node/path`. */
export function formatRef(ref: ActorRefData): string {
  return `am://${ref.system}@${ref.node}${ref.path}`;
}

/** Parses `am://system@node/path` back into plain data; throws TypeError naming the input. */
export function parseRef(uri: string): ActorRefData {
  const match = /^am:\/\/([^@/]+)@([^/]+)(\/.*)$/.exec(uri);
  if (!match) throw new TypeError(`not an actor ref URI: '${uri}' (expected am://system@node/path)`);
  return { system: match[1]!, node: match[2]!, path: match[3]! };
}

/** What a foreign ref tells when the actor behind it is gone (an actor cell watching it). */
export interface ForeignDeathTarget {
  /** The actor behind `ref` stopped, or its node was declared dead. */
  foreignDeath(ref: ActorRef<unknown>): void;
}

/**
 * A ref the local kernel does not host: an actor on another node (src/transport). `watch`
 * on such a ref asks the ref to report the actor's death, since no local cell can.
 */
export interface ForeignRef<M = unknown> extends ActorRef<M> {
  readonly foreign: true;
  /** Report the actor's death (or its node's) to `target`, once. */
  watchFor(target: ForeignDeathTarget): void;
  /** Stop reporting to `target`. */
  unwatchFor(target: ForeignDeathTarget): void;
}

/** True for refs to actors on other nodes. */
export function isForeignRef(ref: ActorRef<any> | undefined): ref is ForeignRef<any> {
  return (ref as { foreign?: unknown } | undefined)?.foreign === true;
}
