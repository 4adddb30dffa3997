import type { ActorSystem } from '../src/index.js';

/**
 * Degradation modes (MESH-30K 6.3): how much of the mesh is working decides how it may
 * operate. The mode is a pure function of the active rate; DegradationMonitor samples a
 * measure, keeps the current mode queryable and publishes `degradation-changed` events.
 */
export type DegradationMode = 'FULL' | 'DEGRADED_LIGHT' | 'DEGRADED_MODERATE' | 'DEGRADED_SEVERE' | 'EMERGENCY';

/** Lower bounds of the active rate for each mode, highest first. */
export const DEGRADATION_THRESHOLDS: ReadonlyArray<readonly [DegradationMode, number]> = [
  ['FULL', 0.95],
  ['DEGRADED_LIGHT', 0.8],
  ['DEGRADED_MODERATE', 0.6],
  ['DEGRADED_SEVERE', 0.3],
  ['EMERGENCY', 0],
];

/** The mode for an active rate in [0, 1] (active agents / total agents). */
export function degradationMode(activeRate: number): DegradationMode {
  if (!(activeRate >= 0 && activeRate <= 1)) throw new RangeError(`active rate must be between 0 and 1 (got ${String(activeRate)})`);
  for (const [mode, floor] of DEGRADATION_THRESHOLDS) if (activeRate >= floor) return mode;
  return 'EMERGENCY';
}

/** Active and total agents at one moment. */
export interface ActiveMeasure {
  readonly active: number;
  readonly total: number;
}

export class DegradationMonitor {
  private current: DegradationMode = 'FULL';
  private rate = 1;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly system: ActorSystem,
    private readonly measure: () => ActiveMeasure,
  ) {}

  /** The mode at the last sample. */
  get mode(): DegradationMode {
    return this.current;
  }

  /** The active rate at the last sample. */
  get activeRate(): number {
    return this.rate;
  }

  /** Takes one sample now; publishes `degradation-changed` if the mode changed. */
  sample(): DegradationMode {
    const { active, total } = this.measure();
    this.rate = total === 0 ? 1 : Math.min(1, Math.max(0, active / total));
    const next = degradationMode(this.rate);
    if (next !== this.current) {
      const from = this.current;
      this.current = next;
      this.system.publish({ type: 'degradation-changed', timestamp: Date.now(), path: '/', from, to: next, activeRate: this.rate });
    }
    return next;
  }

  /** Samples every `intervalMs` until `stop()` or system termination. */
  start(intervalMs: number): this {
    if (!(intervalMs > 0)) throw new RangeError(`degradation intervalMs must be positive (got ${String(intervalMs)})`);
    this.stop();
    this.timer = setInterval(() => this.sample(), intervalMs);
    void this.system.whenTerminated.then(() => this.stop());
    return this;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
