import { pino } from 'pino';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import { ActorCell, cellOf } from './actor-cell.js';
import type { CellHost } from './actor-cell.js';
import { formatRef, parseRef } from './actor-ref.js';
import type { ActorRef, ActorRefData } from './actor-ref.js';
import { AskDeadlines } from './ask.js';
import type { AskListener, PromiseRef } from './ask.js';
import type { ActorDefinition, SpawnOptions } from './behavior.js';
import { DeadLetterRef } from './dead-letter-ref.js';
import { Dispatcher } from './dispatcher.js';
import { EventStream } from './event-stream.js';
import type { DeadLetterReason, MetricsSample, RuntimeEvent } from './events.js';
import { DeadlockError, SystemTerminatedError, UnknownActorTypeError, describeError, messageTypeOf } from './errors.js';
import { metricsStream } from './metrics.js';
import { resolveSystemOptions } from './system-options.js';
import type { ActorSystemOptions, ResolvedSystemOptions } from './system-options.js';
import { defaultStrategy } from './supervision.js';
import type { SupervisorStrategy } from './supervision.js';
import { WaitForGraph } from './wait-for-graph.js';

/**
 * A read-only view of one live actor, for tools such as the observer: what it is and what
 * waits in it, never a way to reach its state. Values are read when asked (a view kept for
 * later shows the actor as it is then); `children()` inspects the live children now.
 */
/** What a system asks of the remoting layer attached to it (a cluster node): refs to actors on other nodes. */
export interface RemoteProvider {
  refFor<M>(data: ActorRefData): ActorRef<M>;
}

export interface ActorInspection {
  /** Full path ('/' for the root guardian). */
  readonly path: string;
  /** Its name ('' for the root guardian). */
  readonly name: string;
  /** Its type: the definition's name ('agent', 'cluster-lead' ...). */
  readonly type: string;
  /** Messages waiting in its mailbox. */
  readonly mailbox: number;
  /** Restarts since it was spawned. */
  readonly restarts: number;
  /** Number of live direct children (cheaper than `children().length`). */
  readonly childCount: number;
  /** Its live direct children, in spawn order. */
  children(): ActorInspection[];
}

/** The ActorInspection of a cell: a thin wrapper, made per inspection (no field on the cell). */
class CellInspection implements ActorInspection {
  constructor(private readonly cell: ActorCell<unknown>) {}
  get path(): string {
    return this.cell.path;
  }
  get name(): string {
    return this.cell.name;
  }
  get type(): string {
    return this.cell.typeName;
  }
  get mailbox(): number {
    return this.cell.size;
  }
  get restarts(): number {
    return this.cell.restartCount;
  }
  get childCount(): number {
    return this.cell.childCellCount;
  }
  children(): ActorInspection[] {
    return this.cell.childCellList().map((child) => new CellInspection(child));
  }
}

/**
 * ActorSystem: the root of a tree of actors.
 *
 *   /            root guardian: a failure escalated to it terminates the system
 *   /user        guardian of everything `system.spawn` makes (default: restart failed children)
 *   /system      guardian of the runtime's own actors (transport, realizer ...)
 *
 * Owns the dispatcher, the event stream, dead letters, the logger and the registry of
 * actor types that configuration files refer to by name.
 * `terminate()` stops /user, then /system, then the root; each actor's children stop
 * before it, every `postStop` runs, and the promise resolves only after all of that.
 */
export class ActorSystem implements CellHost {
  readonly name: string;
  readonly node: string;
  readonly log: Logger;
  /** Every runtime decision as a typed event. Costs nothing while nobody subscribes. */
  readonly events$: Observable<RuntimeEvent>;
  /** Samples of actor count, message rate, dead letters and mailbox depths, while subscribed. */
  readonly metrics$: Observable<MetricsSample>;
  /** Send here to drop a message on purpose; each one is a dead letter event. */
  readonly deadLetters: ActorRef<unknown>;
  /** Resolves once the system has terminated. */
  readonly whenTerminated: Promise<void>;

  /** @internal */ readonly dispatcher: Dispatcher;
  /** @internal */ readonly eventStream = new EventStream();
  /** @internal */ readonly options: ResolvedSystemOptions;
  /** @internal Live actors, guardians included. */ actorCount = 0;
  /** Dead letters since start. */
  deadLetterCount = 0;

