import type { Logger } from 'pino';
import type { ActorRef } from './actor-ref.js';
import type { ActorDefinition, SpawnOptions } from './behavior.js';
import type { Receive } from './behavior.js';
import type { Timers } from './timers.js';
import type { ActorSystem } from './system.js';

/**
 * ActorContext: what an actor sees of the runtime while it handles a message.
 * Valid only inside the actor (its handlers, hooks and setup); never hand it to others,
 * hand out `self` instead.
 */
export interface ActorContext<M = unknown> {
  /** This actor's own ref. */
  readonly self: ActorRef<M>;
  /** The supervisor. The root guardian is its own parent. */
  readonly parent: ActorRef<unknown>;
  /** This actor's name (last path segment). */
  readonly name: string;
  /** This actor's full path. */
  readonly path: string;
  /** The system the actor lives in. */
  readonly system: ActorSystem;
  /** A pino child logger bound to the actor path (made on first use). */
  readonly log: Logger;
  /** Live children, in spawn order. */
  readonly children: ReadonlyArray<ActorRef<unknown>>;
  /** Keyed timers that send messages to this actor; all cancelled on stop and restart. */
  readonly timers: Timers<M>;
  /** Number of messages stashed now. */
  readonly stashSize: number;
  /** How many times this actor has been restarted since it was spawned. */
  readonly restartCount: number;
  /**
   * Aborted when this incarnation ends (stop or restart). Hand it to fetch, model calls and
   * timers started by an async handler, so their work stops with the actor.
   */
  readonly signal: AbortSignal;
  /** The child with this name, if alive. */
  child<C = unknown>(name: string): ActorRef<C> | undefined;
  /**
   * Passes the message being handled on to `ref` as it is: if it came from an `ask`, the
   * asker still hears at once when `ref` drops it or fails on it.
   */
  forward(ref: ActorRef<any>): void;
  /**
   * Spawns a child. The definition is a function behaviour, an Actor class, or the name of
   * a registered type. Throws InvalidActorNameError / ActorNameTakenError for a bad name.
   */
  spawn<C, P = undefined>(definition: ActorDefinition<C, P> | string, options?: SpawnOptions<P>): ActorRef<C>;
  /** Stops an actor (a child, or this actor itself when called without a ref). Children stop first. */
  stop(ref?: ActorRef<any>): void;
  /** Sends `Terminated` to this actor when `ref` stops (at once if it already has). Idempotent. */
  watch(ref: ActorRef<any>): void;
  /** Stops watching; no `Terminated` for `ref` arrives after this call. */
  unwatch(ref: ActorRef<any>): void;
  /** Replaces the message handler (function behaviours may also return the next handler). */
  become(receive: Receive<M>): void;
  /** Keeps the current message aside; `unstashAll` puts stashed messages back at the head of the mailbox, in order. */
  stash(): void;
  /** Puts every stashed message back in front of the mailbox, oldest first. */
  unstashAll(): void;
}
