import { isActorClass } from '../../src/index.js';
import type { ActorContext, ActorDefinition, ActorRef, ActorSystem, DeliveryGate, FunctionBehavior, Receive, SpawnOptions } from '../../src/index.js';
import type { BackoffOptions } from '../backoff.js';
import { BreakerHierarchy } from '../breaker-hierarchy.js';
import type { CircuitBreaker } from '../circuit-breaker.js';
import { systemClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { STRATEGY_DEFAULTS, oneForOne, strategyOf } from '../strategies.js';
import type { ConfiguredStrategy } from '../strategies.js';
import { TreeConfigError } from './errors.js';
import { treeTypeNames, treeTypeOf } from './registry.js';
import type { TreeConfig } from './schema.js';
import { loadTreeFile, sourceOf } from './source.js';
import { analyzeTree } from './validate.js';
import type { PlanNode, TreePlan } from './validate.js';
import { configuredDefinition, trackingStrategy } from './wrap.js';
import type { PlacementRole, TreePlacement } from '../../src/index.js';
import type { ChildSpawner, RespawnLimits, WrapRuntime } from './wrap.js';

/**
 * spawnTree: spawns a whole supervision tree from a configuration (an object, or the path
 * of a YAML/JSON file), under `/user`.
 *
 *   const handle = spawnTree(system, 'examples/mesh-30k.yaml');
 *   handle.root.tell(...); handle.actors; // 31,101
 *
 * The configuration is validated first (validateTree, with the system's registered types);
 * any problem throws one TreeConfigError listing them all, and nothing is spawned. Then
 * the root is spawned, and every configured parent spawns its own children from inside its
 * setup (see wrap.ts), so the whole tree exists when spawnTree returns: the kernel runs a
 * setup inside `spawn`. A node with a `breaker` gets a CircuitBreaker from one
 * BreakerHierarchy as its spawn `gate` (a breaker with no breaker above it is a sector
 * breaker under the hierarchy's global one; a breaker under it a cluster breaker); the
 * hierarchy is disposed when the system terminates or the tree is stopped.
 */

export interface SpawnTreeOptions {
  /** File name for messages when `config` is an object that was not read by loadTreeFile. */
  readonly file?: string;
  /** Time source for strategies, respawn intensity and breakers (tests pass a ManualClock). */
  readonly clock?: Clock;
  /** Random source for backoff jitter, in [0, 1). */
  readonly random?: () => number;
  /** Open sectors the global breaker tolerates (BreakerHierarchy's maxOpenSectors). */
  readonly maxOpenSectors?: number;
  /**
   * The tree is spread over cluster nodes (see placement.ts): this node spawns the real root
   * or a stand-in, and only the root's children (units) placed here.
   */
  readonly placement?: TreePlacement;
}

/** A spawned tree. */
export interface TreeHandle {
  /** The root actor (`/user/<root name>`). */
  readonly root: ActorRef<unknown>;
  /** The validated plan the tree was spawned from. */
  readonly plan: TreePlan;
  /** Actors the configuration describes (31,101 for the MESH-30K example). */
  readonly actors: number;
  /** Actors spawned by the tree so far: the first spawn, then respawns after restarts and stops. */
  readonly spawned: number;
  /** Permanent children respawned after they stopped on their own. */
  readonly respawned: number;
  /** Milliseconds the first spawn took (validation not included). */
  readonly spawnMs: number;
  /** The breaker hierarchy, when any node has a breaker. */
  readonly breakers: BreakerHierarchy | undefined;
  /** The breaker guarding the subtree rooted at `path` (a cluster or sector path). */
  breakerAt(path: string): CircuitBreaker | undefined;
  /**
   * Resolves once the tree is spawned. Spawning is synchronous under this kernel (setups run
   * inside spawn), so it resolves at once; it is here so callers need not rely on that.
   */
  whenSpawned(): Promise<TreeHandle>;
  /** Stops the root (its subtree first) and disposes the breakers. */
  stop(): Promise<void>;
}

/** Spawns the tree `config` describes; throws TreeConfigError (spawning nothing) when it has problems. */
export function spawnTree(system: ActorSystem, config: TreeConfig | string, options: SpawnTreeOptions = {}): TreeHandle {
  const tree = typeof config === 'string' ? loadTreeFile(config) : config;
  const file = options.file ?? sourceOf(tree)?.file;
  const analysis = analyzeTree(tree, { file, registeredTypes: system.registeredTypes, typesWithDefinitions: treeTypeNames(system) });
  const problems = [...analysis.problems];
  const plan = analysis.plan;
  if (plan !== undefined && system.lookup(`/user/${plan.root.names[0]!}`) !== undefined) {
    const at = sourceOf(tree)?.locate(['root', 'name']);
    problems.push({ kind: 'duplicate-name', file, path: 'root.name', line: at?.line, column: at?.column, message: `an actor named '${plan.root.names[0]!}' already runs under /user` });
  }
  if (problems.length > 0 || plan === undefined) throw new TreeConfigError(problems, file);
  return new TreeRuntime(system, plan, options).start();
}

/** What one spawnTree call keeps: counters, the breakers, a spawner per plan node. */
class TreeRuntime implements WrapRuntime, TreeHandle {
  readonly watched = new WeakSet<object>();
  readonly clock: Clock;
  readonly breakers: BreakerHierarchy | undefined;
  /** The strategy of nodes that configure none (and whose type names none). */
  readonly defaultStrategy: ConfiguredStrategy;
  spawned = 0;
  respawned = 0;
  spawnMs = 0;
  root!: ActorRef<unknown>;
  private readonly rootSpawner: NodeSpawner;

  constructor(
    readonly system: ActorSystem,
    readonly plan: TreePlan,
    private readonly options: SpawnTreeOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    const { sector, cluster } = plan.breakerLevels;
    this.breakers =
      sector === undefined && cluster === undefined
        ? undefined
        : new BreakerHierarchy(system, { sector, cluster, clock: options.clock, maxOpenSectors: options.maxOpenSectors });
    this.defaultStrategy = oneForOne({ clock: options.clock, random: options.random });
    this.placement = options.placement;
    this.rootSpawner = new NodeSpawner(plan.root, this, options.placement === undefined ? undefined : 'root');
  }

  readonly placement: TreePlacement | undefined;

  get actors(): number {
    return this.plan.actors;
  }

  start(): this {
    const started = performance.now();
    const breakers = this.breakers;
    if (breakers !== undefined) void this.system.whenTerminated.then(() => breakers.dispose());
    try {
      this.root = this.rootSpawner.spawnOne(null, this.plan.root.names[0]!);
    } catch (error) {
      breakers?.dispose(); // the system refused the root (terminated): nothing was spawned
      throw error;
    }
    this.spawnMs = performance.now() - started;
    if (this.system.eventsObserved) {
      this.system.publish({ type: 'tree-spawned', timestamp: Date.now(), path: this.root.path, actors: this.plan.actors, spawned: this.spawned, ms: this.spawnMs });
    }
    return this;
  }

  breakerAt(path: string): CircuitBreaker | undefined {
    return this.breakers?.breakers.get(path);
  }

  whenSpawned(): Promise<TreeHandle> {
    return Promise.resolve(this);
  }

  async stop(): Promise<void> {
    await this.system.stop(this.root);
    this.breakers?.dispose();
  }

  /** WrapRuntime: a permanent child stopped on its own and was spawned again. */
  childRespawned(parent: ActorContext<any>, child: ActorRef<unknown>): void {
    this.respawned++;
    if (this.system.eventsObserved) {
      this.system.publish({ type: 'tree-child-respawned', timestamp: Date.now(), path: parent.path, child: child.path, respawned: this.respawned });
    }
  }

  /** The gate of a breaker node's replica at `path` (its parent at `parentPath`). */
  gateFor(node: PlanNode, parentPath: string, path: string): DeliveryGate | undefined {
    const breakers = this.breakers!;
    if (node.breakerLevel === 'sector') return breakers.sector(path);
    // The sector breaker's node is `breakerUp` levels above this node: drop that many
    // segments from this node's path (one fewer from the parent's).
    let sectorPath = parentPath;
    for (let up = node.breakerUp - 1; up > 0; up--) sectorPath = sectorPath.slice(0, sectorPath.lastIndexOf('/'));
    return breakers.cluster(path, sectorPath);
  }

  strategyOf(node: PlanNode): ConfiguredStrategy | undefined {
    const config = node.strategy;
    if (config === undefined) return undefined;
    return strategyOf(config.kind ?? 'one-for-one', {
      maxRestarts: config.maxRestarts,
      withinMs: config.withinMs,
      backoff: config.backoff as BackoffOptions | undefined,
      decider: config.decider,
      clock: this.options.clock,
      random: this.options.random,
    });
  }
}

/**
 * The root of a placed tree, on every node: where this node runs the root it is the
 * configured type's own behaviour; elsewhere a stand-in that hosts the local units and sends
 * on what reaches it to the real root. If this node takes the root over (its node died), the
 * type's setup runs here at the next message and the stand-in is the root from then on
 * (with fresh state: a root keeps nothing across nodes). Function behaviours only: a class
 * root type is spawned as itself where the root starts and as a plain stand-in elsewhere.
 */
function placedRoot(placement: TreePlacement, real: ActorDefinition<any, any>): ActorDefinition<unknown, unknown> {
  if (isActorClass(real)) {
    if (placement.rootHere) return real;
    const forward = (): ((message: unknown) => void) => (message) => placement.rootRef().tell(message);
    Object.defineProperty(forward, 'name', { value: 'root-stand-in' });
    return forward;
  }
  const setup = real as FunctionBehavior<unknown, unknown>;
  const definition: FunctionBehavior<unknown, unknown> = (ctx, props) => {
    let handler: Receive<unknown> | null = null;
    let thisArg: unknown = null;
    const start = (): void => {
      const made = setup(ctx, props);
      if (typeof made === 'function') handler = made;
      else if (made !== null && typeof made === 'object' && typeof made.receive === 'function') {
        handler = made.receive;
        thisArg = made;
      } else throw new TypeError(`'${ctx.path}': the root type's setup returned no handler`);
    };
    if (placement.rootHere) start();
    return (message, c) => {
      if (!placement.rootHere) {
        placement.rootRef().tell(message);
        return undefined;
      }
      if (handler === null) start(); // this node took the root over
      const result = handler!.call(thisArg, message, c);
      if (typeof result === 'function') {
        handler = result; // become, keeping this wrapper in front
        return undefined;
      }
      return result;
    };
  };
  Object.defineProperty(definition, 'name', { value: setup.name });
  return definition;
}

/** Spawns the replicas of one plan node, with the node's options worked out once. */
class NodeSpawner implements ChildSpawner {
  readonly names: readonly string[];
  readonly watch: boolean;
  private readonly definition: ActorDefinition<any, any> | string;
  /** Options shared by every replica, without name and gate. */
  private readonly base: SpawnOptions<unknown>;
  /** Makes one replica's options: its name (and gate) over `base` (see the constructor). */
  private readonly optionsFor: (name: string, gate: DeliveryGate | undefined) => SpawnOptions<unknown>;

  constructor(
    private readonly node: PlanNode,
    private readonly tree: TreeRuntime,
    role?: PlacementRole,
  ) {
    this.names = node.names;
    this.watch = node.restart === 'permanent';
    const registered = treeTypeOf(tree.system, node.type);
    const typeOptions = registered?.options;
    const configured = tree.strategyOf(node);
    const children = node.children.map((child) => new NodeSpawner(child, tree, role === 'root' ? 'unit' : undefined));
    // Without a configured strategy, a tree node still honours restart types (the kernel's
    // default strategy does not read tags): one-for-one with the default intensity.
    const strategy = configured ?? typeOptions?.supervision ?? tree.defaultStrategy;
    const supervision = children.length > 0 ? trackingStrategy(strategy) : strategy;
    const tags = Object.freeze({ ...typeOptions?.tags, restart: node.restart, type: node.type, treeNode: node.configPath });
    const base: Record<string, unknown> = {
      props: node.props !== undefined ? node.props : typeOptions?.props,
      mailbox: node.mailbox ?? typeOptions?.mailbox,
      supervision,
      stashCapacity: node.stashCapacity ?? typeOptions?.stashCapacity,
      shutdownMs: node.shutdownMs ?? typeOptions?.shutdownMs,
      gate: typeOptions?.gate,
      tags,
    };
    for (const key of Object.keys(base)) if (base[key] === undefined) delete base[key];
    this.base = Object.freeze(base) as SpawnOptions<unknown>;
    if (children.length > 0) {
      // validateTree made sure a node with children has a definition to wrap.
      const limits: RespawnLimits = {
        maxRestarts: (strategy as Partial<ConfiguredStrategy>).maxRestarts ?? STRATEGY_DEFAULTS.maxRestarts,
        withinMs: (strategy as Partial<ConfiguredStrategy>).withinMs ?? STRATEGY_DEFAULTS.withinMs,
      };
      // On a node without the real root, a stand-in at the root's path hosts the local units.
      const own = role === 'root' && tree.placement !== undefined ? placedRoot(tree.placement, registered!.definition) : registered!.definition;
      this.definition = configuredDefinition(own, children, tree, limits, role);
    } else {
      this.definition = registered?.definition ?? node.type;
    }
    if (registered === undefined) {
      // Spawned by type name: the kernel spreads these over the type's registered options,
      // which only copies own properties.
      this.optionsFor = (name, gate) => ({ ...this.base, name, ...(gate !== undefined ? { gate } : {}) });
    } else {
      // The kernel keeps each actor's options object for the actor's life and only reads
      // properties of it. Each replica's object holds its name (and gate) and inherits the
      // rest from `base`: one field per actor instead of eight (about 60 bytes less for
      // each of the 30,000 agents of the mesh).
      const Replica = function (this: { name: string; gate?: DeliveryGate }, name: string, gate: DeliveryGate | undefined): void {
        this.name = name;
        if (gate !== undefined) this.gate = gate;
      } as unknown as new (name: string, gate: DeliveryGate | undefined) => SpawnOptions<unknown>;
      Replica.prototype = this.base;
      this.optionsFor = (name, gate) => new Replica(name, gate);
    }
  }

  /** Spawns replica `name` under `ctx` (the root: under /user when ctx is null). */
  spawnOne(ctx: ActorContext<any> | null, name: string): ActorRef<unknown> {
    let gate: DeliveryGate | undefined;
    if (this.node.breakerLevel !== undefined) {
      const parentPath = ctx === null ? '/user' : ctx.path;
      gate = this.tree.gateFor(this.node, parentPath, `${parentPath}/${name}`);
    }
    const options = this.optionsFor(name, gate);
    const ref = ctx === null ? this.tree.system.spawn(this.definition, options) : ctx.spawn(this.definition, options);
    this.tree.spawned++;
    return ref;
  }
}
