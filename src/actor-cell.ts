import type { Logger } from 'pino';
import type { ActorRef, ActorRefData, AskOptions, ForeignDeathTarget, ForeignRef } from './actor-ref.js';
import { formatRef, isForeignRef } from './actor-ref.js';
import { ask } from './ask.js';
import type { AskHost, PromiseRef } from './ask.js';
import type { WaitForGraph } from './wait-for-graph.js';
import type { ActorContext } from './context.js';
import type { Dispatcher, Runnable } from './dispatcher.js';
import type { DeadLetterReason } from './events.js';
import type { DeliveryGate, GateRefusal } from './delivery-gate.js';
import type { EventStream } from './event-stream.js';
import type { ActorSystem } from './system.js';
import { Actor, isActorClass, withConstructingContext } from './behavior.js';
import type { ActorDefinition, BehaviorHooks, Receive, SpawnOptions } from './behavior.js';
import { Terminated } from './death-watch.js';
import { AskEnvelope, Envelope, TimerEnvelope, unwrap } from './envelope.js';
import {
  ActorInitializationError,
  ActorNameTakenError,
  ActorTerminatedError,
  AskFailedError,
  MailboxFullError,
  SpawnRefusedError,
  StashOverflowError,
  messageTypeOf,
} from './errors.js';
import { Mailbox } from './mailbox.js';
import type { OverflowPolicy } from './mailbox.js';
import { childPath, generatedName, isValidActorName, validateActorName } from './names.js';
import type { SupervisionControl, SupervisorStrategy } from './supervision.js';
import { TimerScheduler } from './timers.js';
import type { Timers } from './timers.js';

/**
 * ActorCell: one actor's runtime state, and the context its behaviour sees.
 *
 * Life cycle (status):
 *   RUNNING ---- handler throws ------> SUSPENDED (mailbox keeps filling; parent decides)
 *   SUSPENDED -- resume --------------> RUNNING   (failed message already a dead letter)
 *   any -------- restart -------------> RESTARTING: preRestart, children stopped, new
 *                                        incarnation, postRestart -> RUNNING (mailbox kept)
 *   any -------- stop ----------------> STOPPING: children stopped, postStop -> STOPPED
 *   STOPPED: queued messages -> dead letters, watchers told, parent told.
 * An `incarnation` counter invalidates the continuations of a replaced incarnation (a
 * promise that settles after a restart or stop is ignored).
 *
 * Hot path: `deliver` (push + schedule) and `run`/`invoke` (take, call, apply result).
 * Everything rare (watchers, timers, stash, logger, name counter) lives in `extra`,
 * allocated on first use, so an idle actor stays small.
 */

const RUNNING = 0;
const SUSPENDED = 1;
const RESTARTING = 2;
const STOPPING = 3;
const STOPPED = 4;

const enum Sys {
  Stop,
  Restart,
  Resume,
  Watch,
  Unwatch,
  DeathNotice,
  ChildFailed,
  ChildTerminated,
  /** A foreign (remote) actor this cell watches is gone; `message` is its ref. */
  ForeignDeath,
}

/** A system message: always handled before any user message. */
class SystemMessage {
  constructor(
    readonly kind: Sys,
    readonly cell: ActorCell<any> | null,
    readonly error: unknown = undefined,
    readonly message: unknown = undefined,
  ) {}
}

/** The one stop message: it carries nothing, so every stop shares it. */
const STOP = new SystemMessage(Sys.Stop, null);

/** What a cell needs of its system. */
export interface CellHost extends AskHost {
  readonly dispatcher: Dispatcher;
  readonly eventStream: EventStream;
  readonly log: Logger;
  readonly system: ActorSystem;
  actorCount: number;
  /** `recipient.path` is read only if someone listens: building a path costs a string per level. */
  deadLetter(recipient: { readonly path: string }, message: unknown, reason: DeadLetterReason, error: unknown, wasAsk: boolean): void;
  resolveType(typeName: string): { definition: ActorDefinition<any, any>; options: SpawnOptions<any> | undefined };
  /** A failure escalated past the root guardian: the system terminates. */
  rootFailed(error: unknown, path: string): void;
  /** The strategy of an actor spawned without `supervision`. */
  defaultSupervision(cell: ActorCell<any>): SupervisorStrategy;
  /**
   * `cell` now waits (its handler or hook returned a promise) on asks it made: fail the asks
   * of a wait-for cycle through it, if there is one. Only called with detection on.
   */
  detectDeadlock(cell: ActorCell<any>): void;
}

/** Who hears of a cell's death: another cell, or a stand-in for a watcher on another node. */
interface Watcher {
  sendSystem(message: SystemMessage): void;
}

/** A watcher that is not a local cell (a remote node's): gets the death as a callback. */
class CallbackWatcher implements Watcher {
  constructor(private readonly onDeath: (target: ActorRef<unknown>) => void) {}
  sendSystem(message: SystemMessage): void {
    if (message.kind === Sys.DeathNotice) this.onDeath(message.cell!.self);
  }
}

