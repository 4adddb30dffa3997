import type { ActorContext, ActorRef, ActorSystem } from '../../src/index.js';
import { QuarantineStore } from '../../supervisors/quarantine.js';
import { CONFLICT_TYPES, ConflictLog } from '../protocol/index.js';
import type { ConflictDetail, ConflictPriority, ConflictRecord, ConflictType } from '../protocol/index.js';
import type { MeshContinue } from './heartbeat.js';
import { hashOf, meshSettings } from './wave.js';
import type { WaveReport } from './wave.js';

/**
 * MESH-30K 5.1 in the mesh: a CONFLICT (-1) ack is information, handled by the cluster lead
 * that gathers it.
 *
 * When a cluster lead receives a wave report from one of its agents with counts.conflict > 0
 * (one compare per report on the wave path), its ConflictDesk:
 *   1. appends a ConflictRecord to the lead's ConflictLog (append-only, one per lead; kept
 *      by the lead's ref so a restart does not lose it), with a conflict type and details
 *      derived from the seed, the agent's path and the wave id (`conflictDetailOf`), the
 *      priority (classifyConflictPriority) and suggested resolution (suggestResolution);
 *   2. escalates by priority (escalationTargets): `conflict-escalated` to the sector
 *      coordinator (>= 3) and the orchestrator (>= 4), who count what they receive;
 *   3. publishes `mesh-conflict` on events$;
 *   4. quarantines the agent's tasks: a QuarantineStore entry for the agent (reason
 *      `mesh-conflict ...`); every `task` the lead is asked to deliver to the agent is held
 *      in that entry until someone heals it (`store.heal(path)`, or MeshConsole.heal given
 *      the same store), which replays them to the agent. Waves still reach the agent.
 *
 * The store is per system: `configureConflicts(system, { quarantine })` to share one (e.g.
 * with a MeshConsole), else one is made on the first conflict (`meshQuarantine`).
 * The orchestrator answers `conflicts` with a ConflictSummary of every lead's log.
 */

/** The reason prefix of the quarantine entries the conflict desks make. */
export const CONFLICT_QUARANTINE_REASON = 'mesh-conflict';

const stores = new WeakMap<ActorSystem, QuarantineStore>();

/** Makes the mesh of `system` hold conflicting agents' tasks in `quarantine` (configure before the first conflict). */
export function configureConflicts(system: ActorSystem, options: { readonly quarantine: QuarantineStore }): void {
  if (options === null || typeof options !== 'object' || !(options.quarantine instanceof QuarantineStore)) throw new TypeError(`configureConflicts: options.quarantine must be a QuarantineStore (got ${String((options as { quarantine?: unknown } | null)?.quarantine)})`);
  stores.set(system, options.quarantine);
}

/** The QuarantineStore the conflict desks of `system` use (made now, if none was configured). */
export function meshQuarantine(system: ActorSystem): QuarantineStore {
  let store = stores.get(system);
  if (store === undefined) {
    const made = (store = new QuarantineStore(system));
    stores.set(system, made);
    void system.whenTerminated.then(() => made.dispose());
  }
  return store;
}

/**
 * The conflict an agent's CONFLICT ack stands for: the simulated agents say only "-1",
 * so the type and its details are drawn from a hash of (agent path, wave id) with the
 * mesh seed: the same run gives the same conflicts. divergenceDepth is 0-20 and
 * affectsAgentCount 0-200, so both sides of 5.1's thresholds (10, 100) occur.
 */
export function conflictDetailOf(agentPath: string, waveId: number, seed: number): ConflictDetail {
  const h = hashOf(`${agentPath}#${waveId}`, seed);
  const type = CONFLICT_TYPES[h % CONFLICT_TYPES.length]!;
  return {
    type,
    ...(type === 'CONTEXT_DIVERGENCE' ? { divergenceDepth: (h >>> 8) % 21 } : {}),
    ...(type === 'DATA_CONTRADICTION' ? { affectsAgentCount: (h >>> 8) % 201 } : {}),
    expectedValue: 'READY',
    receivedValue: 'CONFLICT',
    contextHash: h.toString(16).padStart(8, '0'),
  };
}

