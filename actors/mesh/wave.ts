import type { ActorContext, ActorRef, ActorSystem } from '../../src/index.js';
import { DEFAULT_CLASS_PROFILES, IMPEDANCE_CLASSES, ImpedanceProfiler, SimulatedAgent } from '../impedance/index.js';
import type { ImpedanceClass } from '../impedance/index.js';
import { CONFLICT, DigestBuilder, READY, TRANSIT } from '../protocol/index.js';
import type { LatencyDigest, TrinaryCounts } from '../protocol/index.js';

/**
 * The MESH-30K wave cascade (parts 3.2, 3.3, 1.4) as messages between the mesh actors.
 *
 *   orchestrator --wave--> sector coordinators --wave--> cluster leads --wave--> agents
 *   orchestrator <-report- sector coordinators <-report- cluster leads <-report- agents
 *
 * Every level answers a `wave` with one `wave-report`: an agent with its own trinary ACK
 * (+1 READY, or -1 CONFLICT with the seeded probability `conflictRate`) and its reply delay
 * (`delayMs`) after that delay, drawn by its SimulatedAgent (its own baseline latency and
 * drift, divided by `speedup`, capped at `maxReplyMs`); a coordinator after every child
 * answered or its arrival window closed (`gatherTimeoutMs`), with its children's counts
 * summed and `latencies` per role as mergeable digests: the agents' delays and each
 * coordinator level's gather times. Children that did not answer in time are `missing`.
 * Digests keep a report's size and merge cost independent of the agents below it.
 *
 * Settings are per system (configureMesh); types registered by registerMeshTypes read them
 * when they receive their first wave.
 */

/** Per-system settings of the simulated mesh. */
export interface MeshSettings {
  /** Seed of class assignment, processing draws and conflicts (an integer). */
  readonly seed: number;
  /** ProcessingModel speedup: 1000 makes a drawn second one wall-clock millisecond. */
  readonly speedup: number;
  /** Probability that an agent answers a wave with CONFLICT (-1). */
  readonly conflictRate: number;
  /** Cap of an agent's simulated reply delay, wall-clock ms (F_HUMAN latencies reach hours). */
  readonly maxReplyMs: number;
  /** How long a coordinator waits for its children's reports, wall-clock ms. */
  readonly gatherTimeoutMs: number;
}

export const MESH_DEFAULTS: MeshSettings = Object.freeze({ seed: 0, speedup: 1000, conflictRate: 0.001, maxReplyMs: 200, gatherTimeoutMs: 2000 });

const settingsBySystem = new WeakMap<ActorSystem, MeshSettings>();
/**
 * The last system asked about (or configured) and its settings: every agent reads them on
 * every wave (30,000 WeakMap lookups per wave otherwise). configureMesh keeps it current;
 * it is cleared when that system terminates, so it never keeps a finished mesh alive.
 */
let lastSystem: ActorSystem | undefined;
let lastSettings: MeshSettings = MESH_DEFAULTS;
/** Systems whose termination clears the cache (so that a terminated mesh can be collected). */
const releasing = new WeakSet<ActorSystem>();

function cache(system: ActorSystem, settings: MeshSettings): void {
  lastSystem = system;
  lastSettings = settings;
  if (releasing.has(system)) return;
  releasing.add(system);
  // (A stand-in system of a test may have no whenTerminated: it is then simply kept.)
  const done = (system as { whenTerminated?: Promise<void> }).whenTerminated;
  void done?.then(() => {
    if (lastSystem === system) {
      lastSystem = undefined;
      lastSettings = MESH_DEFAULTS;
    }
  });
}

