import type { ActorContext, ActorRef, ActorSystem } from '../../src/index.js';
import { clusterAggregate, globalImpedanceMap, sectorAggregate } from '../impedance/index.js';
import type { AgentImpedance, ClusterAggregate, GlobalImpedanceMap, SectorAggregate } from '../impedance/index.js';
import { agentSimFor } from './agent-sims.js';
import { hashOf, meshSettings } from './wave.js';

/**
 * MESH-30K heartbeats (parts 4.1-4.3) as messages between the mesh actors.
 *
 *   cluster lead --heartbeat--> its agents        every `intervalMs` (ONE timer per lead)
 *   cluster lead <-agent-heartbeat-- each agent   its profiler's AgentImpedance
 *   cluster lead --cluster-heartbeat--> sector    its ClusterAggregate (previous carried)
 *   sector --sector-heartbeat--> orchestrator     its SectorAggregate
 *   orchestrator                                  keeps the global map (made when asked)
 *
 * A beat closes when every agent answered or after `gatherTimeoutMs` (mesh settings); an
 * agent that did not answer keeps its last snapshot, marked 'offline'. A sector reports
 * up once every cluster reported since its last report, or when a cluster reports a
 * second time first (a silent cluster holds the sector back one interval at most). The
 * orchestrator computes the global map lazily, when someone asks for it.
 *
 * Queries: a cluster lead answers `impedances` with its agents' latest AgentImpedance
 * (agents quarantined by the conflict desk show as 'quarantined'); `impedance-map` is
 * answered by each level with what it keeps (cluster aggregate, sector aggregate, global
 * map). `heartbeat-now` makes every level below beat at once and answers when the level's
 * view is updated (tests and the console need a fresh map without waiting).
 *
 * Anomaly flags (the agents' spike / degraded / unstable, the clusters' spike / degraded /
 * unstable, the sectors' unhealthy) that turn on or off are `impedance-anomaly` events:
 * { level, path, flag, on }.
 *
 * Cost at 30,000 agents: one timer per cluster lead, its first beat at a phase hashed from
 * its path so the 1,000 leads do not beat at once; per beat one request per cluster (the
 * same object to all its agents), one snapshot and one small reply per agent; the
 * aggregates are per cluster (30 agents) and per sector (10 clusters). Measured (2-core
 * machine): a beat of all 30,000 agents takes about 200 ms of CPU, most of it in the
 * profilers' snapshots, clusterAggregate and the garbage collector: at a 1 s interval an
 * idle 30k mesh spent about a third of a core on heartbeats, so the default is part
 * 4.1's 5 s (about 7 % of a core); the scenario asks for a fresh beat (`heartbeat-now`)
 * before it predicts. Monitoring
 * yields to work: a lead skips ticks that come less than an interval after it received a
 * wave (at most three in a row), so beats do not land in the waves' latency.
 *
 * Settings are per system (configureHeartbeats) and read when a cluster lead starts:
 * configure them before spawning the tree.
 */

/** Per-system heartbeat settings. */
export interface HeartbeatSettings {
  /** Whether cluster leads beat on their own (`heartbeat-now` works either way). */
  readonly enabled: boolean;
  /** Wall-clock ms between two beats of a cluster lead. */
  readonly intervalMs: number;
}

export const HEARTBEAT_DEFAULTS: HeartbeatSettings = Object.freeze({ enabled: true, intervalMs: 5000 });

const settingsBySystem = new WeakMap<ActorSystem, HeartbeatSettings>();

/** Sets the heartbeat settings of `system` (missing fields keep the defaults). */
export function configureHeartbeats(system: ActorSystem, settings: Partial<HeartbeatSettings>): HeartbeatSettings {
  if (settings === null || typeof settings !== 'object') throw new TypeError(`configureHeartbeats: settings must be an object such as { intervalMs: 1000, enabled: true } (got ${String(settings)})`);
  const resolved = { ...HEARTBEAT_DEFAULTS, ...settings };
  if (typeof resolved.enabled !== 'boolean') throw new TypeError(`configureHeartbeats: settings.enabled must be a boolean (got ${String(resolved.enabled)})`);
  if (typeof resolved.intervalMs !== 'number' || !Number.isFinite(resolved.intervalMs) || resolved.intervalMs <= 0) throw new RangeError(`configureHeartbeats: settings.intervalMs must be a finite number of ms > 0 (got ${String(resolved.intervalMs)})`);
  const frozen = Object.freeze(resolved);
  settingsBySystem.set(system, frozen);
  return frozen;
}

