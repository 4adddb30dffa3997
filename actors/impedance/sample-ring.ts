import { InvalidImpedanceOptionError } from './errors.js';
import { finiteAtLeast, integerAtLeast } from './validate.js';

/**
 * A fixed-capacity ring of measurement samples (latency, processing, timestamp, outcome):
 * `push` is O(1) and overwrites the oldest sample once full, so the ring always holds the
 * newest min(pushed, capacity) samples. Part 4.1 keeps 100 of them per agent.
 *
 * Storage is one typed array allocated once, the four columns side by side (one object
 * to touch per sample: a wave touches 30,000 rings); nothing is allocated per sample. The
 * success count is kept up to date on every push (O(1)), so `reliability` is O(1).
 * Percentiles copy and sort the live column (O(n log n) over at most `capacity` values),
 * which is fine at heartbeat rate (once per 5 s per agent).
 *
 * Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at
 * rank ceil(p * n) (1-based), so it is always one of the samples and is monotone in p.
 */

export interface Sample {
  /** Time for the message to reach the agent, in ms (>= 0). */
  readonly latencyMs: number;
  /** Time the agent took to process it, in ms (>= 0). */
  readonly processingMs: number;
  /** When it was measured (epoch ms, or any monotone clock). */
  readonly at: number;
  /** Whether the message was handled successfully; default true. */
  readonly ok?: boolean;
}

export type SampleField = 'latencyMs' | 'processingMs';

/** The default capacity, from part 4.1 (RingBuffer(size=100)). */
export const DEFAULT_SAMPLE_CAPACITY = 100;

export class SampleRing {
  readonly capacity: number;
  /** [latency x capacity | processing x capacity | at x capacity | ok (0 or 1) x capacity] */
  private readonly data: Float64Array;
  /** Index the next push writes to. */
  private head = 0;
  private count = 0;
  private okCount = 0;
  private pushed = 0;

  constructor(capacity: number = DEFAULT_SAMPLE_CAPACITY) {
    this.capacity = integerAtLeast('capacity', capacity, 1);
    this.data = new Float64Array(this.capacity * 4);
  }

  /** Samples held now (<= capacity). */
  get size(): number {
    return this.count;
  }

  /** Samples ever pushed. */
  get total(): number {
    return this.pushed;
  }

  /** Adds a sample, evicting the oldest when full. O(1). */
  push(sample: Sample): void {
    const latency = finiteAtLeast('sample.latencyMs', sample.latencyMs, 0);
    const processing = finiteAtLeast('sample.processingMs', sample.processingMs, 0);
    if (typeof sample.at !== 'number' || !Number.isFinite(sample.at)) throw new InvalidImpedanceOptionError('sample.at', sample.at, 'a finite number');
    this.pushValues(latency, processing, sample.at, sample.ok === undefined ? true : sample.ok);
  }

  /**
   * `push` without the checks or the sample object, for a caller whose figures are finite
   * and >= 0 by construction (a simulated agent records one per message).
   */
  pushValues(latency: number, processing: number, at: number, success: boolean): void {
    const ok = success ? 1 : 0;
    const i = this.head;
    const c = this.capacity;
    const d = this.data;
    // Branch-free on purpose: the slot's old ok flag is 0 until the ring first wraps (the
    // array starts zeroed and clear() zeroes the column), so it can always be subtracted.
    // A branch taken for the first time when 30,000 rings wrap in the same wave cost a
    // de-optimisation in the middle of that wave (56-130 ms instead of ~40).
    this.okCount -= d[3 * c + i]!;
    this.count = Math.min(this.count + 1, c);
    d[i] = latency;
    d[c + i] = processing;
    d[2 * c + i] = at;
    d[3 * c + i] = ok;
    this.okCount += ok;
    this.head = i + 1 === c ? 0 : i + 1;
    this.pushed++;
  }

  /** The samples held, oldest first. O(n); for tests and snapshots. */
  toArray(): Sample[] {
    const out: Sample[] = [];
    const start = (this.head - this.count + this.capacity) % this.capacity;
    for (let k = 0; k < this.count; k++) {
      const i = (start + k) % this.capacity;
      out.push(this.sampleAt(i));
    }
    return out;
  }

  /** The newest sample, or undefined when empty. */
  newest(): Sample | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head - 1 + this.capacity) % this.capacity;
    return this.sampleAt(i);
  }

  private sampleAt(i: number): Sample {
    const c = this.capacity;
    return { latencyMs: this.data[i]!, processingMs: this.data[c + i]!, at: this.data[2 * c + i]!, ok: this.data[3 * c + i] === 1 };
  }

  /** Nearest-rank percentile of a column, p in [0, 1]; 0 when empty. */
  percentile(field: SampleField, p: number): number {
    return this.percentiles(field, [p])[0]!;
  }

  /** Several percentiles of one column with a single sort. */
  percentiles(field: SampleField, ps: readonly number[]): number[] {
    for (const p of ps) if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new InvalidImpedanceOptionError('percentile', p, 'a number in [0, 1]');
    if (this.count === 0) return ps.map(() => 0);
    const sorted = this.column(field).sort();
    return ps.map((p) => sorted[Math.max(0, Math.ceil(p * this.count) - 1)]!);
  }

  /** Arithmetic mean of a column; 0 when empty. */
  mean(field: SampleField): number {
    if (this.count === 0) return 0;
    const col = this.source(field);
    let sum = 0;
    for (let k = 0; k < this.count; k++) sum += col[k]!;
    return sum / this.count;
  }

  /** Population standard deviation of a column; 0 with fewer than two samples. */
  stdDev(field: SampleField): number {
    if (this.count < 2) return 0;
    const col = this.source(field);
    const mean = this.mean(field);
    let sq = 0;
    for (let k = 0; k < this.count; k++) sq += (col[k]! - mean) ** 2;
    return Math.sqrt(sq / this.count);
  }

  /** Successes / samples held; 1 when empty (no evidence of failure). O(1). */
  reliability(): number {
    return this.count === 0 ? 1 : this.okCount / this.count;
  }

  /** Empties the ring (capacity unchanged). */
  clear(): void {
    this.data.fill(0, 3 * this.capacity);
    this.head = 0;
    this.count = 0;
    this.okCount = 0;
  }

  private source(field: SampleField): Float64Array {
    // Unordered is fine for sums: the live samples are the first `count` slots until the
    // ring wraps, and all `capacity` slots after.
    const from = field === 'latencyMs' ? 0 : this.capacity;
    return this.data.subarray(from, from + this.capacity);
  }

  private column(field: SampleField): Float64Array {
    return this.source(field).slice(0, this.count);
  }
}
