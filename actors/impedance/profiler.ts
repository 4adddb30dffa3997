import type { AgentFlags, AnomalyThresholds } from './anomalies.js';
import { agentFlags, resolveThresholds } from './anomalies.js';
import type { ClassProfile, ClassProfileOverrides, ImpedanceClass } from './classes.js';
import { behavesAs, impedanceClass, resolveClassProfiles } from './classes.js';
import { InvalidImpedanceOptionError } from './errors.js';
import type { Sample } from './sample-ring.js';
import { DEFAULT_SAMPLE_CAPACITY, SampleRing } from './sample-ring.js';
import type { ScoreWeights } from './score.js';
import { impedanceScore, resolveScoreWeights } from './score.js';
import { integerAtLeast } from './validate.js';

/**
 * Continuous impedance profiling of one agent (part 4.1): it records samples (O(1) each,
 * into a SampleRing of `capacity`, default 100), keeps the current queue depth and
 * operational state, and on `snapshot(now)` computes the agent's AgentImpedance (part
 * 2.3): p50/p95 of latency and processing, drift, reliability, the composite score
 * (score.ts), the class it behaves as (classes.ts) and its anomaly flags (anomalies.ts).
 *
 * The historical average a spike is measured against is an exponential moving average of
 * the scores of earlier snapshots (weight `historyAlpha`, default 0.1 per snapshot; at
 * one heartbeat per 5 s it remembers about the last minute). The snapshot carries the
 * average from before it, so a sudden jump shows up as a spike in that very heartbeat.
 *
 * Snapshots are plain, frozen data: actors can send them as heartbeat messages.
 */

export type OperationalState = 'active' | 'degraded' | 'offline' | 'quarantined';

const OPERATIONAL_STATES: readonly OperationalState[] = ['active', 'degraded', 'offline', 'quarantined'];

/** Who the agent is; fixed for the life of a profiler. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly clusterId: string;
  readonly sectorId: string;
  /** The class it is deployed as. */
  readonly declaredClass: ImpedanceClass;
  /** What it can do (part 2.3's capabilities). */
  readonly capabilities: readonly string[];
}

/** Part 2.3's AgentImpedance, as plain data. */
export interface AgentImpedance {
  readonly agentId: string;
  readonly clusterId: string;
  readonly sectorId: string;
  readonly declaredClass: ImpedanceClass;
  readonly capabilities: readonly string[];
  /** The class its current medians fit (classes.ts `behavesAs`). */
  readonly behavesAs: ImpedanceClass;
  /** When the snapshot was taken (the heartbeat time). */
  readonly at: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  readonly processingP50Ms: number;
  readonly processingP95Ms: number;
  readonly queueDepth: number;
  readonly samples: number;
  /** Composite score, 0-1000. */
  readonly score: number;
  /** Moving average of earlier snapshots' scores; null on the first snapshot. */
  readonly historicalScore: number | null;
  /** Success ratio over the samples held, in [0, 1]. */
  readonly reliability: number;
  /** Standard deviation of latency, ms. */
  readonly driftStdDevMs: number;
  /** driftStdDevMs / mean latency (0 when the mean is 0). */
  readonly driftCoefficient: number;
  readonly operationalState: OperationalState;
  readonly flags: AgentFlags;
}

export interface ImpedanceProfilerOptions {
  /** Samples kept; integer >= 1, default 100. */
  readonly capacity?: number;
  /** Weight of each new score in the historical average, in (0, 1]; default 0.1. */
  readonly historyAlpha?: number;
  readonly weights?: Partial<ScoreWeights>;
  readonly thresholds?: Partial<AnomalyThresholds>;
  readonly classes?: ClassProfileOverrides;
}

export class ImpedanceProfiler {
  readonly identity: AgentIdentity;
  private readonly ring: SampleRing;
  private readonly historyAlpha: number;
  private readonly weights: ScoreWeights;
  private readonly thresholds: AnomalyThresholds;
  private readonly profiles: Readonly<Record<ImpedanceClass, ClassProfile>>;
  private queueDepth = 0;
  private state: OperationalState = 'active';
  private history: number | null = null;
  /** Bumped by everything the measured figures depend on (samples, queue depth). */
  private version = 0;
  /**
   * The figures of the last snapshot and the version they were measured at: an agent that
   * has seen no message since its last heartbeat (most of an idle mesh) gets them again
   * without sorting its samples (heartbeats of 30,000 agents every interval).
   */
  private measured: Measured | null = null;