export function heartbeatSettings(system: ActorSystem): HeartbeatSettings {
  return settingsBySystem.get(system) ?? HEARTBEAT_DEFAULTS;
}

// ------------------------------------------------------------------ messages

/** A cluster lead's own timer: time to beat. */
export interface HeartbeatTick {
  readonly type: 'heartbeat-tick';
}

/** A cluster lead's own timer: the window of beat `beat` closed. */
export interface HeartbeatWindow {
  readonly type: 'heartbeat-window';
  readonly beat: number;
}

/** Cluster lead -> agent: report your impedance (snapshot taken at `at`). */
export interface Heartbeat {
  readonly type: 'heartbeat';
  readonly beat: number;
  readonly at: number;
  readonly replyTo: ActorRef<AgentHeartbeat>;
}

/** Agent -> cluster lead. */
export interface AgentHeartbeat {
  readonly type: 'agent-heartbeat';
  readonly beat: number;
  readonly impedance: AgentImpedance;
}

/** Cluster lead -> sector coordinator, once per beat. */
export interface ClusterHeartbeat {
  readonly type: 'cluster-heartbeat';
  readonly aggregate: ClusterAggregate;
  /** The cluster lead is frozen (routing skips it). */
  readonly frozen: boolean;
}

/** Sector coordinator -> orchestrator. */
export interface SectorHeartbeat {
  readonly type: 'sector-heartbeat';
  readonly aggregate: SectorAggregate;
  readonly frozen: boolean;
  /** Frozen cluster leads of the sector, as their last heartbeats said. */
  readonly frozenClusters: readonly string[];
}

/** Beat now, at every level below; answered (when `replyTo` is given) with the level's ImpedanceView. */
export interface HeartbeatNow {
  readonly type: 'heartbeat-now';
  readonly replyTo?: ActorRef<ImpedanceView>;
}

/** To a cluster lead: its agents' latest AgentImpedance. */
export interface ImpedancesQuery {
  readonly type: 'impedances';
  readonly replyTo: ActorRef<AgentImpedances>;
}

export interface AgentImpedances {
  readonly type: 'agent-impedances';
  /** Path of the cluster lead. */
  readonly from: string;
  readonly frozen: boolean;
  readonly agents: readonly AgentImpedance[];
}

/** To any coordinator: what it keeps (answered with an ImpedanceView). */
export interface ImpedanceMapQuery {
  readonly type: 'impedance-map';
  readonly replyTo: ActorRef<ImpedanceView>;
}

export interface ClusterImpedance {
  readonly type: 'cluster-impedance';
  readonly from: string;
  /** Null before the first beat. */
  readonly aggregate: ClusterAggregate | null;
}

export interface SectorImpedance {
  readonly type: 'sector-impedance';
  readonly from: string;
  readonly aggregate: SectorAggregate | null;
}

export interface GlobalImpedance {
  readonly type: 'global-impedance-map';
  readonly from: string;
  readonly map: GlobalImpedanceMap | null;
}

export type ImpedanceView = ClusterImpedance | SectorImpedance | GlobalImpedance;

/** A continuation to run inside the actor (asks made by a handler resolve outside it). */
export interface MeshContinue {
  readonly type: 'mesh-continue';
  readonly run: () => void;
}

export type HeartbeatMsg = HeartbeatTick | HeartbeatWindow | AgentHeartbeat | ClusterHeartbeat | SectorHeartbeat | HeartbeatNow | ImpedancesQuery | ImpedanceMapQuery | MeshContinue;

/** The `impedance-anomaly` event's fields. */
export interface ImpedanceAnomalyFields {
  readonly level: 'agent' | 'cluster' | 'sector';
  readonly path: string;
  readonly flag: 'spike' | 'degraded' | 'unstable' | 'unhealthy';
  readonly on: boolean;
}