/**
 * Watches a local actor on behalf of something that is not a cell (the remoting layer, for
 * a watcher on another node): `onDeath` is called once when it stops (at once, on a later
 * turn, if it already has). Returns the unwatch, or null when `target` is not a local actor.
 */
export function watchLocal(target: ActorRef<any>, onDeath: (target: ActorRef<unknown>) => void): (() => void) | null {
  const cell = cellOf(target);
  if (cell === null) return null;
  const watcher = new CallbackWatcher(onDeath);
  cell.sendSystem(new SystemMessage(Sys.Watch, watcher as unknown as ActorCell<any>));
  return () => cell.sendSystem(new SystemMessage(Sys.Unwatch, watcher as unknown as ActorCell<any>));
}

/** The rarely used parts of a cell. */
class CellExtras {
  watchers: Set<Watcher> | null = null;
  watching: Set<ActorCell<any>> | null = null;
  /** Foreign (remote) actors this cell watches, by URI. */
  watchingForeign: Map<string, ForeignRef<any>> | null = null;
  timers: TimerScheduler<any> | null = null;
  stash: unknown[] | null = null;
  logger: Logger | null = null;
  onTerminated: Array<() => void> | null = null;
  nameCounter = 0;
  restartCount = 0;
  /** Bumped when an incarnation ends: continuations of an older one are ignored. */
  incarnation = 0;
  /** Live children by name (insertion order is spawn order). */
  children: Map<string, ActorCell<any>> | null = null;
  /** Made on first use of ctx.signal; aborted and dropped when the incarnation ends. */
  abort: AbortController | null = null;
  /** Set while a restart waits for the old incarnation's children to stop. */
  restartWaiting = false;
  restartError: unknown = undefined;
  /** The supervision control handed to this actor's strategy (made on the first child failure). */
  control: SupervisionControl | null = null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown>)?.then === 'function';
}

export class ActorCell<M> extends Mailbox<SystemMessage> implements ActorContext<M>, ActorRef<M>, Runnable, ForeignDeathTarget {
  scheduled = false;
  private status = RUNNING;
  /** A handler's or hook's promise is pending: no user message until it settles. */
  private awaiting = false;
  private handler: Receive<M> = ignoreUntilStarted;
  /** The class instance or the hooks object (also `this` for the handler); null for a bare handler. */
  private hooks: BehaviorHooks<M> | Actor<M, any> | null = null;
  /** The raw message being handled (or that failed, until resume/restart). */
  private current: unknown = undefined;
  private extra: CellExtras | null = null;
  private pathCache: string | null = null;
  /** The gate guarding this actor: its own, or inherited from the parent. */
  private readonly gate: DeliveryGate | null;

  constructor(
    readonly host: CellHost,
    private readonly parentCell: ActorCell<any> | null,
    readonly name: string,
    private readonly definition: ActorDefinition<M, any>,
    private readonly options: SpawnOptions<any> | undefined,
  ) {
    super(options?.mailbox, 'spawn options');
    const gate = options?.gate;
    this.gate = gate !== undefined ? gate : parentCell === null ? null : parentCell.gate;
  }

  /** Which incarnation is current (kept in extras: an actor that never restarts or awaits needs no field). */
  private get incarnation(): number {
    return this.extra?.incarnation ?? 0;
  }

  private get childCells(): Map<string, ActorCell<any>> | null {
    return this.extra?.children ?? null;
  }

  get overflow(): OverflowPolicy {
    return this.options?.mailbox?.overflow ?? 'drop-newest';
  }

  // ---------------------------------------------------------------- ActorRef
  // The cell is its own local ref: one object less per actor (32 bytes and one allocation
  // per spawn, measured with the spawn benchmark). Users only ever see it typed as
  // ActorRef, whose data form (toJSON) is the plain address. See docs/adr/0002.

  /** This actor's ref (the cell itself, typed as a ref). */
  get self(): ActorRef<M> {
    return this;
  }

  get systemName(): string {
    return this.host.name;
  }

  get node(): string {
    return this.host.node;
  }

  tell(message: M): void {
    this.deliver(message);
  }

  ask<R>(build: (replyTo: ActorRef<R>) => M, options?: AskOptions): Promise<R> {
    return ask(this.host, this, (envelope) => this.deliver(envelope), build, options);
  }

  override toString(): string {
    return formatRef(this.toJSON());
  }

  toJSON(): ActorRefData {
    return { path: this.path, system: this.host.name, node: this.host.node };
  }

  /**
   * Full path, made from the parent's on first use and kept: not made at spawn (most
   * actors of a million-actor spawn never need theirs), but a mesh actor that reports its
   * path on every message must not rebuild it each time (mesh benchmark profile).
   */
  get path(): string {
    let path = this.pathCache;
    if (path === null) {
      const parent = this.parentCell;
      path = this.pathCache = parent === null ? '/' : childPath(parent.path, this.name);
    }
    return path;
  }

