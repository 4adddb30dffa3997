import { DuplicateTargetError, ProtocolOptionError, checkId, checkNumber, checkPositive, checkRate } from './errors.js';

/**
 * The predictive send schedule (MESH-30K 1.2, 3.1, 3.2 phase 3): the quarterback throws to
 * where each receiver WILL be. For a target arrival time T every target gets its own send
 * time, T - expected delay, so that all of them are READY at T.
 *
 *   expected delay  one-way latency + processing (+ buffer), e.g. the p50 of a profile
 *   SCHEDULED       sendAtMs = T - expectedDelayMs, and nowMs <= sendAtMs
 *   SKIP            insufficient_lead_time: T - expectedDelayMs < nowMs (too late already)
 *                   low_confidence: the estimate's confidence is below options.minConfidence
 *   batches         SCHEDULED sends grouped into buckets of bucketMs measured from nowMs;
 *                   a batch goes out at the start of its bucket, never later than any of
 *                   its sends' own times and never before nowMs (an early send only means
 *                   that agent waits a little at T, a late one would miss T)
 *
 * Time is plain numbers (ms on any one clock); nothing here reads a clock.
 */

/** What the registry knows about one target (3.1). */
export interface TargetDelay {
  readonly id: string;
  /** Total expected delay from send to READY, ms (latency + processing + buffer). */
  readonly expectedDelayMs: number;
  /** 0-1, how confident the estimate is (3.1 calculate_confidence). */
  readonly confidence: number;
}

export interface ScheduleOptions {
  /** T: when every target should be READY. */
  readonly targetTimeMs: number;
  /** Now, on the same clock as T. */
  readonly nowMs: number;
  /** Targets whose confidence is below this are skipped (default 0: none). */
  readonly minConfidence?: number;
}

export interface ScheduledSend {
  readonly status: 'SCHEDULED';
  readonly id: string;
  readonly sendAtMs: number;
  readonly expectedArrivalMs: number;
  readonly leadTimeMs: number;
  readonly confidence: number;
}

export type SkipReason = 'insufficient_lead_time' | 'low_confidence';

export interface SkippedSend {
  readonly status: 'SKIP';
  readonly id: string;
  readonly reason: SkipReason;
  /** The lead time this target needs. */
  readonly wouldNeedMs: number;
  /** T - now. */
  readonly availableMs: number;
  readonly confidence: number;
}

export type ScheduleEntry = ScheduledSend | SkippedSend;

/** The parts of an expected delay (3.1): one-way latency, processing, drift buffer. */
export interface DelayParts {
  /** Round-trip latency; half of it is the one-way network delay. */
  readonly roundTripMs: number;
  readonly processingMs: number;
  readonly bufferMs?: number;
}

/** 3.1 total_lead_time: roundTrip / 2 + processing + buffer. */
export function expectedDelay(parts: DelayParts): number {
  const rtt = checkNumber('delay.roundTripMs', parts.roundTripMs, 0);
  const processing = checkNumber('delay.processingMs', parts.processingMs, 0);
  const buffer = checkNumber('delay.bufferMs', parts.bufferMs ?? 0, 0);
  return rtt / 2 + processing + buffer;
}

