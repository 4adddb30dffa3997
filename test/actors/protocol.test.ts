import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  CONFLICT_TYPES,
  ConflictLog,
  DuplicateTargetError,
  InvalidTrinaryError,
  KPI_TARGETS,
  KpiAccumulator,
  ProtocolOptionError,
  arrivalWindow,
  batchSends,
  cascadeLatency,
  classifyArrival,
  classifyConflictPriority,
  computeSendSchedule,
  countTrinary,
  escalationTargets,
  evaluateGather,
  expectedDelay,
  formatKpiReport,
  gatherTargetTime,
  p95,
  percentile,
  planParallel,
  planPriorityFirst,
  planWave,
  suggestResolution,
  trinaryQuorum,
} from '../../actors/protocol/index.js';
import type { ConflictDetail, ConflictType, GatherResponse, ImpedanceClass, MeshNode, TargetDelay, Trinary } from '../../actors/protocol/index.js';

/**
 * The MESH-30K protocol rules (actors/protocol): examples from the document, boundary
 * checks, and properties that must hold for all inputs.
 */

const FC = { numRuns: 200 };

const targetsArb = fc.uniqueArray(
  fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), expectedDelayMs: fc.double({ min: 0, max: 5000, noNaN: true }), confidence: fc.double({ min: 0, max: 1, noNaN: true }) }),
  { selector: (t) => t.id, maxLength: 40 },
);