  /** @internal The mailbox (the cell itself; see Mailbox). */
  get mailbox(): Mailbox<SystemMessage> {
    return this;
  }

  // ---------------------------------------------------------------- context API

  get parent(): ActorRef<unknown> {
    return (this.parentCell ?? this).self;
  }

  get system(): ActorSystem {
    return this.host.system;
  }

  get log(): Logger {
    const extra = this.extras();
    return (extra.logger ??= this.host.log.child({ actor: this.path }));
  }

  get children(): ReadonlyArray<ActorRef<unknown>> {
    const cells = this.childCells;
    if (cells === null) return [];
    const refs: ActorRef<unknown>[] = [];
    for (const cell of cells.values()) refs.push(cell.self);
    return refs;
  }

  get timers(): Timers<M> {
    const extra = this.extras();
    return (extra.timers ??= new TimerScheduler<M>((envelope) => this.deliver(envelope as M), this.path));
  }

  get stashSize(): number {
    return this.extra?.stash?.length ?? 0;
  }

  /** Restarts since spawn. */
  get restartCount(): number {
    return this.extra?.restartCount ?? 0;
  }

  /** The actor's type: its definition's name ('agent', 'cluster-lead' ...; 'anonymous' for an unnamed function). */
  get typeName(): string {
    return definitionName(this.definition);
  }

  /** True once the actor has fully stopped. */
  get isTerminated(): boolean {
    return this.status === STOPPED;
  }

  get signal(): AbortSignal {
    const extra = this.extras();
    return (extra.abort ??= new AbortController()).signal;
  }

  child<C = unknown>(name: string): ActorRef<C> | undefined {
    return this.childCells?.get(name) as ActorRef<C> | undefined;
  }

  forward(ref: ActorRef<any>): void {
    if (this.current === undefined) throw new TypeError(`'${this.path}' forward() is only allowed while handling a message`);
    const target = cellOf(ref);
    if (target !== null) target.deliver(this.current);
    else ref.tell(unwrap(this.current)); // another kind of ref takes the plain message
  }

  /** @internal The live child cell with this name. */
  childCell(name: string): ActorCell<unknown> | undefined {
    return this.childCells?.get(name);
  }

  /** @internal Number of live child cells. */
  get childCellCount(): number {
    return this.childCells?.size ?? 0;
  }

  /** @internal Live child cells. */
  childCellList(): ActorCell<unknown>[] {
    return this.childCells === null ? [] : [...this.childCells.values()];
  }

  spawn<C, P = undefined>(definition: ActorDefinition<C, P> | string, options?: SpawnOptions<P>): ActorRef<C> {
    if (this.status >= STOPPING || this.host.terminated) {
      throw new SpawnRefusedError(this.path, options?.name, this.host.terminated ? 'the system is terminated' : 'the parent is stopping');
    }
    let resolved = definition as ActorDefinition<C, P>;
    let spawnOptions = options;
    if (typeof definition === 'string') {
      const registered = this.host.resolveType(definition);
      resolved = registered.definition as ActorDefinition<C, P>;
      spawnOptions = registered.options ? { ...registered.options, ...options } : options;
    } else if (typeof definition !== 'function') {
      throw new TypeError(`spawn under '${this.path}': definition must be a function behaviour, an Actor class or a registered type name (got ${typeof definition})`);
    }
    let name = spawnOptions?.name;
    const extra = this.extras();
    const cells = (extra.children ??= new Map());
    if (name === undefined) {
      do name = generatedName(extra.nameCounter++);
      while (cells.has(name));
    } else {
      if (!isValidActorName(name)) validateActorName(name, this.path); // the path only for the error
      if (cells.has(name)) throw new ActorNameTakenError(name, this.path);
    }
    const shutdownMs = spawnOptions?.shutdownMs;
    if (shutdownMs !== undefined && !(Number.isFinite(shutdownMs) && shutdownMs >= 0)) {
      throw new RangeError(`spawn '${childPath(this.path, name)}' options.shutdownMs must be a finite number >= 0 (got ${String(shutdownMs)})`);
    }
    if (spawnOptions?.stashCapacity !== undefined && !(Number.isInteger(spawnOptions.stashCapacity) && spawnOptions.stashCapacity >= 0)) {
      throw new RangeError(`spawn '${childPath(this.path, name)}' options.stashCapacity must be an integer >= 0 (got ${String(spawnOptions.stashCapacity)})`);
    }
    const cell = new ActorCell<C>(this.host, this, name, resolved, spawnOptions);
    cells.set(name, cell);
    this.host.actorCount++;
    cell.start();
    return cell.self;
  }

  stop(ref?: ActorRef<any>): void {
    const cell = ref === undefined ? this : cellOf(ref);
    if (cell === null) throw new TypeError(`'${this.path}' can only stop local actors (got '${String(ref)}')`);
    cell.sendSystem(STOP);
  }