/** One entry per target, in the order given. Throws on bad options or targets. */
export function computeSendSchedule(targets: readonly TargetDelay[], options: ScheduleOptions): ScheduleEntry[] {
  const targetTimeMs = checkNumber('schedule.targetTimeMs', options.targetTimeMs);
  const nowMs = checkNumber('schedule.nowMs', options.nowMs);
  const minConfidence = checkRate('schedule.minConfidence', options.minConfidence ?? 0);
  const availableMs = targetTimeMs - nowMs;
  const seen = new Set<string>();
  return targets.map((target, i): ScheduleEntry => {
    const id = checkId(`targets[${i}].id`, target.id);
    if (seen.has(id)) throw new DuplicateTargetError('computeSendSchedule', id);
    seen.add(id);
    const leadTimeMs = checkNumber(`targets[${i}].expectedDelayMs`, target.expectedDelayMs, 0);
    const confidence = checkRate(`targets[${i}].confidence`, target.confidence);
    if (confidence < minConfidence) return { status: 'SKIP', id, reason: 'low_confidence', wouldNeedMs: leadTimeMs, availableMs, confidence };
    const sendAtMs = targetTimeMs - leadTimeMs;
    if (sendAtMs < nowMs) return { status: 'SKIP', id, reason: 'insufficient_lead_time', wouldNeedMs: leadTimeMs, availableMs, confidence };
    return { status: 'SCHEDULED', id, sendAtMs, expectedArrivalMs: targetTimeMs, leadTimeMs, confidence };
  });
}

/** One batch of sends that go out together. */
export interface SendBatch {
  /** When the batch goes out: the start of its bucket (nowMs + k * bucketMs). */
  readonly atMs: number;
  readonly ids: readonly string[];
}

export interface BatchOptions {
  readonly nowMs: number;
  /** Bucket width, ms (3.2 uses 10). */
  readonly bucketMs?: number;
}

/** 3.2 phase 3: the SCHEDULED sends grouped by time bucket, earliest batch first. */
export function batchSends(schedule: readonly ScheduleEntry[], options: BatchOptions): SendBatch[] {
  const nowMs = checkNumber('batch.nowMs', options.nowMs);
  const bucketMs = checkPositive('batch.bucketMs', options.bucketMs ?? 10);
  const buckets = new Map<number, { earliest: number; ids: string[] }>();
  for (const entry of schedule) {
    if (entry.status !== 'SCHEDULED') continue;
    if (entry.sendAtMs < nowMs) throw new ProtocolOptionError(`send '${entry.id}'.sendAtMs`, entry.sendAtMs, `>= batch.nowMs ${nowMs} (schedule is stale)`);
    const k = Math.floor((entry.sendAtMs - nowMs) / bucketMs);
    const bucket = buckets.get(k);
    if (bucket === undefined) buckets.set(k, { earliest: entry.sendAtMs, ids: [entry.id] });
    else {
      bucket.ids.push(entry.id);
      bucket.earliest = Math.min(bucket.earliest, entry.sendAtMs);
    }
  }
  // min(...) guards against floating-point rounding putting the bucket start past a send.
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, { earliest, ids }]) => ({ atMs: Math.max(nowMs, Math.min(nowMs + k * bucketMs, earliest)), ids }));
}

/** What 3.1's calculate_confidence reads from an agent's impedance. */
export interface ConfidenceInput {
  /** Success ratio, [0, 1]. */
  readonly reliability: number;
  /** Latency standard deviation / mean latency, >= 0. */
  readonly driftCoefficient: number;
  /** How long ago the impedance was measured (its heartbeat), ms; null when never. */
  readonly heartbeatAgeMs: number | null;
}

/**
 * 3.1 calculate_confidence: reliability * 0.5 - drift * 0.3 + 0.2 when the heartbeat is
 * recent (within `recentMs`, the document's 10 s), clamped to [0, 1]. The document's drift
 * is the latency std dev; a coefficient (std dev / mean) is used so that the penalty means
 * the same for a 5 ms edge agent and a 1 h human.
 */
export function predictionConfidence(input: ConfidenceInput, recentMs = 10_000): number {
  const reliability = checkRate('confidence.reliability', input.reliability);
  const drift = checkNumber('confidence.driftCoefficient', input.driftCoefficient, 0);
  const recent = input.heartbeatAgeMs !== null && checkNumber('confidence.heartbeatAgeMs', input.heartbeatAgeMs, 0) <= recentMs;
  return Math.min(1, Math.max(0, reliability * 0.5 - drift * 0.3 + (recent ? 0.2 : 0)));
}