function anomaly(system: ActorSystem, level: ImpedanceAnomalyFields['level'], path: string, flag: ImpedanceAnomalyFields['flag'], on: boolean): void {
  system.publish({ type: 'impedance-anomaly', timestamp: Date.now(), level, path, flag, on });
}

const FLAGS = ['spike', 'degraded', 'unstable'] as const;

/** How long a level waits for the level below in a `heartbeat-now`, wall-clock ms. */
function nowTimeoutMs(system: ActorSystem, levelsBelow: number): number {
  return meshSettings(system).gatherTimeoutMs * (levelsBelow + 1) + 100 * levelsBelow;
}

/** Asks each ref, with `timeoutMs`; resolves with the answers that came (a refused or late one is left out). */
function askAll<R>(refs: readonly ActorRef<unknown>[], build: (replyTo: ActorRef<R>) => unknown, timeoutMs: number): Promise<R[]> {
  return Promise.all(refs.map((ref) => ref.ask<R>(build, { timeoutMs }).catch(() => undefined))).then((all) => all.filter((x) => x !== undefined) as R[]);
}

// ------------------------------------------------------------------ agents

/** An agent's answer to a heartbeat: its profiler's snapshot (its simulation made if it had none). */
export function agentHeartbeat(message: Heartbeat, ctx: ActorContext<unknown>): void {
  message.replyTo.tell({ type: 'agent-heartbeat', beat: message.beat, impedance: agentSimFor(ctx).profiler.snapshot(message.at) });
}

// ------------------------------------------------------------------ cluster leads

const TICK: HeartbeatTick = Object.freeze({ type: 'heartbeat-tick' });

/** Ticks a cluster lead may skip in a row because it is busy with waves. */
const MAX_DEFERRED = 3;

/** What one cluster lead keeps of its agents' heartbeats. */
export class ClusterHeartbeats {
  private beat = 0;
  private open = false;
  private expected = 0;
  /** Agents (paths) that answered the open beat. */
  private readonly answered = new Set<string>();
  /** Each agent's latest snapshot, by path (as the agent sent it, or marked offline). */
  private readonly latest = new Map<string, AgentImpedance>();
  private aggregate: ClusterAggregate | null = null;
  /** Askers of `heartbeat-now` waiting for the open beat to close. */
  private waiting: ActorRef<ImpedanceView>[] = [];
  private periodic = false;
  /** When the lead last received a wave (Date.now()); a tick soon after it is deferred once. */
  private lastWaveAt = Number.NEGATIVE_INFINITY;
  /** Ticks skipped in a row. */
  private deferred = 0;

  constructor(
    private readonly isFrozen: () => boolean,
    /** Agents the conflict desk quarantined: shown as 'quarantined' (routing skips them). */
    private readonly isQuarantined: (agentPath: string) => boolean,
  ) {}

  /**
   * Starts the lead's timer (when heartbeats are enabled). The first beat comes one
   * interval after the start plus a phase hashed from the lead's path, in [0, intervalMs):
   * the leads of a mesh do not beat all at once, and none beats while the tree is still
   * being spawned.
   */
  start(ctx: ActorContext<unknown>): void {
    const settings = heartbeatSettings(ctx.system);
    if (!settings.enabled) return;
    const phase = hashOf(ctx.path, 0x4eab) % Math.max(1, Math.floor(settings.intervalMs));
    ctx.timers.startSingleTimer('heartbeat', TICK, settings.intervalMs + phase);
  }

  /** The lead received a wave: monitoring yields to it (see `tick`). */
  waveSeen(): void {
    this.lastWaveAt = Date.now();
  }

  /**
   * The timer fired: beat, and from the first tick on, every intervalMs. Monitoring yields
   * to work: a tick less than an interval after the lead received a wave is skipped,
   * but at most MAX_DEFERRED in a row, so a beat is at most MAX_DEFERRED + 1 intervals old
   * even under a stream of waves. (A beat of all 30,000 agents costs about 200 ms of CPU;
   * landing in a wave, it would be paid by the wave's latency.)
   */
  tick(ctx: ActorContext<unknown>): void {
    const intervalMs = heartbeatSettings(ctx.system).intervalMs;
    if (!this.periodic) {
      this.periodic = true;
      ctx.timers.startPeriodicTimer('heartbeat', TICK, intervalMs);
    }
    if (this.deferred < MAX_DEFERRED && Date.now() - this.lastWaveAt < intervalMs) {
      this.deferred++;
      return;
    }
    this.deferred = 0;
    this.beatNow(ctx);
  }

