import { isAgentType } from './agent-types.js';
import type { ActorRef, ActorSystem } from '../../src/index.js';
import type { PlanNode, TreeHandle } from '../../supervisors/config/index.js';
import type { QuarantineStore } from '../../supervisors/quarantine.js';
import { IMPEDANCE_CLASSES, isImpedanceClass, routeInCluster } from '../impedance/index.js';
import type { AgentImpedance, ImpedanceClass } from '../impedance/index.js';
import { DEFAULT_WAVE_LEVELS, DigestBuilder, EMPTY_DIGEST, arrivalWindow, evaluateGather } from '../protocol/index.js';
import type { GatherResponse, LatencyDigest, PriorityPhase, Trinary, TrinaryCounts } from '../protocol/index.js';
import { agentSimOf } from '../mesh-types.js';
import type { Answer, Deliver, FreezeState, Question, Refused, Task, TaskDone } from '../mesh-types.js';
import { checkPriorityOrder, runPriorityCascade } from './priority-cascade.js';
import type { PhaseReply, PriorityPhaseResult } from './priority-cascade.js';
import { meshStatus } from './status.js';
import type { MeshStatus } from './status.js';
import { agentClassOf, meshSettings } from './wave.js';
import type { Wave, WaveReport } from './wave.js';

/**
 * The orchestrator console (part 7.1) as an API over a running mesh: a system with the
 * mesh types registered and the handle `spawnTree` returned.
 *
 *   status()                      one wave cascade, measured into part 7.1's MeshStatus
 *   broadcast(message, {cascade}) a wave carrying `message`: down the tree ('wave'), to
 *                                 every agent at once ('parallel'), or class by class,
 *                                 critical first ('priority'); counts of ACKs, judged
 *   ask(agentPath, question)      the agent's Answer
 *   delegate(cls, task)           the task to the lowest-impedance agent of that class
 *   heal(path)                    resets the breakers at and under `path`, replays quarantine
 *   freeze(path) / thaw(path)     a frozen sector or cluster refuses new work (waves, asks,
 *                                 tasks) until thawed; `mesh-frozen` / `mesh-thawed` events
 *
 * Work for one agent (ask, delegate, parallel broadcast) is delivered from the root down
 * through the coordinators (`deliver`), so a frozen coordinator on the way refuses it.
 * Every method checks its arguments and throws a TypeError or RangeError naming the
 * argument and the value it got.
 */

/**
 * How `broadcast` reaches the agents (MESH-30K 3.3), and how the result is judged:
 *
 *   'wave'      the root asks its sectors, they their clusters, they their agents
 *               (WaveGatherer). FAILED_AT_SECTOR when fewer than 98 % of the sectors
 *               reported (the document's sector threshold; each sector that gathered adds
 *               one sample to the root report's 'sector-coordinator' digest, a frozen one
 *               adds none), else SUCCESS when READY / agents >= 0.95 (the planner's agent
 *               level, DEFAULT_WAVE_LEVELS), else PARTIAL.
 *   'parallel'  every agent at once, each delivered from the root down (`deliver`), judged
 *               by evaluateGather with the document's 0.90: SUCCESS or PARTIAL. The arrival
 *               window is the ask timeout (every reply that came is in it).
 *   'priority'  class by class in DEFAULT_PRIORITY_ORDER (GPU first, LOCAL last), each
 *               phase delivered in parallel and waiting for its own minimum response rate
 *               or its phase timeout (actors/mesh/priority-cascade.ts); a phase that fell
 *               short publishes 'cascade-degraded' and the next one starts anyway, so the
 *               status is always COMPLETE. F_HUMAN agents are not in the document's order:
 *               they are not sent the wave and are listed in `unplanned` (a `priorityOrder`
 *               ending in CLASS_F_HUMAN reaches them).
 */
export type Cascade = 'wave' | 'parallel' | 'priority';
export const CASCADES: readonly Cascade[] = ['wave', 'parallel', 'priority'];

/** The document's thresholds a broadcast is judged against. */
export const BROADCAST_THRESHOLDS = Object.freeze({
  /** 3.3 wave, step 1: the sector coordinators ("higher threshold for coordinators"). */
  waveSectors: DEFAULT_WAVE_LEVELS[0]!.minimumResponseRate,
  /** The wave's agent level (DEFAULT_WAVE_LEVELS). */
  waveAgents: DEFAULT_WAVE_LEVELS[DEFAULT_WAVE_LEVELS.length - 1]!.minimumResponseRate,
  /** 3.3 parallel: "lower threshold for speed". */
  parallel: 0.9,
});

