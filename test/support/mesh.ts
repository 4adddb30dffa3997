import type { ActorSystem } from '../../src/index.js';
import { configureMesh, registerMeshTypes } from '../../actors/mesh-types.js';
import type { MeshSettings } from '../../actors/mesh-types.js';
import type { TreeConfig } from '../../supervisors/config/index.js';
import { quietSystem } from './helpers.js';

/**
 * The small mesh the mesh tests share: 1 orchestrator, 2 sectors x 2 clusters x 3 agents
 * (12 agents, 19 actors). With `breakers`, sectors and clusters get circuit breakers; with
 * `extraClusterChildren`, each cluster gets those children too.
 */
export function smallMeshConfig(options: { breakers?: boolean; /** More children per cluster, after its 3 agents. */ extraClusterChildren?: readonly object[] } = {}): TreeConfig {
  const sectorBreaker = options.breakers ? { breaker: { maxFailures: 50 } } : {};
  const clusterBreaker = options.breakers ? { breaker: { maxFailures: 20 } } : {};
  return {
    root: {
      type: 'orchestrator',
      name: 'orchestrator',
      children: [
        {
          type: 'sector-coordinator',
          name: 'sector-{i}',
          replicas: 2,
          ...sectorBreaker,
          children: [{ type: 'cluster-lead', name: 'cluster-{i}', replicas: 2, ...clusterBreaker, children: [{ type: 'agent', name: 'agent-{i}', replicas: 3, restart: 'transient' }, ...(options.extraClusterChildren ?? [])] }],
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
