import { checkNumber, checkRate } from './errors.js';

/**
 * A mergeable latency histogram for reports that travel up the mesh hierarchy.
 *
 * A wave over 30,000 agents used to carry every agent's delay as a number in an array that
 * each level copied into its own report: 90,000 copies and as many allocations per wave,
 * most of the wave's time in gc. A digest has one bucket per distinct (relative) value, so
 * merging a child's report costs O(distinct buckets), not O(agents below it), and the
 * digest stays plain data (a message across processes can carry it).
 *
 * Buckets are logarithmic, each (1 + 2 * RELATIVE_ERROR) times wider than the one below, so
 * a percentile read from a digest is within RELATIVE_ERROR (1 %) of a sample that really
 * was at that rank (and always inside [min, max]). Zero and values below MIN_MS (1 us)
 * share the zero bucket and read as 0. Counts, sum, min and max are exact.
 */

/** A digest as plain data: `keys` sorted ascending, `counts[i]` samples in bucket `keys[i]`. */
export interface LatencyDigest {
  readonly count: number;
  readonly sum: number;
  /** Smallest and largest sample (0 and 0 when empty). */
  readonly min: number;
  readonly max: number;
  /** Samples below MIN_MS (including 0). */
  readonly zeros: number;
  readonly keys: readonly number[];
  readonly counts: readonly number[];
}

export const RELATIVE_ERROR = 0.01;
export const MIN_MS = 0.001;
const GROWTH = Math.log1p(2 * RELATIVE_ERROR);

/** The bucket of a value >= MIN_MS. */
function keyOf(valueMs: number): number {
  return Math.floor(Math.log(valueMs / MIN_MS) / GROWTH);
}

/** The value a bucket stands for: the middle of its range, at most RELATIVE_ERROR from any value in it. */
function valueOf(key: number): number {
  const low = MIN_MS * Math.exp(key * GROWTH);
  return low * (1 + RELATIVE_ERROR);
}

/** Builds a digest sample by sample or digest by digest. */
export class DigestBuilder {
  /** Count per bucket key; made by the first sample >= MIN_MS (a wave's builders mostly see zeros only). */
  private buckets: Map<number, number> | null = null;
  private n = 0;
  private total = 0;
  private lo = Infinity;
  private hi = -Infinity;
  private zero = 0;

  /** Samples added so far. */
  get count(): number {
    return this.n;
  }

  /** Forgets every sample: the builder is as new (a coordinator reuses its builders wave after wave). */
  reset(): this {
    this.buckets?.clear();
    this.n = 0;
    this.total = 0;
    this.lo = Infinity;
    this.hi = -Infinity;
    this.zero = 0;
    return this;
  }

  /** Adds one sample (a finite number of ms >= 0; anything else is a RangeError). */
  add(valueMs: number): this {
    if (!(valueMs >= 0) || valueMs === Infinity) throw new RangeError(`latency sample must be a finite number of ms >= 0 (got ${String(valueMs)})`);
    this.n++;
    this.total += valueMs;
    if (valueMs < this.lo) this.lo = valueMs;
    if (valueMs > this.hi) this.hi = valueMs;
    if (valueMs < MIN_MS) this.zero++;
    else {
      const k = keyOf(valueMs);
      const buckets = (this.buckets ??= new Map());
      buckets.set(k, (buckets.get(k) ?? 0) + 1);
    }
    return this;
  }

  /** Adds every sample of `digest`. */
  merge(digest: LatencyDigest): this {
    if (digest.count === 0) return this;
    this.n += digest.count;
    this.total += digest.sum;
    if (digest.min < this.lo) this.lo = digest.min;
    if (digest.max > this.hi) this.hi = digest.max;
    this.zero += digest.zeros;
    const { keys, counts } = digest;
    if (keys.length === 0) return this;
    const buckets = (this.buckets ??= new Map());
    for (let i = 0; i < keys.length; i++) buckets.set(keys[i]!, (buckets.get(keys[i]!) ?? 0) + counts[i]!);
    return this;
  }

  /** The digest of everything added so far. */
  build(): LatencyDigest {
    const buckets = this.buckets;
    const keys = buckets === null ? [] : [...buckets.keys()].sort((a, b) => a - b);
    return {
      count: this.n,
      sum: this.total,
      min: this.n === 0 ? 0 : this.lo,
      max: this.n === 0 ? 0 : this.hi,
      zeros: this.zero,
      keys,
      counts: buckets === null ? [] : keys.map((k) => buckets.get(k)!),
    };
  }
}

/** The digest of `samples`. */
export function digestOf(samples: Iterable<number>): LatencyDigest {
  const b = new DigestBuilder();
  for (const s of samples) b.add(s);
  return b.build();
}

/** The empty digest. */
export const EMPTY_DIGEST: LatencyDigest = Object.freeze({ count: 0, sum: 0, min: 0, max: 0, zeros: 0, keys: Object.freeze([]) as readonly number[], counts: Object.freeze([]) as readonly number[] });

/**
 * The nearest-rank `p` percentile (p in (0, 1]) of a digest, within RELATIVE_ERROR of the
 * exact one; null for an empty digest.
 */
export function digestPercentile(digest: LatencyDigest, p: number): number | null {
  checkRate('digestPercentile.p', p);
  if (p === 0) throw new RangeError('digestPercentile.p must be > 0 (got 0)');
  if (digest.count === 0) return null;
  const rank = Math.ceil(p * digest.count);
  if (rank <= digest.zeros) return digest.min < MIN_MS ? digest.min : 0;
  let seen = digest.zeros;
  for (let i = 0; i < digest.keys.length; i++) {
    seen += digest.counts[i]!;
    if (seen >= rank) return Math.min(digest.max, Math.max(digest.min, valueOf(digest.keys[i]!)));
  }
  return digest.max;
}

/**
 * How many samples of a digest are <= `boundMs`: exact for the zero bucket and for buckets
 * wholly on one side of the bound; a bucket that straddles it counts when its value does.
 */
export function digestCountAtMost(digest: LatencyDigest, boundMs: number): number {
  checkNumber('digestCountAtMost.boundMs', boundMs);
  if (digest.count === 0 || boundMs < 0) return 0;
  if (boundMs >= digest.max) return digest.count;
  let n = digest.zeros;
  for (let i = 0; i < digest.keys.length; i++) {
    if (valueOf(digest.keys[i]!) > boundMs) break;
    n += digest.counts[i]!;
  }
  return n;
}

/** The mean of a digest (exact), or null when empty. */
export function digestMean(digest: LatencyDigest): number | null {
  return digest.count === 0 ? null : checkNumber('digest.sum', digest.sum) / digest.count;
}