export type BroadcastStatus = 'SUCCESS' | 'PARTIAL' | 'FAILED_AT_SECTOR' | 'COMPLETE';

export interface MeshConsoleOptions {
  /** Where quarantined mail waits (heal replays it); none by default. */
  readonly quarantine?: QuarantineStore;
  /** Default timeout of asks and waves, ms (default: 4 x gatherTimeoutMs + 1000). */
  readonly timeoutMs?: number;
}

export interface BroadcastOptions {
  readonly cascade: Cascade;
  /** How long one ask (the wave, or one agent's delivery) may take, ms (default: the console's). */
  readonly timeoutMs?: number;
  /** 'priority' only: the longest one phase waits, ms (default: the mesh's gatherTimeoutMs, at most timeoutMs). */
  readonly phaseTimeoutMs?: number;
  /** 'priority' only: the phases in order, document class names (default DEFAULT_PRIORITY_ORDER). */
  readonly priorityOrder?: readonly PriorityPhase[];
}

export interface BroadcastResult {
  readonly cascade: Cascade;
  readonly waveId: number;
  /** Agents of the mesh. */
  readonly agents: number;
  /** ACKs by state. */
  readonly counts: TrinaryCounts;
  /** READY + TRANSIT + CONFLICT. */
  readonly acked: number;
  /** Agents (or coordinators, in a cascade) that did not answer in time. */
  readonly missing: number;
  /** Frozen coordinators that refused the wave. */
  readonly refusedBy: readonly string[];
  /** Agent reply delays, wall-clock ms. */
  readonly agentDelays: LatencyDigest;
  /** The verdict: SUCCESS or PARTIAL against `minimumResponseRate`, FAILED_AT_SECTOR ('wave'), COMPLETE ('priority', always). */
  readonly status: BroadcastStatus;
  /** READY / agents ('priority': READY counted in their phases / agents of the phases). */
  readonly responseRate: number;
  /** The rate `status` was judged against (null for 'priority': each phase has its own). */
  readonly minimumResponseRate: number | null;
  /** Wall-clock ms of the whole broadcast (performance.now). */
  readonly ms: number;
  /** 'wave' only: sectors that gathered and reported / sectors (null with no sectors). */
  readonly sectorResponseRate?: number | null;
  /** 'priority' only: each phase, in the order run. */
  readonly phases?: readonly PriorityPhaseResult[];
  /** 'priority' only: agents whose class is not in the order (F_HUMAN by default), not sent the wave. */
  readonly unplanned?: readonly string[];
}

export interface DelegationResult {
  readonly agent: string;
  readonly cls: ImpedanceClass;
  /** 'impedance': picked by routeInCluster over the agents' profiler snapshots; 'class': no agent of the class has a profile yet (no wave reached it), the first by path. */
  readonly routing: 'impedance' | 'class';
  /** The picked agent's impedance score (null when routed by class). */
  readonly score: number | null;
  /** Agents passed over: quarantined after a CONFLICT (their tasks wait for heal), or refused by a frozen coordinator. */
  readonly skipped: readonly string[];
  readonly done: TaskDone;
}

export interface HealResult {
  readonly path: string;
  /** Breakers at or under `path` that were not closed and were reset. */
  readonly breakersReset: readonly string[];
  /** Quarantined messages replayed (entries at or under `path`). */
  readonly replayed: number;
}

/** Work refused by a frozen coordinator (or with no actor at its target). */
export class MeshRefusedError extends Error {
  constructor(readonly refusal: Refused) {
    super(`'${refusal.target}' refused by '${refusal.by}': ${refusal.reason}`);
    this.name = 'MeshRefusedError';
  }
}

const show = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : typeof value === 'function' ? 'a function' : (JSON.stringify(value) ?? String(value)));

function nonEmptyString(method: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new TypeError(`MeshConsole.${method}: ${name} must be a non-empty string (got ${show(value)})`);
  return value;
}

function positiveMs(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`MeshConsole.${method}: ${name} must be a finite number of ms > 0 (got ${show(value)})`);
  return value;
}

