import { ProtocolOptionError, checkNumber, checkRate } from './errors.js';
import { p95 } from './percentile.js';

/**
 * The MESH-30K key performance indicators (11.1), accumulated from recorded events.
 *
 *   coordination success rate      operations that achieved quorum / operations      >= 99%
 *   arrival window hit rate        arrivals inside the predicted window / arrivals   >= 95%
 *   impedance prediction accuracy  arrivals with |actual - predicted| <= withinMs
 *                                  (default 50) / arrivals                            >= 90%
 *   conflict rate                  CONFLICT responses / all responses                <= 1%
 *   mesh availability              time with active rate >= 0.95 / observed time     >= 99.9%
 *   cascade latency p95            p95 of recorded cascade totals                    <= 1000 ms
 *   recovery time                  worst detection-to-restored time per scope        cluster <= 5 min,
 *                                                                                    sector <= 15 min
 * A KPI with no data is null and neither met nor missed (met: null).
 */

export interface KpiTarget {
  readonly kpi: KpiName;
  readonly target: string;
  readonly met: (value: number) => boolean;
}

export type KpiName =
  | 'coordination_success_rate'
  | 'arrival_window_hit_rate'
  | 'impedance_prediction_accuracy'
  | 'conflict_rate'
  | 'mesh_availability'
  | 'cascade_latency_p95'
  | 'recovery_time_cluster'
  | 'recovery_time_sector';

/** 11.1 targets, in the document's order. */
export const KPI_TARGETS: readonly KpiTarget[] = Object.freeze([
  { kpi: 'coordination_success_rate', target: '>= 99%', met: (v: number) => v >= 0.99 },
  { kpi: 'arrival_window_hit_rate', target: '>= 95%', met: (v: number) => v >= 0.95 },
  { kpi: 'impedance_prediction_accuracy', target: 'within the accuracy bound for >= 90% of messages', met: (v: number) => v >= 0.9 },
  { kpi: 'conflict_rate', target: '<= 1%', met: (v: number) => v <= 0.01 },
  { kpi: 'mesh_availability', target: '>= 99.9%', met: (v: number) => v >= 0.999 },
  { kpi: 'cascade_latency_p95', target: '<= 1000 ms', met: (v: number) => v <= 1000 },
  { kpi: 'recovery_time_cluster', target: '<= 5 minutes', met: (v: number) => v <= 5 * 60_000 },
  { kpi: 'recovery_time_sector', target: '<= 15 minutes', met: (v: number) => v <= 15 * 60_000 },
] as const);

export type KpiSnapshot = Readonly<Record<KpiName, number | null>>;

export interface KpiRow {
  readonly kpi: KpiName;
  readonly value: number | null;
  readonly target: string;
  readonly met: boolean | null;
}

export interface KpiOptions {
  /** Prediction accuracy bound, ms (default 50). */
  readonly accuracyWithinMs?: number;
  /** Active rate at or above which the mesh counts as available (default 0.95). */
  readonly availableAtRate?: number;
}

export class KpiAccumulator {
  private readonly withinMs: number;
  private readonly availableAt: number;
  private operations = 0;
  private achieved = 0;
  private arrivals = 0;
  private inWindow = 0;
  private accurate = 0;
  private responses = 0;
  private conflicts = 0;
  private observedMs = 0;
  private availableMs = 0;
  private readonly cascades: number[] = [];
  private readonly recovery: { cluster: number | null; sector: number | null } = { cluster: null, sector: null };

  constructor(options: KpiOptions = {}) {
    this.withinMs = checkNumber('kpi.accuracyWithinMs', options.accuracyWithinMs ?? 50, 0);
    this.availableAt = checkRate('kpi.availableAtRate', options.availableAtRate ?? 0.95);
  }

  /** One scatter-gather operation: did it achieve quorum? */
  recordOperation(quorumAchieved: boolean): this {
    this.operations++;
    if (quorumAchieved) this.achieved++;
    return this;
  }

  /** One agent's arrival: predicted and actual READY times, and whether it hit the window. */
  recordArrival(arrival: { readonly predictedMs: number; readonly actualMs: number; readonly inWindow: boolean }): this {
    const predicted = checkNumber('arrival.predictedMs', arrival.predictedMs);
    const actual = checkNumber('arrival.actualMs', arrival.actualMs);
    this.arrivals++;
    if (arrival.inWindow) this.inWindow++;
    if (Math.abs(actual - predicted) <= this.withinMs) this.accurate++;
    return this;
  }

