import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem, FunctionBehavior } from '../../src/index.js';
import { configureHeartbeats } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { nextHalfWidth, runGatherRound } from '../../actors/mesh/gather-round.js';
import { digestOf } from '../../actors/protocol/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeHandle } from '../../supervisors/config/index.js';
import { deferred, eventually, quietSystem, terminateAll } from '../support/helpers.js';
import { GatherRunner, epochNow } from '../../actors/mesh/gather.js';
import type { Gather, GatherDue, GatherReport } from '../../actors/mesh/gather.js';
import { EMPTY_DIGEST } from '../../actors/protocol/index.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(() => terminateAll());

/** A child's report with nothing in it. */
function zeroGatherReport(gatherId: number, from: string): GatherReport {
  const zero = { agents: 0, sent: 0, skippedLate: 0, skippedLowConfidence: 0, notSent: 0, ready: 0, lateReady: 0, conflicts: 0, early: 0, inWindow: 0, late: 0, missing: 0, fromProfile: 0, missingChildren: 0, errorSumMs: 0 };
  return { type: 'gather-report', gatherId, from, ...zero, frozen: [], arrivalErrors: EMPTY_DIGEST, earlyErrors: EMPTY_DIGEST, lateErrors: EMPTY_DIGEST, predictionErrors: EMPTY_DIGEST };
}

/** A small mesh (12 agents) whose agents have answered `waves` waves and whose leads hold fresh heartbeats. */
async function warmMesh(settings: Parameters<typeof meshSystem>[0], waves = 4): Promise<{ system: ActorSystem; tree: TreeHandle }> {
  const system = meshSystem(settings);
  configureHeartbeats(system, { enabled: false });
  const tree = spawnTree(system, smallMeshConfig());
  for (let i = 1; i <= waves; i++) await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: i, replyTo }), { timeoutMs: 3000 });
  await tree.root.ask((replyTo) => ({ type: 'heartbeat-now', replyTo }), { timeoutMs: 3000 });
  return { system, tree };
}

const freeze = (system: ActorSystem, path: string) => system.lookup(path)!.ask((replyTo) => ({ type: 'freeze', replyTo }), { timeoutMs: 1000 });