const isRefused = (x: unknown): x is Refused => (x as { type?: unknown }).type === 'refused';

/** An agent's one ACK (its report's counts hold exactly one 1) as a trinary state. */
const stateOf = (c: TrinaryCounts): Trinary => (c.ready > 0 ? 1 : c.conflict > 0 ? -1 : 0);

export class MeshConsole {
  /** Every actor path of the mesh, with its type, in spawn order. */
  readonly paths: ReadonlyMap<string, string>;
  readonly agents: readonly string[];
  readonly clusters: readonly string[];
  readonly sectors: readonly string[];
  private readonly timeoutMs: number;
  private waveId = 0;
  private conflicts = 0;

  constructor(
    private readonly system: ActorSystem,
    private readonly tree: TreeHandle,
    private readonly options: MeshConsoleOptions = {},
  ) {
    if (system === null || typeof system !== 'object' || typeof (system as Partial<ActorSystem>).lookup !== 'function') throw new TypeError(`MeshConsole: system must be an ActorSystem (got ${show(system)})`);
    if (tree === null || typeof tree !== 'object' || tree.plan === undefined || tree.root === undefined) throw new TypeError(`MeshConsole: tree must be the handle spawnTree returned (got ${show(tree)})`);
    if (options.timeoutMs !== undefined) positiveMs('constructor', 'options.timeoutMs', options.timeoutMs);
    const paths = new Map<string, string>();
    const walk = (node: PlanNode, parent: string) => {
      for (const name of node.names) {
        const path = `${parent}/${name}`;
        paths.set(path, node.type);
        for (const child of node.children) walk(child, path);
      }
    };
    walk(tree.plan.root, '/user');
    this.paths = paths;
    const ofType = (type: string) => [...paths].filter(([, t]) => t === type).map(([p]) => p);
    this.agents = [...paths].filter(([, t]) => isAgentType(t)).map(([p]) => p);
    this.clusters = ofType('cluster-lead');
    this.sectors = ofType('sector-coordinator');
    this.timeoutMs = options.timeoutMs ?? meshSettings(system).gatherTimeoutMs * 4 + 1000;
  }

  /** Part 7.1: one wave cascade measures the agents active; mode from the active rate; breakers open. */
  async status(): Promise<MeshStatus> {
    const wave = await this.broadcast('status', { cascade: 'wave' });
    return meshStatus({
      agentsActive: wave.acked,
      agentsTotal: this.agents.length,
      sectorsTotal: this.sectors.length,
      agentDelays: wave.agentDelays,
      speedup: meshSettings(this.system).speedup,
      conflicts: this.conflicts,
      breakers: this.tree.breakers,
    });
  }

  /**
   * Sends `message` to every agent by the cascade `options.cascade` (see `Cascade`), counts
   * their ACKs and judges the result against the document's thresholds.
   */
  async broadcast(message: string, options: BroadcastOptions): Promise<BroadcastResult> {
    nonEmptyString('broadcast', 'message', message);
    const valid = CASCADES.map((c) => `'${c}'`).join(' | ');
    if (options === null || typeof options !== 'object') throw new TypeError(`MeshConsole.broadcast: options must be { cascade: ${valid} } (got ${show(options)})`);
    if (!CASCADES.includes(options.cascade)) throw new RangeError(`MeshConsole.broadcast: options.cascade must be one of ${CASCADES.map((c) => `'${c}'`).join(', ')} (got ${show(options.cascade)})`);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : positiveMs('broadcast', 'options.timeoutMs', options.timeoutMs);
    if (options.cascade !== 'priority') {
      for (const key of ['phaseTimeoutMs', 'priorityOrder'] as const) {
        if (options[key] !== undefined) throw new TypeError(`MeshConsole.broadcast: options.${key} applies to cascade 'priority' only (got cascade ${show(options.cascade)} with ${key} ${show(options[key])})`);
      }
    }
    const phaseTimeoutMs = options.phaseTimeoutMs === undefined ? Math.min(timeoutMs, meshSettings(this.system).gatherTimeoutMs) : positiveMs('broadcast', 'options.phaseTimeoutMs', options.phaseTimeoutMs);
    if (options.priorityOrder !== undefined) checkPriorityOrder(options.priorityOrder, 'MeshConsole.broadcast: options.priorityOrder');
    const waveId = ++this.waveId;
    const result =
      options.cascade === 'wave'
        ? await this.waveCascade(message, waveId, timeoutMs)
        : options.cascade === 'parallel'
          ? await this.parallelCascade(message, waveId, timeoutMs)
          : await this.priorityCascade(message, waveId, timeoutMs, phaseTimeoutMs, options.priorityOrder);
    this.conflicts += result.counts.conflict;
    return result;
  }