  /**
   * Many arrivals at once, as a hierarchical gather reports them: `arrivals` answers,
   * `inWindow` of them inside the window, `accurate` of them predicted within the bound
   * (count them against `accuracyWithinMs`, e.g. with digestCountAtMost).
   */
  recordArrivals(counts: { readonly arrivals: number; readonly inWindow: number; readonly accurate: number }): this {
    for (const key of ['arrivals', 'inWindow', 'accurate'] as const) {
      if (!Number.isInteger(counts[key]) || counts[key] < 0) throw new ProtocolOptionError(`arrivals.${key}`, counts[key], 'an integer >= 0');
    }
    if (counts.inWindow > counts.arrivals || counts.accurate > counts.arrivals) throw new ProtocolOptionError('arrivals', JSON.stringify(counts), 'inWindow and accurate <= arrivals');
    this.arrivals += counts.arrivals;
    this.inWindow += counts.inWindow;
    this.accurate += counts.accurate;
    return this;
  }

  /** The prediction accuracy bound, ms. */
  get accuracyWithinMs(): number {
    return this.withinMs;
  }

  /** Response counts of one operation (READY / TRANSIT / CONFLICT). */
  recordResponses(counts: { readonly ready: number; readonly transit: number; readonly conflict: number }): this {
    for (const key of ['ready', 'transit', 'conflict'] as const) {
      if (!Number.isInteger(counts[key]) || counts[key] < 0) throw new ProtocolOptionError(`responses.${key}`, counts[key], 'an integer >= 0');
    }
    this.responses += counts.ready + counts.transit + counts.conflict;
    this.conflicts += counts.conflict;
    return this;
  }

  /** The mesh was at `activeRate` for `durationMs`. */
  recordAvailability(sample: { readonly durationMs: number; readonly activeRate: number }): this {
    const duration = checkNumber('availability.durationMs', sample.durationMs, 0);
    const rate = checkRate('availability.activeRate', sample.activeRate);
    this.observedMs += duration;
    if (rate >= this.availableAt) this.availableMs += duration;
    return this;
  }

  /** One mesh-wide cascade's total time. */
  recordCascade(totalMs: number): this {
    this.cascades.push(checkNumber('cascade.totalMs', totalMs, 0));
    return this;
  }

  /** One incident: failure detected at detectedAtMs, mesh restored at restoredAtMs. */
  recordRecovery(incident: { readonly scope: 'cluster' | 'sector'; readonly detectedAtMs: number; readonly restoredAtMs: number }): this {
    if (incident.scope !== 'cluster' && incident.scope !== 'sector') throw new ProtocolOptionError('recovery.scope', incident.scope, "'cluster' or 'sector'");
    const detected = checkNumber('recovery.detectedAtMs', incident.detectedAtMs);
    const restored = checkNumber('recovery.restoredAtMs', incident.restoredAtMs, detected);
    const took = restored - detected;
    const worst = this.recovery[incident.scope];
    this.recovery[incident.scope] = worst === null ? took : Math.max(worst, took);
    return this;
  }

  /** Current values (null where nothing was recorded). */
  snapshot(): KpiSnapshot {
    const ratio = (n: number, d: number) => (d === 0 ? null : n / d);
    return {
      coordination_success_rate: ratio(this.achieved, this.operations),
      arrival_window_hit_rate: ratio(this.inWindow, this.arrivals),
      impedance_prediction_accuracy: ratio(this.accurate, this.arrivals),
      conflict_rate: ratio(this.conflicts, this.responses),
      mesh_availability: this.observedMs === 0 ? null : this.availableMs / this.observedMs,
      cascade_latency_p95: p95(this.cascades),
      recovery_time_cluster: this.recovery.cluster,
      recovery_time_sector: this.recovery.sector,
    };
  }

  /** The 11.1 table: each KPI with its value, target and met / missed / no data. */
  report(): readonly KpiRow[] {
    return kpiReport(this.snapshot());
  }
}

/** The 11.1 table for a snapshot. */
export function kpiReport(snapshot: KpiSnapshot): readonly KpiRow[] {
  return KPI_TARGETS.map(({ kpi, target, met }) => {
    const value = snapshot[kpi];
    return { kpi, value, target, met: value === null ? null : met(value) };
  });
}

/** Renders the table as aligned text lines (for logs and the CLI). */
export function formatKpiReport(rows: readonly KpiRow[]): string {
  const fmt = (r: KpiRow) =>
    r.value === null ? '-' : r.kpi.startsWith('recovery') || r.kpi === 'cascade_latency_p95' ? `${Math.round(r.value)} ms` : `${(r.value * 100).toFixed(2)}%`;
  const width = Math.max(...rows.map((r) => r.kpi.length));
  return rows.map((r) => `${r.kpi.padEnd(width)}  ${fmt(r).padStart(10)}  ${r.target.padEnd(12)}  ${r.met === null ? 'no data' : r.met ? 'met' : 'MISSED'}`).join('\n');
}

