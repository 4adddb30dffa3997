import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AggregationMismatchError,
  DEFAULT_CLASS_PROFILES,
  IMPEDANCE_CLASSES,
  ImpedanceProfiler,
  InvalidImpedanceOptionError,
  ProcessingModel,
  SampleRing,
  UnknownImpedanceClassError,
  behavesAs,
  bestAgents,
  clusterAggregate,
  globalImpedanceMap,
  impedanceScore,
  resolveClassProfiles,
  resolveScoreWeights,
  routeAcrossClusters,
  routeInCluster,
  sectorAggregate,
} from '../../actors/impedance/index.js';
import type { AgentImpedance, ClusterAggregate, ImpedanceClass, Sample } from '../../actors/impedance/index.js';

/** An AgentImpedance with plausible defaults; tests set what they look at. */
function agent(overrides: Partial<AgentImpedance> & { agentId: string }): AgentImpedance {
  return {
    clusterId: 'c0',
    sectorId: 's0',
    declaredClass: 'B_SERVERLESS',
    capabilities: [],
    behavesAs: 'B_SERVERLESS',
    at: 0,
    latencyP50Ms: 100,
    latencyP95Ms: 120,
    processingP50Ms: 50,
    processingP95Ms: 60,
    queueDepth: 0,
    samples: 10,
    score: 150,
    historicalScore: null,
    reliability: 1,
    driftStdDevMs: 0,
    driftCoefficient: 0,
    operationalState: 'active',
    flags: { spike: false, degraded: false, unstable: false },
    ...overrides,
  };
}

const identity = { agentId: 'a1', clusterId: 'c0', sectorId: 's0', declaredClass: 'A_EDGE' as const, capabilities: ['route'] };

