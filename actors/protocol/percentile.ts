import { checkNumber, checkRate } from './errors.js';

/**
 * Percentiles by nearest rank: the smallest sample such that at least `p` of the samples
 * are <= it. p95 of [1..100] is 95; p95 of one sample is that sample. An empty sample set
 * has no percentile (null). Samples must be finite numbers; p must be in (0, 1].
 */
export function percentile(samples: readonly number[], p: number, where = 'percentile'): number | null {
  checkRate(`${where}.p`, p);
  if (p === 0) throw new RangeError(`${where}.p must be > 0 (got 0)`);
  if (samples.length === 0) return null;
  const sorted = samples.map((s, i) => checkNumber(`${where}.samples[${i}]`, s)).sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1]!;
}

/** The 95th percentile (nearest rank), or null for no samples. */
export function p95(samples: readonly number[], where = 'p95'): number | null {
  return percentile(samples, 0.95, where);
}