  watch(ref: ActorRef<any>): void {
    const target = cellOf(ref);
    if (target === null && isForeignRef(ref)) {
      const foreign = (this.extras().watchingForeign ??= new Map());
      const key = ref.toString();
      if (foreign.has(key)) return;
      foreign.set(key, ref);
      ref.watchFor(this);
      return;
    }
    if (target === null) throw new TypeError(`'${this.path}' can only watch actors of this system or of its cluster (got '${String(ref)}')`);
    if (target === this) return;
    const watching = (this.extras().watching ??= new Set());
    if (watching.has(target)) return;
    watching.add(target);
    target.sendSystem(new SystemMessage(Sys.Watch, this));
  }

  /** @internal A foreign actor this cell watches is gone (called by its ref, from the remoting layer). */
  foreignDeath(ref: ActorRef<unknown>): void {
    this.sendSystem(new SystemMessage(Sys.ForeignDeath, null, undefined, ref));
  }

  unwatch(ref: ActorRef<any>): void {
    if (isForeignRef(ref)) {
      const foreign = this.extra?.watchingForeign;
      const known = foreign?.get(ref.toString());
      if (known !== undefined) {
        foreign!.delete(ref.toString());
        known.unwatchFor(this);
      }
      return;
    }
    const target = cellOf(ref);
    if (target === null || !this.extra?.watching?.delete(target)) return;
    target.sendSystem(new SystemMessage(Sys.Unwatch, this));
  }

  become(receive: Receive<M>): void {
    if (typeof receive !== 'function') throw new TypeError(`'${this.path}' become() needs a handler function (got ${typeof receive})`);
    this.handler = receive;
  }

  stash(): void {
    if (this.current === undefined) throw new TypeError(`'${this.path}' stash() is only allowed while handling a message`);
    const extra = this.extras();
    const stash = (extra.stash ??= []);
    const capacity = this.options?.stashCapacity ?? Infinity;
    if (stash.length >= capacity) throw new StashOverflowError(this.path, capacity);
    stash.push(this.current);
  }

  unstashAll(): void {
    const stash = this.extra?.stash;
    if (!stash || stash.length === 0) return;
    this.extra!.stash = null;
    for (let i = stash.length - 1; i >= 0; i--) this.unshift(stash[i]);
    this.scheduleIfRunnable();
  }

  // ---------------------------------------------------------------- delivery (hot path)

  /** Puts a user message (or envelope) into the mailbox. Never throws. */
  deliver(message: unknown): void {
    if (this.status === STOPPED) {
      this.dropMessage(message, 'recipient-stopped', undefined, true);
      return;
    }
    if (this.gate !== null) {
      const refusal = this.gate.refuse(this.path, unwrap(message));
      if (refusal !== null) {
        this.refuse(message, refusal);
        return;
      }
    }
    const mailbox: Mailbox<SystemMessage> = this;
    if (mailbox.size >= mailbox.capacity) {
      this.handleOverflow(message);
      return;
    }
    mailbox.push(message);
    if (!this.scheduled && this.status === RUNNING && !this.awaiting) this.host.dispatcher.schedule(this);
  }

  /**
   * Called by the dispatcher: system messages first, then up to `budget` user messages.
   *
   * With deadlock detection on (`waitFor` not null), asks made while this actor's code runs
   * are its own: the graph's `current` is set once per turn, not per message, and after each
   * handler that asked, `asked` decides whether they block it. Per turn that is two field
   * writes and per message one counter compare (no try/finally: an exception escaping a
   * turn is a kernel bug that ends the drain anyway).
   */
  run(budget: number): boolean {
    const mailbox: Mailbox<SystemMessage> = this;
    const waitFor = this.host.waitFor;
    let mark = 0;
    if (waitFor !== null) {
      waitFor.current = this;
      mark = waitFor.added;
    }
    if (mailbox.systemLane !== null) mark = this.systemTurn(waitFor, mark);
    while (this.status === RUNNING && !this.awaiting && mailbox.size > 0) {
      this.invoke(mailbox.shift());
      if (waitFor !== null && waitFor.added !== mark) {
        this.asked(waitFor);
        mark = waitFor.added;
      }
      if (mailbox.systemLane !== null) mark = this.systemTurn(waitFor, mark);
      if (--budget === 0) break;
    }
    if (waitFor !== null) waitFor.current = null; // the dispatcher never runs turns inside turns
    return mailbox.systemLane !== null || (this.status === RUNNING && !this.awaiting && mailbox.size > 0);
  }

  /** System messages of a turn; asks their hooks made (preRestart, postStop ...) are settled as a handler's. */
  private systemTurn(waitFor: WaitForGraph<object, PromiseRef<unknown>> | null, mark: number): number {
    this.processSystemMessages();
    if (waitFor === null || waitFor.added === mark) return mark;
    this.asked(waitFor);
    return waitFor.added;
  }