describe('protocol: predictive send schedule (3.1)', () => {
  it('sends each target at T - expected delay so that all are ready at T, skipping those already too late', () => {
    const schedule = computeSendSchedule(
      [
        { id: 'edge', expectedDelayMs: 20, confidence: 0.9 },
        { id: 'gpu', expectedDelayMs: 400, confidence: 0.8 },
        { id: 'human', expectedDelayMs: 60_000, confidence: 0.5 },
      ],
      { targetTimeMs: 1500, nowMs: 1000 },
    );
    assert.deepEqual(schedule[0], { status: 'SCHEDULED', id: 'edge', sendAtMs: 1480, expectedArrivalMs: 1500, leadTimeMs: 20, confidence: 0.9 });
    assert.deepEqual(schedule[1], { status: 'SCHEDULED', id: 'gpu', sendAtMs: 1100, expectedArrivalMs: 1500, leadTimeMs: 400, confidence: 0.8 });
    assert.deepEqual(schedule[2], { status: 'SKIP', id: 'human', reason: 'insufficient_lead_time', wouldNeedMs: 60_000, availableMs: 500, confidence: 0.5 });
  });

  it('schedules a target whose lead time exactly equals the time available (send now)', () => {
    const [entry] = computeSendSchedule([{ id: 'a', expectedDelayMs: 500, confidence: 1 }], { targetTimeMs: 1500, nowMs: 1000 });
    assert.equal(entry!.status, 'SCHEDULED');
    assert.equal((entry as { sendAtMs: number }).sendAtMs, 1000);
  });

  it('skips low-confidence estimates when minConfidence is set', () => {
    const schedule = computeSendSchedule(
      [
        { id: 'sure', expectedDelayMs: 10, confidence: 0.9 },
        { id: 'unsure', expectedDelayMs: 10, confidence: 0.2 },
      ],
      { targetTimeMs: 100, nowMs: 0, minConfidence: 0.5 },
    );
    assert.equal(schedule[0]!.status, 'SCHEDULED');
    assert.deepEqual(schedule[1], { status: 'SKIP', id: 'unsure', reason: 'low_confidence', wouldNeedMs: 10, availableMs: 100, confidence: 0.2 });
  });

  it('expectedDelay is one-way latency (half the round trip) + processing + buffer', () => {
    assert.equal(expectedDelay({ roundTripMs: 40, processingMs: 50, bufferMs: 5 }), 75);
    assert.equal(expectedDelay({ roundTripMs: 40, processingMs: 50 }), 70);
    assert.throws(() => expectedDelay({ roundTripMs: -1, processingMs: 0 }), /delay\.roundTripMs must be a finite number >= 0 \(got -1\)/);
  });

  it('checks options and targets at the boundary, naming the option and the value', () => {
    const ok: TargetDelay = { id: 'a', expectedDelayMs: 1, confidence: 1 };
    assert.throws(() => computeSendSchedule([ok], { targetTimeMs: Number.NaN, nowMs: 0 }), (e: unknown) => e instanceof ProtocolOptionError && e.option === 'schedule.targetTimeMs' && /got NaN/.test(e.message));
    assert.throws(() => computeSendSchedule([ok, { ...ok, id: 'b', confidence: 1.5 }], { targetTimeMs: 1, nowMs: 0 }), /targets\[1\]\.confidence must be a number between 0 and 1 \(got 1\.5\)/);
    assert.throws(() => computeSendSchedule([{ ...ok, expectedDelayMs: -3 }], { targetTimeMs: 1, nowMs: 0 }), /targets\[0\]\.expectedDelayMs .* \(got -3\)/);
    assert.throws(() => computeSendSchedule([ok, ok], { targetTimeMs: 1, nowMs: 0 }), (e: unknown) => e instanceof DuplicateTargetError && e.id === 'a');
    assert.throws(() => computeSendSchedule([ok], { targetTimeMs: 1, nowMs: 0, minConfidence: 2 }), /schedule\.minConfidence .* \(got 2\)/);
    assert.throws(() => batchSends([], { nowMs: 0, bucketMs: 0 }), /batch\.bucketMs must be a finite number > 0 \(got 0\)/);
  });

  it('groups sends into buckets of bucketMs from now, earliest first (3.2 phase 3)', () => {
    const schedule = computeSendSchedule(
      [
        { id: 'a', expectedDelayMs: 100, confidence: 1 }, // send at 900
        { id: 'b', expectedDelayMs: 95, confidence: 1 }, // 905
        { id: 'c', expectedDelayMs: 300, confidence: 1 }, // 700
        { id: 'd', expectedDelayMs: 5000, confidence: 1 }, // skipped
      ],
      { targetTimeMs: 1000, nowMs: 0 },
    );
    assert.deepEqual(batchSends(schedule, { nowMs: 0, bucketMs: 10 }), [
      { atMs: 700, ids: ['c'] },
      { atMs: 900, ids: ['a', 'b'] },
    ]);
    assert.deepEqual(batchSends(schedule, { nowMs: 0, bucketMs: 1000 }), [{ atMs: 0, ids: ['a', 'b', 'c'] }]);
  });

  it('property: every target is SCHEDULED with now <= send time <= T - expected delay, or SKIPped; batches never send late', () => {
    fc.assert(
      fc.property(targetsArb, fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -2000, max: 6000, noNaN: true }), fc.double({ min: 0.5, max: 500, noNaN: true }), (targets, nowMs, ahead, bucketMs) => {
        const targetTimeMs = nowMs + ahead;
        const schedule = computeSendSchedule(targets, { targetTimeMs, nowMs });
        assert.equal(schedule.length, targets.length);
        const sendAt = new Map<string, number>();
        schedule.forEach((entry, i) => {
          assert.equal(entry.id, targets[i]!.id);
          if (entry.status === 'SCHEDULED') {
            assert.ok(entry.sendAtMs <= targetTimeMs - targets[i]!.expectedDelayMs);
            assert.ok(entry.sendAtMs >= nowMs);
            sendAt.set(entry.id, entry.sendAtMs);
          } else {
            assert.equal(entry.reason, 'insufficient_lead_time');
            assert.ok(targetTimeMs - targets[i]!.expectedDelayMs < nowMs);
          }
        });
        const batches = batchSends(schedule, { nowMs, bucketMs });
        const batched = batches.flatMap((b) => b.ids);
        assert.deepEqual([...batched].sort(), [...sendAt.keys()].sort());
        for (let i = 0; i < batches.length; i++) {
          const b = batches[i]!;
          if (i > 0) assert.ok(b.atMs > batches[i - 1]!.atMs);
          for (const id of b.ids) {
            assert.ok(b.atMs <= sendAt.get(id)! && b.atMs >= nowMs);
            assert.ok(sendAt.get(id)! - b.atMs < bucketMs + 1e-6);
          }
        }
      }),
      FC,
    );
  });
});

