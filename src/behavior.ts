import type { ActorContext } from './context.js';
import type { MailboxOptions } from './mailbox.js';
import type { SupervisorStrategy } from './supervision.js';
import type { DeliveryGate } from './delivery-gate.js';

/**
 * The behaviour contract. An actor is either
 *   - a function behaviour: `setup(ctx, props)` runs once per incarnation (at spawn and at
 *     every restart) and returns the message handler, or hooks with a `receive`:
 *       const counter: FunctionBehavior<Msg> = (ctx) => { let n = 0; return (msg) => { n++; } };
 *     A handler may return the next handler (become) or nothing (same);
 *   - a class actor: `class A extends Actor<Msg> { receive(msg) {...} }`, with the optional
 *     hooks `preStart`, `postStop`, `preRestart`, `postRestart` and `this.context`.
 * Either may be async: while the promise a handler or hook returns is pending, the actor
 * handles no other user message (system messages such as stop still get through).
 *
 *   caller            runtime                 actor
 *   spawn ----------> setup / constructor --> preStart
 *   tell/ask -------> mailbox, dispatcher --> receive
 *   failure --------> parent's strategy ----> preRestart, (children stopped), new incarnation, postRestart
 *   stop -----------> children stop first --> postStop
 */

/** What a handler returns: nothing (keep handler), a next handler, or a promise of either. */
export type ReceiveResult<M> = void | Receive<M> | Promise<void | Receive<M>>;

/** A message handler. `ctx` is passed for handlers defined outside their setup. */
export type Receive<M> = (message: M, ctx: ActorContext<M>) => ReceiveResult<M>;

/** Lifecycle hooks a function behaviour may return along with its handler. */
export interface BehaviorHooks<M> {
  receive: Receive<M>;
  /** After the actor and all its children stopped. May be async. */
  postStop?(): void | Promise<void>;
  /** On the failed incarnation, before its children are stopped and a new one made. May be async. */
  preRestart?(error: unknown, message: unknown): void | Promise<void>;
  /** On the new incarnation after a restart. May be async. */
  postRestart?(error: unknown): void | Promise<void>;
}

/** A function behaviour: runs once per incarnation and returns the handler (or hooks). */
export type FunctionBehavior<M, P = undefined> = (ctx: ActorContext<M>, props: P) => Receive<M> | BehaviorHooks<M>;

/** The context of the class actor being constructed (set by the cell around `new`). */
let constructing: ActorContext<any> | null = null;

/** @internal Runs `create` with `context` visible to the Actor base constructor. */
export function withConstructingContext<T>(context: ActorContext<any>, create: () => T): T {
  const outer = constructing;
  constructing = context;
  try {
    return create();
  } finally {
    constructing = outer;
  }
}

/**
 * Base class of class actors. `this.context` is usable from the constructor on.
 * Default hooks follow Akka classic: `preRestart` calls `postStop`, `postRestart` calls
 * `preStart`, so resources opened in `preStart` are released and reopened across a restart.
 */
export abstract class Actor<M = unknown, P = undefined> {
  readonly context: ActorContext<M>;

  constructor(_props?: P) {
    if (constructing === null) {
      throw new TypeError('an Actor is created by the runtime (system.spawn / ctx.spawn), not with new');
    }
    this.context = constructing as ActorContext<M>;
  }

  /** Handles one message. May be async. */
  abstract receive(message: M): void | Promise<void>;

  /** After construction, before the first message. May be async. */
  preStart(): void | Promise<void> {}

  /** After the actor and all its children stopped. May be async. */
  postStop(): void | Promise<void> {}

  /** On the failed instance before it is replaced. Default: `postStop()`. */
  preRestart(_error: unknown, _message: unknown): void | Promise<void> {
    return this.postStop();
  }

  /** On the new instance after a restart. Default: `preStart()`. */
  postRestart(_error: unknown): void | Promise<void> {
    return this.preStart();
  }
}

/** A class actor's constructor. */
export type ActorClass<M, P = undefined> = new (props: P) => Actor<M, P>;

/** Anything that can be spawned: a function behaviour or an Actor class. */
export type ActorDefinition<M, P = undefined> = FunctionBehavior<M, P> | ActorClass<M, P>;

/** True when the definition is an Actor subclass (as opposed to a function behaviour). */
export function isActorClass(definition: unknown): definition is ActorClass<unknown, unknown> {
  return typeof definition === 'function' && definition.prototype instanceof Actor;
}

/** Per-actor options given at spawn. */
export interface SpawnOptions<P = undefined> {
  /** Unique among siblings. Omitted: a generated `$N` name. */
  readonly name?: string;
  /** Passed to the setup function (second argument) or the class constructor. */
  readonly props?: P;
  /** Mailbox capacity and overflow policy. Default: unbounded. */
  readonly mailbox?: MailboxOptions;
  /** How this actor supervises its own children. Default: restart the failed child. */
  readonly supervision?: SupervisorStrategy;
  /** Most messages held by `stash()`; one more fails the actor. Default: unbounded. */
  readonly stashCapacity?: number;
  /**
   * Milliseconds to wait for this actor's `postStop` (and so for its stop) before giving up
   * on it: the stop completes anyway and a `stop-abandoned` event says so. Default: wait.
   */
  readonly shutdownMs?: number;
  /**
   * Guards this actor and its descendants (unless they name their own): see DeliveryGate.
   * `null` opts out of an inherited gate.
   */
  readonly gate?: DeliveryGate | null;
  /** Free-form labels for layers above the kernel (actor type in config, restart type ...). */
  readonly tags?: Readonly<Record<string, unknown>>;
}

/**
 * A small vocabulary of behaviour factories, in the manner of Akka's `Behaviors`.
 */
export const Behaviors = {
  /** A handler with no per-incarnation state: `Behaviors.receive((msg, ctx) => ...)`. */
  receive<M>(receive: Receive<M>): FunctionBehavior<M, any> {
    return () => receive;
  },
  /** Runs `setup` once per incarnation; it returns the handler (or hooks). The identity, for inference. */
  setup<M, P = undefined>(setup: FunctionBehavior<M, P>): FunctionBehavior<M, P> {
    return setup;
  },
  /** A handler that drops every message without a dead letter (a sink). */
  ignore<M>(): FunctionBehavior<M, any> {
    return () => () => undefined;
  },
} as const;
