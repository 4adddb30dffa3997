import type { ActorContext, ActorRef } from '../../src/index.js';
import type { AgentIdentity } from '../impedance/index.js';
import { DEFAULT_CAPABILITIES } from './capabilities.js';
import { createAgentSim, meshSettings } from './wave.js';
import type { AgentSim } from './wave.js';

/**
 * The agents' simulations (class, model, profiler), one per agent, made lazily by whatever
 * reaches the agent first (a wave, a heartbeat): an idle agent costs nothing more. Kept
 * here, keyed by the agent's ref, so that the wave handler, the heartbeat handler and
 * inspection (`agentSimOf`) share them, and a simulation survives the agent's restarts.
 *
 * The profiler's identity differs from wave.ts's `createAgentSim` in two ways:
 *   ids           agent, cluster and sector ids are the full actor paths: names repeat
 *                 across the tree ('cluster-0' in every sector, 'agent-0' in every cluster)
 *                 and aggregation and routing key on the ids
 *   capabilities  the agent node's `props.capabilities`, else the class default
 *                 (capabilities.ts), so snapshots and aggregates advertise them
 */

const sims = new WeakMap<object, AgentSim>();
/** Capabilities given by an agent node's props, by agent ref (absent: the class default). */
const capabilityProps = new WeakMap<object, readonly string[]>();

/** The impedance simulation of the agent `ref` (once a wave or heartbeat reached it), for inspection. */
export function agentSimOf(ref: ActorRef<unknown>): AgentSim | undefined {
  return sims.get(ref);
}

/** Remembers the capabilities an agent's props gave (called by the agent's behaviour, on every start). */
export function setAgentCapabilities(self: ActorRef<unknown>, capabilities: readonly string[] | undefined): void {
  if (capabilities === undefined) capabilityProps.delete(self);
  else capabilityProps.set(self, capabilities);
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i > 0 ? path.slice(0, i) : path;
};

/** The agent's simulation, made now if it has none yet. */
export function agentSimFor(ctx: ActorContext<unknown>): AgentSim {
  let sim = sims.get(ctx.self);
  if (sim === undefined) {
    sim = createAgentSim(ctx.path, meshSettings(ctx.system));
    const clusterId = parentOf(ctx.path);
    const identity: AgentIdentity = Object.freeze({
      agentId: ctx.path,
      clusterId,
      sectorId: parentOf(clusterId),
      declaredClass: sim.cls,
      capabilities: capabilityProps.get(ctx.self) ?? DEFAULT_CAPABILITIES[sim.cls],
    });
    // createAgentSim takes no identity; a second profiler would cost ~10 us per agent (30k
    // at registration), so the fresh, never-used profiler gets this identity instead. The
    // profiler reads `identity` only when it snapshots.
    (sim.profiler as { identity: AgentIdentity }).identity = identity;
    sims.set(ctx.self, sim);
  }
  return sim;
}