/** Sets the mesh settings of `system` (missing fields keep the defaults). */
export function configureMesh(system: ActorSystem, settings: Partial<MeshSettings>): MeshSettings {
  const resolved = { ...MESH_DEFAULTS, ...settings };
  if (!Number.isSafeInteger(resolved.seed)) throw new RangeError(`mesh seed must be a safe integer (got ${String(resolved.seed)})`);
  if (!(resolved.speedup > 0)) throw new RangeError(`mesh speedup must be > 0 (got ${resolved.speedup})`);
  if (!(resolved.conflictRate >= 0 && resolved.conflictRate <= 1)) throw new RangeError(`mesh conflictRate must be in [0, 1] (got ${resolved.conflictRate})`);
  if (!(resolved.maxReplyMs >= 0)) throw new RangeError(`mesh maxReplyMs must be >= 0 (got ${resolved.maxReplyMs})`);
  if (!(resolved.gatherTimeoutMs > 0)) throw new RangeError(`mesh gatherTimeoutMs must be > 0 (got ${resolved.gatherTimeoutMs})`);
  settingsBySystem.set(system, Object.freeze(resolved));
  cache(system, resolved);
  return resolved;
}

/** The mesh settings of `system` (MESH_DEFAULTS when it has none). */
export function meshSettings(system: ActorSystem): MeshSettings {
  if (system === lastSystem) return lastSettings;
  const settings = settingsBySystem.get(system) ?? MESH_DEFAULTS;
  cache(system, settings);
  return settings;
}

/** Asks a level to run wave `waveId` below it and answer `replyTo` with one report. */
export interface Wave {
  readonly type: 'wave';
  readonly waveId: number;
  readonly replyTo: ActorRef<WaveReport>;
  /**
   * A registration wave: agents set up their impedance simulation (class, model, profiler)
   * and answer READY at once, drawing nothing. Run once after spawning so that the first
   * measured cascade does not pay 30,000 set-ups.
   */
  readonly register?: boolean;
  /** What is broadcast (the console's `broadcast`): carried down to every agent unchanged. */
  readonly message?: string;
  /** To an agent: answer with `readyAtMs`, when it becomes READY (a scatter-gather probe, gather.ts). */
  readonly stamp?: boolean;
  /** When the wave left the agent's coordinator (Date.now()): the agents' sample time, one clock read per cluster instead of one per agent. */
  readonly at?: number;
}

/** The answer to a Wave: trinary counts of the agents below `from`, and gather times per role. */
export interface WaveReport {
  readonly type: 'wave-report';
  readonly waveId: number;
  /** Path of the reporting actor. */
  readonly from: string;
  /** Agents that answered, by state (an agent's own report has exactly one 1). */
  readonly counts: TrinaryCounts;
  /** Children (at any depth below) that did not report inside their parent's arrival window (0 for an agent). */
  readonly missing: number;
  /** Coordinators: wall-clock ms per role, as digests: the agents' reply delays, each coordinator level's gather times. */
  readonly latencies?: Readonly<Record<string, LatencyDigest>>;
  /** Agents: this agent's simulated reply delay, wall-clock ms. */
  readonly delayMs?: number;
  /** Agents asked with `stamp`: when it became READY, epoch ms (epochNow). */
  readonly readyAtMs?: number;
  /** An agent's impedance class (agents only). */
  readonly cls?: ImpedanceClass;
  /** Frozen coordinators (at any depth) that refused the wave; absent when none did. */
  readonly frozen?: readonly string[];
}

/** The coordinator's own timer message: the arrival window of `waveId` closed. */
export interface WaveTimeout {
  readonly type: 'wave-timeout';
  readonly waveId: number;
}

/** Epoch ms with sub-ms precision: comparable between the processes of one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** FNV-1a of `text` mixed with `seed`: a 32-bit unsigned hash. */
export function hashOf(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ (seed | 0)) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

const ALLOCATION_TOTAL = IMPEDANCE_CLASSES.reduce((sum, cls) => sum + DEFAULT_CLASS_PROFILES[cls].countAllocation, 0);

/**
 * The impedance class of the agent at `path`, from the seed and the document's allocation
 * (2.2: 10,000 A_EDGE, 8,000 B_SERVERLESS, 5,000 C_PERSISTENT, 2,000 D_GPU, 3,000 E_LOCAL,
 * 2,000 F_HUMAN of 30,000): the same path and seed always give the same class.
 */