  constructor(identity: AgentIdentity, options: ImpedanceProfilerOptions = {}) {
    for (const key of ['agentId', 'clusterId', 'sectorId'] as const) {
      if (typeof identity?.[key] !== 'string' || identity[key].length === 0) throw new InvalidImpedanceOptionError(`identity.${key}`, identity?.[key], 'a non-empty string');
    }
    impedanceClass(identity.declaredClass);
    if (!Array.isArray(identity.capabilities) || !identity.capabilities.every((c) => typeof c === 'string')) throw new InvalidImpedanceOptionError('identity.capabilities', identity.capabilities, 'an array of strings');
    this.identity = Object.freeze({ ...identity, capabilities: Object.freeze([...identity.capabilities]) });
    this.ring = new SampleRing(options.capacity ?? DEFAULT_SAMPLE_CAPACITY);
    const alpha = options.historyAlpha ?? 0.1;
    if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 1)) throw new InvalidImpedanceOptionError('historyAlpha', alpha, 'a number in (0, 1]');
    this.historyAlpha = alpha;
    this.weights = resolveScoreWeights(options.weights);
    this.thresholds = resolveThresholds(options.thresholds);
    this.profiles = resolveClassProfiles(options.classes ?? {});
  }

  /** The samples held (oldest first). */
  samples(): Sample[] {
    return this.ring.toArray();
  }

  /** Records one measured message. O(1). */
  record(sample: Sample): void {
    this.ring.push(sample);
    this.version++;
  }

  /** `record` for figures that are finite and >= 0 by construction: no checks, no sample object. O(1). */
  recordValues(latencyMs: number, processingMs: number, at: number, ok: boolean): void {
    this.ring.pushValues(latencyMs, processingMs, at, ok);
    this.version++;
  }

  /** Sets the current backlog (integer >= 0). */
  setQueueDepth(depth: number): void {
    const next = integerAtLeast('queueDepth', depth, 0);
    if (next !== this.queueDepth) this.version++;
    this.queueDepth = next;
  }

  setOperationalState(state: OperationalState): void {
    if (!OPERATIONAL_STATES.includes(state)) throw new InvalidImpedanceOptionError('operationalState', state, `one of ${OPERATIONAL_STATES.join(', ')}`);
    this.state = state;
  }

  /** The agent's AgentImpedance at `now`; folds this score into the historical average. */
  snapshot(now: number): AgentImpedance {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new InvalidImpedanceOptionError('now', now, 'a finite number');
    const at = now;
    const m = this.measured !== null && this.measured.version === this.version ? this.measured : (this.measured = this.measure());
    const { latencyP50Ms, latencyP95Ms, processingP50Ms, processingP95Ms, driftStdDevMs, driftCoefficient, reliability, score } = m;
    const historicalScore = this.history;
    this.history = historicalScore === null ? score : historicalScore + this.historyAlpha * (score - historicalScore);
    return Object.freeze({
      ...this.identity,
      behavesAs: m.behavesAs,
      at,
      latencyP50Ms,
      latencyP95Ms,
      processingP50Ms,
      processingP95Ms,
      queueDepth: this.queueDepth,
      samples: this.ring.size,
      score,
      historicalScore,
      reliability,
      driftStdDevMs,
      driftCoefficient,
      operationalState: this.state,
      flags: Object.freeze(agentFlags(score, historicalScore, driftCoefficient, this.thresholds)),
    });
  }

  /** The figures a snapshot measures from the samples (see `measured`). */
  private measure(): Measured {
    const [latencyP50Ms, latencyP95Ms] = this.ring.percentiles('latencyMs', [0.5, 0.95]) as [number, number];
    const [processingP50Ms, processingP95Ms] = this.ring.percentiles('processingMs', [0.5, 0.95]) as [number, number];
    const driftStdDevMs = this.ring.stdDev('latencyMs');
    const meanLatency = this.ring.mean('latencyMs');
    const driftCoefficient = meanLatency > 0 ? driftStdDevMs / meanLatency : 0;
    const reliability = this.ring.reliability();
    const score = impedanceScore({ latencyMs: latencyP50Ms, processingMs: processingP50Ms, queueDepth: this.queueDepth, latencyStdDevMs: driftStdDevMs, reliability }, this.weights);
    return { version: this.version, latencyP50Ms, latencyP95Ms, processingP50Ms, processingP95Ms, driftStdDevMs, driftCoefficient, reliability, score, behavesAs: behavesAs(latencyP50Ms, processingP50Ms, this.profiles) };
  }
}

/** What a snapshot measures from the samples, with the profiler version it was measured at. */
interface Measured {
  readonly version: number;
  readonly latencyP50Ms: number;
  readonly latencyP95Ms: number;
  readonly processingP50Ms: number;
  readonly processingP95Ms: number;
  readonly driftStdDevMs: number;
  readonly driftCoefficient: number;
  readonly reliability: number;
  readonly score: number;
  readonly behavesAs: ImpedanceClass;
}
