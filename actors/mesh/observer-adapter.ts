import type { ActorSystem, RuntimeEvent } from '../../src/index.js';
import type { ActionRequest, ActionResult, BreakerState, HeatCell, KpiInfo, ObserverMesh } from '../../src/observer/api.js';
import type { PlanNode, TreeHandle } from '../../supervisors/config/index.js';
import { degradationMode } from '../../supervisors/degradation.js';
import type { GlobalImpedanceMap } from '../impedance/index.js';
import { KpiAccumulator } from '../protocol/index.js';
import type { MeshConsole } from './console.js';
import type { GlobalImpedance, ImpedanceMapQuery } from './heartbeat.js';

/**
 * The observer's view of a MESH-30K mesh (issue 10): implements src/observer/api.ts's
 * ObserverMesh over a running mesh, its tree handle and its MeshConsole.
 *
 *   heatmap()  one cell per cluster: the median impedance score of its agents from the
 *              orchestrator's global impedance map (asked for every `sampleMs` in the
 *              background and cached, so heatmap() stays synchronous and cheap), the
 *              messages queued in the cluster now (system.inspect of the lead and its
 *              children), its breaker's state and whether it (or its sector) is frozen
 *   kpis()     the `kpis` option's table when it gives one (the CLI hands over the run's
 *              measured table once the job is done); otherwise the adapter's own KpiAccumulator,
 *              which measures only what it can observe honestly without sending the mesh
 *              work: mesh_availability, from the heartbeat map's active rate over time.
 *              Every other KPI stays null ("no data") rather than guessed.
 *   mode()     the `mode` option (e.g. a DegradationMonitor's) when given, else the
 *              degradation mode of the heartbeat map's active rate (null before any map)
 *   act()      MeshConsole.heal / freeze / thaw; a refused path (not a sector or cluster
 *              of this mesh, no live actor, a timeout) is an ActionResult with ok false and
 *              the console's message, so the page can show it
 *
 * The impedance map is as fresh as the mesh's heartbeats (part 4.1's 5 s by default, see
 * heartbeat.ts); the adapter never makes the mesh beat (a beat of 30,000 agents costs
 * about 200 ms of CPU), it only reads what the orchestrator keeps.
 */

export interface MeshObserverOptions {
  /** How often the orchestrator's impedance map is asked for, ms (default 1000). */
  readonly sampleMs?: number;
  /** The KPI table to show instead of the adapter's own (see above); undefined: the adapter's own. */
  readonly kpis?: () => readonly KpiInfo[] | undefined;
  /** The degradation mode to show instead of the heartbeat map's (e.g. () => monitor.mode). */
  readonly mode?: () => string | null;
}

/** The adapter: ObserverMesh, plus what its owner needs to manage it. */
export interface MeshObserver extends ObserverMesh {
  /** Asks the orchestrator for its impedance map now; resolves once the cache is updated (or the ask failed). */
  refresh(): Promise<void>;
  /** The last impedance map received (null before one came). */
  readonly impedanceMap: GlobalImpedanceMap | null;
  /** Stops the background refresh and the event subscription. */
  close(): void;
}

const show = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value)));

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/'))) || path;

const BREAKER_STATES: ReadonlySet<string> = new Set<BreakerState>(['closed', 'open', 'half-open']);