describe('protocol: scatter-gather with arrival windows (3.2)', () => {
  const window = arrivalWindow(1000, { defaultHalfWidthMs: 100 }); // [900, 1100]
  const r = (id: string, arrivedAtMs: number, state: Trinary = 1): GatherResponse => ({ id, arrivedAtMs, state });

  it('targets the 95th percentile of expected delays, and widens the window to the p95 of past errors', () => {
    const delays = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(gatherTargetTime(1000, delays), 1095);
    assert.equal(gatherTargetTime(1000, []), 1000);
    assert.deepEqual(arrivalWindow(1000), { startMs: 500, targetTimeMs: 1000, endMs: 1500, halfWidthMs: 500 });
    const errors = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1 : 1) * (i + 1) * 10); // |e| = 10..200
    assert.equal(arrivalWindow(1000, { errorSamplesMs: errors }).halfWidthMs, 190);
    assert.equal(arrivalWindow(1000, { errorSamplesMs: errors, maxHalfWidthMs: 50 }).halfWidthMs, 50);
    assert.equal(arrivalWindow(1000, { errorSamplesMs: [1], minHalfWidthMs: 20 }).halfWidthMs, 20);
    assert.throws(() => arrivalWindow(1000, { minHalfWidthMs: 30, maxHalfWidthMs: 10 }), /window\.maxHalfWidthMs must be a finite number >= 30 \(got 10\)/);
  });

  it('classifies each sent target as in-window, early, late or missing', () => {
    assert.equal(classifyArrival(window, 900), 'in-window');
    assert.equal(classifyArrival(window, 1100), 'in-window');
    assert.equal(classifyArrival(window, 899), 'early');
    assert.equal(classifyArrival(window, 1101), 'late');
    assert.equal(classifyArrival(window, undefined), 'missing');
    const result = evaluateGather(['a', 'b', 'c', 'd', 'e'], [r('a', 1000), r('b', 800), r('c', 1200), r('e', 1000, -1), r('zz', 1000), r('a', 2000)], window, { minimumResponseRate: 0.4 });
    assert.deepEqual(result.inWindow, ['a', 'e']);
    assert.deepEqual(result.early, ['b']);
    assert.deepEqual(result.late, ['c']);
    assert.deepEqual(result.missing, ['d']);
    assert.deepEqual(result.unexpected, ['zz']);
    assert.deepEqual(result.ready, ['a', 'b']);
    assert.deepEqual(result.conflicts.map((c) => c.id), ['e']);
    assert.equal(result.responseRate, 0.4);
    assert.equal(result.stragglers, 2);
    assert.equal(result.status, 'SUCCESS');
    assert.equal(result.recommendation, undefined);
  });

  it('is PARTIAL with retry_late when counting the late ones would have met the minimum', () => {
    const result = evaluateGather(['a', 'b', 'c', 'd'], [r('a', 1000), r('b', 1000), r('c', 1300)], window, { minimumResponseRate: 0.75 });
    assert.equal(result.status, 'PARTIAL');
    assert.equal(result.recommendation, 'retry_late');
    assert.deepEqual(result.retryIds, ['c', 'd']);
  });

  it('is PARTIAL with proceed_degraded above the degraded floor, escalate below it', () => {
    const sent = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const nine = sent.slice(0, 9).map((id) => r(id, 1000));
    const degraded = evaluateGather(sent, nine, window);
    assert.equal(degraded.status, 'PARTIAL');
    assert.equal(degraded.recommendation, 'proceed_degraded');
    const five = sent.slice(0, 5).map((id) => r(id, 1000));
    assert.equal(evaluateGather(sent, five, window).recommendation, 'escalate');
    assert.equal(evaluateGather(sent, five, window, { degradedFloor: 0.5 }).recommendation, 'proceed_degraded');
    assert.equal(evaluateGather([], [], window).status, 'PARTIAL');
  });

  it('counts the first final response per target, and checks its inputs (duplicate sends, bad states, bad rates)', () => {
    const acked = evaluateGather(['a', 'b'], [r('a', 950, 0), r('a', 1000, 1), r('a', 1010, -1), r('b', 1000, 0)], window, { minimumResponseRate: 0.5 });
    assert.deepEqual(acked.ready, ['a']); // a TRANSIT ack is superseded by the READY that follows it
    assert.equal(acked.conflicts.length, 0); // the later CONFLICT duplicate is ignored
    assert.equal(acked.status, 'SUCCESS');
    assert.throws(() => evaluateGather(['a', 'a'], [], window), DuplicateTargetError);
    assert.throws(() => evaluateGather(['a'], [{ id: 'a', arrivedAtMs: 1, state: 2 as Trinary }], window), (e: unknown) => e instanceof InvalidTrinaryError && e.value === 2 && /gather\.responses\[0\]\.state/.test(e.message));
    assert.throws(() => evaluateGather(['a'], [], window, { minimumResponseRate: 1.2 }), /gather\.minimumResponseRate .* \(got 1\.2\)/);
  });

  it('property: SUCCESS iff the response rate >= the minimum, and every sent target is classified exactly once', () => {
    const caseArb = fc.integer({ min: 0, max: 30 }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        responses: fc.array(fc.record({ idx: fc.integer({ min: 0, max: n + 2 }), arrivedAtMs: fc.integer({ min: 700, max: 1300 }), state: fc.constantFrom<Trinary>(1, 0, -1) }), { maxLength: 40 }),
        min: fc.double({ min: 0, max: 1, noNaN: true }),
      }),
    );
    fc.assert(
      fc.property(caseArb, ({ n, responses, min }) => {
        const sent = Array.from({ length: n }, (_, i) => `t${i}`);
        const result = evaluateGather(sent, responses.map((x) => r(`t${x.idx}`, x.arrivedAtMs, x.state)), window, { minimumResponseRate: min });
        assert.equal(result.status === 'SUCCESS', result.responseRate >= min);
        assert.equal(result.recommendation === undefined, result.status === 'SUCCESS');
        const classified = [...result.inWindow, ...result.early, ...result.late, ...result.missing].sort();
        assert.deepEqual(classified, [...sent].sort());
        assert.equal(result.responseRate, n === 0 ? 0 : result.ready.length / n);
      }),
      FC,
    );
  });
});

