import { Terminated, isActorClass } from '../../src/index.js';
import type {
  ActorClass,
  ActorContext,
  ActorDefinition,
  ActorRef,
  ActorSystem,
  BehaviorHooks,
  FunctionBehavior,
  Receive,
  ReceiveResult,
  SpawnOptions,
  SupervisorStrategy,
  Timers,
} from '../../src/index.js';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { RestartIntensityExceededError } from '../errors.js';
import { PlaceUnit, RemoveUnit } from '../../src/index.js';
import type { PlacementRole, TreePlacement } from '../../src/index.js';

/**
 * Configured parents: a registered actor type, wrapped so that every incarnation of the
 * actor first spawns the children its tree node configures, then runs the type's own
 * setup (function behaviour) or, for an Actor class, a generated subclass spawns them in
 * its constructor right after the type's constructor (JavaScript runs `super()` first).
 * Since a restart makes a new incarnation after stopping the old one's children, a
 * restarted parent respawns its configured children, as an OTP supervisor does.
 *
 * Permanent children (restart type `permanent`, the default) are watched. When one stops
 * on its own (it called `ctx.stop()`, or someone outside stopped it), the wrapper spawns it
 * again under the same name, counting the respawns against the node's restart intensity
 * (`maxRestarts` within `withinMs`; one more fails the parent with
 * RestartIntensityExceededError). A child stopped by its supervisor (a strategy's `stop`,
 * or `retireChild`), by its parent's own stop or restart, or by system shutdown is not
 * respawned. Transient and temporary children are not watched at all. The `Terminated`
 * message of a configured child is handled here and never reaches the type's handler.
 *
 * The context handed to the type's code is the actor's own, except that `become` goes
 * through the wrapper (so the wrapper stays in front of every later handler).
 */

/** Children stopped on purpose (by a strategy's `stop` or `retireChild`): not respawned. */
const stoppedOnPurpose = new WeakSet<object>();

/**
 * Stops a configured child for good: unlike a plain `ctx.stop(ref)`, a permanent child
 * stopped this way is not respawned by its configured parent.
 */
export function retireChild(ctx: ActorContext<any>, ref: ActorRef<any>): void {
  stoppedOnPurpose.add(ref);
  ctx.stop(ref);
}

/**
 * A strategy that records the children it stops (so the wrapper does not respawn them) and
 * otherwise is `inner`.
 */
export function trackingStrategy(inner: SupervisorStrategy): SupervisorStrategy {
  return {
    onFailure(failure, control) {
      inner.onFailure(failure, {
        self: control.self,
        system: control.system,
        children: control.children,
        resume: (child, error) => control.resume(child, error),
        restart: (child, error) => control.restart(child, error),
        stop: (child, error) => {
          stoppedOnPurpose.add(child);
          control.stop(child, error);
        },
        escalate: (child, error) => control.escalate(child, error),
      });
    },
  };
}

/** How a configured parent spawns the replicas of one child node. */
export interface ChildSpawner {
  /** The replica names, in spawn order. */
  readonly names: readonly string[];
  /** Watch (and respawn after a normal stop): true for permanent children. */
  readonly watch: boolean;
  /** Spawns the replica `name` under `ctx`. */
  spawnOne(ctx: ActorContext<any>, name: string): ActorRef<unknown>;
}

/** What the wrappers of one tree share. */
export interface WrapRuntime {
  /** Every child a configured parent watches, across incarnations. */
  readonly watched: WeakSet<object>;
  readonly clock: Clock;
  /** A permanent child was respawned (counts, events). */
  childRespawned(parent: ActorContext<any>, child: ActorRef<unknown>): void;
  /** The tree is spread over cluster nodes (see placement.ts). */
  readonly placement?: TreePlacement;
}

/** Restart intensity applied to respawns of permanent children. */
export interface RespawnLimits {
  readonly maxRestarts: number;
  readonly withinMs: number;
}

/** The state of one incarnation of a configured parent. */
class ConfiguredParent<M> {
  /** The handler the type's code set up (or became). */
  current: Receive<M> | null = null;
  /** `this` for `current`: the hooks object or the class instance, as the kernel would pass. */
  thisArg: unknown = null;
  /** Watched children of this incarnation: ref -> how to respawn it. */
  private readonly slots = new Map<ActorRef<unknown>, { spawner: ChildSpawner; name: string }>();
  private respawnTimes: number[] = [];
  readonly context: ActorContext<M>;

  constructor(
    readonly ctx: ActorContext<M>,
    private readonly children: readonly ChildSpawner[],
    private readonly runtime: WrapRuntime,
    private readonly limits: RespawnLimits,
    role?: PlacementRole,
  ) {
    const placement = role === undefined ? undefined : runtime.placement;
    this.placed = role === 'root' ? placement : undefined;
    this.context = new WrappedContext(
      ctx,
      (receive) => {
        this.current = receive;
      },
      placement,
      role,
    );
  }