/** Cluster lead -> sector coordinator and/or orchestrator. */
export interface ConflictEscalated {
  readonly type: 'conflict-escalated';
  /** Path of the cluster lead that logged it. */
  readonly cluster: string;
  readonly record: ConflictRecord;
}

/** Asks a coordinator for a summary of the conflict logs at and below it. */
export interface ConflictsQuery {
  readonly type: 'conflicts';
  readonly replyTo: ActorRef<ConflictSummary>;
}

export interface ConflictSummary {
  readonly type: 'conflict-summary';
  readonly from: string;
  /** Records in the logs summarized. */
  readonly total: number;
  readonly byType: Readonly<Record<ConflictType, number>>;
  /** Keys '0' ... '4'. */
  readonly byPriority: Readonly<Record<`${ConflictPriority}`, number>>;
  /** Escalations received by sector coordinators and by the orchestrator. */
  readonly escalations: { readonly toSector: number; readonly toOrchestrator: number };
  /** Agents whose tasks are held (quarantine entries of the conflict desks), sorted. */
  readonly openQuarantines: readonly string[];
  /** Cluster leads whose logs answered. */
  readonly clusters: number;
}

export type ConflictMsg = ConflictEscalated | ConflictsQuery;

function emptyByType(): Record<ConflictType, number> {
  return Object.fromEntries(CONFLICT_TYPES.map((t) => [t, 0])) as Record<ConflictType, number>;
}

function emptyByPriority(): Record<`${ConflictPriority}`, number> {
  return { '0': 0, '1': 0, '2': 0, '3': 0, '4': 0 };
}

const isConflictEntry = (reason: string): boolean => reason.startsWith(CONFLICT_QUARANTINE_REASON);

function openQuarantinesUnder(system: ActorSystem, path: string): string[] {
  const store = stores.get(system);
  if (store === undefined) return [];
  return store
    .entries()
    .filter((e) => isConflictEntry(e.reason) && e.path.startsWith(path + '/'))
    .map((e) => e.path)
    .sort();
}

/** Sums summaries; `escalations` are added to theirs. */
function merge(from: string, parts: readonly ConflictSummary[], escalations: { toSector: number; toOrchestrator: number }, openQuarantines: readonly string[]): ConflictSummary {
  const byType = emptyByType();
  const byPriority = emptyByPriority();
  let total = 0;
  let clusters = 0;
  let toSector = escalations.toSector;
  let toOrchestrator = escalations.toOrchestrator;
  for (const p of parts) {
    total += p.total;
    clusters += p.clusters;
    toSector += p.escalations.toSector;
    toOrchestrator += p.escalations.toOrchestrator;
    for (const t of CONFLICT_TYPES) byType[t] += p.byType[t];
    for (const k of Object.keys(byPriority) as `${ConflictPriority}`[]) byPriority[k] += p.byPriority[k];
  }
  return { type: 'conflict-summary', from, total, byType, byPriority, escalations: { toSector, toOrchestrator }, openQuarantines, clusters };
}

const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));

const desks = new WeakMap<object, ConflictDesk>();

/** The cluster lead's desk (kept by its ref: the log survives the lead's restarts). */
export function conflictDeskOf(ctx: ActorContext<unknown>): ConflictDesk {
  let desk = desks.get(ctx.self);
  if (desk === undefined) desks.set(ctx.self, (desk = new ConflictDesk(ctx.path)));
  return desk;
}

/** A cluster lead's conflict handling (see the module comment). */
export class ConflictDesk {
  readonly log: ConflictLog;
  private orchestrator: ActorRef<ConflictEscalated> | undefined;

  constructor(private readonly path: string) {
    this.log = new ConflictLog(path);
  }