  private invoke(raw: unknown): void {
    let message = raw;
    if (raw instanceof Envelope) {
      if (raw instanceof TimerEnvelope && !this.extra?.timers?.accept(raw)) return; // cancelled or replaced timer
      message = raw.message;
    }
    this.current = raw;
    this.host.dispatcher.handled++;
    try {
      const result = this.handler.call(this.hooks, message as M, this);
      if (result === undefined) {
        this.current = undefined;
        if (this.gate !== null && this.gate.probing) this.gate.handled(this.path);
      } else this.applyResult(result, raw);
    } catch (error) {
      this.fail(error, raw);
    }
  }

  /** This actor's code made asks: they are waits only while it is awaiting. */
  private asked(waitFor: WaitForGraph<object, PromiseRef<unknown>>): void {
    if (this.awaiting) this.host.detectDeadlock(this);
    else waitFor.release(this);
  }

  /** The actor stopped awaiting: asks still pending no longer block it. */
  private stopWaiting(): void {
    const waitFor = this.host.waitFor;
    if (waitFor !== null) waitFor.release(this);
  }

  private applyResult(result: unknown, raw: unknown): void {
    if (typeof result === 'function') {
      this.handler = result as Receive<M>;
      this.current = undefined;
      if (this.gate !== null && this.gate.probing) this.gate.handled(this.path);
    } else if (isThenable(result)) {
      this.awaiting = true;
      const incarnation = this.incarnation;
      result.then(
        (next) => this.handlerSettled(incarnation, next),
        (error) => this.handlerRejected(incarnation, error, raw),
      );
    } else {
      this.current = undefined;
    }
  }

  private handlerSettled(incarnation: number, next: unknown): void {
    if (incarnation !== this.incarnation) return; // stopped or restarted meanwhile
    if (this.current !== undefined && this.gate !== null && this.gate.probing) this.gate.handled(this.path);
    this.awaiting = false;
    this.stopWaiting();
    this.current = undefined;
    if (typeof next === 'function') this.handler = next as Receive<M>;
    this.scheduleIfRunnable();
  }

  private handlerRejected(incarnation: number, error: unknown, raw: unknown): void {
    if (incarnation !== this.incarnation) {
      this.host.log.debug({ actor: this.path, err: error }, 'a replaced incarnation rejected after restart or stop');
      return;
    }
    this.awaiting = false;
    this.stopWaiting();
    this.fail(error, raw);
  }

  private scheduleIfRunnable(): void {
    if (this.scheduled) return;
    if (this.systemLane !== null || (this.status === RUNNING && !this.awaiting && this.size > 0)) {
      this.host.dispatcher.schedule(this);
    }
  }

  // ---------------------------------------------------------------- dead letters

  /**
   * A message that will never be handled. Becomes a dead letter event; an ask is rejected
   * at once when `rejectAsk` (the sender would otherwise wait for its timeout).
   */
  private dropMessage(raw: unknown, reason: DeadLetterReason, error: unknown, rejectAsk: boolean): void {
    let message = raw;
    let wasAsk = false;
    if (raw instanceof Envelope) {
      message = raw.message;
      if (raw instanceof AskEnvelope) {
        wasAsk = true;
        if (rejectAsk) raw.reply.fail(this.askError(reason, message, error));
      }
    }
    this.host.deadLetter(this, message, reason, error, wasAsk);
  }

  /** A message a delivery gate refused: a dead letter with the gate's reason; an ask fails with its error. */
  private refuse(raw: unknown, refusal: GateRefusal): void {
    let message = raw;
    let error: Error | undefined;
    if (raw instanceof Envelope) {
      message = raw.message;
      if (raw instanceof AskEnvelope) raw.reply.fail((error = refusal.error(this.path)));
    }
    if (error === undefined && this.host.eventStream.active) error = refusal.error(this.path);
    this.host.deadLetter(this, message, refusal.reason, error, raw instanceof AskEnvelope);
  }

  private askError(reason: DeadLetterReason, message: unknown, error: unknown): Error {
    const type = messageTypeOf(message);
    if (reason === 'mailbox-full') return new MailboxFullError(this.path, this.capacity, type);
    if (reason === 'actor-failed') return new AskFailedError(this.path, type, { cause: error });
    return new ActorTerminatedError(this.path, type);
  }

  private handleOverflow(message: unknown): void {
    const mailbox: Mailbox<SystemMessage> = this;
    const events = this.host.eventStream;
    if (events.active) {
      events.publish({
        type: 'mailbox-overflow',
        timestamp: Date.now(),
        path: this.path,
        policy: mailbox.overflow,
        capacity: mailbox.capacity,
        messageType: messageTypeOf(unwrap(message)),
      });
    }
    if (mailbox.overflow === 'drop-oldest') {
      const oldest = mailbox.shift();
      mailbox.push(message);
      this.dropMessage(oldest, 'mailbox-full', undefined, false);
    } else {
      this.dropMessage(message, 'mailbox-full', undefined, mailbox.overflow === 'reject');
    }
  }

  // ---------------------------------------------------------------- life cycle

