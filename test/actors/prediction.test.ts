import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CLASS_PROFILES, DEFAULT_LATENCY_DRIFT, IMPEDANCE_CLASSES, ImpedanceProfiler, SimulatedAgent } from '../../actors/impedance/index.js';
import { KpiAccumulator, evaluateGather, judgeGather, predictionConfidence } from '../../actors/protocol/index.js';
import { predictAgent } from '../../actors/mesh/gather.js';

describe('actors/impedance: SimulatedAgent', () => {
  it('draws latencies around its own baseline, inside its class range, within its drift (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...IMPEDANCE_CLASSES), fc.integer(), (cls, seed) => {
        const agent = new SimulatedAgent({ cls, seed });
        const { min, max } = DEFAULT_CLASS_PROFILES[cls].latencyMs;
        assert.ok(agent.baselineLatencyMs >= min && agent.baselineLatencyMs <= max);
        for (let i = 0; i < 20; i++) {
          const d = agent.draw();
          assert.ok(Math.abs(d.latencyMs - agent.baselineLatencyMs) <= agent.baselineLatencyMs * DEFAULT_LATENCY_DRIFT[cls] + 1e-9);
          assert.ok(d.processingMs > 0 && d.processingMs <= DEFAULT_CLASS_PROFILES[cls].processingMs.max);
        }
      }),
    );
  });

  it('is reproducible from its seed, and different seeds make different agents', () => {
    const a = new SimulatedAgent({ cls: 'B_SERVERLESS', seed: 7, speedup: 1000 });
    const b = new SimulatedAgent({ cls: 'B_SERVERLESS', seed: 7, speedup: 1000 });
    const c = new SimulatedAgent({ cls: 'B_SERVERLESS', seed: 8, speedup: 1000 });
    assert.deepEqual([a.draw(), a.draw(), a.chance(0.5)], [b.draw(), b.draw(), b.chance(0.5)]);
    assert.notEqual(a.baselineLatencyMs, c.baselineLatencyMs);
    assert.ok(a.baselineLatencyMs >= 0.05 && a.baselineLatencyMs <= 0.15, 'speedup divides the figures');
  });

  it('refuses a bad class, seed, speedup or drift, naming it', () => {
    assert.throws(() => new SimulatedAgent({ cls: 'Z' as never, seed: 1 }), /Z/);
    assert.throws(() => new SimulatedAgent({ cls: 'A_EDGE', seed: 1.5 }), /seed/);
    assert.throws(() => new SimulatedAgent({ cls: 'A_EDGE', seed: 1, speedup: 0 }), /speedup/);
    assert.throws(() => new SimulatedAgent({ cls: 'A_EDGE', seed: 1, drift: 1 }), /drift/);
  });

  it("an agent's profile predicts its next delays far better than its class does", () => {
    // The point of per-agent profiling (4.1) and prediction from it (3.1).
    let profileErr = 0;
    let classErr = 0;
    for (let seed = 0; seed < 200; seed++) {
      const agent = new SimulatedAgent({ cls: 'E_LOCAL', seed });
      const profiler = new ImpedanceProfiler({ agentId: `a${seed}`, clusterId: 'c', sectorId: 's', declaredClass: 'E_LOCAL', capabilities: [] }, { capacity: 16 });
      for (let i = 0; i < 16; i++) {
        const d = agent.draw();
        profiler.recordValues(d.latencyMs, d.processingMs, i, true);
      }
      const fromProfile = predictAgent(profiler.snapshot(16), 'E_LOCAL', 16, { maxReplyMs: Infinity, speedup: 1 });
      const fromClass = predictAgent(undefined, 'E_LOCAL', 16, { maxReplyMs: Infinity, speedup: 1 });
      assert.equal(fromProfile.fromProfile, true);
      assert.equal(fromClass.fromProfile, false);
      const next = agent.draw();
      profileErr += Math.abs(next.latencyMs + next.processingMs - fromProfile.expectedDelayMs);
      classErr += Math.abs(next.latencyMs + next.processingMs - fromClass.expectedDelayMs);
    }
    assert.ok(profileErr * 3 < classErr, `mean error from profiles ${profileErr / 200} ms vs from the class ${classErr / 200} ms`);
  });
});