  /** Starts a beat (closing an open one first); `replyTo` hears when it closes. */
  beatNow(ctx: ActorContext<unknown>, replyTo?: ActorRef<ImpedanceView>): void {
    if (this.open) this.close(ctx);
    if (replyTo !== undefined) this.waiting.push(replyTo);
    const beat = ++this.beat;
    const children = ctx.children;
    this.open = true;
    this.expected = children.length;
    const request: Heartbeat = { type: 'heartbeat', beat, at: Date.now(), replyTo: ctx.self as ActorRef<AgentHeartbeat> };
    for (const child of children) child.tell(request);
    if (this.expected === 0) this.close(ctx);
    else ctx.timers.startSingleTimer('heartbeat-window', { type: 'heartbeat-window', beat } satisfies HeartbeatWindow, meshSettings(ctx.system).gatherTimeoutMs);
  }

  /** The latest heartbeat of the agent at `path` (undefined before its first). */
  impedanceOf(path: string): AgentImpedance | undefined {
    return this.latest.get(path);
  }

  /** An agent answered. */
  answer(message: AgentHeartbeat, ctx: ActorContext<unknown>): void {
    const imp = message.impedance;
    const had = this.latest.get(imp.agentId);
    this.latest.set(imp.agentId, imp);
    // Three compares per agent: an event only when a flag turns on or off.
    const before = had?.flags;
    if (before === undefined ? imp.flags.spike || imp.flags.degraded || imp.flags.unstable : before.spike !== imp.flags.spike || before.degraded !== imp.flags.degraded || before.unstable !== imp.flags.unstable) {
      for (const flag of FLAGS) if ((before?.[flag] ?? false) !== imp.flags[flag]) anomaly(ctx.system, 'agent', imp.agentId, flag, imp.flags[flag]);
    }
    if (!this.open || message.beat !== this.beat) return; // late: kept, but the beat it belonged to is closed
    this.answered.add(imp.agentId);
    if (this.answered.size >= this.expected) this.close(ctx);
  }

  /** The window of a beat closed. */
  window(message: HeartbeatWindow, ctx: ActorContext<unknown>): void {
    if (this.open && message.beat === this.beat) this.close(ctx);
  }

  /** The agents' latest snapshots, quarantined ones shown as such. */
  agents(): AgentImpedance[] {
    const out: AgentImpedance[] = [];
    for (const a of this.latest.values()) out.push(a.operationalState === 'active' && this.isQuarantined(a.agentId) ? { ...a, operationalState: 'quarantined' } : a);
    return out;
  }

  /** Answers `impedances`. */
  impedances(message: ImpedancesQuery, ctx: ActorContext<unknown>): void {
    message.replyTo.tell({ type: 'agent-impedances', from: ctx.path, frozen: this.isFrozen(), agents: this.agents() });
  }

  view(ctx: ActorContext<unknown>): ClusterImpedance {
    return { type: 'cluster-impedance', from: ctx.path, aggregate: this.aggregate };
  }

  private close(ctx: ActorContext<unknown>): void {
    this.open = false;
    ctx.timers.cancel('heartbeat-window');
    // An agent that did not answer keeps its last figures, but is no longer counted active.
    for (const [path, a] of this.latest) if (!this.answered.has(path) && a.operationalState !== 'offline') this.latest.set(path, { ...a, operationalState: 'offline' });
    this.answered.clear();
    const clusterId = ctx.path;
    const sectorId = clusterId.slice(0, Math.max(0, clusterId.lastIndexOf('/'))) || clusterId;
    const previous = this.aggregate;
    const aggregate = clusterAggregate(clusterId, sectorId, this.agents(), { at: Date.now(), ...(previous === null ? {} : { previous }) });
    this.aggregate = aggregate;
    for (const flag of FLAGS) if ((previous?.flags[flag] ?? false) !== aggregate.flags[flag]) anomaly(ctx.system, 'cluster', clusterId, flag, aggregate.flags[flag]);
    ctx.parent.tell({ type: 'cluster-heartbeat', aggregate, frozen: this.isFrozen() } satisfies ClusterHeartbeat);
    const view = this.view(ctx);
    for (const r of this.waiting) r.tell(view);
    this.waiting = [];
  }
}