  /** Set on a placed tree's root (or stand-in): only its local units are spawned here. */
  private readonly placed: TreePlacement | undefined;

  spawnChildren(): void {
    const placed = this.placed;
    for (const spawner of this.children) {
      const names = spawner.names;
      for (let i = 0; i < names.length; i++) {
        if (placed !== undefined && !placed.isLocal(names[i]!)) continue;
        this.spawnChild(spawner, names[i]!);
      }
    }
  }

  private spawnChild(spawner: ChildSpawner, name: string): void {
    const ref = spawner.spawnOne(this.ctx, name);
    if (spawner.watch) this.watch(spawner, name, ref);
  }

  /** PlaceUnit / RemoveUnit on a placed root: spawn or retire a unit here. */
  private placement(message: PlaceUnit | RemoveUnit): void {
    const ctx = this.ctx;
    const existing = ctx.child(message.name);
    if (message instanceof RemoveUnit) {
      if (existing !== undefined) retireChild(ctx, existing);
      return;
    }
    if (existing !== undefined) return;
    const spawner = this.children.find((s) => s.names.includes(message.name));
    if (spawner === undefined) throw new TypeError(`'${ctx.path}': PlaceUnit names '${message.name}', which the tree does not configure under it`);
    this.spawnChild(spawner, message.name);
  }

  /** Handles one message: a configured child's Terminated here, anything else by the type's handler. */
  handle(message: M): ReceiveResult<M> {
    if (message instanceof Terminated && this.runtime.watched.has(message.ref)) {
      this.childTerminated(message.ref);
      return undefined;
    }
    if (this.placed !== undefined && (message instanceof PlaceUnit || message instanceof RemoveUnit)) {
      this.placement(message);
      return undefined;
    }
    const result = this.current!.call(this.thisArg, message, this.context);
    if (result === undefined) return undefined;
    if (typeof result === 'function') {
      this.current = result; // become, keeping the wrapper in front
      return undefined;
    }
    if (typeof (result as PromiseLike<unknown>).then === 'function') {
      return (result as Promise<void | Receive<M>>).then((next) => {
        if (typeof next === 'function') this.current = next;
      });
    }
    return undefined;
  }

  private watch(spawner: ChildSpawner, name: string, ref: ActorRef<unknown>): void {
    this.slots.set(ref, { spawner, name });
    this.runtime.watched.add(ref);
    this.ctx.watch(ref);
  }

  private childTerminated(ref: ActorRef<unknown>): void {
    const slot = this.slots.get(ref);
    // A child of an earlier incarnation, stopped by this actor's restart: nothing to do.
    if (slot === undefined) return;
    this.slots.delete(ref);
    const ctx = this.ctx;
    if (stoppedOnPurpose.has(ref) || ctx.system.terminated || ctx.child(slot.name) !== undefined) return;
    const now = this.runtime.clock.now();
    const { maxRestarts, withinMs } = this.limits;
    this.respawnTimes = this.respawnTimes.filter((t) => now - t < withinMs);
    if (this.respawnTimes.length >= maxRestarts) {
      // As an OTP supervisor does: too many restarts, and the supervisor itself fails.
      throw new RestartIntensityExceededError(ctx.path, maxRestarts, withinMs);
    }
    this.respawnTimes.push(now);
    const fresh = slot.spawner.spawnOne(ctx, slot.name);
    this.watch(slot.spawner, slot.name, fresh);
    this.runtime.childRespawned(ctx, fresh);
  }
}

/** Wraps a registered definition so that each incarnation spawns `children` first. */
export function configuredDefinition(
  definition: ActorDefinition<any, any>,
  children: readonly ChildSpawner[],
  runtime: WrapRuntime,
  limits: RespawnLimits,
  role?: PlacementRole,
): ActorDefinition<any, any> {
  return isActorClass(definition)
    ? configuredClass(definition, children, runtime, limits, role)
    : configuredFunction(definition as FunctionBehavior<unknown, unknown>, children, runtime, limits, role);
}

function configuredFunction(inner: FunctionBehavior<unknown, unknown>, children: readonly ChildSpawner[], runtime: WrapRuntime, limits: RespawnLimits, role: PlacementRole | undefined): FunctionBehavior<unknown, unknown> {
  const configured: FunctionBehavior<unknown, unknown> = (ctx, props) => {
    const parent = new ConfiguredParent(ctx, children, runtime, limits, role);
    parent.spawnChildren();
    const made = inner(parent.context, props);
    const receive = (message: unknown): ReceiveResult<unknown> => parent.handle(message);
    if (typeof made === 'function') {
      parent.current = made;
      return receive;
    }
    if (made !== null && typeof made === 'object' && typeof made.receive === 'function') {
      parent.current = made.receive;
      parent.thisArg = made;
      // The hooks run with `this` = the type's own hooks object, as the kernel would call them.
      const hooks: { -readonly [K in keyof BehaviorHooks<unknown>]: BehaviorHooks<unknown>[K] } = { receive };
      if (made.postStop) hooks.postStop = () => made.postStop!();
      if (made.preRestart) hooks.preRestart = (error, message) => made.preRestart!(error, message);
      if (made.postRestart) hooks.postRestart = (error) => made.postRestart!(error);
      return hooks;
    }
    return made; // not a handler: the kernel says so, naming the actor
  };
  Object.defineProperty(configured, 'name', { value: inner.name }); // events name the type's own function
  return configured;
}

