import { finiteAtLeast, integerAtLeast, positive, unitInterval } from './validate.js';

/**
 * The anomaly thresholds of MESH-30K, in one place:
 *
 *   degradedScore     800   an agent with impedance_score > 800 is degraded (part 4.2)
 *   unstableDrift     0.5   an agent with drift_coefficient > 0.5 is unstable (part 4.2);
 *                           the drift coefficient here is latency std dev / mean latency
 *                           (part 4.1 names it the std dev; 0.5 only makes sense relative)
 *   spikeFactor       2     impedance score > 2x its historical average is a spike (6.1),
 *                           which also makes the agent degraded
 *   multipleAgents    2     "multiple agents in cluster affected" (6.1's escalation): a
 *                           cluster with this many degraded (unstable) agents is degraded
 *                           (unstable) as a whole
 *   healthyActiveRate 0.95  a sector is healthy when active / total > 0.95 (4.3)
 */

export interface AnomalyThresholds {
  readonly degradedScore: number;
  readonly unstableDrift: number;
  readonly spikeFactor: number;
  readonly multipleAgents: number;
  readonly healthyActiveRate: number;
}

export const DEFAULT_ANOMALY_THRESHOLDS: AnomalyThresholds = Object.freeze({ degradedScore: 800, unstableDrift: 0.5, spikeFactor: 2, multipleAgents: 2, healthyActiveRate: 0.95 });

/** Defaults with `overrides` applied and checked. */
export function resolveThresholds(overrides: Partial<AnomalyThresholds> = {}, option = 'thresholds'): AnomalyThresholds {
  const t = { ...DEFAULT_ANOMALY_THRESHOLDS, ...overrides };
  finiteAtLeast(`${option}.degradedScore`, t.degradedScore, 0);
  finiteAtLeast(`${option}.unstableDrift`, t.unstableDrift, 0);
  positive(`${option}.spikeFactor`, t.spikeFactor);
  integerAtLeast(`${option}.multipleAgents`, t.multipleAgents, 1);
  unitInterval(`${option}.healthyActiveRate`, t.healthyActiveRate);
  return Object.freeze(t);
}

/** An agent's anomaly flags. */
export interface AgentFlags {
  /** Score above `spikeFactor` x its historical average. */
  readonly spike: boolean;
  /** Score above `degradedScore`, or a spike. */
  readonly degraded: boolean;
  /** Drift coefficient above `unstableDrift`. */
  readonly unstable: boolean;
}

/** The flags for a score, its historical average (null: no history yet) and a drift coefficient. */
export function agentFlags(score: number, historicalScore: number | null, driftCoefficient: number, thresholds: AnomalyThresholds = DEFAULT_ANOMALY_THRESHOLDS): AgentFlags {
  const spike = historicalScore !== null && historicalScore > 0 && score > thresholds.spikeFactor * historicalScore;
  return { spike, degraded: spike || score > thresholds.degradedScore, unstable: driftCoefficient > thresholds.unstableDrift };
}