/** Builds the observer's view of the mesh `tree` runs on `system`, acting through `meshConsole`. */
export function meshObserver(system: ActorSystem, tree: TreeHandle, meshConsole: MeshConsole, options: MeshObserverOptions = {}): MeshObserver {
  if (system === null || typeof system !== 'object' || typeof (system as Partial<ActorSystem>).inspect !== 'function') throw new TypeError(`meshObserver: system must be an ActorSystem (got ${show(system)})`);
  if (tree === null || typeof tree !== 'object' || tree.root === undefined) throw new TypeError(`meshObserver: tree must be the handle spawnTree returned (got ${show(tree)})`);
  if (meshConsole === null || typeof meshConsole !== 'object' || typeof (meshConsole as Partial<MeshConsole>).heal !== 'function') throw new TypeError(`meshObserver: console must be a MeshConsole (got ${show(meshConsole)})`);
  if (options === null || typeof options !== 'object') throw new TypeError(`meshObserver: options must be an object (got ${show(options)})`);
  const sampleMs = options.sampleMs ?? 1000;
  if (typeof sampleMs !== 'number' || !Number.isFinite(sampleMs) || sampleMs <= 0) throw new RangeError(`meshObserver: options.sampleMs must be a finite number of ms > 0 (got ${show(options.sampleMs)})`);
  for (const key of ['kpis', 'mode'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') throw new TypeError(`meshObserver: options.${key} must be a function (got ${show(options[key])})`);
  }
  return new MeshObserverImpl(system, tree, meshConsole, sampleMs, options);
}

class MeshObserverImpl implements MeshObserver {
  impedanceMap: GlobalImpedanceMap | null = null;
  /** Median impedance score by cluster path, from the last map. */
  private scores = new Map<string, number>();
  /** Agents per cluster path (from the tree's plan: fixed for a mesh). */
  private readonly agentsPerCluster = new Map<string, number>();
  /** Paths whose node configures a breaker (from the plan). */
  private readonly guarded = new Set<string>();
  /** Breaker states from `circuit-changed` events (used when the handle cannot reach the hierarchy). */
  private readonly breakerEvents = new Map<string, BreakerState>();
  /** Frozen sectors and clusters, from `mesh-frozen` / `mesh-thawed` events and our own actions. */
  private readonly frozen = new Set<string>();
  private readonly ownKpis = new KpiAccumulator();
  private lastSampleAt: number | null = null;
  private inflight: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly system: ActorSystem,
    private readonly tree: TreeHandle,
    private readonly meshConsole: MeshConsole,
    private readonly sampleMs: number,
    private readonly options: MeshObserverOptions,
  ) {
    for (const cluster of meshConsole.clusters) this.agentsPerCluster.set(cluster, 0);
    for (const agent of meshConsole.agents) {
      const cluster = parentOf(agent);
      const n = this.agentsPerCluster.get(cluster);
      if (n !== undefined) this.agentsPerCluster.set(cluster, n + 1);
    }
    const walk = (node: PlanNode, parent: string) => {
      for (const name of node.names) {
        const path = `${parent}/${name}`;
        if (node.breaker !== undefined) this.guarded.add(path);
        for (const child of node.children) walk(child, path);
      }
    };
    walk(tree.plan.root, '/user');
    const subscription = system.events$.subscribe((event) => this.onEvent(event));
    this.unsubscribe = () => subscription.unsubscribe();
    this.timer = setInterval(() => void this.refresh(), sampleMs);
    this.timer.unref(); // the observer never keeps a process alive on its own
    void this.refresh();
  }

  private onEvent(event: RuntimeEvent): void {
    const e = event as RuntimeEvent & { to?: unknown };
    if (e.type === 'circuit-changed' && typeof e.to === 'string' && BREAKER_STATES.has(e.to)) this.breakerEvents.set(e.path, e.to as BreakerState);
    else if (e.type === 'mesh-frozen') this.frozen.add(e.path);
    else if (e.type === 'mesh-thawed') this.frozen.delete(e.path);
    else if (e.type === 'system-terminating') this.close();
  }

  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // One ask at a time: a slow orchestrator (a 30k wave in flight) is not asked again meanwhile.
    this.inflight ??= this.tree.root
      .ask<GlobalImpedance>((replyTo) => ({ type: 'impedance-map', replyTo }) satisfies ImpedanceMapQuery, { timeoutMs: Math.max(1000, this.sampleMs * 2) })
      .then((view) => {
        if (view.type === 'global-impedance-map' && view.map !== null) this.take(view.map);
      })
      .catch(() => undefined) // busy or stopping: keep the last map, try again next tick
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  private take(map: GlobalImpedanceMap): void {
    const scores = new Map<string, number>();
    for (const sector of map.sectors) for (const cluster of sector.clusters) scores.set(cluster.clusterId, cluster.p50Score);
    this.scores = scores;
    this.impedanceMap = map;
    const now = Date.now();
    if (this.lastSampleAt !== null) this.ownKpis.recordAvailability({ durationMs: now - this.lastSampleAt, activeRate: Math.min(1, Math.max(0, map.activeRate)) });
    this.lastSampleAt = now;
  }

  /** The state of the breaker guarding `path`'s own subtree, or null when it has none. */
  private breakerOf(path: string): BreakerState | null {
    const breaker = this.tree.breakerAt(path);
    if (breaker !== undefined) return breaker.state;
    // Breakers are made on first use; one never changed is closed.
    return this.guarded.has(path) ? (this.breakerEvents.get(path) ?? 'closed') : null;
  }

  /** Messages queued in the lead at `path` and every actor under it, now. */
  private mailboxOf(path: string): number {
    const lead = this.system.inspect(path);
    if (lead === undefined) return 0;
    let queued = 0;
    const stack = [lead];
    while (stack.length > 0) {
      const node = stack.pop()!;
      queued += node.mailbox;
      if (node.childCount > 0) stack.push(...node.children());
    }
    return queued;
  }

  heatmap(): readonly HeatCell[] {
    const cells: HeatCell[] = [];
    for (const [path, agents] of this.agentsPerCluster) {
      const sector = parentOf(path);
      const score = this.scores.get(path);
      cells.push({
        sector,
        cluster: path.slice(path.lastIndexOf('/') + 1),
        path,
        // Three significant digits, not an integer: at the simulation's speedup (1000) scores are wall-clock ms, mostly below 1.
        impedance: score === undefined ? null : Number(score.toPrecision(3)),
        mailbox: this.mailboxOf(path),
        agents,
        breaker: this.breakerOf(path),
        frozen: this.frozen.has(path) || this.frozen.has(sector),
      });
    }
    return cells;
  }

  kpis(): readonly KpiInfo[] {
    return this.options.kpis?.() ?? this.ownKpis.report();
  }

  mode(): string | null {
    if (this.options.mode !== undefined) return this.options.mode();
    const map = this.impedanceMap;
    return map === null ? null : degradationMode(Math.min(1, Math.max(0, map.activeRate)));
  }

  async act(request: ActionRequest): Promise<ActionResult> {
    const action = request?.action;
    if (action !== 'heal' && action !== 'freeze' && action !== 'thaw') throw new RangeError(`meshObserver.act: action must be 'heal', 'freeze' or 'thaw' (got ${show(action)})`);
    const path = request.path ?? (action === 'heal' ? this.tree.root.path : undefined);
    if (path === undefined) return { ok: false, action, path: '', text: `${action} needs the path of a sector or cluster, e.g. '${this.meshConsole.clusters[0] ?? ''}'` };
    try {
      if (action === 'heal') {
        const healed = this.meshConsole.heal(path);
        const reset = healed.breakersReset;
        const which = reset.length === 0 ? '' : ` (${reset.slice(0, 5).join(', ')}${reset.length > 5 ? ', …' : ''})`;
        const reach = this.tree.breakers === undefined && this.guarded.size > 0 ? '; this observer cannot reach the breakers themselves, only the quarantine' : '';
        return { ok: true, action, path, text: `${reset.length} breaker${reset.length === 1 ? '' : 's'} reset${which}, ${healed.replayed} quarantined message${healed.replayed === 1 ? '' : 's'} replayed${reach}` };
      }
      const state = action === 'freeze' ? await this.meshConsole.freeze(path) : await this.meshConsole.thaw(path);
      if (state.frozen) this.frozen.add(state.path);
      else this.frozen.delete(state.path);
      return { ok: true, action, path, text: state.frozen ? `${state.path} is frozen: it refuses new work until thawed` : `${state.path} is thawed: it takes work again` };
    } catch (error) {
      return { ok: false, action, path, text: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.unsubscribe();
  }
}

/**
 * An ObserverMesh to attach before the mesh exists (the CLI attaches the observer before the
 * run spawns its tree): empty heatmap and KPIs, no mode and refused actions until `bind`
 * hands it the real adapter, then that adapter's answers. `close` closes the bound one.
 */
export interface LateMeshObserver {
  readonly mesh: ObserverMesh;
  bind(adapter: MeshObserver): void;
  /** The bound adapter, if any. */
  readonly bound: MeshObserver | undefined;
  close(): void;
}

/** Makes a LateMeshObserver (see there). */
export function lateMeshObserver(): LateMeshObserver {
  let bound: MeshObserver | undefined;
  const mesh: ObserverMesh = {
    heatmap: () => bound?.heatmap() ?? [],
    kpis: () => bound?.kpis() ?? [],
    mode: () => bound?.mode() ?? null,
    act: (request) => (bound !== undefined ? bound.act(request) : Promise.resolve({ ok: false, action: request.action, path: request.path ?? '', text: 'the mesh is not spawned yet: try again in a moment' })),
  };
  return {
    mesh,
    bind(adapter: MeshObserver): void {
      if (bound !== undefined) throw new Error('lateMeshObserver.bind: an adapter is already bound');
      bound = adapter;
    },
    get bound() {
      return bound;
    },
    close: () => bound?.close(),
  };
}