describe('impedance: classes', () => {
  it('has the six classes of part 2.2 with their latency ranges and allocations summing to 30,000', () => {
    assert.deepEqual([...IMPEDANCE_CLASSES], ['A_EDGE', 'B_SERVERLESS', 'C_PERSISTENT', 'D_GPU', 'E_LOCAL', 'F_HUMAN']);
    assert.deepEqual(DEFAULT_CLASS_PROFILES.A_EDGE.latencyMs, { min: 5, max: 20 });
    assert.deepEqual(DEFAULT_CLASS_PROFILES.B_SERVERLESS.latencyMs, { min: 50, max: 150 });
    assert.deepEqual(DEFAULT_CLASS_PROFILES.C_PERSISTENT.latencyMs, { min: 100, max: 300 });
    assert.deepEqual(DEFAULT_CLASS_PROFILES.D_GPU.latencyMs, { min: 200, max: 500 });
    assert.equal(DEFAULT_CLASS_PROFILES.A_EDGE.processingMs.max, 50);
    assert.equal(DEFAULT_CLASS_PROFILES.F_HUMAN.processingMs.base, 60_000);
    assert.equal(IMPEDANCE_CLASSES.reduce((s, c) => s + DEFAULT_CLASS_PROFILES[c].countAllocation, 0), 30_000);
  });

  it('behavesAs picks the nearest class by median latency and processing, never past a processing cap', () => {
    assert.equal(behavesAs(10, 5), 'A_EDGE');
    assert.equal(behavesAs(10, 100), 'B_SERVERLESS'); // past the edge CPU cap of 50 ms
    assert.equal(behavesAs(100, 50), 'B_SERVERLESS');
    assert.equal(behavesAs(250, 200), 'C_PERSISTENT'); // in both C's and D's latency range: processing decides
    assert.equal(behavesAs(250, 100), 'D_GPU');
    assert.equal(behavesAs(450, 100), 'D_GPU');
    assert.equal(behavesAs(400, 1000), 'C_PERSISTENT'); // slow processing weighs more than 100 ms past C's range
    assert.equal(behavesAs(5000, 60_000), 'F_HUMAN');
    assert.equal(behavesAs(10, 400_000), 'F_HUMAN'); // no cap admits it
    assert.equal(behavesAs(0, 0), 'A_EDGE'); // an idle agent
  });

  it('refuses an unknown class and bad overrides, naming the option and the value', () => {
    assert.throws(() => resolveClassProfiles({ Z_NOPE: {} } as never), (e: unknown) => e instanceof UnknownImpedanceClassError && e.impedanceClass === 'Z_NOPE');
    assert.throws(
      () => resolveClassProfiles({ A_EDGE: { latencyMs: { max: 2 } } }),
      (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'classes.A_EDGE.latencyMs.max' && e.value === 2,
    );
    assert.throws(() => resolveClassProfiles({ D_GPU: { jitter: 1 } }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'classes.D_GPU.jitter');
  });
});

describe('impedance: simulated processing model', () => {
  const draws = (seed: number) => {
    const m = new ProcessingModel({ seed });
    return IMPEDANCE_CLASSES.map((c) => m.draw(c, { payloadWeight: 1, queueDepth: 3 }));
  };

  it('is reproducible: the same seed gives the same draws, another seed other draws', () => {
    assert.deepEqual(draws(42), draws(42));
    assert.notDeepEqual(draws(42), draws(43));
  });

  it('draws within the class ranges, divided by the speedup', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(...IMPEDANCE_CLASSES), fc.constantFrom(1, 10, 1000), fc.double({ min: 0, max: 4, noNaN: true }), fc.nat(20), (seed, cls, speedup, payloadWeight, queueDepth) => {
        const p = DEFAULT_CLASS_PROFILES[cls];
        const d = new ProcessingModel({ seed, speedup }).draw(cls, { payloadWeight, queueDepth });
        const eps = 1e-9;
        assert.ok(d.latencyMs >= p.latencyMs.min / speedup - eps && d.latencyMs <= p.latencyMs.max / speedup + eps, `latency ${d.latencyMs}`);
        assert.ok(d.processingMs > 0 && d.processingMs <= p.processingMs.max / speedup + eps, `processing ${d.processingMs}`);
        const expected = (p.processingMs.base * (1 + 0.5 * payloadWeight) * (1 + 0.1 * queueDepth)) / speedup;
        assert.ok(d.processingMs >= Math.min(p.processingMs.max / speedup, expected * (1 - p.jitter)) - eps, `processing ${d.processingMs} below ${expected}`);
      }),
    );
  });

  it('follows part 3.1: processing = base x (1 + 0.5 weight) x (1 + 0.1 queue) without jitter', () => {
    const m = new ProcessingModel({ seed: 1, classes: { C_PERSISTENT: { jitter: 0 } } });
    assert.equal(m.draw('C_PERSISTENT').processingMs, 200);
    assert.equal(m.draw('C_PERSISTENT', { payloadWeight: 2, queueDepth: 5 }).processingMs, 200 * 2 * 1.5);
    const fast = new ProcessingModel({ seed: 1, speedup: 1000, classes: { F_HUMAN: { jitter: 0 } } });
    assert.equal(fast.draw('F_HUMAN').processingMs, 60);
  });

  it('refuses a bad seed, speedup, class or payload weight', () => {
    assert.throws(() => new ProcessingModel({ seed: 1, speedup: 0 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'speedup' && e.value === 0);
    assert.throws(() => new ProcessingModel({ seed: 1.5 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'seed');
    const m = new ProcessingModel({ seed: 1 });
    assert.throws(() => m.draw('X' as ImpedanceClass), UnknownImpedanceClassError);
    assert.throws(() => m.draw('A_EDGE', { payloadWeight: -1 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'payloadWeight');
  });
});

describe('impedance: sample ring', () => {
  const sampleArb = fc.record({ latencyMs: fc.nat(5000), processingMs: fc.nat(5000), ok: fc.boolean() });

  it('never exceeds its capacity and keeps exactly the newest samples, in order', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(sampleArb, { maxLength: 80 }), (capacity, raw) => {
        const ring = new SampleRing(capacity);
        const pushed: Sample[] = [];
        raw.forEach((s, i) => {
          ring.push({ ...s, at: i });
          pushed.push({ ...s, at: i });
          assert.ok(ring.size <= capacity);
        });
        const kept = pushed.slice(Math.max(0, pushed.length - capacity));
        assert.deepEqual(ring.toArray(), kept);
        assert.equal(ring.total, pushed.length);
        assert.deepEqual(ring.newest(), kept.at(-1));
        const okKept = kept.filter((s) => s.ok).length;
        assert.equal(ring.reliability(), kept.length === 0 ? 1 : okKept / kept.length);
      }),
    );
  });

  it('has monotone percentiles (p50 <= p95), each one of the samples held', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (capacity, latencies, p, q) => {
        const ring = new SampleRing(capacity);
        latencies.forEach((latencyMs, at) => ring.push({ latencyMs, processingMs: 0, at }));
        const [p50, p95] = ring.percentiles('latencyMs', [0.5, 0.95]);
        assert.ok(p50! <= p95!, `p50 ${p50} > p95 ${p95}`);
        const [lo, hi] = p <= q ? [p, q] : [q, p];
        assert.ok(ring.percentile('latencyMs', lo) <= ring.percentile('latencyMs', hi));
        const held = ring.toArray().map((s) => s.latencyMs);
        assert.ok(held.includes(p50!) && held.includes(p95!));
      }),
    );
  });

  it('computes nearest-rank percentiles, mean and population std dev', () => {
    const ring = new SampleRing(10);
    [2, 4, 4, 4, 5, 5, 7, 9].forEach((latencyMs, at) => ring.push({ latencyMs, processingMs: latencyMs * 10, at }));
    assert.equal(ring.percentile('latencyMs', 0.5), 4);
    assert.equal(ring.percentile('latencyMs', 0.95), 9);
    assert.equal(ring.percentile('processingMs', 0.5), 40);
    assert.equal(ring.mean('latencyMs'), 5);
    assert.equal(ring.stdDev('latencyMs'), 2);
    ring.clear();
    assert.equal(ring.size, 0);
    assert.equal(ring.percentile('latencyMs', 0.5), 0);
  });

  it('forgets evicted failures in its reliability and refuses bad input', () => {
    const ring = new SampleRing(2);
    ring.push({ latencyMs: 1, processingMs: 1, at: 0, ok: false });
    ring.push({ latencyMs: 1, processingMs: 1, at: 1 });
    assert.equal(ring.reliability(), 0.5);
    ring.push({ latencyMs: 1, processingMs: 1, at: 2 });
    assert.equal(ring.reliability(), 1);
    assert.throws(() => new SampleRing(0), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'capacity' && e.value === 0);
    assert.throws(() => ring.push({ latencyMs: -1, processingMs: 1, at: 3 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'sample.latencyMs');
    assert.throws(() => ring.percentile('latencyMs', 1.5), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.value === 1.5);
  });
});

describe('impedance: score', () => {
  it('follows the formula: (latency + processing x queue factor + drift) / reliability, capped at 1000', () => {
    assert.equal(impedanceScore({ latencyMs: 100, processingMs: 50, queueDepth: 2, latencyStdDevMs: 10, reliability: 0.5 }), (100 + 50 * 1.2 + 10) / 0.5);
    assert.equal(impedanceScore({ latencyMs: 10, processingMs: 10, queueDepth: 0, payloadWeight: 2 }), 10 + 10 * 2);
    assert.equal(impedanceScore({ latencyMs: 900, processingMs: 900, queueDepth: 0 }), 1000);
    assert.equal(impedanceScore({ latencyMs: 1, processingMs: 1, queueDepth: 0, reliability: 0 }), 1000);
    assert.equal(impedanceScore({ latencyMs: 0, processingMs: 0, queueDepth: 0 }), 0);
  });

  it('increases when latency increases, everything else fixed (strictly below the cap)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.record({
          processingMs: fc.integer({ min: 0, max: 2000 }),
          queueDepth: fc.nat(50),
          latencyStdDevMs: fc.integer({ min: 0, max: 500 }),
          reliability: fc.double({ min: 0, max: 1, noNaN: true }),
          payloadWeight: fc.double({ min: 0, max: 5, noNaN: true }),
        }),
        (latency, delta, rest) => {
          const lo = impedanceScore({ latencyMs: latency, ...rest });
          const hi = impedanceScore({ latencyMs: latency + delta, ...rest });
          assert.ok(hi >= lo, `${hi} < ${lo}`);
          if (lo < 1000) assert.ok(hi > lo, `${hi} not above ${lo}`);
          assert.ok(lo >= 0 && hi <= 1000);
        },
      ),
    );
  });

  it('refuses negative weights and inputs, naming them', () => {
    assert.throws(() => resolveScoreWeights({ queue: -0.1 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'weights.queue' && e.value === -0.1);
    assert.throws(() => impedanceScore({ latencyMs: 1, processingMs: 1, queueDepth: 0, reliability: 2 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'reliability');
  });
});

describe('impedance: profiler', () => {
  it('snapshots p50/p95, drift, reliability, score and the class the agent behaves as', () => {
    const p = new ImpedanceProfiler(identity, { capacity: 100 });
    for (let i = 1; i <= 100; i++) p.record({ latencyMs: i, processingMs: 60, at: i, ok: i > 10 });
    p.setQueueDepth(4);
    const s = p.snapshot(1000);
    assert.equal(s.latencyP50Ms, 50);
    assert.equal(s.latencyP95Ms, 95);
    assert.equal(s.processingP50Ms, 60);
    assert.equal(s.reliability, 0.9);
    assert.equal(s.queueDepth, 4);
    assert.equal(s.samples, 100);
    assert.ok(Math.abs(s.driftStdDevMs - Math.sqrt((100 * 100 - 1) / 12)) < 1e-9);
    assert.ok(Math.abs(s.driftCoefficient - s.driftStdDevMs / 50.5) < 1e-12);
    assert.ok(Math.abs(s.score - (50 + 60 * 1.4 + s.driftStdDevMs) / 0.9) < 1e-9);
    assert.equal(s.behavesAs, 'B_SERVERLESS'); // declared A_EDGE, but 60 ms of processing is past the edge CPU cap
    assert.equal(s.declaredClass, 'A_EDGE');
    assert.deepEqual(s.capabilities, ['route']);
    assert.equal(s.historicalScore, null);
    assert.ok(Object.isFrozen(s));
  });

  it('flags a spike (score > 2x its historical average) as degraded, and high drift as unstable', () => {
    const p = new ImpedanceProfiler(identity, { capacity: 5 });
    for (let i = 0; i < 5; i++) p.record({ latencyMs: 10, processingMs: 10, at: i });
    for (let t = 0; t < 3; t++) assert.deepEqual(p.snapshot(t).flags, { spike: false, degraded: false, unstable: false });
    for (let i = 0; i < 5; i++) p.record({ latencyMs: 50, processingMs: 10, at: 10 + i });
    const s = p.snapshot(20);
    assert.equal(s.historicalScore, 20);
    assert.equal(s.score, 60);
    assert.deepEqual(s.flags, { spike: true, degraded: true, unstable: false });

    const q = new ImpedanceProfiler(identity, { capacity: 4 });
    [1, 1, 1, 100].forEach((latencyMs, at) => q.record({ latencyMs, processingMs: 1, at }));
    const u = q.snapshot(5);
    assert.ok(u.driftCoefficient > 0.5);
    assert.equal(u.flags.unstable, true);
    assert.equal(u.flags.spike, false);
  });

  it('flags a score above 800 as degraded, and refuses bad identity and options', () => {
    const p = new ImpedanceProfiler(identity);
    p.record({ latencyMs: 500, processingMs: 400, at: 0 });
    assert.equal(p.snapshot(1).flags.degraded, true);
    assert.throws(() => new ImpedanceProfiler({ ...identity, agentId: '' }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'identity.agentId');
    assert.throws(() => new ImpedanceProfiler({ ...identity, declaredClass: 'Q' as ImpedanceClass }), UnknownImpedanceClassError);
    assert.throws(() => new ImpedanceProfiler(identity, { historyAlpha: 0 }), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'historyAlpha');
    assert.throws(() => p.setQueueDepth(-1), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'queueDepth' && e.value === -1);
  });

  it('profiles simulated agents of every inferable class as behaving as that class', () => {
    const model = new ProcessingModel({ seed: 7 });
    for (const cls of ['A_EDGE', 'B_SERVERLESS', 'C_PERSISTENT', 'D_GPU', 'F_HUMAN'] as const) {
      const p = new ImpedanceProfiler({ ...identity, declaredClass: cls });
      for (let i = 0; i < 100; i++) p.record({ ...model.draw(cls), at: i });
      assert.equal(p.snapshot(100).behavesAs, cls, cls);
    }
  });
});

describe('impedance: heartbeat aggregation', () => {
  const flagged = (id: string, score: number, extra: Partial<AgentImpedance> = {}) =>
    agent({ agentId: id, score, flags: { spike: false, degraded: score > 800, unstable: false }, ...extra });

  it('summarises a cluster: counts per class, capacity, mean/p50/p95, fastest and slowest, capabilities', () => {
    const agents = [
      flagged('a1', 100, { declaredClass: 'A_EDGE', capabilities: ['x'] }),
      flagged('a2', 300, { declaredClass: 'A_EDGE', capabilities: ['x', 'y'] }),
      flagged('a3', 900, { declaredClass: 'D_GPU', capabilities: ['y'] }),
      flagged('a4', 50, { declaredClass: 'D_GPU', capabilities: ['x'], operationalState: 'offline' }),
      flagged('a1', 10, { declaredClass: 'A_EDGE', capabilities: ['x'], at: -1 }), // older heartbeat: ignored
    ];
    const c = clusterAggregate('c0', 's0', agents, { at: 5 });
    assert.equal(c.agentCount, 4);
    assert.equal(c.activeCount, 3);
    assert.equal(c.capacity, 2);
    assert.equal(c.meanScore, (100 + 300 + 900) / 3);
    assert.equal(c.p50Score, 300);
    assert.equal(c.p95Score, 900);
    assert.equal(c.fastestAgent, 'a1');
    assert.equal(c.slowestAgent, 'a3');
    assert.equal(c.classCounts.A_EDGE, 2);
    assert.equal(c.classCounts.D_GPU, 2);
    assert.deepEqual(c.capabilities, { x: { agents: 2, bestScore: 100 }, y: { agents: 2, bestScore: 300 } });
    assert.deepEqual(c.degradedAgents, ['a3']);
    assert.deepEqual(c.flags, { spike: false, degraded: false, unstable: false }); // one degraded agent is not "multiple"
  });

  it('flags a cluster degraded with two degraded agents or a mean spike, unstable with two unstable agents', () => {
    const two = clusterAggregate('c0', 's0', [flagged('a1', 850), flagged('a2', 900), flagged('a3', 10)], { at: 0 });
    assert.equal(two.flags.degraded, true);
    const unstable = (id: string) => agent({ agentId: id, flags: { spike: false, degraded: false, unstable: true } });
    assert.equal(clusterAggregate('c0', 's0', [unstable('a1'), unstable('a2')], { at: 0 }).flags.unstable, true);
    assert.equal(clusterAggregate('c0', 's0', [unstable('a1'), flagged('a2', 1)], { at: 0 }).flags.unstable, false);
    const calm = clusterAggregate('c0', 's0', [flagged('a1', 100)], { at: 0 });
    const same = clusterAggregate('c0', 's0', [flagged('a1', 200)], { at: 1, previous: calm });
    assert.equal(same.historicalMeanScore, 100);
    assert.equal(same.flags.spike, false); // exactly 2x is not above 2x
    const spiked = clusterAggregate('c0', 's0', [flagged('a1', 201)], { at: 1, previous: calm });
    assert.deepEqual(spiked.flags, { spike: true, degraded: true, unstable: false });
    const later = clusterAggregate('c0', 's0', [flagged('a1', 100)], { at: 2, previous: spiked, historyAlpha: 0.5 });
    assert.equal(later.historicalMeanScore, 100 + 0.5 * (201 - 100));
  });

  it('refuses an agent of another cluster and a cluster of another sector', () => {
    assert.throws(
      () => clusterAggregate('c0', 's0', [agent({ agentId: 'z', clusterId: 'c9' })], { at: 0 }),
      (e: unknown) => e instanceof AggregationMismatchError && e.memberId === 'z' && e.actualId === 'c9',
    );
    const c = clusterAggregate('c1', 's1', [], { at: 0 });
    assert.throws(() => sectorAggregate('s0', [c], { at: 0 }), (e: unknown) => e instanceof AggregationMismatchError && e.level === 'sector' && e.actualId === 's1');
  });

  it('summarises a sector (healthy only above 95 % active) and the mesh from its sectors', () => {
    const make = (clusterId: string, sectorId: string, scores: number[], offline: number) =>
      clusterAggregate(
        clusterId,
        sectorId,
        [...scores.map((score, i) => agent({ agentId: `${clusterId}-a${i}`, clusterId, sectorId, score, capabilities: ['x'] })), ...Array.from({ length: offline }, (_, i) => agent({ agentId: `${clusterId}-off${i}`, clusterId, sectorId, operationalState: 'offline' }))],
        { at: 0 },
      );
    const healthyScores = Array.from({ length: 20 }, () => 100);
    const s0 = sectorAggregate('s0', [make('c0', 's0', healthyScores, 0), make('c1', 's0', [...healthyScores.slice(1), 300], 0)], { at: 1 });
    assert.equal(s0.totalAgents, 40);
    assert.equal(s0.healthy, true);
    assert.equal(s0.healthiestCluster, 'c0');
    assert.equal(s0.sickestCluster, 'c1');
    assert.equal(s0.meanScore, (100 + (19 * 100 + 300) / 20) / 2);
    assert.deepEqual(s0.capabilities.x, { agents: 40, bestScore: 100 });
    const s1 = sectorAggregate('s1', [make('c2', 's1', Array.from({ length: 19 }, () => 500), 1)], { at: 1 });
    assert.equal(s1.activeRate, 0.95);
    assert.equal(s1.healthy, false); // 95 % is not above 95 %
    const map = globalImpedanceMap([s0, s1], { at: 2 });
    assert.equal(map.totalAgents, 60);
    assert.equal(map.activeAgents, 59);
    assert.equal(map.clusterCount, 3);
    assert.equal(map.sectorsHealthy, 1);
    assert.equal(map.sectorsDegraded, 1);
    assert.equal(map.p95Score, 500);
    assert.equal(map.meanScore, (s0.clusters[0]!.meanScore + s0.clusters[1]!.meanScore + 500) / 3);
    assert.deepEqual(map.capabilities.x, { agents: 59, bestScore: 100 });
  });
});

describe('impedance: capability routing', () => {
  it('routes within a cluster to the lowest-score capable, active, routable agent, or none', () => {
    const agents = [
      agent({ agentId: 'a1', score: 50, capabilities: ['y'] }),
      agent({ agentId: 'a2', score: 80, capabilities: ['x'] }),
      agent({ agentId: 'a3', score: 40, capabilities: ['x'], operationalState: 'quarantined' }),
      agent({ agentId: 'a4', score: 60, capabilities: ['x'] }),
      agent({ agentId: 'a0', score: 60, capabilities: ['x'] }),
    ];
    assert.equal(routeInCluster(agents, 'x')?.agentId, 'a0'); // tie on 60: smaller id
    assert.equal(routeInCluster(agents, 'x', (a) => a.agentId !== 'a0')?.agentId, 'a4');
    assert.equal(routeInCluster(agents, 'z'), null);
    assert.equal(routeInCluster(agents, 'x', () => false), null);
    assert.deepEqual(
      bestAgents(agents, 'x', 2).map((a) => a.agentId),
      ['a0', 'a4'],
    );
    assert.deepEqual(
      bestAgents(agents, 'x', 5, { maxScore: 70 }).map((a) => a.agentId),
      ['a0', 'a4'],
    );
    assert.throws(() => routeInCluster(agents, ''), (e: unknown) => e instanceof InvalidImpedanceOptionError && e.option === 'capability');
  });

  it('across clusters looks past a cluster whose advertised best agent is not routable', () => {
    const c1 = [agent({ agentId: 'a1', clusterId: 'c1', score: 10, capabilities: ['x'] }), agent({ agentId: 'a2', clusterId: 'c1', score: 500, capabilities: ['x'] })];
    const c2 = [agent({ agentId: 'a3', clusterId: 'c2', score: 20, capabilities: ['x'] })];
    const c3 = [agent({ agentId: 'a4', clusterId: 'c3', score: 5, capabilities: ['x'] })];
    const map = globalImpedanceMap([sectorAggregate('s0', [clusterAggregate('c1', 's0', c1, { at: 0 }), clusterAggregate('c2', 's0', c2, { at: 0 }), clusterAggregate('c3', 's0', c3, { at: 0 })], { at: 0 })], { at: 0 });
    const members = (id: string) => ({ c1, c2, c3 })[id as 'c1'];
    const route = routeAcrossClusters(map, 'x', members, { isAgentRoutable: (a) => a.agentId !== 'a1', isClusterRoutable: (c) => c.clusterId !== 'c3' });
    assert.deepEqual([route?.agent.agentId, route?.clusterId, route?.sectorId], ['a3', 'c2', 's0']);
    assert.equal(routeAcrossClusters(map, 'x', members)?.agent.agentId, 'a4');
    assert.equal(routeAcrossClusters(map, 'y', members), null);
  });

  it('across clusters always returns a capable, routable agent with the minimal score, or none when there is none', () => {
    const caps = ['x', 'y', 'z'];
    const agentArb = fc.record({
      sector: fc.nat(1),
      cluster: fc.nat(2),
      score: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1000 })),
      capabilities: fc.subarray(caps),
      state: fc.constantFrom('active', 'active', 'active', 'offline', 'quarantined') as fc.Arbitrary<AgentImpedance['operationalState']>,
      blocked: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(agentArb, { maxLength: 40, size: 'medium' }), fc.constantFrom(...caps), fc.array(fc.nat(5), { maxLength: 2 }), (specs, capability, blockedClusterIdx) => {
        const agents = specs.map((s, i) =>
          agent({ agentId: `a${String(i).padStart(3, '0')}`, sectorId: `s${s.sector}`, clusterId: `s${s.sector}-c${s.cluster}`, score: s.score, capabilities: s.capabilities, operationalState: s.state }),
        );
        const blockedAgents = new Set(agents.filter((_, i) => specs[i]!.blocked).map((a) => a.agentId));
        const blockedClusters = new Set(blockedClusterIdx.map((n) => `s${Math.floor(n / 3) % 2}-c${n % 3}`));
        const byCluster = new Map<string, AgentImpedance[]>();
        for (const a of agents) byCluster.set(a.clusterId, [...(byCluster.get(a.clusterId) ?? []), a]);
        const bySector = new Map<string, ClusterAggregate[]>();
        for (const [clusterId, members] of byCluster) {
          const sectorId = members[0]!.sectorId;
          bySector.set(sectorId, [...(bySector.get(sectorId) ?? []), clusterAggregate(clusterId, sectorId, members, { at: 0 })]);
        }
        const map = globalImpedanceMap(
          [...bySector].map(([sectorId, clusters]) => sectorAggregate(sectorId, clusters, { at: 0 })),
          { at: 0 },
        );
        const isAgentRoutable = (a: AgentImpedance) => !blockedAgents.has(a.agentId);
        const route = routeAcrossClusters(map, capability, (id) => byCluster.get(id) ?? [], {
          isAgentRoutable,
          isClusterRoutable: (c) => !blockedClusters.has(c.clusterId),
        });
        const eligible = agents.filter((a) => a.operationalState === 'active' && a.capabilities.includes(capability) && isAgentRoutable(a) && !blockedClusters.has(a.clusterId));
        if (eligible.length === 0) {
          assert.equal(route, null);
          return;
        }
        assert.ok(route !== null, 'no route although an eligible agent exists');
        assert.ok(eligible.includes(route.agent), `picked ineligible ${route.agent.agentId}`);
        assert.equal(route.clusterId, route.agent.clusterId);
        assert.equal(route.sectorId, route.agent.sectorId);
        assert.equal(route.agent.score, Math.min(...eligible.map((a) => a.score)));
      }),
    );
  });
});