describe('protocol: trinary quorum with conflict tolerance (1.4, 5.2)', () => {
  const states = (ready: number, transit: number, conflict: number): Trinary[] => [...Array<Trinary>(ready).fill(1), ...Array<Trinary>(transit).fill(0), ...Array<Trinary>(conflict).fill(-1)];

  it('PROCEEDs with enough READY and acceptable conflicts and transit; confidence = ready - conflict/2', () => {
    const q = trinaryQuorum(states(96, 1, 3));
    assert.equal(q.achieved, true);
    assert.equal(q.decision, 'PROCEED');
    assert.deepEqual(q.counts, { ready: 96, transit: 1, conflict: 3 });
    assert.ok(Math.abs(q.confidence - (0.96 - 0.015)) < 1e-12);
  });

  it('WAITs when too many are in transit', () => {
    const q = trinaryQuorum(states(80, 20, 0));
    assert.equal(q.decision, 'WAIT');
    assert.equal(q.achieved, false);
    assert.equal(q.recommendation, 'Extend arrival window');
    // enough READY but transit over its own limit: all conditions are checked
    assert.equal(trinaryQuorum(states(90, 10, 0), { requiredReadyRate: 0.9, maxTransitRate: 0.05 }).decision, 'WAIT');
    assert.equal(trinaryQuorum([]).decision, 'WAIT');
  });

  it('asks to RESOLVE_CONFLICTS when the conflict rate exceeds its threshold, naming the rate', () => {
    const q = trinaryQuorum(states(90, 0, 10));
    assert.equal(q.decision, 'RESOLVE_CONFLICTS');
    assert.match(q.reason, /Conflict rate 10\.0% exceeds threshold 5\.0%/);
    // enough READY, too many in transit AND too many conflicts: conflicts win (document order)
    assert.equal(trinaryQuorum(states(80, 10, 10), { requiredReadyRate: 0.8 }).decision, 'RESOLVE_CONFLICTS');
  });

  it('RETRYs when READY is short but transit and conflicts are within limits', () => {
    const q = trinaryQuorum(states(92, 5, 3));
    assert.equal(q.decision, 'RETRY');
    assert.equal(q.recommendation, 'Retry with adjusted impedance compensation');
  });

  it('accepts counts, and rejects anything that is not +1, 0 or -1', () => {
    assert.equal(trinaryQuorum({ ready: 99, transit: 1, conflict: 0 }).decision, 'PROCEED');
    assert.deepEqual(countTrinary([1, 1, 0, -1]), { ready: 2, transit: 1, conflict: 1 });
    assert.throws(() => countTrinary([1, 0.5]), (e: unknown) => e instanceof InvalidTrinaryError && e.where === 'states[1]' && /got 0\.5/.test(e.message));
    assert.throws(() => trinaryQuorum({ ready: -1, transit: 0, conflict: 0 }), /quorum counts\.ready must be an integer >= 0 \(got -1\)/);
    assert.throws(() => trinaryQuorum([1], { maxConflictRate: -0.1 }), /quorum\.maxConflictRate .* \(got -0\.1\)/);
  });

  it('property: monotone in READY: adding a READY never turns a PROCEED into anything else', () => {
    const rate = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(fc.nat(60), fc.nat(60), fc.nat(60), rate, rate, rate, (ready, transit, conflict, requiredReadyRate, maxConflictRate, maxTransitRate) => {
        const options = { requiredReadyRate, maxConflictRate, maxTransitRate };
        const before = trinaryQuorum({ ready, transit, conflict }, options);
        const after = trinaryQuorum({ ready: ready + 1, transit, conflict }, options);
        if (before.achieved) assert.equal(after.achieved, true);
        assert.equal(before.achieved, before.decision === 'PROCEED');
      }),
      FC,
    );
  });
});