function configuredClass(Base: ActorClass<unknown, unknown>, children: readonly ChildSpawner[], runtime: WrapRuntime, limits: RespawnLimits, role: PlacementRole | undefined): ActorClass<unknown, unknown> {
  const prototypeReceive = Base.prototype.receive as Receive<unknown>;
  // Typed as a plain constructor: the abstract `receive` is there at run time (Base implements it).
  const Concrete = Base as unknown as new (props: unknown) => { readonly context: ActorContext<unknown>; receive(message: unknown): void | Promise<void> };
  class Configured extends Concrete {
    constructor(props: unknown) {
      super(props);
      const parent = new ConfiguredParent(this.context, children, runtime, limits, role);
      // `receive` may be an own arrow-function field of the type: take whichever is there.
      parent.current = Object.prototype.hasOwnProperty.call(this, 'receive') ? (this.receive as Receive<unknown>) : prototypeReceive;
      parent.thisArg = this;
      // The kernel reads `instance.receive` once per incarnation: an own property wins.
      Object.defineProperty(this, 'receive', { value: (message: unknown) => parent.handle(message), writable: true, configurable: true });
      Object.defineProperty(this, 'context', { value: parent.context, writable: false, configurable: true, enumerable: true });
      parent.spawnChildren();
    }
  }
  Object.defineProperty(Configured, 'name', { value: Base.name });
  return Configured as unknown as ActorClass<unknown, unknown>;
}

/** The actor's own context, with `become` routed through the wrapper. */
class WrappedContext<M> implements ActorContext<M> {
  constructor(
    private readonly cell: ActorContext<M>,
    private readonly setHandler: (receive: Receive<M>) => void,
    private readonly placement: TreePlacement | undefined = undefined,
    private readonly role: PlacementRole | undefined = undefined,
  ) {}

  get self(): ActorRef<M> {
    return this.cell.self;
  }
  /** A unit's parent is the real root, on whichever node it runs. */
  get parent(): ActorRef<unknown> {
    return this.role === 'unit' && this.placement !== undefined && !this.placement.rootHere ? this.placement.rootRef() : this.cell.parent;
  }
  get name(): string {
    return this.cell.name;
  }
  get path(): string {
    return this.cell.path;
  }
  get system(): ActorSystem {
    return this.cell.system;
  }
  get log(): Logger {
    return this.cell.log;
  }
  /** The real root's children include the units placed on other nodes. */
  get children(): ReadonlyArray<ActorRef<unknown>> {
    if (this.role !== 'root' || this.placement === undefined || !this.placement.rootHere) return this.cell.children;
    const remote = this.placement.remoteUnits();
    return remote.length === 0 ? this.cell.children : [...this.cell.children, ...remote];
  }
  get timers(): Timers<M> {
    return this.cell.timers;
  }
  get stashSize(): number {
    return this.cell.stashSize;
  }
  get restartCount(): number {
    return this.cell.restartCount;
  }
  get signal(): AbortSignal {
    return this.cell.signal;
  }
  child<C = unknown>(name: string): ActorRef<C> | undefined {
    const local = this.cell.child<C>(name);
    if (local !== undefined || this.role !== 'root' || this.placement === undefined || !this.placement.rootHere) return local;
    return this.placement.remoteUnit(name) as ActorRef<C> | undefined;
  }
  forward(ref: ActorRef<any>): void {
    this.cell.forward(ref);
  }
  spawn<C, P = undefined>(definition: ActorDefinition<C, P> | string, options?: SpawnOptions<P>): ActorRef<C> {
    return this.cell.spawn(definition, options);
  }
  stop(ref?: ActorRef<any>): void {
    this.cell.stop(ref);
  }
  watch(ref: ActorRef<any>): void {
    this.cell.watch(ref);
  }
  unwatch(ref: ActorRef<any>): void {
    this.cell.unwatch(ref);
  }
  become(receive: Receive<M>): void {
    if (typeof receive !== 'function') throw new TypeError(`'${this.cell.path}' become() needs a handler function (got ${typeof receive})`);
    this.setHandler(receive);
  }
  stash(): void {
    this.cell.stash();
  }
  unstashAll(): void {
    this.cell.unstashAll();
  }
}
