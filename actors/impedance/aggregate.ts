import type { AnomalyThresholds } from './anomalies.js';
import { resolveThresholds } from './anomalies.js';
import type { ImpedanceClass } from './classes.js';
import { IMPEDANCE_CLASSES } from './classes.js';
import { AggregationMismatchError, InvalidImpedanceOptionError } from './errors.js';
import type { AgentImpedance } from './profiler.js';

/**
 * Heartbeat aggregation (parts 4.2 and 4.3): pure functions over plain data, so a cluster
 * lead, a sector coordinator and the orchestrator can compute and ship them as messages.
 *
 *   clusterAggregate  a cluster lead's summary of its agents' latest AgentImpedance
 *   sectorAggregate   a sector coordinator's summary of its clusters' aggregates
 *   globalImpedanceMap  the mesh-wide view from the sectors' aggregates
 *
 * Score statistics (mean, p50, p95, fastest, slowest, best per capability) are over the
 * agents whose operational state is 'active': an offline agent's last score is stale.
 * Percentiles are nearest-rank (always one of the values). Higher levels follow part 4.3:
 * a sector's and the mesh's mean is the mean of their clusters' means (clusters without
 * an active agent left out), their p95 the p95 of their clusters' p95s.
 *
 * Anomalies (thresholds in anomalies.ts):
 *   cluster degraded  `multipleAgents` or more degraded agents, or a cluster spike: mean
 *                     score > spikeFactor x the cluster's historical mean (an exponential
 *                     moving average carried from the previous aggregate, `historyAlpha`)
 *   cluster unstable  `multipleAgents` or more unstable agents
 *   sector healthy    active / total > healthyActiveRate (0.95), as in 4.3's sectors_healthy
 * Capacity is the number of agents that are active and not degraded (what routing can use).
 * When the same agent appears twice, the later `at` wins.
 */

export type ClassCounts = Readonly<Record<ImpedanceClass, number>>;

/** Per capability: how many active agents offer it, and the lowest score among them. */
export interface CapabilityStat {
  readonly agents: number;
  readonly bestScore: number;
}

export interface ClusterFlags {
  readonly degraded: boolean;
  readonly unstable: boolean;
  readonly spike: boolean;
}

export interface ClusterAggregate {
  readonly clusterId: string;
  readonly sectorId: string;
  readonly at: number;
  readonly agentCount: number;
  readonly activeCount: number;
  /** Active agents that are not degraded. */
  readonly capacity: number;
  readonly meanScore: number;
  readonly p50Score: number;
  readonly p95Score: number;
  /** Moving average of earlier aggregates' mean scores; null without a previous aggregate. */
  readonly historicalMeanScore: number | null;
  /** Agents per declared class. */
  readonly classCounts: ClassCounts;
  /** Agents per class they currently behave as. */
  readonly behaviourCounts: ClassCounts;
  readonly capabilities: Readonly<Record<string, CapabilityStat>>;
  readonly fastestAgent: string | null;
  readonly slowestAgent: string | null;
  readonly degradedAgents: readonly string[];
  readonly unstableAgents: readonly string[];
  readonly flags: ClusterFlags;
}

export interface ClusterAggregateOptions {
  /** When the aggregate is made. */
  readonly at: number;
  /** The cluster's previous aggregate, for the historical mean. */
  readonly previous?: ClusterAggregate;
  /** Weight of the previous mean in the historical mean, in (0, 1]; default 0.1. */
  readonly historyAlpha?: number;
  readonly thresholds?: Partial<AnomalyThresholds>;
}

export interface SectorAggregate {
  readonly sectorId: string;
  readonly at: number;
  readonly clusterCount: number;
  readonly totalAgents: number;
  readonly activeAgents: number;
  /** activeAgents / totalAgents; 0 without agents. */
  readonly activeRate: number;
  readonly capacity: number;
  readonly meanScore: number;
  readonly p95Score: number;
  readonly classCounts: ClassCounts;
  readonly capabilities: Readonly<Record<string, CapabilityStat>>;
  readonly healthiestCluster: string | null;
  readonly sickestCluster: string | null;
  readonly degradedClusters: readonly string[];
  readonly unstableClusters: readonly string[];
  readonly healthy: boolean;
  /** Its clusters' aggregates, by cluster id: what cross-cluster routing reads. */
  readonly clusters: readonly ClusterAggregate[];
}