describe('actors/impedance: a profiler measures again only when something changed', () => {
  it('repeats its figures for an agent with no new sample, and measures anew after a sample or a queue change', () => {
    const profiler = new ImpedanceProfiler({ agentId: 'a', clusterId: 'c', sectorId: 's', declaredClass: 'B_SERVERLESS', capabilities: [] }, { capacity: 8 });
    for (let i = 0; i < 8; i++) profiler.recordValues(50 + i, 40, i, true);
    const first = profiler.snapshot(100);
    const again = profiler.snapshot(200);
    assert.equal(again.latencyP50Ms, first.latencyP50Ms);
    assert.equal(again.score, first.score);
    assert.equal(again.at, 200);
    assert.equal(again.historicalScore, first.score, 'the history still folds every snapshot');
    profiler.recordValues(500, 400, 9, false);
    const after = profiler.snapshot(300);
    assert.ok(after.latencyP95Ms > first.latencyP95Ms && after.reliability < 1, 'a new sample is measured');
    profiler.setQueueDepth(10);
    assert.ok(profiler.snapshot(400).score > after.score, 'a queue change is measured');
  });
});

describe('actors/protocol: confidence, gather verdicts on counts, bulk arrivals', () => {
  it("predictionConfidence is 3.1's formula, clamped to [0, 1] (property)", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true }), fc.option(fc.double({ min: 0, max: 60_000, noNaN: true })), (reliability, drift, age) => {
        const c = predictionConfidence({ reliability, driftCoefficient: drift, heartbeatAgeMs: age });
        const raw = reliability * 0.5 - drift * 0.3 + (age !== null && age <= 10_000 ? 0.2 : 0);
        assert.equal(c, Math.min(1, Math.max(0, raw)));
      }),
    );
    assert.throws(() => predictionConfidence({ reliability: 2, driftCoefficient: 0, heartbeatAgeMs: 0 }), /reliability/);
  });

  it('judgeGather gives the verdict evaluateGather gives on the same arrivals (property)', () => {
    const window = { startMs: 90, targetTimeMs: 100, endMs: 110, halfWidthMs: 10 };
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.option(fc.integer({ min: 50, max: 150 })), state: fc.constantFrom(1, -1) }), { minLength: 0, maxLength: 40 }), (arrivals) => {
        const ids = arrivals.map((_, i) => `a${i}`);
        const responses = arrivals.flatMap((a, i) => (a.at === null ? [] : [{ id: ids[i]!, arrivedAtMs: a.at, state: a.state as 1 | -1 }]));
        const full = evaluateGather(ids, responses, window);
        const lateReady = responses.filter((r) => r.state === 1 && r.arrivedAtMs > window.endMs).length;
        const verdict = judgeGather({ sent: ids.length, ready: full.ready.length, lateReady });
        assert.equal(verdict.status, full.status);
        assert.equal(verdict.responseRate, full.responseRate);
        assert.equal(verdict.recommendation, full.recommendation);
      }),
    );
  });

  it('recordArrivals adds counts like recordArrival one by one, and refuses impossible counts', () => {
    const bulk = new KpiAccumulator({ accuracyWithinMs: 5 }).recordArrivals({ arrivals: 4, inWindow: 3, accurate: 2 });
    const one = new KpiAccumulator({ accuracyWithinMs: 5 });
    for (const [inWindow, err] of [[true, 1], [true, 2], [true, 9], [false, 9]] as const) one.recordArrival({ predictedMs: 10, actualMs: 10 + err, inWindow });
    assert.deepEqual(bulk.snapshot(), one.snapshot());
    assert.throws(() => bulk.recordArrivals({ arrivals: 1, inWindow: 2, accurate: 0 }), /inWindow and accurate <= arrivals/);
    assert.throws(() => bulk.recordArrivals({ arrivals: -1, inWindow: 0, accurate: 0 }), /arrivals\.arrivals/);
  });
});