export function agentClassOf(path: string, seed: number): ImpedanceClass {
  let point = (hashOf(path, seed) / 0x1_0000_0000) * ALLOCATION_TOTAL;
  for (const cls of IMPEDANCE_CLASSES) {
    point -= DEFAULT_CLASS_PROFILES[cls].countAllocation;
    if (point < 0) return cls;
  }
  return 'F_HUMAN';
}

/** A prediction of an agent's reply delay (wall-clock ms): the class's typical figures, scaled and capped. */
export function expectedReplyMs(cls: ImpedanceClass, settings: Pick<MeshSettings, 'maxReplyMs' | 'speedup'>): number {
  const p = DEFAULT_CLASS_PROFILES[cls];
  const latency = Math.sqrt(p.latencyMs.min * p.latencyMs.max);
  return Math.min(settings.maxReplyMs, (latency + p.processingMs.base) / settings.speedup);
}

/** What a simulated agent keeps once it has received a wave. */
export interface AgentSim {
  readonly cls: ImpedanceClass;
  readonly model: SimulatedAgent;
  readonly profiler: ImpedanceProfiler;
}

function segments(path: string): { agentId: string; clusterId: string; sectorId: string } {
  const parts = path.split('/');
  const n = parts.length;
  return { agentId: parts[n - 1] || path, clusterId: parts[n - 2] || 'cluster', sectorId: parts[n - 3] || 'sector' };
}

export function createAgentSim(path: string, settings: MeshSettings): AgentSim {
  const cls = agentClassOf(path, settings.seed);
  const model = new SimulatedAgent({ cls, seed: hashOf(path, settings.seed ^ 0x5eed), speedup: settings.speedup });
  const profiler = new ImpedanceProfiler({ ...segments(path), declaredClass: cls, capabilities: [] }, { capacity: 16 });
  return { cls, model, profiler };
}

// Shared, frozen counts: an agent's report allocates nothing it does not have to.
const READY_ONE: TrinaryCounts = Object.freeze({ ready: 1, transit: 0, conflict: 0 });
const CONFLICT_ONE: TrinaryCounts = Object.freeze({ ready: 0, transit: 0, conflict: 1 });

/** An agent's answer to a wave: draws its delay, records the sample, and replies after the delay. */
export function agentWave(message: Wave, ctx: ActorContext<never>, sim: AgentSim, settings: MeshSettings): void {
  if (message.register === true) {
    message.replyTo.tell({ type: 'wave-report', waveId: message.waveId, from: ctx.path, counts: READY_ONE, missing: 0, delayMs: 0, cls: sim.cls });
    return;
  }
  const model = sim.model;
  const delay = Math.min(settings.maxReplyMs, model.delay());
  // The conflict draw comes from the agent's own seeded generator: reproducible per agent and wave.
  const conflict = model.chance(settings.conflictRate);
  sim.profiler.recordValues(model.lastLatencyMs, model.lastProcessingMs, message.at ?? Date.now(), !conflict);
  const counts = conflict ? CONFLICT_ONE : READY_ONE;
  const report: WaveReport =
    message.stamp === true
      ? { type: 'wave-report', waveId: message.waveId, from: ctx.path, counts, missing: 0, delayMs: delay, cls: sim.cls, readyAtMs: epochNow() + delay }
      : { type: 'wave-report', waveId: message.waveId, from: ctx.path, counts, missing: 0, delayMs: delay, cls: sim.cls };
  if (delay < 1) message.replyTo.tell(report);
  else setTimeout(() => message.replyTo.tell(report), delay);
}

/**
 * One wave a coordinator is gathering. A coordinator keeps the one of its last finished
 * wave and reuses it (and its digest builders) for its next: 1,100 coordinators per wave.
 */