// ------------------------------------------------------------------ sector coordinators

/** What one sector coordinator keeps of its clusters' heartbeats. */
export class SectorHeartbeats {
  private readonly latest = new Map<string, ClusterAggregate>();
  private readonly frozenClusters = new Set<string>();
  /** Clusters that reported since the last report up. */
  private readonly fresh = new Set<string>();
  private aggregate: SectorAggregate | null = null;

  constructor(private readonly isFrozen: () => boolean) {}

  /** A cluster lead's beat. */
  cluster(message: ClusterHeartbeat, ctx: ActorContext<unknown>): void {
    const id = message.aggregate.clusterId;
    if (this.fresh.has(id)) this.report(ctx); // it beat twice: do not wait longer for the silent ones
    this.latest.set(id, message.aggregate);
    if (message.frozen) this.frozenClusters.add(id);
    else this.frozenClusters.delete(id);
    this.fresh.add(id);
    if (this.fresh.size >= ctx.children.length) this.report(ctx);
  }

  /** `heartbeat-now`: every cluster lead beats; answers once they all reported (or timed out). */
  now(message: HeartbeatNow, ctx: ActorContext<unknown>): void {
    const self = ctx.self as ActorRef<MeshContinue>;
    void askAll<ImpedanceView>(ctx.children, (replyTo) => ({ type: 'heartbeat-now', replyTo }), nowTimeoutMs(ctx.system, 1)).then(() =>
      // The clusters' heartbeats are in the mailbox before this continuation.
      self.tell({
        type: 'mesh-continue',
        run: () => {
          if (this.fresh.size > 0 || this.aggregate === null) this.report(ctx);
          message.replyTo?.tell(this.view(ctx));
        },
      }),
    );
  }

  view(ctx: ActorContext<unknown>): SectorImpedance {
    return { type: 'sector-impedance', from: ctx.path, aggregate: this.aggregate };
  }

  private report(ctx: ActorContext<unknown>): void {
    this.fresh.clear();
    const previous = this.aggregate;
    const aggregate = sectorAggregate(ctx.path, [...this.latest.values()], { at: Date.now() });
    this.aggregate = aggregate;
    const wasHealthy = previous?.healthy ?? true;
    if (wasHealthy !== aggregate.healthy) anomaly(ctx.system, 'sector', ctx.path, 'unhealthy', !aggregate.healthy);
    ctx.parent.tell({ type: 'sector-heartbeat', aggregate, frozen: this.isFrozen(), frozenClusters: [...this.frozenClusters] } satisfies SectorHeartbeat);
  }
}

// ------------------------------------------------------------------ orchestrator

/** The orchestrator's global impedance map (4.3), made from the sectors' heartbeats when asked. */
export class GlobalHeartbeats {
  private readonly latest = new Map<string, SectorAggregate>();
  private cached: GlobalImpedanceMap | null = null;
  private dirty = false;

  /** A sector's report. */
  sector(message: SectorHeartbeat): void {
    const id = message.aggregate.sectorId;
    this.latest.set(id, message.aggregate);
    this.dirty = true;
  }

  /** The global map (null before any sector reported). */
  map(): GlobalImpedanceMap | null {
    if (this.dirty) {
      this.cached = globalImpedanceMap([...this.latest.values()], { at: Date.now() });
      this.dirty = false;
    }
    return this.cached;
  }

  /** `heartbeat-now`: every level below beats; answers with the updated map. */
  now(message: HeartbeatNow, ctx: ActorContext<unknown>): void {
    const self = ctx.self as ActorRef<MeshContinue>;
    void askAll<ImpedanceView>(ctx.children, (replyTo) => ({ type: 'heartbeat-now', replyTo }), nowTimeoutMs(ctx.system, 2)).then(() =>
      self.tell({ type: 'mesh-continue', run: () => message.replyTo?.tell(this.view(ctx)) }),
    );
  }

  view(ctx: ActorContext<unknown>): GlobalImpedance {
    return { type: 'global-impedance-map', from: ctx.path, map: this.map() };
  }
}