export interface GlobalImpedanceMap {
  readonly at: number;
  readonly sectorCount: number;
  readonly clusterCount: number;
  readonly totalAgents: number;
  readonly activeAgents: number;
  readonly activeRate: number;
  readonly capacity: number;
  readonly meanScore: number;
  readonly p95Score: number;
  readonly sectorsHealthy: number;
  readonly sectorsDegraded: number;
  readonly classCounts: ClassCounts;
  readonly capabilities: Readonly<Record<string, CapabilityStat>>;
  readonly sectors: readonly SectorAggregate[];
}

/** Nearest-rank percentile of `values` (need not be sorted), p in [0, 1]; 0 when empty. */
export function nearestRank(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

function zeroCounts(): Record<ImpedanceClass, number> {
  return Object.fromEntries(IMPEDANCE_CLASSES.map((c) => [c, 0])) as Record<ImpedanceClass, number>;
}

function addCounts(into: Record<ImpedanceClass, number>, from: ClassCounts): void {
  for (const c of IMPEDANCE_CLASSES) into[c] += from[c];
}

function mergeCapabilities(into: Record<string, CapabilityStat>, from: Readonly<Record<string, CapabilityStat>>): void {
  for (const [cap, stat] of Object.entries(from)) {
    const had = into[cap];
    into[cap] = had ? { agents: had.agents + stat.agents, bestScore: Math.min(had.bestScore, stat.bestScore) } : stat;
  }
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkAt(at: unknown): number {
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new InvalidImpedanceOptionError('at', at, 'a finite number');
  return at;
}

/** A cluster lead's summary of its agents' latest heartbeats. */
export function clusterAggregate(clusterId: string, sectorId: string, agents: readonly AgentImpedance[], options: ClusterAggregateOptions): ClusterAggregate {
  const at = checkAt(options?.at);
  const alpha = options.historyAlpha ?? 0.1;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) throw new InvalidImpedanceOptionError('historyAlpha', alpha, 'a number in (0, 1]');
  const t = resolveThresholds(options.thresholds);
  const latest = new Map<string, AgentImpedance>();
  for (const a of agents) {
    if (a.clusterId !== clusterId) throw new AggregationMismatchError('cluster', clusterId, a.agentId, a.clusterId);
    const had = latest.get(a.agentId);
    if (!had || a.at >= had.at) latest.set(a.agentId, a);
  }
  const all = [...latest.values()].sort((a, b) => byId(a.agentId, b.agentId));
  const active = all.filter((a) => a.operationalState === 'active');
  const scores = active.map((a) => a.score);
  const classCounts = zeroCounts();
  const behaviourCounts = zeroCounts();
  for (const a of all) {
    classCounts[a.declaredClass]++;
    behaviourCounts[a.behavesAs]++;
  }
  const capabilities: Record<string, CapabilityStat> = {};
  let fastest: AgentImpedance | null = null;
  let slowest: AgentImpedance | null = null;
  for (const a of active) {
    for (const cap of new Set(a.capabilities)) {
      const had = capabilities[cap];
      capabilities[cap] = had ? { agents: had.agents + 1, bestScore: Math.min(had.bestScore, a.score) } : { agents: 1, bestScore: a.score };
    }
    if (fastest === null || a.score < fastest.score) fastest = a;
    if (slowest === null || a.score > slowest.score) slowest = a;
  }
  const degradedAgents = active.filter((a) => a.flags.degraded).map((a) => a.agentId);
  const unstableAgents = active.filter((a) => a.flags.unstable).map((a) => a.agentId);
  const meanScore = mean(scores);
  const prev = options.previous;
  const historicalMeanScore = prev === undefined ? null : prev.historicalMeanScore === null ? prev.meanScore : prev.historicalMeanScore + alpha * (prev.meanScore - prev.historicalMeanScore);
  const spike = historicalMeanScore !== null && historicalMeanScore > 0 && meanScore > t.spikeFactor * historicalMeanScore;
  return {
    clusterId,
    sectorId,
    at,
    agentCount: all.length,
    activeCount: active.length,
    capacity: active.length - degradedAgents.length,
    meanScore,
    p50Score: nearestRank(scores, 0.5),
    p95Score: nearestRank(scores, 0.95),
    historicalMeanScore,
    classCounts,
    behaviourCounts,
    capabilities,
    fastestAgent: fastest?.agentId ?? null,
    slowestAgent: slowest?.agentId ?? null,
    degradedAgents,
    unstableAgents,
    flags: { spike, degraded: spike || degradedAgents.length >= t.multipleAgents, unstable: unstableAgents.length >= t.multipleAgents },
  };
}

export interface SectorAggregateOptions {
  readonly at: number;
  readonly thresholds?: Partial<AnomalyThresholds>;
}

/** A sector coordinator's summary of its clusters' aggregates. */
export function sectorAggregate(sectorId: string, clusters: readonly ClusterAggregate[], options: SectorAggregateOptions): SectorAggregate {
  const at = checkAt(options?.at);
  const t = resolveThresholds(options.thresholds);
  const latest = new Map<string, ClusterAggregate>();
  for (const c of clusters) {
    if (c.sectorId !== sectorId) throw new AggregationMismatchError('sector', sectorId, c.clusterId, c.sectorId);
    const had = latest.get(c.clusterId);
    if (!had || c.at >= had.at) latest.set(c.clusterId, c);
  }
  const all = [...latest.values()].sort((a, b) => byId(a.clusterId, b.clusterId));
  const live = all.filter((c) => c.activeCount > 0);
  const totalAgents = all.reduce((s, c) => s + c.agentCount, 0);
  const activeAgents = all.reduce((s, c) => s + c.activeCount, 0);
  const activeRate = totalAgents === 0 ? 0 : activeAgents / totalAgents;
  const classCounts = zeroCounts();
  const capabilities: Record<string, CapabilityStat> = {};
  for (const c of all) {
    addCounts(classCounts, c.classCounts);
    mergeCapabilities(capabilities, c.capabilities);
  }
  let healthiest: ClusterAggregate | null = null;
  let sickest: ClusterAggregate | null = null;
  for (const c of live) {
    if (healthiest === null || c.meanScore < healthiest.meanScore) healthiest = c;
    if (sickest === null || c.meanScore > sickest.meanScore) sickest = c;
  }
  return {
    sectorId,
    at,
    clusterCount: all.length,
    totalAgents,
    activeAgents,
    activeRate,
    capacity: all.reduce((s, c) => s + c.capacity, 0),
    meanScore: mean(live.map((c) => c.meanScore)),
    p95Score: nearestRank(live.map((c) => c.p95Score), 0.95),
    classCounts,
    capabilities,
    healthiestCluster: healthiest?.clusterId ?? null,
    sickestCluster: sickest?.clusterId ?? null,
    degradedClusters: all.filter((c) => c.flags.degraded).map((c) => c.clusterId),
    unstableClusters: all.filter((c) => c.flags.unstable).map((c) => c.clusterId),
    healthy: activeRate > t.healthyActiveRate,
    clusters: all,
  };
}

/** The mesh-wide impedance map from the sectors' aggregates (later `at` wins per sector). */
export function globalImpedanceMap(sectors: readonly SectorAggregate[], options: { readonly at: number }): GlobalImpedanceMap {
  const at = checkAt(options?.at);
  const latest = new Map<string, SectorAggregate>();
  for (const s of sectors) {
    const had = latest.get(s.sectorId);
    if (!had || s.at >= had.at) latest.set(s.sectorId, s);
  }
  const all = [...latest.values()].sort((a, b) => byId(a.sectorId, b.sectorId));
  const clusters = all.flatMap((s) => s.clusters);
  const live = clusters.filter((c) => c.activeCount > 0);
  const totalAgents = all.reduce((s, x) => s + x.totalAgents, 0);
  const activeAgents = all.reduce((s, x) => s + x.activeAgents, 0);
  const classCounts = zeroCounts();
  const capabilities: Record<string, CapabilityStat> = {};
  for (const s of all) {
    addCounts(classCounts, s.classCounts);
    mergeCapabilities(capabilities, s.capabilities);
  }
  return {
    at,
    sectorCount: all.length,
    clusterCount: clusters.length,
    totalAgents,
    activeAgents,
    activeRate: totalAgents === 0 ? 0 : activeAgents / totalAgents,
    capacity: all.reduce((s, x) => s + x.capacity, 0),
    meanScore: mean(live.map((c) => c.meanScore)),
    p95Score: nearestRank(live.map((c) => c.p95Score), 0.95),
    sectorsHealthy: all.filter((s) => s.healthy).length,
    sectorsDegraded: all.filter((s) => !s.healthy).length,
    classCounts,
    capabilities,
    sectors: all,
  };
}

