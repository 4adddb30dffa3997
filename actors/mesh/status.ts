import type { BreakerHierarchy } from '../../supervisors/breaker-hierarchy.js';
import { degradationMode } from '../../supervisors/degradation.js';
import type { DegradationMode } from '../../supervisors/degradation.js';
import { digestPercentile } from '../protocol/index.js';
import type { LatencyDigest } from '../protocol/index.js';

/**
 * Part 7.1's MeshStatus, computed from a measurement of the mesh: shared by the scenario
 * (its summary's `status`) and the console (`MeshConsole.status()`).
 */
export interface MeshStatus {
  readonly agentsActive: number;
  readonly agentsTotal: number;
  readonly activeRate: number;
  readonly sectorsHealthy: number;
  readonly sectorsTotal: number;
  /** Simulated ms: the median agent reply delay (wall clock) times the speedup; null without samples. */
  readonly medianImpedanceMs: number | null;
  readonly conflicts: number;
  readonly mode: DegradationMode;
  readonly breakersOpen: { readonly cluster: number; readonly sector: number; readonly global: boolean };
}

export interface MeshMeasure {
  /** Agents whose ACK reached the top in the measuring wave. */
  readonly agentsActive: number;
  readonly agentsTotal: number;
  readonly sectorsTotal: number;
  /** Agents' reply delays (wall-clock ms) of the measuring wave. */
  readonly agentDelays: LatencyDigest;
  /** The mesh speedup (simulated ms per wall-clock ms). */
  readonly speedup: number;
  readonly conflicts: number;
  readonly breakers: BreakerHierarchy | undefined;
}

/** The MeshStatus of a measurement: active rate, degradation mode, breakers open. */
export function meshStatus(m: MeshMeasure): MeshStatus {
  const activeRate = m.agentsTotal === 0 ? 1 : m.agentsActive / m.agentsTotal;
  const openSectors = m.breakers?.openCount('sector') ?? 0;
  const medianDelay = digestPercentile(m.agentDelays, 0.5);
  return {
    agentsActive: m.agentsActive,
    agentsTotal: m.agentsTotal,
    activeRate,
    sectorsHealthy: m.sectorsTotal - openSectors,
    sectorsTotal: m.sectorsTotal,
    medianImpedanceMs: medianDelay === null ? null : Math.round(medianDelay * m.speedup),
    conflicts: m.conflicts,
    mode: degradationMode(Math.min(1, Math.max(0, activeRate))),
    breakersOpen: { cluster: m.breakers?.openCount('cluster') ?? 0, sector: openSectors, global: m.breakers !== undefined && m.breakers.global.state === 'open' },
  };
}
