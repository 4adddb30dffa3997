import type { Logger } from 'pino';
import type { ActorRef } from '../actor-ref.js';
import type { ActorDefinition, SpawnOptions } from '../behavior.js';
import type { ActorContext } from '../context.js';
import type { ActorSystem } from '../system.js';
import type { Timers } from '../timers.js';

/**
 * What a persistent actor's command handler sees: the actor context plus its state and the
 * journal operations. Valid only inside the actor, like ActorContext.
 */
export interface PersistentContext<C, E, S> extends ActorContext<C> {
  /** The persistence id this incarnation claimed. */
  readonly persistenceId: string;
  /** The state: the initial state (or the snapshot) folded with every persisted event through onEvent. */
  readonly state: S;
  /** The sequence number of the last event the journal holds for this actor (0: none). */
  readonly lastSequenceNr: number;
  /**
   * Appends one event. Resolves once the journal holds it, `state` and `lastSequenceNr`
   * already updated. Until then (and until the handler's own promise settles) the actor
   * handles no other command. A journal failure rejects with PersistFailedError and fails the
   * actor, even if the handler catches it.
   */
  persist(event: E): Promise<void>;
  /** Appends several events atomically (one journal append), as `persist`. */
  persistAll(events: readonly E[]): Promise<void>;
  /** Saves a snapshot of the current state (after the persists already asked for). */
  saveSnapshot(): Promise<void>;
  /** Deletes the journaled events up to `sequenceNr` (1 <= sequenceNr <= lastSequenceNr); recovery then starts from a snapshot at or after it. */
  deleteTo(sequenceNr: number): Promise<void>;
  /** Replaces the command handler for this incarnation (a restart goes back to onCommand). */
  become(receive: PersistentReceive<C, E, S>): void;
}

/** A persistent actor's command handler (onCommand, or one given to ctx.become). */
export type PersistentReceive<C, E, S> = (command: C, ctx: PersistentContext<C, E, S>) => void | Promise<void>;

/** The journal side a PersistentContext forwards to (the actor's event-sourcing core). */
export interface PersistentOperations<C, E, S> {
  readonly persistenceId: string;
  readonly state: S;
  readonly lastSequenceNr: number;
  persistAll(events: readonly E[]): Promise<void>;
  saveSnapshot(): Promise<void>;
  deleteTo(sequenceNr: number): Promise<void>;
  /** Replaces the command handler (ctx.become inside a persistent actor). */
  become(receive: PersistentReceive<C, E, S>): void;
}

/**
 * A PersistentContext made of the actor's context and its core. The kernel's context is the
 * cell itself, so it is delegated to member by member rather than used as a prototype
 * (getters such as `self` must see the cell as `this`).
 */
export class DelegatingPersistentContext<C, E, S> implements PersistentContext<C, E, S> {
  constructor(
    private readonly ctx: ActorContext<C>,
    private readonly core: PersistentOperations<C, E, S>,
  ) {}

  get persistenceId(): string {
    return this.core.persistenceId;
  }
  get state(): S {
    return this.core.state;
  }
  get lastSequenceNr(): number {
    return this.core.lastSequenceNr;
  }
  persist(event: E): Promise<void> {
    return this.core.persistAll([event]);
  }
  persistAll(events: readonly E[]): Promise<void> {
    return this.core.persistAll(events);
  }
  saveSnapshot(): Promise<void> {
    return this.core.saveSnapshot();
  }
  deleteTo(sequenceNr: number): Promise<void> {
    return this.core.deleteTo(sequenceNr);
  }
  /** Replaces the command handler; it gets this persistent context as its second argument. */
  become(receive: PersistentReceive<C, E, S>): void {
    this.core.become(receive);
  }

  get self(): ActorRef<C> {
    return this.ctx.self;
  }
  get parent(): ActorRef<unknown> {
    return this.ctx.parent;
  }
  get name(): string {
    return this.ctx.name;
  }
  get path(): string {
    return this.ctx.path;
  }
  get system(): ActorSystem {
    return this.ctx.system;
  }
  get log(): Logger {
    return this.ctx.log;
  }
  get children(): ReadonlyArray<ActorRef<unknown>> {
    return this.ctx.children;
  }
  get timers(): Timers<C> {
    return this.ctx.timers;
  }
  get stashSize(): number {
    return this.ctx.stashSize;
  }
  get restartCount(): number {
    return this.ctx.restartCount;
  }
  get signal(): AbortSignal {
    return this.ctx.signal;
  }
  child<X = unknown>(name: string): ActorRef<X> | undefined {
    return this.ctx.child<X>(name);
  }
  forward(ref: ActorRef<any>): void {
    this.ctx.forward(ref);
  }
  spawn<X, P = undefined>(definition: ActorDefinition<X, P> | string, options?: SpawnOptions<P>): ActorRef<X> {
    return this.ctx.spawn<X, P>(definition, options);
  }
  stop(ref?: ActorRef<any>): void {
    this.ctx.stop(ref);
  }
  watch(ref: ActorRef<any>): void {
    this.ctx.watch(ref);
  }
  unwatch(ref: ActorRef<any>): void {
    this.ctx.unwatch(ref);
  }
  stash(): void {
    this.ctx.stash();
  }
  unstashAll(): void {
    this.ctx.unstashAll();
  }
}