  /** @internal Makes the first incarnation and runs preStart. Failures go to the parent. */
  start(): void {
    const events = this.host.eventStream;
    if (events.active) {
      events.publish({ type: 'actor-started', timestamp: Date.now(), path: this.path, actorType: definitionName(this.definition) });
    }
    this.initialize(false, undefined);
  }

  /**
   * Makes a new incarnation, then runs its first hook (preStart, or postRestart after a
   * restart), sync or async. Any failure fails the actor with ActorInitializationError.
   */
  private initialize(restarted: boolean, restartError: unknown): void {
    const waitFor = this.host.waitFor;
    if (waitFor === null) {
      this.initializeIncarnation(restarted, restartError);
      return;
    }
    // Asks made by setup and hooks are this actor's, not those of the parent spawning it.
    const outer = waitFor.current;
    const mark = waitFor.added;
    waitFor.current = this;
    try {
      this.initializeIncarnation(restarted, restartError);
    } finally {
      waitFor.current = outer;
    }
    if (waitFor.added !== mark) this.asked(waitFor);
  }

  private initializeIncarnation(restarted: boolean, restartError: unknown): void {
    let result: unknown;
    try {
      this.createIncarnation();
      const hooks = this.hooks;
      if (restarted) result = hooks === null ? undefined : hooks.postRestart?.(restartError);
      else if (hooks instanceof Actor) result = hooks.preStart();
    } catch (error) {
      this.fail(new ActorInitializationError(this.path, { cause: error }), undefined);
      return;
    }
    if (isThenable(result)) {
      this.awaiting = true;
      const incarnation = this.incarnation;
      result.then(
        () => this.handlerSettled(incarnation, undefined),
        (error) => {
          if (incarnation !== this.incarnation) return;
          this.awaiting = false;
          this.stopWaiting();
          this.fail(new ActorInitializationError(this.path, { cause: error }), undefined);
        },
      );
    }
  }

  private createIncarnation(): void {
    const definition = this.definition;
    const props = this.options?.props;
    if (isActorClass(definition)) {
      const instance = withConstructingContext(this, () => new (definition as new (p: unknown) => Actor<M, any>)(props));
      this.handler = instance.receive;
      this.hooks = instance;
      return;
    }
    const made = (definition as (ctx: ActorContext<M>, p: unknown) => unknown)(this, props);
    if (typeof made === 'function') {
      this.handler = made as Receive<M>;
      this.hooks = null;
    } else if (made !== null && typeof made === 'object' && typeof (made as BehaviorHooks<M>).receive === 'function') {
      this.hooks = made as BehaviorHooks<M>;
      this.handler = this.hooks.receive;
    } else {
      throw new TypeError(`the setup of '${this.path}' must return a handler function or { receive } (got ${made === null ? 'null' : typeof made})`);
    }
  }

  /** Suspends the actor and reports to its parent. The failed message becomes a dead letter. */
  private fail(error: unknown, raw: unknown): void {
    this.status = SUSPENDED;
    this.current = raw;
    const message = unwrap(raw);
    const events = this.host.eventStream;
    if (events.active) {
      events.publish({ type: 'actor-failed', timestamp: Date.now(), path: this.path, error, messageType: messageTypeOf(message) });
    }
    const log = this.host.log;
    if (log.isLevelEnabled('error')) log.error({ actor: this.path, err: error }, 'actor failed');
    if (raw !== undefined) this.dropMessage(raw, 'actor-failed', error, true);
    if (this.parentCell === null) this.host.rootFailed(error, this.path);
    else this.parentCell.sendSystem(new SystemMessage(Sys.ChildFailed, this, error, message));
  }

  /** @internal Queues a system message; it overtakes every user message. */
  sendSystem(message: SystemMessage): void {
    if (this.status === STOPPED) {
      this.systemMessageAfterStop(message);
      return;
    }
    this.pushSystem(message);
    if (!this.scheduled) this.host.dispatcher.schedule(this);
  }

  /** @internal Stops this actor (system message, so it overtakes the backlog). */
  stopSelf(): void {
    this.sendSystem(STOP);
  }

  /** @internal Runs `callback` once this actor has stopped (at once if it has). */
  whenTerminated(callback: () => void): void {
    if (this.status === STOPPED) callback();
    else (this.extras().onTerminated ??= []).push(callback);
  }

  private processSystemMessages(): void {
    let message: SystemMessage | undefined;
    while ((message = this.shiftSystem()) !== undefined) {
      if (this.status === STOPPED) this.systemMessageAfterStop(message);
      else this.handleSystem(message);
    }
  }