describe('protocol: cascades (3.3)', () => {
  // orchestrator -> 2 sectors -> 2 clusters each -> 3 agents each
  const classes: ImpedanceClass[] = ['CLASS_A_EDGE', 'CLASS_D_GPU', 'CLASS_F_HUMAN', 'CLASS_C_PERSISTENT'];
  let k = 0;
  const tree: MeshNode = {
    id: 'orch',
    children: [0, 1].map((s) => ({
      id: `s${s}`,
      children: [0, 1].map((c) => ({
        id: `s${s}c${c}`,
        children: [0, 1, 2].map((a) => ({ id: `s${s}c${c}a${a}`, impedanceClass: classes[k++ % classes.length]! })),
      })),
    })),
  };

  it('plans a wave level by level, each level awaiting confirmation, with the document thresholds', () => {
    const steps = planWave(tree);
    assert.deepEqual(
      steps.map((s) => [s.name, s.senders.length, s.targets.length, s.minimumResponseRate, s.timeoutMs, s.awaitConfirmation]),
      [
        ['sectors', 1, 2, 0.98, 200, true],
        ['clusters', 2, 4, 0.95, 1000, true],
        ['agents', 4, 12, 0.95, 2000, true],
      ],
    );
    assert.deepEqual(steps[1]!.fanOut.get('s1'), ['s1c0', 's1c1']);
    assert.deepEqual(steps[2]!.fanOut.get('s0c1'), ['s0c1a0', 's0c1a1', 's0c1a2']);
    assert.throws(() => planWave({ id: 'x', children: [{ id: 'y' }, { id: 'y' }] }), (e: unknown) => e instanceof DuplicateTargetError && e.id === 'y');
    assert.throws(() => planWave(tree, { levels: [{ minimumResponseRate: 0.9, timeoutMs: 0 }] }), /wave\.levels\[0\]\.timeoutMs must be a finite number > 0 \(got 0\)/);
  });

  it('plans parallel as one step from the root to every leaf', () => {
    const step = planParallel(tree);
    assert.equal(step.sender, 'orch');
    assert.equal(step.targets.length, 12);
    assert.ok(step.targets.every((t) => /a\d$/.test(t)));
    assert.equal(step.minimumResponseRate, 0.9);
  });

  it('plans priority-first by impedance class, critical first, listing unplanned leaves', () => {
    const plan = planPriorityFirst(tree);
    assert.deepEqual(
      plan.steps.map((s) => [s.impedanceClass, s.targets.length, s.minimumResponseRate]),
      [
        ['CLASS_D_GPU', 3, 0.99],
        ['CLASS_C_PERSISTENT', 3, 0.98],
        ['CLASS_A_EDGE', 3, 0.9],
      ],
    );
    assert.equal(plan.unplanned.length, 3); // the CLASS_F_HUMAN leaves
    assert.ok(plan.steps.every((s) => s.continueOnShortfall));
  });

  it('property: wave and parallel plans cover every non-root node exactly once, in level order', () => {
    const nodeArb: fc.Memo<MeshNode> = fc.memo((d: number) => fc.record({ children: d <= 1 ? fc.constant([]) : fc.array(nodeArb(d - 1), { maxLength: 3 }) }) as unknown as fc.Arbitrary<MeshNode>);
    fc.assert(
      fc.property(nodeArb(4), (shape) => {
        let n = 0;
        const name = (node: MeshNode): MeshNode => ({ id: `n${n++}`, children: (node.children ?? []).map(name) });
        const root = name(shape);
        const steps = planWave(root);
        const all = steps.flatMap((s) => s.targets);
        assert.equal(all.length, n - 1);
        assert.equal(new Set(all).size, n - 1);
        steps.forEach((s, i) => {
          assert.equal(s.depth, i + 1);
          assert.deepEqual([...s.fanOut.values()].flat(), s.targets);
        });
        const leaves = planParallel(root).targets;
        assert.ok(leaves.every((id) => all.includes(id)));
      }),
      { numRuns: 100 },
    );
  });

  it('accounts cascade latency: totals, p95 overall and per level, against the 1000 ms target', () => {
    const cascades = Array.from({ length: 20 }, (_, i) => [100, 200 + i * 10, 300]); // totals 600..790
    const report = cascadeLatency(cascades);
    assert.equal(report.count, 20);
    assert.equal(report.p95Ms, 780);
    assert.deepEqual(report.perLevelP95Ms, [100, 380, 300]);
    assert.equal(report.met, true);
    assert.equal(cascadeLatency([[600, 600]]).met, false);
    assert.equal(cascadeLatency([]).met, null);
    assert.throws(() => cascadeLatency([[1, -5]]), /cascades\[0\]\[1\] .* \(got -5\)/);
  });
});

