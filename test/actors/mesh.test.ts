import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem } from '../../src/index.js';
import { agentClassOf, agentSimOf, configureMesh } from '../../actors/mesh-types.js';
import type { MeshSettings, Pong, WaveReport } from '../../actors/mesh-types.js';
import { DEFAULT_CLASS_PROFILES, IMPEDANCE_CLASSES } from '../../actors/impedance/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import { terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const SMALL = smallMeshConfig();

const testMesh = (settings: Partial<MeshSettings> = {}): ActorSystem => meshSystem({ speedup: 1000, maxReplyMs: 20, gatherTimeoutMs: 1000, ...settings });

const wave = (ref: ActorRef<any>, waveId: number, timeoutMs = 3000): Promise<WaveReport> => ref.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId, replyTo }), { timeoutMs });

describe('actors/mesh: the wave cascade', () => {
  it('reaches every agent and gathers every ACK at the orchestrator, with per-level latencies', async () => {
    const system = testMesh({ conflictRate: 0 });
    const tree = spawnTree(system, SMALL);
    assert.equal(tree.actors, 19);
    const report = await wave(tree.root, 1);
    assert.equal(report.from, '/user/orchestrator');
    assert.deepEqual(report.counts, { ready: 12, transit: 0, conflict: 0 });
    assert.equal(report.missing, 0);
    const latencies = report.latencies!;
    assert.equal(latencies['agent']!.count, 12);
    assert.equal(latencies['cluster-lead']!.count, 4);
    assert.equal(latencies['sector-coordinator']!.count, 2);
    assert.equal(latencies['orchestrator']!.count, 1);
    assert.ok(latencies['agent']!.min >= 0 && latencies['agent']!.max <= 20, `agent delays ${latencies['agent']!.min}..${latencies['agent']!.max} within the cap`);
    // Every agent drew its sample into its profiler.
    for (let s = 0; s < 2; s++)
      for (let c = 0; c < 2; c++)
        for (let a = 0; a < 3; a++) {
          const ref = system.lookup(`/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`)!;
          const sim = agentSimOf(ref);
          assert.ok(sim !== undefined, `agent ${s}/${c}/${a} got the wave`);
          assert.equal(sim.profiler.samples().length, 1);
          assert.equal(sim.cls, agentClassOf(ref.path, 0));
        }
    // A second wave is gathered separately.
    const second = await wave(tree.root, 2);
    assert.equal(second.waveId, 2);
    assert.equal(second.counts.ready, 12);
  });

  it('counts CONFLICT acks (conflictRate 1) and a cluster lead answers for its agents only', async () => {
    const system = testMesh({ conflictRate: 1 });
    spawnTree(system, SMALL);
    const lead = system.lookup('/user/orchestrator/sector-1/cluster-0')!;
    const report = await wave(lead, 7);
    assert.deepEqual(report.counts, { ready: 0, transit: 0, conflict: 3 });
    assert.deepEqual(Object.keys(report.latencies!).sort(), ['agent', 'cluster-lead']);
  });

  it('closes the arrival window and counts the agents that did not answer in it as missing', async () => {
    // Real time (speedup 1): every agent needs >= 15 ms to answer; the window closes after 5 ms.
    const system = testMesh({ conflictRate: 0, speedup: 1, maxReplyMs: 300, gatherTimeoutMs: 5 });
    spawnTree(system, SMALL);
    const lead = system.lookup('/user/orchestrator/sector-0/cluster-1')!;
    const report = await wave(lead, 3);
    assert.deepEqual(report.counts, { ready: 0, transit: 0, conflict: 0 });
    assert.equal(report.missing, 3);
    // A stopped (transient) agent is no longer a child: the next wave expects two.
    configureMesh(system, { conflictRate: 0, maxReplyMs: 5, gatherTimeoutMs: 1000 });
    system.lookup('/user/orchestrator/sector-0/cluster-1/agent-2')!.tell({ type: 'stop' } as never);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await wave(lead, 4);
    assert.deepEqual(after.counts, { ready: 2, transit: 0, conflict: 0 });
    assert.equal(after.missing, 0);
  });

  it('still answers ping after waves (compatibility)', async () => {
    const system = testMesh();
    spawnTree(system, SMALL);
    const agent = system.lookup('/user/orchestrator/sector-0/cluster-0/agent-0')!;
    await wave(system.lookup('/user/orchestrator')!, 1);
    const pong = await agent.ask<Pong>((replyTo) => ({ type: 'ping', replyTo }) as never, { timeoutMs: 1000 });
    assert.equal(pong.from, agent.path);
  });
});

describe('actors/mesh: impedance class assignment', () => {
  it('is deterministic per seed and follows the document allocation over 30,000 agents', () => {
    const counts = Object.fromEntries(IMPEDANCE_CLASSES.map((c) => [c, 0])) as Record<string, number>;
    for (let s = 0; s < 100; s++)
      for (let c = 0; c < 10; c++)
        for (let a = 0; a < 30; a++) counts[agentClassOf(`/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`, 42)]!++;
    for (const cls of IMPEDANCE_CLASSES) {
      const want = DEFAULT_CLASS_PROFILES[cls].countAllocation;
      assert.ok(Math.abs(counts[cls]! - want) < want * 0.1, `${cls}: ${counts[cls]} vs ${want}`);
    }
    assert.equal(agentClassOf('/user/x/agent-1', 1), agentClassOf('/user/x/agent-1', 1));
    const differs = Array.from({ length: 50 }, (_, i) => agentClassOf(`/a/agent-${i}`, 1) !== agentClassOf(`/a/agent-${i}`, 2)).some(Boolean);
    assert.ok(differs, 'another seed gives another assignment');
  });
});