  /** Handles an agent's wave report with counts.conflict > 0. */
  record(report: WaveReport, ctx: ActorContext<unknown>): ConflictRecord {
    const system = ctx.system;
    const agent = report.from;
    const record = this.log.append({ timestampMs: Date.now(), agentId: agent, messageId: `wave-${report.waveId}`, detail: conflictDetailOf(agent, report.waveId, meshSettings(system).seed) });
    const escalated: ConflictEscalated = { type: 'conflict-escalated', cluster: this.path, record };
    for (const target of record.escalateTo) {
      if (target === 'sector-coordinator') ctx.parent.tell(escalated);
      else (this.orchestrator ??= system.lookup(parentOf(parentOf(this.path))) as ActorRef<ConflictEscalated> | undefined)?.tell(escalated);
    }
    system.publish({
      type: 'mesh-conflict',
      timestamp: record.timestampMs,
      path: agent,
      cluster: this.path,
      waveId: report.waveId,
      conflictId: record.conflictId,
      conflictType: record.type,
      priority: record.priority,
      resolution: record.suggestedStrategy.method,
      escalateTo: record.escalateTo,
    });
    const store = meshQuarantine(system);
    // One entry per agent: quarantining again would drop the tasks already held.
    if (store.get(agent) === undefined) store.quarantine(agent, `${CONFLICT_QUARANTINE_REASON} ${record.conflictId}: ${record.type} (priority ${record.priority})`);
    return record;
  }

  /** True when the agent at `agentPath` has its tasks held by a conflict quarantine. */
  isQuarantined(system: ActorSystem, agentPath: string): boolean {
    const entry = stores.get(system)?.get(agentPath);
    return entry !== undefined && isConflictEntry(entry.reason);
  }

  /** Holds `task` for `agentPath` when it is quarantined; false when it is not (deliver it). */
  hold(system: ActorSystem, agentPath: string, task: unknown): boolean {
    const entry = stores.get(system)?.get(agentPath);
    if (entry === undefined || !isConflictEntry(entry.reason)) return false;
    entry.messages.push(task);
    system.publish({ type: 'mesh-task-held', timestamp: Date.now(), path: agentPath, cluster: this.path, held: entry.messages.length });
    return true;
  }

  /** This lead's log, summarized. */
  summary(system: ActorSystem): ConflictSummary {
    const byType = emptyByType();
    const byPriority = emptyByPriority();
    for (const r of this.log.entries()) {
      byType[r.type]++;
      byPriority[`${r.priority}`]++;
    }
    return { type: 'conflict-summary', from: this.path, total: this.log.size, byType, byPriority, escalations: { toSector: 0, toOrchestrator: 0 }, openQuarantines: openQuarantinesUnder(system, this.path), clusters: 1 };
  }
}

const counters = new WeakMap<object, EscalationCounter>();

/** A sector coordinator's or the orchestrator's counter (kept by its ref: counts survive restarts). */
export function escalationCounterOf(ctx: ActorContext<unknown>): EscalationCounter {
  let counter = counters.get(ctx.self);
  if (counter === undefined) counters.set(ctx.self, (counter = new EscalationCounter()));
  return counter;
}

/** What a sector coordinator or the orchestrator keeps of conflicts: escalations received, by priority. */
export class EscalationCounter {
  received = 0;
  readonly byPriority = emptyByPriority();

  add(message: ConflictEscalated): void {
    this.received++;
    this.byPriority[`${message.record.priority}`]++;
  }

  /**
   * Answers `conflicts`: asks the children (sectors or cluster leads) for theirs, then merges
   * them with this level's escalation count (`level` says which count it is).
   */
  summarize(message: ConflictsQuery, ctx: ActorContext<unknown>, level: 'sector' | 'orchestrator', timeoutMs: number): void {
    const self = ctx.self as ActorRef<MeshContinue>;
    const children = ctx.children;
    void Promise.all(children.map((c) => c.ask<ConflictSummary>((replyTo) => ({ type: 'conflicts', replyTo }) satisfies ConflictsQuery, { timeoutMs }).catch(() => undefined))).then((answers) =>
      self.tell({
        type: 'mesh-continue',
        run: () => {
          const parts = answers.filter((a): a is ConflictSummary => a !== undefined && a.type === 'conflict-summary');
          const own = level === 'sector' ? { toSector: this.received, toOrchestrator: 0 } : { toSector: 0, toOrchestrator: this.received };
          const merged = merge(ctx.path, parts, own, openQuarantinesUnder(ctx.system, ctx.path));
          message.replyTo.tell(merged);
        },
      }),
    );
  }
}