  private handleSystem(message: SystemMessage): void {
    switch (message.kind) {
      case Sys.Stop:
        this.beginStop();
        break;
      case Sys.Restart:
        this.beginRestart(message.error);
        break;
      case Sys.Resume:
        if (this.status === SUSPENDED) {
          this.status = RUNNING;
          this.current = undefined;
          const events = this.host.eventStream;
          if (events.active) events.publish({ type: 'actor-resumed', timestamp: Date.now(), path: this.path, error: message.error });
        }
        break;
      case Sys.Watch:
        (this.extras().watchers ??= new Set()).add(message.cell!);
        break;
      case Sys.Unwatch:
        this.extra?.watchers?.delete(message.cell!);
        break;
      case Sys.DeathNotice:
        if (this.extra?.watching?.delete(message.cell!) && this.status < STOPPING) {
          // Terminated is a user message, but it must not be lost to a full bounded mailbox.
          this.push(new Terminated(message.cell!.self));
        }
        break;
      case Sys.ChildFailed:
        this.childFailed(message.cell!, message.error, message.message);
        break;
      case Sys.ChildTerminated:
        this.childTerminated(message.cell!);
        break;
      case Sys.ForeignDeath: {
        const ref = message.message as ActorRef<unknown>;
        if (this.extra?.watchingForeign?.delete(ref.toString()) && this.status < STOPPING) this.push(new Terminated(ref));
        break;
      }
    }
  }

  /** A system message that reached an actor that already stopped. */
  private systemMessageAfterStop(message: SystemMessage): void {
    if (message.kind === Sys.Watch) message.cell!.sendSystem(new SystemMessage(Sys.DeathNotice, this));
  }

  private childFailed(child: ActorCell<any>, error: unknown, message: unknown): void {
    if (this.status >= RESTARTING || this.childCells?.get(child.name) !== child) return; // it is being stopped anyway
    const strategy = this.options?.supervision ?? this.host.defaultSupervision(this);
    try {
      strategy.onFailure(
        { child: child.self, error, message, restartCount: child.restartCount, tags: child.options?.tags },
        this.supervisionControl(),
      );
    } catch (strategyError) {
      // A broken strategy must not leave the child suspended forever: escalate both.
      this.host.log.error({ actor: this.path, err: strategyError }, 'supervisor strategy threw; escalating');
      this.fail(strategyError, undefined);
    }
  }

  private supervisionControl(): SupervisionControl {
    const extra = this.extras();
    return (extra.control ??= this.makeSupervisionControl());
  }

  /** Made once per supervisor (failures of many children share it). */
  private makeSupervisionControl(): SupervisionControl {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const cell = this;
    const decide = (directive: string, child: ActorRef<unknown>, error: unknown): ActorCell<any> | null => {
      const events = this.host.eventStream;
      if (events.active) {
        events.publish({ type: 'supervisor-decision', timestamp: Date.now(), path: this.path, child: child.path, directive, error });
      }
      const cell = cellOf(child);
      return cell !== null && this.childCells?.get(cell.name) === cell ? cell : null;
    };
    return {
      self: this.self,
      system: this.host.system,
      get children() {
        return cell.children; // built only when a strategy asks (one-for-all, rest-for-one)
      },
      resume: (child, error) => decide('resume', child, error)?.sendSystem(new SystemMessage(Sys.Resume, null, error)),
      restart: (child, error) => decide('restart', child, error)?.sendSystem(new SystemMessage(Sys.Restart, null, error)),
      stop: (child, error) => decide('stop', child, error)?.sendSystem(new SystemMessage(Sys.Stop, null, error)),
      escalate: (child, error) => {
        decide('escalate', child, error);
        if (this.status < STOPPING) this.fail(error, undefined);
      },
    };
  }

  private childTerminated(child: ActorCell<any>): void {
    const cells = this.childCells;
    if (cells !== null && cells.get(child.name) === child) cells.delete(child.name);
    if (cells !== null && cells.size > 0) return;
    if (this.status === STOPPING) this.finishStop();
    else if (this.status === RESTARTING && this.extra?.restartWaiting) this.finishRestart();
  }

  /** Stops every child; true when there were none to wait for. */
  private stopChildren(): boolean {
    const cells = this.childCells;
    if (cells === null || cells.size === 0) return true;
    for (const cell of cells.values()) cell.sendSystem(STOP);
    return false;
  }

  /** Forgets the current incarnation: its pending promises and timers no longer count. */
  private retireIncarnation(): void {
    // Nothing to retire without extras and without a pending promise: no timers, no
    // signal, no continuation to invalidate (spares a CellExtras per stopped actor).
    if (this.extra === null && !this.awaiting) return;
    const extra = this.extras();
    extra.incarnation++;
    this.awaiting = false;
    this.stopWaiting();
    extra.timers?.cancelAll();
    if (extra.abort !== null) {
      extra.abort.abort(new Error(`incarnation of '${this.path}' ended`));
      extra.abort = null;
    }
  }

  private beginStop(): void {
    if (this.status >= STOPPING) return;
    this.status = STOPPING;
    this.retireIncarnation();
    if (this.stopChildren()) this.finishStop();
  }

