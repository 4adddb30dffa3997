import type { ClusterAggregate, GlobalImpedanceMap } from './aggregate.js';
import { InvalidImpedanceOptionError } from './errors.js';
import type { AgentImpedance } from './profiler.js';

/**
 * Capability routing (parts 4.2 and 4.3): the lowest-impedance agent that can do a thing.
 *
 *   routeInCluster       part 4.2's route_within_cluster: among a cluster's agents, those
 *                        that list the capability, are 'active' and pass the caller's
 *                        `isAgentRoutable` (an open breaker, a quarantine ...), the one with
 *                        the lowest score; null when there is none (the document raises
 *                        NoCapableAgentError, the caller decides here).
 *   routeAcrossClusters  via the global map: the clusters that advertise the capability and
 *                        pass `isClusterRoutable` are tried in order of their advertised best
 *                        score; each is asked for its agents (`agentsOf`, e.g. the cluster
 *                        lead's latest heartbeats) and routed within; the search stops once
 *                        the next cluster's advertised best is worse than the agent found.
 *                        When the map and the heartbeats agree (the advertised best is never
 *                        above what the cluster can give), this is the lowest score of all
 *                        routable clusters; when the map is stale it can miss a better agent
 *                        in a cluster that advertised worse, never pick an incapable one.
 *   bestAgents           part 4.3's find_best_agents_for_capability: the `count` best, each
 *                        at most `maxScore` (default 500, the document's max_impedance).
 *
 * Ties on score go to the smaller agent id (cluster id across clusters), so the answer is
 * deterministic. Every function is pure and returns data from its input.
 */

export type AgentPredicate = (agent: AgentImpedance) => boolean;
export type ClusterPredicate = (cluster: ClusterAggregate) => boolean;

const always = (): boolean => true;

function candidates(agents: readonly AgentImpedance[], capability: string, isAgentRoutable: AgentPredicate): AgentImpedance[] {
  return agents.filter((a) => a.operationalState === 'active' && a.capabilities.includes(capability) && isAgentRoutable(a));
}

/** Strict "a is a better pick than b": lower score, then smaller id. */
function better(a: AgentImpedance, b: AgentImpedance): boolean {
  return a.score < b.score || (a.score === b.score && a.agentId < b.agentId);
}

function checkCapability(capability: unknown): string {
  if (typeof capability !== 'string' || capability.length === 0) throw new InvalidImpedanceOptionError('capability', capability, 'a non-empty string');
  return capability;
}

/** The lowest-score active agent with `capability` that `isAgentRoutable` lets through, or null. */
export function routeInCluster(agents: readonly AgentImpedance[], capability: string, isAgentRoutable: AgentPredicate = always): AgentImpedance | null {
  checkCapability(capability);
  let best: AgentImpedance | null = null;
  for (const a of candidates(agents, capability, isAgentRoutable)) if (best === null || better(a, best)) best = a;
  return best;
}

export interface RouteAcrossOptions {
  /** Clusters failing this are skipped (e.g. an open cluster or sector breaker). */
  readonly isClusterRoutable?: ClusterPredicate;
  /** Agents failing this are skipped. */
  readonly isAgentRoutable?: AgentPredicate;
}

/** Where routeAcrossClusters sends the work. */
export interface Route {
  readonly agent: AgentImpedance;
  readonly clusterId: string;
  readonly sectorId: string;
}

/** The best routable agent with `capability` across the map's routable clusters, or null. */
export function routeAcrossClusters(map: GlobalImpedanceMap, capability: string, agentsOf: (clusterId: string) => readonly AgentImpedance[], options: RouteAcrossOptions = {}): Route | null {
  checkCapability(capability);
  const isClusterRoutable = options.isClusterRoutable ?? always;
  const isAgentRoutable = options.isAgentRoutable ?? always;
  const clusters = map.sectors
    .flatMap((s) => s.clusters)
    .filter((c) => (c.capabilities[capability]?.agents ?? 0) > 0 && isClusterRoutable(c))
    .sort((a, b) => a.capabilities[capability]!.bestScore - b.capabilities[capability]!.bestScore || (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : 0));
  let best: Route | null = null;
  for (const c of clusters) {
    if (best !== null && c.capabilities[capability]!.bestScore > best.agent.score) break;
    const agent = routeInCluster(
      agentsOf(c.clusterId).filter((a) => a.clusterId === c.clusterId),
      capability,
      isAgentRoutable,
    );
    if (agent !== null && (best === null || better(agent, best.agent))) best = { agent, clusterId: c.clusterId, sectorId: c.sectorId };
  }
  return best;
}

export interface BestAgentsOptions {
  /** Agents scoring above this are left out; default 500 (part 4.3's max_impedance). */
  readonly maxScore?: number;
  readonly isAgentRoutable?: AgentPredicate;
}

/** Up to `count` routable active agents with `capability`, best first, each scoring <= maxScore. */
export function bestAgents(agents: readonly AgentImpedance[], capability: string, count: number, options: BestAgentsOptions = {}): AgentImpedance[] {
  checkCapability(capability);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw new InvalidImpedanceOptionError('count', count, 'an integer >= 0');
  const maxScore = options.maxScore ?? 500;
  if (typeof maxScore !== 'number' || Number.isNaN(maxScore)) throw new InvalidImpedanceOptionError('maxScore', maxScore, 'a number');
  return candidates(agents, capability, options.isAgentRoutable ?? always)
    .filter((a) => a.score <= maxScore)
    .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
    .slice(0, count);
}