  private readonly root: ActorCell<unknown>;
  private readonly userGuardian: ActorCell<unknown>;
  private readonly systemGuardian: ActorCell<unknown>;
  private readonly types = new Map<string, { definition: ActorDefinition<any, any>; options: SpawnOptions<any> | undefined }>();
  /** @internal Pending asks by deadline. */ readonly askDeadlines = new AskDeadlines();
  /** @internal Asks made inside actors, while pending (deadlock detection); null when `deadlockDetection` is off. */
  readonly waitFor: WaitForGraph<object, PromiseRef<unknown>> | null;
  private askCounter = 0;
  /** @internal The remoting layer of a cluster node (src/transport), or null for a lone system. */
  remote: RemoteProvider | null = null;
  private readonly askListeners = new Set<AskListener>();
  /** @internal What asks report to as they settle; null while no listener (see onAskSettled). */
  askListener: AskListener | null = null;
  private terminating: Promise<void> | null = null;
  private markTerminated!: () => void;

  /** Creates and starts a system. Options are checked first; a bad one throws naming it. */
  static create(options: ActorSystemOptions = {}): ActorSystem {
    return new ActorSystem(resolveSystemOptions(options));
  }

  private constructor(options: ResolvedSystemOptions) {
    this.options = options;
    this.name = options.name;
    this.node = options.node;
    this.log = options.logger ?? pino({ name: `actormesh:${options.name}`, level: options.logLevel });
    this.dispatcher = new Dispatcher({ throughput: options.throughput, timeSliceMs: options.timeSliceMs });
    this.events$ = this.eventStream.events$;
    this.metrics$ = metricsStream(this, options.metricsIntervalMs);
    this.whenTerminated = new Promise((resolve) => (this.markTerminated = resolve));
    this.deadLetters = new DeadLetterRef(this, '/deadLetters', 'sent-to-dead-letters');
    this.waitFor = options.deadlockDetection ? new WaitForGraph<object, PromiseRef<unknown>>() : null;

    const rootStrategy: SupervisorStrategy = { onFailure: (failure) => this.rootFailed(failure.error, failure.child.path) };
    const guardian = (ctx: { path: string }) => (message: unknown) => this.deadLetter(ctx, message, 'sent-to-guardian', undefined, false);
    this.root = new ActorCell<unknown>(this, null, '', guardian, { supervision: rootStrategy });
    this.actorCount = 1;
    this.root.start();
    this.userGuardian = this.root.childCell(this.root.spawn(guardian, { name: 'user', supervision: options.guardianSupervision }).path.slice(1))!;
    this.systemGuardian = this.root.childCell(this.root.spawn(guardian, { name: 'system' }).path.slice(1))!;
  }

  /** Spawns a top-level actor under `/user`. See `ActorContext.spawn`. */
  spawn<M, P = undefined>(definition: ActorDefinition<M, P> | string, options?: SpawnOptions<P>): ActorRef<M> {
    return this.userGuardian.spawn(definition, options);
  }

  /** Spawns a runtime actor under `/system` (for extensions: transports, realizers ...). */
  spawnSystemActor<M, P = undefined>(definition: ActorDefinition<M, P> | string, options?: SpawnOptions<P>): ActorRef<M> {
    return this.systemGuardian.spawn(definition, options);
  }

  /**
   * Stops a local actor; its children stop first. Resolves once it has fully stopped
   * (postStop run, watchers told). Idempotent.
   */
  stop(ref: ActorRef<any>): Promise<void> {
    const cell = cellOf(ref);
    if (cell === null) throw new TypeError(`system.stop needs a local actor ref (got '${String(ref)}')`);
    const stopped = new Promise<void>((resolve) => cell.whenTerminated(resolve));
    cell.stopSelf();
    return stopped;
  }

  /** The live actor at `path` (`/user/a/b` or `am://system@node/user/a/b`), or undefined. */
  lookup(path: string): ActorRef<unknown> | undefined {
    return this.liveCell(path, 'lookup')?.self;
  }

  /**
   * A read-only view of the live actor at `path` (default the root guardian '/'): its type,
   * mailbox size, restart count and live children, for tools that show the tree (the
   * observer). Undefined when no live actor is there. Throws on a path not starting with '/'.
   */
  inspect(path = '/'): ActorInspection | undefined {
    const cell = this.liveCell(path, 'inspect');
    return cell === undefined ? undefined : new CellInspection(cell);
  }

