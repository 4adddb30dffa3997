import type { ActorRef, ActorSystem } from '../../src/index.js';
import type { PlanNode, TreeHandle } from '../../supervisors/config/index.js';
import type { QuarantineStore } from '../../supervisors/quarantine.js';
import { IMPEDANCE_CLASSES, isImpedanceClass, routeInCluster } from '../impedance/index.js';
import type { AgentImpedance, ImpedanceClass } from '../impedance/index.js';
import type { TrinaryCounts } from '../protocol/index.js';
import { agentSimOf } from '../mesh-types.js';
import type { Answer, Deliver, FreezeState, Question, Refused, Task, TaskDone } from '../mesh-types.js';
import { meshStatus } from './status.js';
import type { MeshStatus } from './status.js';
import { agentClassOf, meshSettings } from './wave.js';
import type { Wave, WaveReport } from './wave.js';

/**
 * The orchestrator console (part 7.1) as an API over a running mesh: a system with the
 * mesh types registered and the handle `spawnTree` returned.
 *
 *   status()                      one wave cascade, measured into part 7.1's MeshStatus
 *   broadcast(message, {cascade}) a wave carrying `message`: down the tree ('wave') or to
 *                                 every agent at once ('parallel'); counts of ACKs
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

export type Cascade = 'wave' | 'parallel';
export const CASCADES: readonly Cascade[] = ['wave', 'parallel'];

export interface MeshConsoleOptions {
  /** Where quarantined mail waits (heal replays it); none by default. */
  readonly quarantine?: QuarantineStore;
  /** Default timeout of asks and waves, ms (default: 4 x gatherTimeoutMs + 1000). */
  readonly timeoutMs?: number;
}

export interface BroadcastOptions {
  readonly cascade: Cascade;
  readonly timeoutMs?: number;
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
  readonly agentDelaysMs: readonly number[];
}

export interface DelegationResult {
  readonly agent: string;
  readonly cls: ImpedanceClass;
  /** 'impedance': picked by routeInCluster over the agents' profiler snapshots; 'class': no agent of the class has a profile yet (no wave reached it), the first by path. */
  readonly routing: 'impedance' | 'class';
  /** The picked agent's impedance score (null when routed by class). */
  readonly score: number | null;
  /** Better agents skipped because a frozen coordinator refused the task. */
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
    this.agents = ofType('agent');
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
      agentDelaysMs: wave.agentDelaysMs,
      speedup: meshSettings(this.system).speedup,
      conflicts: this.conflicts,
      breakers: this.tree.breakers,
    });
  }

  /** Sends `message` to every agent in a wave and counts their ACKs. */
  async broadcast(message: string, options: BroadcastOptions): Promise<BroadcastResult> {
    nonEmptyString('broadcast', 'message', message);
    if (options === null || typeof options !== 'object') throw new TypeError(`MeshConsole.broadcast: options must be { cascade: 'wave' | 'parallel' } (got ${show(options)})`);
    if (!CASCADES.includes(options.cascade)) throw new RangeError(`MeshConsole.broadcast: options.cascade must be 'wave' or 'parallel' (got ${show(options.cascade)})`);
    const timeoutMs = options.timeoutMs === undefined ? this.timeoutMs : positiveMs('broadcast', 'options.timeoutMs', options.timeoutMs);
    const waveId = ++this.waveId;
    let result: BroadcastResult;
    if (options.cascade === 'wave') {
      const report = await this.tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId, replyTo, message }) satisfies Wave, { timeoutMs });
      const c = report.counts;
      result = { cascade: 'wave', waveId, agents: this.agents.length, counts: c, acked: c.ready + c.transit + c.conflict, missing: report.missing, refusedBy: report.frozen ?? [], agentDelaysMs: report.latencies['agent'] ?? [] };
    } else {
      const counts = { ready: 0, transit: 0, conflict: 0 };
      const refusedBy = new Set<string>();
      const delays: number[] = [];
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
            counts.ready += r.counts.ready;
            counts.transit += r.counts.transit;
            counts.conflict += r.counts.conflict;
            delays.push(...(r.latencies['agent'] ?? []));
          } catch {
            missing++; // no answer in time (or the path is gone)
          }
        }),
      );
      result = { cascade: 'parallel', waveId, agents: this.agents.length, counts, acked: counts.ready + counts.transit + counts.conflict, missing, refusedBy: [...refusedBy].sort(), agentDelaysMs: delays };
    }
    this.conflicts += result.counts.conflict;
    return result;
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
    const skipped: string[] = [];
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
    if (this.paths.get(agentPath as string) !== 'agent') throw new RangeError(`MeshConsole.${method}: agentPath must be the path of an agent of this mesh, e.g. '${this.agents[0] ?? ''}' (got ${show(agentPath)})`);
  }
}
