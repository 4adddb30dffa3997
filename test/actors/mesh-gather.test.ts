import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem } from '../../src/index.js';
import { configureHeartbeats } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { nextHalfWidth, runGatherRound } from '../../actors/mesh/gather-round.js';
import { digestOf } from '../../actors/protocol/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeHandle } from '../../supervisors/config/index.js';
import { terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(() => terminateAll());

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