describe('actors/mesh: the predictive scatter-gather through the hierarchy (3.1, 3.2)', () => {
  it('probes every agent at T - its expected delay from its heartbeat, and sums the arrivals up to the root', async () => {
    // Real time (speedup 1, replies capped at 40 ms): predictions from profiles are good to a few ms.
    const { tree } = await warmMesh({ speedup: 1, maxReplyMs: 40, conflictRate: 0, gatherTimeoutMs: 500 });
    const round = await runGatherRound(tree.root, { gatherId: 1, leadMs: 150, defaultHalfWidthMs: 25, minHalfWidthMs: 25, graceMs: 50 });
    const r = round.report;
    assert.equal(r.from, '/user/orchestrator');
    assert.equal(r.agents, 12);
    assert.equal(r.sent, 12);
    assert.equal(r.fromProfile, 12, 'every lead predicted from its agents heartbeats');
    assert.equal(r.early + r.inWindow + r.late + r.missing, 12);
    assert.equal(r.ready + r.lateReady + r.conflicts, r.sent - r.missing);
    assert.equal(r.arrivalErrors.count, 12 - r.missing);
    assert.equal(r.predictionErrors.count, 12 - r.missing);
    assert.equal(r.missingChildren, 0);
    assert.ok(r.inWindow >= 10, `most agents READY within +-25 ms of T (in window ${r.inWindow}, early ${r.early}, late ${r.late})`);
    assert.equal(round.verdict.status, r.ready / r.sent >= 0.95 ? 'SUCCESS' : 'PARTIAL');
    assert.equal(round.halfWidthMs, 25);
  });

  it('skips an agent whose lead time T - now cannot cover (insufficient_lead_time) and one below minConfidence', async () => {
    const { tree } = await warmMesh({ speedup: 1, maxReplyMs: 40, conflictRate: 0, gatherTimeoutMs: 500 });
    // Every agent needs >= 5 ms (A_EDGE's latency floor): 1 ms of lead is too short for all.
    const late = await runGatherRound(tree.root, { gatherId: 2, leadMs: 1, defaultHalfWidthMs: 10, minHalfWidthMs: 10, graceMs: 20 });
    assert.equal(late.report.skippedLate, 12);
    assert.equal(late.report.sent, 0);
    assert.equal(late.verdict.status, 'PARTIAL');
    // 3.1's confidence is at most 0.7 (reliability 0.5 + recency 0.2): 0.75 skips everyone.
    const unsure = await runGatherRound(tree.root, { gatherId: 3, leadMs: 150, defaultHalfWidthMs: 10, minHalfWidthMs: 10, graceMs: 20, minConfidence: 0.75 });
    assert.equal(unsure.report.skippedLowConfidence, 12);
    assert.equal(unsure.report.sent, 0);
  });

  it('gives each level a deadline before its parent and makes one last call for children still missing at its own', async () => {
    // A coordinator (GatherRunner, not a leaf) over two stub children: one reports only after
    // the coordinator's deadline has passed (as after an event-loop stall, when every due
    // timer fires in one turn and the children's reports queue behind the parent's), the
    // other never. The late one must be counted; the silent one missing.
    const system = quietSystem();
    const seen: Gather[] = [];
    const dueHandled = deferred();
    type Msg = Gather | GatherReport | GatherDue;
    const stub: FunctionBehavior<Gather> = () => (g) => void seen.push(g);
    const parent = system.spawn<Msg>((ctx) => {
      const runner = new GatherRunner(false);
      ctx.spawn(stub, { name: 'late' });
      ctx.spawn(stub, { name: 'silent' });
      return (m) => {
        if (m.type === 'gather') runner.start(m, ctx as never);
        else if (m.type === 'gather-report') runner.report(m, ctx as never);
        else {
          runner.due(m, ctx as never);
          dueHandled.resolve();
        }
      };
    });
    const graceMs = 400;
    const targetAtMs = epochNow() + 20;
    const reply = parent.ask<GatherReport>((replyTo) => ({ type: 'gather', gatherId: 1, targetAtMs, halfWidthMs: 10, graceMs, minConfidence: 0, runtimeLeadMs: 0, replyTo }), { timeoutMs: 5000 });
    await eventually(() => seen.length === 2, 'both children got the gather');
    // The parent reports at the window's end + 2 grace; its children a quarter grace before, with half the slack.
    for (const g of seen) {
      assert.equal(g.reportByMs, targetAtMs + 10 + 2 * graceMs - graceMs / 2);
      assert.equal(g.slackMs, graceMs / 4);
    }
    await dueHandled.promise; // the parent's own deadline passed with both children silent
    const late = seen.find((g) => g.replyTo !== undefined)!;
    late.replyTo.tell({ ...zeroGatherReport(1, `${parent.path}/late`), agents: 7, sent: 7, ready: 7 });
    const report = await reply;
    assert.equal(report.agents, 7, 'the report that came during the last call is counted');
    assert.equal(report.missingChildren, 1, 'the silent child is missing');
  });

  it('a frozen sector refuses: its agents are not probed and the report names it', async () => {
    const { system, tree } = await warmMesh({ speedup: 1000, maxReplyMs: 20, conflictRate: 0 });
    await freeze(system, '/user/orchestrator/sector-1');
    const round = await runGatherRound(tree.root, { gatherId: 4, leadMs: 60, defaultHalfWidthMs: 10, minHalfWidthMs: 10, graceMs: 20 });
    assert.deepEqual(round.report.frozen, ['/user/orchestrator/sector-1']);
    assert.equal(round.report.agents, 6);
    assert.equal(round.report.sent, 6);
  });

  it('counts agents that never answer as missing, and CONFLICT answers apart from READY', async () => {
    const { system, tree } = await warmMesh({ speedup: 1000, maxReplyMs: 20, conflictRate: 1 });
    const agent = system.lookup('/user/orchestrator/sector-0/cluster-0/agent-0') as ActorRef<unknown>;
    await system.stop(agent);
    const round = await runGatherRound(tree.root, { gatherId: 5, leadMs: 60, defaultHalfWidthMs: 10, minHalfWidthMs: 10, graceMs: 20 });
    assert.equal(round.report.sent, 11);
    assert.equal(round.report.conflicts, 11);
    assert.equal(round.report.ready, 0);
    assert.equal(round.verdict.status, 'PARTIAL');
  });

  it("sizes the next window from the p95 of the previous round's arrival errors, within the bounds", () => {
    const errors = digestOf(Array.from({ length: 100 }, (_, i) => i / 10));
    assert.equal(nextHalfWidth(undefined, { defaultHalfWidthMs: 7, minHalfWidthMs: 2 }), 7);
    assert.ok(Math.abs(nextHalfWidth(errors, { defaultHalfWidthMs: 7, minHalfWidthMs: 2 }) - 9.4) < 0.2);
    assert.equal(nextHalfWidth(errors, { defaultHalfWidthMs: 7, minHalfWidthMs: 20 }), 20);
    assert.equal(nextHalfWidth(errors, { defaultHalfWidthMs: 7, minHalfWidthMs: 1, maxHalfWidthMs: 3 }), 3);
  });
});