  /**
   * Calls `listener` as each ask of this system settles, with its latency in milliseconds
   * and whether a reply came (for latency metrics). Asks pay nothing extra while no listener
   * is registered. Returns the function that removes the listener.
   */
  onAskSettled(listener: AskListener): () => void {
    if (typeof listener !== 'function') throw new TypeError(`onAskSettled needs a function (got ${typeof listener})`);
    this.askListeners.add(listener);
    this.updateAskListener();
    return () => {
      this.askListeners.delete(listener);
      this.updateAskListener();
    };
  }

  private updateAskListener(): void {
    const listeners = [...this.askListeners];
    if (listeners.length === 0) this.askListener = null;
    else {
      this.askListener = (latencyMs, replied) => {
        for (const listener of listeners) {
          try {
            listener(latencyMs, replied);
          } catch (error) {
            // A broken listener must not break the ask it watches.
            this.log.error({ err: error }, 'an ask listener threw');
          }
        }
      };
    }
  }

  /** The live cell at `path` (local or `am://` URI of this system), or undefined. */
  private liveCell(path: string, caller: string): ActorCell<unknown> | undefined {
    let local = path;
    if (path.startsWith('am://')) {
      const data = parseRef(path);
      if (data.system !== this.name || data.node !== this.node) return undefined;
      local = data.path;
    }
    if (!local.startsWith('/')) throw new TypeError(`${caller} needs an absolute path starting with '/' (got '${path}')`);
    let cell: ActorCell<unknown> | undefined = this.root;
    for (const segment of local.split('/')) {
      if (segment === '') continue;
      cell = cell.childCell(segment);
      if (cell === undefined) return undefined;
    }
    return cell.isTerminated ? undefined : cell;
  }

  /**
   * Turns plain ref data (or its URI) back into a ref. A local path that names no live actor
   * gives a ref whose messages become dead letters with reason `recipient-not-found`.
   */
  resolve<M = unknown>(ref: ActorRefData | string): ActorRef<M> {
    const data = typeof ref === 'string' ? parseRef(ref) : ref;
    if (data.system === this.name && data.node !== this.node && this.remote !== null) return this.remote.refFor<M>(data);
    if (data.system !== this.name || data.node !== this.node) {
      const why = this.remote === null ? 'no transport is attached' : `this node's cluster is '${this.name}'`;
      throw new TypeError(`cannot resolve '${formatRef(data)}': it is not in this system (${this.name}@${this.node}) and ${why}`);
    }
    return (this.lookup(data.path) as ActorRef<M> | undefined) ?? new DeadLetterRef<M>(this, data.path, 'recipient-not-found');
  }

  /**
   * Registers an actor type under a name, so that `spawn('name')` and configuration files
   * can create it. `options` are defaults for every spawn of the type. Throws on a name
   * registered twice.
   */
  registerType<M, P = undefined>(typeName: string, definition: ActorDefinition<M, P>, options?: SpawnOptions<P>): void {
    if (typeof typeName !== 'string' || typeName.length === 0) throw new TypeError(`registerType needs a non-empty type name (got '${String(typeName)}')`);
    if (typeof definition !== 'function') throw new TypeError(`registerType('${typeName}') needs a function behaviour or an Actor class (got ${typeof definition})`);
    if (this.types.has(typeName)) throw new TypeError(`actor type '${typeName}' is already registered`);
    this.types.set(typeName, { definition, options });
  }

  /** Names of the registered actor types. */
  get registeredTypes(): string[] {
    return [...this.types.keys()].sort();
  }

  /** Live actors, guardians included. */
  get actorTotal(): number {
    return this.actorCount;
  }

  /** Messages handled since start. */
  get processedTotal(): number {
    return this.dispatcher.handled;
  }

  /** True once `terminate()` has been called. */
  get terminated(): boolean {
    return this.terminating !== null;
  }

  /** Publishes an event from a layer above the kernel (supervisors, mesh, transport ...). */
  publish(event: RuntimeEvent): void {
    this.eventStream.publish(event);
  }

  /** True while someone listens on `events$` (check before building a costly event). */
  get eventsObserved(): boolean {
    return this.eventStream.active;
  }

