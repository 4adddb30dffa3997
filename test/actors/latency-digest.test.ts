import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DIGEST_RELATIVE_ERROR, DigestBuilder, EMPTY_DIGEST, digestCountAtMost, digestMean, digestOf, digestPercentile, percentile } from '../../actors/protocol/index.js';

const samples = fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0.001, max: 100, noNaN: true })), { minLength: 1, maxLength: 300 });
const rank = fc.double({ min: 0.01, max: 1, noNaN: true });

describe('actors/protocol: latency digests', () => {
  it('reads every percentile within the relative error of the exact nearest-rank one (property)', () => {
    fc.assert(
      fc.property(samples, rank, (values, p) => {
        const exact = percentile(values, p)!;
        const read = digestPercentile(digestOf(values), p)!;
        // Values below 1 us share the zero bucket: absolute slack of 1 us there.
        assert.ok(Math.abs(read - exact) <= exact * DIGEST_RELATIVE_ERROR + 0.001 + 1e-9, `p${p}: read ${read}, exact ${exact}`);
      }),
    );
  });

  it('merging digests is the digest of all the samples (property)', () => {
    fc.assert(
      fc.property(fc.array(samples, { minLength: 1, maxLength: 6 }), (parts) => {
        const merged = new DigestBuilder();
        for (const part of parts) merged.merge(digestOf(part));
        const { sum, ...rest } = merged.build();
        const { sum: wholeSum, ...whole } = digestOf(parts.flat());
        assert.deepEqual(rest, whole);
        assert.ok(Math.abs(sum - wholeSum) <= 1e-9 * Math.max(1, wholeSum), 'sums agree up to float rounding');
      }),
    );
  });

  it('keeps count, sum, min and max exact, and the mean', () => {
    const d = digestOf([0, 1, 2, 3, 10]);
    assert.equal(d.count, 5);
    assert.equal(d.sum, 16);
    assert.equal(d.min, 0);
    assert.equal(d.max, 10);
    assert.equal(d.zeros, 1);
    assert.equal(digestMean(d), 3.2);
    assert.equal(digestMean(EMPTY_DIGEST), null);
    assert.equal(digestPercentile(EMPTY_DIGEST, 0.5), null);
  });

  it('costs one bucket per distinct value, not one entry per sample', () => {
    const b = new DigestBuilder();
    for (let i = 0; i < 30_000; i++) b.add(5);
    const d = b.build();
    assert.equal(d.count, 30_000);
    assert.equal(d.keys.length, 1);
  });

  it('counts the samples at most a bound (exact away from the bound, property)', () => {
    fc.assert(
      fc.property(samples, fc.double({ min: 0, max: 1e7, noNaN: true }), (values, bound) => {
        const exact = values.filter((v) => v <= bound).length;
        const slack = values.filter((v) => Math.abs(v - bound) <= bound * 2 * DIGEST_RELATIVE_ERROR + 0.001).length;
        assert.ok(Math.abs(digestCountAtMost(digestOf(values), bound) - exact) <= slack);
      }),
    );
  });

  it('refuses a negative, infinite or NaN sample, naming it', () => {
    for (const bad of [-1, Infinity, NaN]) assert.throws(() => new DigestBuilder().add(bad), /latency sample must be a finite number of ms >= 0 \(got (-1|Infinity|NaN)\)/);
    assert.throws(() => digestPercentile(EMPTY_DIGEST, 0), /p must be > 0/);
  });
});