  /** 'wave': one ask of the root; the sector level judged from its report. */
  private async waveCascade(message: string, waveId: number, timeoutMs: number): Promise<BroadcastResult> {
    const started = performance.now();
    const report = await this.tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId, replyTo, message }) satisfies Wave, { timeoutMs });
    const c = report.counts;
    const sectorResponseRate = this.sectors.length === 0 ? null : (report.latencies?.['sector-coordinator']?.count ?? 0) / this.sectors.length;
    const responseRate = this.agents.length === 0 ? 0 : c.ready / this.agents.length;
    const { waveSectors, waveAgents } = BROADCAST_THRESHOLDS;
    const status: BroadcastStatus = sectorResponseRate !== null && sectorResponseRate < waveSectors ? 'FAILED_AT_SECTOR' : responseRate >= waveAgents ? 'SUCCESS' : 'PARTIAL';
    return {
      cascade: 'wave',
      waveId,
      agents: this.agents.length,
      counts: c,
      acked: c.ready + c.transit + c.conflict,
      missing: report.missing,
      refusedBy: report.frozen ?? [],
      agentDelays: report.latencies?.['agent'] ?? EMPTY_DIGEST,
      status,
      responseRate,
      minimumResponseRate: status === 'FAILED_AT_SECTOR' ? waveSectors : waveAgents,
      ms: performance.now() - started,
      sectorResponseRate,
    };
  }

  /** 'parallel': every agent delivered at once; evaluateGather at 0.90 over the replies. */
  private async parallelCascade(message: string, waveId: number, timeoutMs: number): Promise<BroadcastResult> {
    const started = performance.now();
    const counts = { ready: 0, transit: 0, conflict: 0 };
    const refusedBy = new Set<string>();
    const delays = new DigestBuilder();
    const responses: GatherResponse[] = [];
    let missing = 0;
    await Promise.all(
      this.agents.map(async (target) => {
        try {
          const r = await this.deliver<WaveReport>(target, (replyTo) => ({ type: 'wave', waveId, replyTo: replyTo as ActorRef<WaveReport>, message }), timeoutMs);
          if (isRefused(r)) {
            if (r.reason === 'frozen') refusedBy.add(r.by);
            else missing++;
            return;
          }
          responses.push({ id: target, arrivedAtMs: performance.now(), state: stateOf(r.counts) });
          counts.ready += r.counts.ready;
          counts.transit += r.counts.transit;
          counts.conflict += r.counts.conflict;
          if (r.delayMs !== undefined) delays.add(r.delayMs);
        } catch {
          missing++; // no answer in time (or the path is gone)
        }
      }),
    );
    const ended = performance.now();
    // The window [started, ended + (ended - started)] holds every reply that came: the asks' timeout was the window.
    const verdict = evaluateGather(this.agents, responses, arrivalWindow(ended, { defaultHalfWidthMs: ended - started }), { minimumResponseRate: BROADCAST_THRESHOLDS.parallel });
    return {
      cascade: 'parallel',
      waveId,
      agents: this.agents.length,
      counts,
      acked: counts.ready + counts.transit + counts.conflict,
      missing,
      refusedBy: [...refusedBy].sort(),
      agentDelays: delays.build(),
      status: verdict.status,
      responseRate: verdict.responseRate,
      minimumResponseRate: BROADCAST_THRESHOLDS.parallel,
      ms: ended - started,
    };
  }

  /** 'priority': phases by class (priority-cascade.ts); shortfalls published as 'cascade-degraded'. */
  private async priorityCascade(message: string, waveId: number, timeoutMs: number, phaseTimeoutMs: number, order: readonly PriorityPhase[] | undefined): Promise<BroadcastResult> {
    const seed = meshSettings(this.system).seed;
    const delays = new DigestBuilder();
    const root = this.tree.root.path;
    const send = async (target: string): Promise<PhaseReply> => {
      const r = await this.deliver<WaveReport>(target, (replyTo) => ({ type: 'wave', waveId, replyTo: replyTo as ActorRef<WaveReport>, message }), timeoutMs);
      if (isRefused(r)) {
        if (r.reason === 'frozen') return { refusedBy: r.by };
        throw new MeshRefusedError(r); // no such actor: the target is missing
      }
      if (r.delayMs !== undefined) delays.add(r.delayMs);
      return { state: stateOf(r.counts) };
    };
    const onPhaseEnd = (phase: PriorityPhaseResult) => {
      const fields = { cascade: 'priority', waveId, phase: phase.index, cls: phase.cls, targets: phase.targets.length, acked: phase.acked, rate: phase.responseRate, threshold: phase.threshold, endedBy: phase.endedBy, ms: phase.ms };
      this.system.publish({ type: 'cascade-phase-ended', timestamp: Date.now(), path: root, ...fields, met: phase.met });
      if (!phase.met) this.system.publish({ type: 'cascade-degraded', timestamp: Date.now(), path: root, ...fields, refusedBy: phase.refusedBy, recommendation: phase.recommendation });
    };
    const run = await runPriorityCascade({ agents: this.agents, classOf: (path) => agentClassOf(path, seed), send, phaseTimeoutMs, onPhaseEnd, ...(order !== undefined ? { order } : {}) });
    const counts = { ready: 0, transit: 0, conflict: 0 };
    let targets = 0;
    let missing = 0;
    const refusedBy = new Set<string>();
    for (const phase of run.phases) {
      counts.ready += phase.counts.ready;
      counts.transit += phase.counts.transit;
      counts.conflict += phase.counts.conflict;
      targets += phase.targets.length;
      missing += phase.missing;
      for (const by of phase.refusedBy) refusedBy.add(by);
    }
    return {
      cascade: 'priority',
      waveId,
      agents: this.agents.length,
      counts,
      acked: counts.ready + counts.transit + counts.conflict,
      missing,
      refusedBy: [...refusedBy].sort(),
      agentDelays: delays.build(),
      status: run.status,
      responseRate: targets === 0 ? 0 : counts.ready / targets,
      minimumResponseRate: null,
      ms: run.ms,
      phases: run.phases,
      unplanned: run.unplanned,
    };
  }

  /** Asks the agent at `agentPath` `question`; throws MeshRefusedError when a frozen coordinator refuses. */
  async ask(agentPath: string, question: string, options: { readonly timeoutMs?: number } = {}): Promise<Answer> {
    this.checkAgent('ask', agentPath);
    nonEmptyString('ask', 'question', question);
    if (options === null || typeof options !== 'object') throw new TypeError(`MeshConsole.ask: options must be an object (got ${show(options)})`);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : positiveMs('ask', 'options.timeoutMs', options.timeoutMs);
    const r = await this.deliver<Answer>(agentPath, (replyTo) => ({ type: 'question', question, replyTo }) satisfies Question, timeoutMs);
    if (isRefused(r)) throw new MeshRefusedError(r);
    return r;
  }

  /**
   * Hands `task` to the lowest-impedance agent of impedance class `to` (agents advertise no
   * capabilities in this mesh: their class is their one capability). Agents refused by a
   * frozen coordinator are skipped for the next best; throws when every one is refused.
   */
  async delegate(to: ImpedanceClass, task: unknown, options: { readonly timeoutMs?: number } = {}): Promise<DelegationResult> {
    if (!isImpedanceClass(to)) throw new RangeError(`MeshConsole.delegate: to must be an impedance class (${IMPEDANCE_CLASSES.join(', ')}) (got ${show(to)})`);
    if (task === undefined) throw new TypeError(`MeshConsole.delegate: task must be given (got undefined)`);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : positiveMs('delegate', 'options.timeoutMs', options.timeoutMs);
    const seed = meshSettings(this.system).seed;
    const capable = this.agents.filter((path) => agentClassOf(path, seed) === to);
    if (capable.length === 0) throw new RangeError(`MeshConsole.delegate: no agent of class ${to} in this mesh (to = ${show(to)})`);
    const now = Date.now();
    const profiles: AgentImpedance[] = [];
    for (const path of capable) {
      const ref = this.system.lookup(path);
      const sim = ref === undefined ? undefined : agentSimOf(ref);
      if (sim !== undefined) profiles.push({ ...sim.profiler.snapshot(now), agentId: path, capabilities: [to] });
    }
    const routing = profiles.length > 0 ? 'impedance' : 'class';
    // An agent whose CONFLICT put its tasks in quarantine would hold this one until heal: skip it.
    const quarantine = this.options.quarantine;
    const skipped: string[] = quarantine === undefined ? [] : capable.filter((path) => quarantine.get(path) !== undefined);
    let last: Refused | undefined;
    for (;;) {
      let agent: string;
      let score: number | null = null;
      if (routing === 'impedance') {
        const best = routeInCluster(profiles, to, (a) => !skipped.includes(a.agentId));
        if (best === null) break;
        agent = best.agentId;
        score = best.score;
      } else {
        const next = capable.find((p) => !skipped.includes(p));
        if (next === undefined) break;
        agent = next;
      }
      const r = await this.deliver<TaskDone>(agent, (replyTo) => ({ type: 'task', task, replyTo }) satisfies Task, timeoutMs);
      if (!isRefused(r)) return { agent, cls: to, routing, score, skipped, done: r };
      last = r;
      skipped.push(agent);
    }
    throw new MeshRefusedError(last ?? { type: 'refused', by: this.tree.root.path, target: to, reason: 'no-such-actor' });
  }

  /** Resets the breakers at and under `path` and replays the quarantined mail at and under it. */
  heal(path: string): HealResult {
    this.checkPath('heal', path);
    const under = (p: string) => p === path || p.startsWith(path + '/');
    const breakersReset: string[] = [];
    for (const [p, breaker] of this.tree.breakers?.breakers ?? []) {
      if (!under(p)) continue;
      if (breaker.state !== 'closed') breakersReset.push(p);
      breaker.reset();
    }
    let replayed = 0;
    const store = this.options.quarantine;
    if (store !== undefined) for (const entry of store.entries()) if (under(entry.path)) replayed += store.heal(entry.path);
    return { path, breakersReset: breakersReset.sort(), replayed };
  }

  /** Freezes the sector or cluster at `path`: it refuses new work until thawed. */
  freeze(path: string): Promise<FreezeState> {
    return this.switch('freeze', path);
  }

  /** Thaws the sector or cluster at `path`. */
  thaw(path: string): Promise<FreezeState> {
    return this.switch('thaw', path);
  }

  private async switch(type: 'freeze' | 'thaw', path: string): Promise<FreezeState> {
    this.checkPath(type, path);
    const kind = this.paths.get(path);
    if (kind !== 'sector-coordinator' && kind !== 'cluster-lead') throw new RangeError(`MeshConsole.${type}: path must be a sector or cluster of this mesh (got ${show(path)}, a ${kind})`);
    const ref = this.system.lookup(path);
    if (ref === undefined) throw new Error(`MeshConsole.${type}: no live actor at path ${show(path)}`);
    return ref.ask<FreezeState>((replyTo) => ({ type, replyTo }), { timeoutMs: this.timeoutMs });
  }

  /** Delivers the message `make` builds down from the root to `target`; resolves with its answer or a refusal. */
  private deliver<R>(target: string, make: (replyTo: ActorRef<R | Refused>) => Deliver['message'], timeoutMs: number): Promise<R | Refused> {
    return this.tree.root.ask<R | Refused>((replyTo) => ({ type: 'deliver', target, message: make(replyTo) }) satisfies Deliver, { timeoutMs });
  }

  private checkPath(method: string, path: unknown): void {
    nonEmptyString(method, 'path', path);
    if (!this.paths.has(path as string)) throw new RangeError(`MeshConsole.${method}: path must be an actor path of this mesh, e.g. '${this.sectors[0] ?? this.tree.root.path}' (got ${show(path)})`);
  }

  private checkAgent(method: string, agentPath: unknown): void {
    nonEmptyString(method, 'agentPath', agentPath);
    if (!isAgentType(this.paths.get(agentPath as string))) throw new RangeError(`MeshConsole.${method}: agentPath must be the path of an agent of this mesh, e.g. '${this.agents[0] ?? ''}' (got ${show(agentPath)})`);
  }
}
