import type { ActorSystem } from '../../src/index.js';
import { configureMesh, registerMeshTypes } from '../../actors/mesh-types.js';
import type { MeshSettings } from '../../actors/mesh-types.js';
import type { TreeConfig } from '../../supervisors/config/index.js';
import { quietSystem } from './helpers.js';

/**
 * The small mesh the mesh tests share: 1 orchestrator, 2 sectors x 2 clusters x 3 agents
 * (12 agents, 19 actors). With `breakers`, sectors and clusters get circuit breakers (the
 * cluster's opening after `clusterMaxFailures`, default 20); with `extraClusterChildren`,
 * each cluster gets those children too; `size` changes the counts.
 */
export function smallMeshConfig(
  options: {
    breakers?: boolean;
    clusterMaxFailures?: number;
    /** More children per cluster, after its agents. */
    extraClusterChildren?: readonly object[];
    size?: { sectors: number; clusters: number; agents: number };
  } = {},
): TreeConfig {
  const size = options.size ?? { sectors: 2, clusters: 2, agents: 3 };
  const sectorBreaker = options.breakers ? { breaker: { maxFailures: 50 } } : {};
  const clusterBreaker = options.breakers ? { breaker: { maxFailures: options.clusterMaxFailures ?? 20 } } : {};
  return {
    root: {
      type: 'orchestrator',
      name: 'orchestrator',
      children: [
        {
          type: 'sector-coordinator',
          name: 'sector-{i}',
          replicas: size.sectors,
          ...sectorBreaker,
          children: [{ type: 'cluster-lead', name: 'cluster-{i}', replicas: size.clusters, ...clusterBreaker, children: [{ type: 'agent', name: 'agent-{i}', replicas: size.agents, restart: 'transient' }, ...(options.extraClusterChildren ?? [])] }],
        },
      ],
    },
  } as TreeConfig;
}

/** A quiet system with the mesh types registered and `settings` applied. */
export function meshSystem(settings: Partial<MeshSettings>): ActorSystem {
  const system = quietSystem();
  registerMeshTypes(system);
  configureMesh(system, settings);
  return system;
}