  private finishStop(): void {
    const hooks = this.hooks;
    let result: unknown;
    try {
      result = hooks === null ? undefined : hooks.postStop?.();
    } catch (error) {
      this.host.log.error({ actor: this.path, err: error }, 'postStop threw');
    }
    if (!isThenable(result)) {
      this.finalize();
      return;
    }
    const shutdownMs = this.options?.shutdownMs;
    let abandon: NodeJS.Timeout | undefined;
    if (shutdownMs !== undefined) {
      abandon = setTimeout(() => {
        this.host.log.warn({ actor: this.path, shutdownMs }, 'postStop did not finish in time; stop goes on without it');
        const events = this.host.eventStream;
        if (events.active) events.publish({ type: 'stop-abandoned', timestamp: Date.now(), path: this.path, afterMs: shutdownMs });
        this.finalize();
      }, shutdownMs);
    }
    result.then(
      () => {
        clearTimeout(abandon);
        this.finalize();
      },
      (error) => {
        clearTimeout(abandon);
        this.host.log.error({ actor: this.path, err: error }, 'postStop rejected');
        this.finalize();
      },
    );
  }

  /** The end: dead-letter what is left, tell watchers and parent. */
  private finalize(): void {
    if (this.status === STOPPED) return;
    this.status = STOPPED;
    this.hooks = null;
    this.handler = ignoreUntilStarted;
    this.current = undefined;
    let dropped = 0;
    const mailbox: Mailbox<SystemMessage> = this;
    while (mailbox.size > 0) {
      this.dropMessage(mailbox.shift(), 'recipient-stopped', undefined, true);
      dropped++;
    }
    const extra = this.extra;
    if (extra !== null) {
      if (extra.stash !== null) {
        for (const raw of extra.stash) this.dropMessage(raw, 'recipient-stopped', undefined, true);
        dropped += extra.stash.length;
        extra.stash = null;
      }
      if (extra.watchers !== null) {
        for (const watcher of extra.watchers) watcher.sendSystem(new SystemMessage(Sys.DeathNotice, this));
        extra.watchers = null;
      }
      if (extra.watching !== null) {
        for (const target of extra.watching) target.sendSystem(new SystemMessage(Sys.Unwatch, this));
        extra.watching = null;
      }
      if (extra.watchingForeign !== null) {
        for (const target of extra.watchingForeign.values()) target.unwatchFor(this);
        extra.watchingForeign = null;
      }
    }
    this.processSystemMessages(); // answers pending watches with a death notice
    this.host.waitFor?.forget(this);
    this.host.actorCount--;
    const events = this.host.eventStream;
    if (events.active) events.publish({ type: 'actor-stopped', timestamp: Date.now(), path: this.path, droppedMessages: dropped });
    this.parentCell?.sendSystem(new SystemMessage(Sys.ChildTerminated, this));
    const callbacks = extra?.onTerminated;
    if (callbacks) {
      extra!.onTerminated = null;
      for (const callback of callbacks) callback();
    }
  }

  private beginRestart(error: unknown): void {
    if (this.status >= STOPPING) return;
    const failedMessage = unwrap(this.current);
    const hooks = this.hooks;
    this.extras(); // a restart always needs its bookkeeping, and a later stop must retire it
    this.status = RESTARTING;
    this.current = undefined;
    this.retireIncarnation();
    const incarnation = this.incarnation;
    let result: unknown;
    try {
      result = hooks === null ? undefined : hooks.preRestart?.(error, failedMessage);
    } catch (hookError) {
      this.host.log.error({ actor: this.path, err: hookError }, 'preRestart threw');
    }
    const proceed = (): void => {
      if (incarnation !== this.incarnation) return; // stopped meanwhile
      const extra = this.extras();
      // The children go with the old incarnation: the new one did not watch them, so it
      // must not get their Terminated.
      if (extra.watching !== null && extra.children !== null) for (const child of extra.children.values()) extra.watching.delete(child);
      extra.restartError = error;
      extra.restartWaiting = true;
      if (this.stopChildren()) this.finishRestart();
    };
    if (isThenable(result)) {
      result.then(proceed, (hookError) => {
        this.host.log.error({ actor: this.path, err: hookError }, 'preRestart rejected');
        proceed();
      });
    } else {
      proceed();
    }
  }

  private finishRestart(): void {
    const extra = this.extras();
    const error = extra.restartError;
    extra.restartError = undefined;
    extra.restartWaiting = false;
    // Stashed messages go back in front: a restart loses only the message that failed.
    this.unstashAll();
    extra.restartCount++;
    this.status = RUNNING;
    const events = this.host.eventStream;
    if (events.active) {
      events.publish({ type: 'actor-restarted', timestamp: Date.now(), path: this.path, error, restartCount: extra.restartCount });
    }
    this.initialize(true, error);
    this.scheduleIfRunnable();
  }

  private extras(): CellExtras {
    return (this.extra ??= new CellExtras());
  }
}

/** The handler of an actor that has no incarnation (before start, after stop). */
function ignoreUntilStarted(): void {}

/** The cell behind a local ref, or null for any other kind of ref. */
export function cellOf(ref: ActorRef<any> | undefined): ActorCell<any> | null {
  return ref instanceof ActorCell ? ref : null;
}

function definitionName(definition: ActorDefinition<any, any>): string {
  return definition.name || 'anonymous';
}