interface Gathering {
  waveId: number;
  replyTo: ActorRef<WaveReport>;
  startedAt: number;
  /** performance.now() when its arrival window closes. */
  deadline: number;
  expected: number;
  received: number;
  ready: number;
  transit: number;
  conflict: number;
  /** Children missing further down, as their own reports said. */
  missingBelow: number;
  /**
   * Gather times per role (the agents' delays under 'agent'), in the order the roles first
   * appeared in this wave: `roles[i]` for i < `used` is built by `builders[i]`; slots from
   * `used` on are spare builders of earlier waves.
   */
  readonly roles: string[];
  readonly builders: DigestBuilder[];
  used: number;
  /** The 'agent' builder once an agent reported: one lookup per wave, not per report. */
  agents: DigestBuilder | undefined;
  /** Handed over with the report when not empty (then replaced, never reused). */
  frozen: string[];
}

/** The builder of `role` in `g`, taking a spare one (reset) or a new one on its first use this wave. */
function builderOf(g: Gathering, role: string): DigestBuilder {
  const { roles, builders } = g;
  const used = g.used;
  for (let i = 0; i < used; i++) if (roles[i] === role) return builders[i]!;
  g.used = used + 1;
  if (used < builders.length) {
    roles[used] = role;
    return builders[used]!.reset();
  }
  const b = new DigestBuilder();
  roles.push(role);
  builders.push(b);
  return b;
}

/** The key of a coordinator's one arrival-window timer. */
const WINDOW_TIMER = 'wave-window';

/**
 * A coordinator's wave state: forwards waves, gathers reports, answers upward.
 *
 * Arrival windows share one timer per coordinator, armed when a wave starts and none is
 * armed, and left running when a wave completes early: with waves of a few ms and windows
 * of seconds, a coordinator arms a timer once per window instead of arming and cancelling
 * one per wave (1,100 coordinators per wave). When it fires, every wave whose window has
 * closed is answered, and it is armed again for the earliest window still open.
 */
export class WaveGatherer {
  /**
   * The wave started last, while it gathers: with one wave in flight (the usual case) a
   * report needs no map lookup, and a wave costs no map insertion and deletion.
   */
  private last: Gathering | undefined;
  /** Every other wave still gathering, by id. */
  private readonly waves = new Map<number, Gathering>();
  /** performance.now() when the window timer fires; Infinity while it is not armed. */
  private timerDue = Infinity;
  /** The window timer's message (recognised by identity; a WaveTimeout from elsewhere keeps its meaning). */
  private readonly sweep: WaveTimeout = { type: 'wave-timeout', waveId: -1 };
  /** The gathering of the last finished wave, for the next one. */
  private spare: Gathering | undefined;

  constructor(private readonly role: string) {}

  /** Starts gathering `wave` from every live child; answers at once when there is none. */
  start(wave: Wave, ctx: ActorContext<unknown>): void {
    const settings = meshSettings(ctx.system);
    const children = ctx.children;
    const startedAt = performance.now();
    const g = this.gathering(wave, startedAt, startedAt + settings.gatherTimeoutMs, children.length);
    // A wave id already gathering is replaced (its gathering is dropped unanswered).
    const last = this.last;
    if (last !== undefined && last.waveId === wave.waveId) this.last = undefined;
    else this.waves.delete(wave.waveId);
    const self = ctx.self as ActorRef<WaveReport>;
    const forward: Wave =
      wave.register !== true && wave.message === undefined
        ? { type: 'wave', waveId: wave.waveId, replyTo: self, at: Date.now() }
        : { type: 'wave', waveId: wave.waveId, replyTo: self, at: Date.now(), ...(wave.register === true ? { register: true } : {}), ...(wave.message !== undefined ? { message: wave.message } : {}) };
    for (const child of children) (child as ActorRef<Wave>).tell(forward);
    if (g.expected === 0) this.finish(g, ctx);
    else {
      if (this.last !== undefined) this.waves.set(this.last.waveId, this.last);
      this.last = g;
      // Armed later than this window, or overdue (its message was refused by a gate, or is
      // still queued): arm it for the earlier time; an overdue one fires at once and re-arms.
      const due = this.timerDue;
      if (g.deadline < due) this.arm(g.deadline, ctx);
      else if (due <= startedAt) this.arm(due, ctx);
    }
  }

