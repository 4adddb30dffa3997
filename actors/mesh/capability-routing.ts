import type { ActorRef, ActorSystem } from '../../src/index.js';
import { routeAcrossClusters } from '../impedance/index.js';
import type { AgentImpedance, GlobalImpedanceMap, Route } from '../impedance/index.js';
import type { Deliver, Refused, Task, TaskDone } from '../mesh-types.js';
import type { AgentImpedances, GlobalImpedance, HeartbeatNow, ImpedancesQuery } from './heartbeat.js';

/**
 * Capability routing (MESH-30K 4.2, 4.3) by the orchestrator: `{ type: 'route', capability,
 * task, replyTo }` hands `task` to the lowest-impedance agent mesh-wide that advertises
 * `capability`.
 *
 *   1. the global map (heartbeat.ts; a `heartbeat-now` first when there is none yet)
 *   2. routeAcrossClusters over it: clusters in order of their advertised best score; each
 *      one is asked for its agents (`impedances`, answered from the lead's latest
 *      heartbeats) and routed within (routeInCluster) until no cluster can do better.
 *      Skipped: clusters whose lead answers frozen, whose breaker is open (the ask is
 *      refused at once by the gate) or that do not answer; agents that are not active
 *      (offline, quarantined by the conflict desk). Checked live, not from the map: a
 *      coordinator thawed since the last heartbeat is routable at once.
 *   3. the task is delivered down the tree (`deliver`, so a frozen coordinator on the way
 *      refuses it: that coordinator's clusters are skipped and the next best is tried)
 *   4. the agent's TaskDone goes to `replyTo`, and a `mesh-routed` event says who and why
 *      (capability, agent, score, cluster, skipped); with no capable agent left, `replyTo`
 *      gets a NoCapableAgent and a `mesh-route-failed` event is published.
 *
 * routeAcrossClusters wants the agents of a cluster synchronously; they come from an ask.
 * So it runs again after each cluster fetched: its `agentsOf` throws NeedAgents for a
 * cluster not fetched yet, and the search resumes once the answer is in (typically one to
 * three asks: it stops at the first cluster that cannot beat the agent found).
 */

export interface RouteRequest {
  readonly type: 'route';
  readonly capability: string;
  readonly task: unknown;
  readonly replyTo: ActorRef<TaskDone | NoCapableAgent>;
}

export interface NoCapableAgent {
  readonly type: 'no-capable-agent';
  readonly capability: string;
  readonly task: unknown;
  /**
   * none-capable  no routable active agent advertises the capability
   * no-map        no heartbeat reached the orchestrator
   * frozen        the orchestrator itself is frozen
   * invalid       `capability` is not a non-empty string
   */
  readonly reason: 'none-capable' | 'no-map' | 'frozen' | 'invalid';
  /** Agents and coordinators tried and skipped (refused, frozen, not answering). */
  readonly skipped: readonly string[];
}

/** What a routing needs from the orchestrator, taken inside its handler. */
export interface RouteEnv {
  readonly system: ActorSystem;
  /** The orchestrator: `deliver` and `heartbeat-now` go through it. */
  readonly self: ActorRef<unknown>;
  readonly path: string;
  /** Its map when the request arrived (null: none yet). */
  readonly map: GlobalImpedanceMap | null;
  /** Timeout of each ask, wall-clock ms. */
  readonly timeoutMs: number;
}

class NeedAgents {
  constructor(readonly clusterId: string) {}
}

const isRefused = (x: unknown): x is Refused => (x as { type?: unknown }).type === 'refused';

/** Answers `request` as the module comment says. Never throws: every outcome is an answer to replyTo. */
export async function routeTask(request: RouteRequest, env: RouteEnv): Promise<void> {
  const { capability, task, replyTo } = request;
  const skippedList: string[] = [];
  const fail = (reason: NoCapableAgent['reason']): void => {
    env.system.publish({ type: 'mesh-route-failed', timestamp: Date.now(), path: env.path, capability, reason, skipped: skippedList.length });
    replyTo.tell({ type: 'no-capable-agent', capability, task, reason, skipped: skippedList });
  };
  if (typeof capability !== 'string' || capability.length === 0) return fail('invalid');
  let map = env.map;
  if (map === null) {
    const fresh = await env.self.ask<GlobalImpedance>((r) => ({ type: 'heartbeat-now', replyTo: r }) satisfies HeartbeatNow, { timeoutMs: env.timeoutMs * 4 }).catch(() => undefined);
    map = fresh?.map ?? null;
    if (map === null) return fail('no-map');
  }
  /** Clusters and sectors skipped (frozen, breaker open, silent), by path. */
  const unroutable = new Set<string>();
  const skippedAgents = new Set<string>();
  const fetched = new Map<string, readonly AgentImpedance[]>();
  const skip = (path: string): void => {
    unroutable.add(path);
    skippedList.push(path);
  };
  for (;;) {
    let route: Route | null;
    try {
      route = routeAcrossClusters(
        map,
        capability,
        (clusterId) => {
          const agents = fetched.get(clusterId);
          if (agents === undefined) throw new NeedAgents(clusterId);
          return agents;
        },
        { isClusterRoutable: (c) => !unroutable.has(c.clusterId) && !unroutable.has(c.sectorId), isAgentRoutable: (a) => !skippedAgents.has(a.agentId) },
      );
    } catch (error) {
      if (!(error instanceof NeedAgents)) throw error;
      const lead = env.system.lookup(error.clusterId);
      // An open breaker refuses the ask at once; a lead that does not answer is skipped too.
      const answer = lead === undefined ? undefined : await lead.ask<AgentImpedances>((r) => ({ type: 'impedances', replyTo: r }) satisfies ImpedancesQuery, { timeoutMs: env.timeoutMs }).catch(() => undefined);
      if (answer === undefined || answer.frozen) skip(error.clusterId);
      else fetched.set(error.clusterId, answer.agents);
      continue;
    }
    if (route === null) return fail('none-capable');
    const agent = route.agent.agentId;
    const done = await env.self
      .ask<TaskDone | Refused>((r) => ({ type: 'deliver', target: agent, message: { type: 'task', task, replyTo: r } satisfies Task }) satisfies Deliver, { timeoutMs: env.timeoutMs })
      .catch(() => undefined);
    if (done !== undefined && !isRefused(done)) {
      env.system.publish({ type: 'mesh-routed', timestamp: Date.now(), path: env.path, capability, agent, score: route.agent.score, cluster: route.clusterId, sector: route.sectorId, skipped: skippedList.length });
      replyTo.tell(done);
      return;
    }
    // Refused on the way (frozen coordinator) or no answer: skip it, try the next best.
    skippedAgents.add(agent);
    if (done !== undefined && done.reason === 'frozen' && done.by !== env.path) skip(done.by);
    else skippedList.push(agent);
  }
}