describe('protocol: conflicts (5.1)', () => {
  it('classifies priority by type as the document does', () => {
    const p = (detail: ConflictDetail) => classifyConflictPriority(detail);
    assert.equal(p({ type: 'CONTEXT_DIVERGENCE', divergenceDepth: 11 }), 3);
    assert.equal(p({ type: 'CONTEXT_DIVERGENCE', divergenceDepth: 10 }), 2);
    assert.equal(p({ type: 'DATA_CONTRADICTION', affectsAgentCount: 101 }), 3);
    assert.equal(p({ type: 'DATA_CONTRADICTION', affectsAgentCount: 100 }), 2);
    assert.equal(p({ type: 'TEMPORAL_PARADOX' }), 4);
    assert.equal(p({ type: 'CAPABILITY_MISMATCH' }), 1);
    assert.equal(p({ type: 'HASH_MISMATCH' }), 4);
    assert.equal(p({ type: 'OTHER' }), 2);
    assert.throws(() => p({ type: 'NOPE' as ConflictType }), (e: unknown) => e instanceof ProtocolOptionError && e.option === 'conflict.type' && e.value === 'NOPE');
  });

  it('suggests a resolution strategy per type and escalates by priority', () => {
    assert.equal(suggestResolution('CONTEXT_DIVERGENCE').method, 'BRANCH_AND_RECONCILE');
    assert.equal(suggestResolution('DATA_CONTRADICTION').method, 'PROVENANCE_TRACE');
    assert.equal(suggestResolution('TEMPORAL_PARADOX').method, 'CLOCK_RECONCILIATION');
    assert.equal(suggestResolution('CAPABILITY_MISMATCH').method, 'REROUTE');
    assert.equal(suggestResolution('HASH_MISMATCH').method, 'QUARANTINE_AND_VERIFY');
    for (const type of CONFLICT_TYPES) assert.ok(suggestResolution(type).steps.length > 0, type);
    assert.deepEqual(escalationTargets(2), []);
    assert.deepEqual(escalationTargets(3), ['sector-coordinator']);
    assert.deepEqual(escalationTargets(4), ['sector-coordinator', 'orchestrator']);
    assert.throws(() => escalationTargets(5 as 4), /conflict\.priority must be an integer 0-4 \(got 5\)/);
  });

  it('logs conflicts as immutable records with sequence numbers, priority, strategy and escalation', () => {
    const log = new ConflictLog();
    const expected = { temperature: 20 };
    const record = log.append({ timestampMs: 5, agentId: 'agent-1', messageId: 'm-1', detail: { type: 'HASH_MISMATCH', expectedValue: expected, receivedValue: 'x', contextHash: 'h' } });
    assert.equal(record.seq, 1);
    assert.equal(record.conflictId, 'conflict-1');
    assert.equal(record.priority, 4);
    assert.deepEqual(record.escalateTo, ['sector-coordinator', 'orchestrator']);
    assert.equal(record.contextHash, 'h');
    expected.temperature = 99; // the caller's object changes; the record does not
    assert.deepEqual(record.conflictingValues, [{ temperature: 20 }, 'x']);
    assert.throws(() => {
      (record as { priority: number }).priority = 0;
    }, TypeError);
    assert.throws(() => {
      (record.conflictingValues[0] as { temperature: number }).temperature = 1;
    }, TypeError);
    const listed = log.entries() as unknown as unknown[];
    assert.throws(() => listed.pop(), TypeError);
    assert.equal(log.size, 1);
    assert.throws(() => log.append({ timestampMs: 1, agentId: '', messageId: 'm', detail: { type: 'OTHER' } }), /conflict\.agentId must be a non-empty string \(got ''\)/);
    assert.equal(log.size, 1);
    const api = Object.getOwnPropertyNames(ConflictLog.prototype).sort();
    assert.deepEqual(api, ['append', 'constructor', 'entries', 'get', 'resolutionQueue', 'since', 'size']);
  });

  it('orders the resolution queue by priority, then age', () => {
    const log = new ConflictLog();
    const types: ConflictType[] = ['CAPABILITY_MISMATCH', 'TEMPORAL_PARADOX', 'OTHER', 'HASH_MISMATCH'];
    types.forEach((type, i) => log.append({ timestampMs: i, agentId: 'a', messageId: `m${i}`, detail: { type } }));
    assert.deepEqual(log.resolutionQueue().map((r) => r.seq), [2, 4, 3, 1]);
    assert.deepEqual(log.since(2).map((r) => r.seq), [3, 4]);
    assert.equal(log.get(4)!.type, 'HASH_MISMATCH');
    assert.equal(log.get(0), undefined);
  });

  it('property: appending never changes past entries and sequence numbers strictly increase', () => {
    const reportArb = fc.record({
      timestampMs: fc.integer({ min: 0, max: 1e9 }),
      agentId: fc.string({ minLength: 1, maxLength: 5 }),
      messageId: fc.string({ minLength: 1, maxLength: 5 }),
      detail: fc.record({
        type: fc.constantFrom(...CONFLICT_TYPES),
        divergenceDepth: fc.nat(20),
        affectsAgentCount: fc.nat(200),
        expectedValue: fc.jsonValue(),
        receivedValue: fc.jsonValue(),
      }),
    });
    fc.assert(
      fc.property(fc.array(reportArb, { maxLength: 25 }), (reports) => {
        const log = new ConflictLog();
        const snapshots: string[] = [];
        const held: unknown[] = [];
        for (const report of reports) {
          const before = log.entries();
          const record = log.append(report);
          held.push(record);
          snapshots.push(JSON.stringify(record));
          const after = log.entries();
          assert.equal(after.length, before.length + 1);
          before.forEach((r, i) => assert.equal(after[i], r));
          after.forEach((r, i) => assert.equal(JSON.stringify(r), snapshots[i]));
          for (let i = 1; i < after.length; i++) assert.ok(after[i]!.seq > after[i - 1]!.seq);
        }
        held.forEach((r, i) => assert.equal(JSON.stringify(r), snapshots[i]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('protocol: KPIs (11.1)', () => {
  it('computes every KPI from recorded events and compares it with the document target', () => {
    const kpis = new KpiAccumulator();
    for (let i = 0; i < 100; i++) kpis.recordOperation(i !== 0); // 99%
    for (let i = 0; i < 20; i++) kpis.recordArrival({ predictedMs: 1000, actualMs: 1000 + (i < 18 ? 10 : 60), inWindow: i < 19 }); // hit 95%, accuracy 90%
    kpis.recordResponses({ ready: 97, transit: 1, conflict: 2 }); // 2%
    kpis.recordAvailability({ durationMs: 999, activeRate: 0.97 }).recordAvailability({ durationMs: 1, activeRate: 0.5 }); // 99.9%
    for (let i = 1; i <= 20; i++) kpis.recordCascade(i * 60); // p95 = 1140
    kpis.recordRecovery({ scope: 'cluster', detectedAtMs: 0, restoredAtMs: 60_000 }).recordRecovery({ scope: 'cluster', detectedAtMs: 0, restoredAtMs: 240_000 });
    kpis.recordRecovery({ scope: 'sector', detectedAtMs: 0, restoredAtMs: 16 * 60_000 });
    const snap = kpis.snapshot();
    assert.equal(snap.coordination_success_rate, 0.99);
    assert.equal(snap.arrival_window_hit_rate, 0.95);
    assert.equal(snap.impedance_prediction_accuracy, 0.9);
    assert.equal(snap.conflict_rate, 0.02);
    assert.equal(snap.mesh_availability, 0.999);
    assert.equal(snap.cascade_latency_p95, 1140);
    assert.equal(snap.recovery_time_cluster, 240_000);
    assert.equal(snap.recovery_time_sector, 960_000);
    const met = Object.fromEntries(kpis.report().map((row) => [row.kpi, row.met]));
    assert.deepEqual(met, {
      coordination_success_rate: true,
      arrival_window_hit_rate: true,
      impedance_prediction_accuracy: true,
      conflict_rate: false,
      mesh_availability: true,
      cascade_latency_p95: false,
      recovery_time_cluster: true,
      recovery_time_sector: false,
    });
    const text = formatKpiReport(kpis.report());
    assert.match(text, /conflict_rate\s+2\.00%\s+<= 1%\s+MISSED/);
    assert.match(text, /cascade_latency_p95\s+1140 ms/);
  });

  it('reports no data (not met, not missed) for KPIs nothing was recorded for', () => {
    const rows = new KpiAccumulator().report();
    assert.equal(rows.length, KPI_TARGETS.length);
    assert.ok(rows.every((r) => r.value === null && r.met === null));
  });

  it('uses the configured accuracy bound and checks recorded values', () => {
    const kpis = new KpiAccumulator({ accuracyWithinMs: 5 });
    kpis.recordArrival({ predictedMs: 0, actualMs: 6, inWindow: true });
    assert.equal(kpis.snapshot().impedance_prediction_accuracy, 0);
    const boundary = new KpiAccumulator().recordAvailability({ durationMs: 10, activeRate: 0.95 }).recordAvailability({ durationMs: 10, activeRate: 0.949 });
    assert.equal(boundary.snapshot().mesh_availability, 0.5); // >= 95% active counts as available
    assert.throws(() => new KpiAccumulator({ accuracyWithinMs: -1 }), /kpi\.accuracyWithinMs .* \(got -1\)/);
    assert.throws(() => kpis.recordRecovery({ scope: 'cluster', detectedAtMs: 10, restoredAtMs: 5 }), /recovery\.restoredAtMs must be a finite number >= 10 \(got 5\)/);
    assert.throws(() => kpis.recordAvailability({ durationMs: 1, activeRate: 2 }), /availability\.activeRate .* \(got 2\)/);
    assert.throws(() => kpis.recordResponses({ ready: 1.5, transit: 0, conflict: 0 }), /responses\.ready must be an integer >= 0 \(got 1\.5\)/);
  });

  it('percentiles use the nearest rank', () => {
    assert.equal(p95(Array.from({ length: 100 }, (_, i) => 100 - i)), 95);
    assert.equal(percentile([3], 0.5), 3);
    assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
    assert.equal(p95([]), null);
  });
});