  /**
   * Stops every actor, children first (/user, then /system, then the root), running each
   * `postStop`; rejects pending asks; completes `events$`. Resolves when all is done.
   * Calling it again returns the same promise.
   */
  terminate(reason = 'terminate() called', error?: unknown): Promise<void> {
    if (this.terminating !== null) return this.terminating;
    this.publish({ type: 'system-terminating', timestamp: Date.now(), path: '/', reason, error });
    this.terminating = new Promise<void>((resolve) => {
      this.userGuardian.whenTerminated(() => {
        this.systemGuardian.whenTerminated(() => {
          this.root.whenTerminated(() => {
            this.askDeadlines.failAll(() => new SystemTerminatedError(this.name));
            this.eventStream.complete();
            this.markTerminated();
            resolve();
          });
          this.root.stopSelf();
        });
        this.systemGuardian.stopSelf();
      });
      this.userGuardian.stopSelf();
    });
    return this.terminating;
  }

  /** @internal Records a dead letter: counted always, published when observed. */
  deadLetter(recipient: { readonly path: string }, message: unknown, reason: DeadLetterReason, error: unknown, wasAsk: boolean): void {
    this.deadLetterCount++;
    const events = this.eventStream;
    if (events.active) {
      events.publish({ type: 'dead-letter', timestamp: Date.now(), path: recipient.path, message, messageType: messageTypeOf(message), reason, error, wasAsk });
    }
  }

  /** @internal Messages handled since start (metrics). */
  get processed(): number {
    return this.dispatcher.handled;
  }

  /** @internal Walks every live cell (metrics). */
  forEachCell(visit: (cell: ActorCell<unknown>) => void): void {
    const stack: ActorCell<unknown>[] = [this.root];
    while (stack.length > 0) {
      const cell = stack.pop()!;
      visit(cell);
      for (const child of cell.childCellList()) stack.push(child);
    }
  }

  // ---------------------------------------------------------------- CellHost (internal)

  /** @internal */
  get system(): ActorSystem {
    return this;
  }
  /** @internal */
  get askTimeoutMs(): number {
    return this.options.askTimeoutMs;
  }
  /** @internal */
  get captureAskStacks(): boolean {
    return this.options.captureAskStacks;
  }
  /** @internal */
  nextAskId(): number {
    return ++this.askCounter;
  }
  /** @internal */
  lateReply(ref: ActorRef<unknown>, message: unknown): void {
    this.deadLetter(ref, message, 'ask-already-settled', undefined, false);
  }
  /** @internal */
  resolveType(typeName: string): { definition: ActorDefinition<any, any>; options: SpawnOptions<any> | undefined } {
    const type = this.types.get(typeName);
    if (type === undefined) throw new UnknownActorTypeError(typeName, this.registeredTypes);
    return type;
  }
  /** @internal A failure reached the root guardian: the system terminates, saying why. */
  rootFailed(error: unknown, path: string): void {
    const reason = `failure escalated to the root guardian from '${path}': ${describeError(error)}`;
    this.log.fatal({ err: error, actor: path }, reason);
    void this.terminate(reason, error);
  }
  /**
   * @internal `cell` awaits asks it made. If they close a cycle of waits, every ask of the
   * cycle fails now with DeadlockError (each party learns why and can recover, instead of
   * every party waiting for its timeout; failing only the closing ask would make the others
   * fail later and indirectly, as AskFailedError of a supervised failure), and a
   * `deadlock-detected` event names the cycle.
   */
  detectDeadlock(cell: ActorCell<any>): void {
    const cycle = this.waitFor?.findCycle(cell);
    if (cycle == null) return;
    const paths = cycle.nodes.map((node) => (node as ActorCell<unknown>).path);
    // Read each ask's target and message type before failing it: settlement drops the message.
    const failures = cycle.edges.map((edge, i) => ({ edge, error: new DeadlockError(paths, paths[(i + 1) % paths.length]!, messageTypeOf(edge.message)) }));
    this.log.warn({ actor: cell.path, cycle: paths }, 'deadlock: asks wait in a cycle; failing them');
    const events = this.eventStream;
    if (events.active) events.publish({ type: 'deadlock-detected', timestamp: Date.now(), path: cell.path, cycle: paths, failedAsks: failures.length });
    for (const { edge, error } of failures) edge.fail(error);
  }
  /** @internal */
  defaultSupervision(): SupervisorStrategy {
    return defaultStrategy;
  }
}