  /** Adds a child's report; answers upward when every child has reported. */
  report(report: WaveReport, ctx: ActorContext<unknown>): void {
    const last = this.last;
    const g = last !== undefined && last.waveId === report.waveId ? last : this.waves.get(report.waveId);
    if (g === undefined) return; // late: the window closed, the child was counted missing
    g.received++;
    const counts = report.counts;
    g.ready += counts.ready;
    g.transit += counts.transit;
    g.conflict += counts.conflict;
    g.missingBelow += report.missing;
    if (report.frozen !== undefined) g.frozen.push(...report.frozen);
    if (report.delayMs !== undefined) (g.agents ??= builderOf(g, 'agent')).add(report.delayMs);
    const latencies = report.latencies;
    if (latencies !== undefined) for (const role in latencies) builderOf(g, role).merge(latencies[role]!);
    if (g.received >= g.expected) this.finish(g, ctx);
  }

  /** The arrival window closed: answers with what arrived. */
  timeout(message: WaveTimeout, ctx: ActorContext<unknown>): void {
    if (message !== this.sweep) {
      const last = this.last;
      const g = last !== undefined && last.waveId === message.waveId ? last : this.waves.get(message.waveId);
      if (g !== undefined) this.finish(g, ctx);
      return;
    }
    this.timerDue = Infinity;
    const now = performance.now();
    let next = Infinity;
    // Oldest first, as their own timers would have fired.
    const open = this.waves.size === 0 ? [] : [...this.waves.values()];
    if (this.last !== undefined) open.push(this.last);
    for (const g of open) {
      if (g.deadline <= now) this.finish(g, ctx);
      else if (g.deadline < next) next = g.deadline;
    }
    // A timer may fire a little before its time: a window still open gets the timer again.
    if (next !== Infinity) this.arm(next, ctx);
  }

  /** Arms the window timer to fire at `due` (performance.now() time). */
  private arm(due: number, ctx: ActorContext<unknown>): void {
    this.timerDue = due;
    ctx.timers.startSingleTimer(WINDOW_TIMER, this.sweep, Math.max(0, due - performance.now()));
  }

  private finish(g: Gathering, ctx: ActorContext<unknown>): void {
    const waveId = g.waveId;
    if (this.last === g) this.last = undefined;
    else this.waves.delete(waveId);
    builderOf(g, this.role).add(performance.now() - g.startedAt);
    const latencies: Record<string, LatencyDigest> = {};
    const { roles, builders, used } = g;
    for (let i = 0; i < used; i++) latencies[roles[i]!] = builders[i]!.build();
    const counts = { ready: g.ready, transit: g.transit, conflict: g.conflict };
    const missing = g.expected - g.received + g.missingBelow;
    const replyTo = g.replyTo;
    let report: WaveReport;
    if (g.frozen.length > 0) {
      report = { type: 'wave-report', waveId, from: ctx.path, counts, missing, latencies, frozen: g.frozen };
      g.frozen = [];
    } else report = { type: 'wave-report', waveId, from: ctx.path, counts, missing, latencies };
    this.spare = g;
    replyTo.tell(report);
  }

  /** A gathering for `wave`: the spare one reset, or a new one. */
  private gathering(wave: Wave, startedAt: number, deadline: number, expected: number): Gathering {
    const g = this.spare;
    if (g === undefined) {
      return { waveId: wave.waveId, replyTo: wave.replyTo, startedAt, deadline, expected, received: 0, ready: 0, transit: 0, conflict: 0, missingBelow: 0, roles: [], builders: [], used: 0, agents: undefined, frozen: [] };
    }
    this.spare = undefined;
    g.waveId = wave.waveId;
    g.replyTo = wave.replyTo;
    g.startedAt = startedAt;
    g.deadline = deadline;
    g.expected = expected;
    g.received = 0;
    g.ready = 0;
    g.transit = 0;
    g.conflict = 0;
    g.missingBelow = 0;
    g.used = 0;
    g.agents = undefined;
    return g;
  }
}

export { READY, TRANSIT, CONFLICT };
