import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { CONFLICT_QUARANTINE_REASON, agentSimOf, conflictDetailOf, configureConflicts, configureHeartbeats, meshQuarantine } from '../../actors/mesh-types.js';
import type { ConflictSummary, GlobalImpedance, NoCapableAgent, Refused, TaskDone, WaveReport } from '../../actors/mesh-types.js';
import { MeshConsole } from '../../actors/mesh/console.js';
import { CONFLICT_TYPES, classifyConflictPriority, escalationTargets, suggestResolution } from '../../actors/protocol/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeConfig, TreeHandle } from '../../supervisors/config/index.js';
import { QuarantineStore } from '../../supervisors/quarantine.js';
import { eventually, recordEvents, settle, sleep, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const ORCH = '/user/orchestrator';
const clusterPath = (s: number, c: number) => `${ORCH}/sector-${s}/cluster-${c}`;
const agentPath = (s: number, c: number, a: number) => `${clusterPath(s, c)}/agent-${a}`;
const AGENTS = [0, 1].flatMap((s) => [0, 1].flatMap((c) => [0, 1, 2].map((a) => agentPath(s, c, a))));

function mesh(conflictRate: number, config: TreeConfig = smallMeshConfig()): { system: ActorSystem; tree: TreeHandle; store: QuarantineStore } {
  const system = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate });
  configureHeartbeats(system, { enabled: false });
  const store = new QuarantineStore(system);
  configureConflicts(system, { quarantine: store });
  return { system, tree: spawnTree(system, config), store };
}

const ask = <R>(ref: ActorRef<any>, build: (replyTo: ActorRef<R>) => unknown): Promise<R> => ref.ask<R>(build as (replyTo: ActorRef<R>) => never, { timeoutMs: 3000 });
const wave = (ref: ActorRef<any>, waveId: number) => ask<WaveReport>(ref, (replyTo) => ({ type: 'wave', waveId, replyTo }));
const conflicts = (ref: ActorRef<any>) => ask<ConflictSummary>(ref, (replyTo) => ({ type: 'conflicts', replyTo }));

/** A wave id whose 12 conflicts (seed 0) have priorities below 3, exactly 3, and 4. */
function mixedWaveId(): number {
  for (let id = 1; ; id++) {
    const ps = AGENTS.map((p) => classifyConflictPriority(conflictDetailOf(p, id, 0)));
    if (ps.some((p) => p < 3) && ps.includes(3) && ps.includes(4)) return id;
  }
}

const conflictEvents = (events: RuntimeEvent[]) => events.filter((e) => e.type === 'mesh-conflict') as unknown as Array<{ path: string; cluster: string; waveId: number; conflictType: string; priority: number; resolution: string; escalateTo: readonly string[] }>;

describe('actors/mesh/conflict-desk: CONFLICT acks are logged, escalated and quarantined (5.1)', () => {
  it('conflictDetailOf is deterministic and always gives a valid type and priority', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.integer(), (path, waveId, seed) => {
        const a = conflictDetailOf(path, waveId, seed);
        assert.deepEqual(conflictDetailOf(path, waveId, seed), a);
        assert.ok((CONFLICT_TYPES as readonly string[]).includes(a.type));
        const p = classifyConflictPriority(a);
        assert.ok(p >= 0 && p <= 4);
      }),
    );
    // Both sides of 5.1's thresholds occur.
    const details = Array.from({ length: 600 }, (_, i) => conflictDetailOf('/a', i, 0));
    const priorities = new Set(details.map(classifyConflictPriority));
    assert.deepEqual([...priorities].sort(), [1, 2, 3, 4]);
  });

  it('logs each conflict with its type, priority and resolution, and publishes mesh-conflict', async () => {
    const { system, tree } = mesh(1);
    const events = recordEvents(system);
    const waveId = mixedWaveId();
    const report = await wave(tree.root, waveId);
    assert.equal(report.counts.conflict, 12);
    const published = conflictEvents(events);
    assert.deepEqual(published.map((e) => e.path).sort(), [...AGENTS].sort());
    for (const e of published) {
      const detail = conflictDetailOf(e.path, waveId, 0);
      const priority = classifyConflictPriority(detail);
      assert.equal(e.conflictType, detail.type);
      assert.equal(e.priority, priority);
      assert.equal(e.resolution, suggestResolution(detail.type).method);
      assert.deepEqual(e.escalateTo, escalationTargets(priority));
      assert.equal(e.cluster, e.path.slice(0, e.path.lastIndexOf('/')));
      assert.equal(e.waveId, waveId);
    }
    // The cluster lead's own log, summarized.
    const lead = await conflicts(system.lookup(clusterPath(1, 0))!);
    assert.equal(lead.total, 3);
    assert.equal(lead.clusters, 1);
    assert.deepEqual(lead.openQuarantines, [0, 1, 2].map((a) => agentPath(1, 0, a)));
  });

  it('escalates by priority to the sector and the orchestrator, who count them; the orchestrator summarizes every log', async () => {
    const { tree, system } = mesh(1);
    const waveId = mixedWaveId();
    await wave(tree.root, waveId);
    const priorities = AGENTS.map((p) => classifyConflictPriority(conflictDetailOf(p, waveId, 0)));
    const types = AGENTS.map((p) => conflictDetailOf(p, waveId, 0).type);
    const summary = await conflicts(tree.root);
    assert.equal(summary.type, 'conflict-summary');
    assert.equal(summary.from, ORCH);
    assert.equal(summary.total, 12);
    assert.equal(summary.clusters, 4);
    for (const t of CONFLICT_TYPES) assert.equal(summary.byType[t], types.filter((x) => x === t).length, t);
    for (const p of [0, 1, 2, 3, 4] as const) assert.equal(summary.byPriority[`${p}`], priorities.filter((x) => x === p).length, `priority ${p}`);
    assert.deepEqual(summary.escalations, { toSector: priorities.filter((p) => p >= 3).length, toOrchestrator: priorities.filter((p) => p >= 4).length });
    assert.ok(summary.escalations.toOrchestrator > 0 && summary.escalations.toSector > summary.escalations.toOrchestrator);
    assert.deepEqual(summary.openQuarantines, [...AGENTS].sort());
    // A sector summarizes its own clusters and its own escalations.
    const sector = await conflicts(system.lookup(`${ORCH}/sector-1`)!);
    assert.equal(sector.total, 6);
    assert.equal(sector.escalations.toSector, priorities.filter((p, i) => p >= 3 && AGENTS[i]!.startsWith(`${ORCH}/sector-1/`)).length);
    assert.equal(sector.escalations.toOrchestrator, 0);
  });

  it('holds tasks for a conflicting agent until it is healed, then replays them', async () => {
    const { system, tree, store } = mesh(1);
    const events = recordEvents(system);
    await wave(system.lookup(clusterPath(0, 1))!, 3);
    const target = agentPath(0, 1, 2);
    const entry = store.get(target)!;
    assert.ok(entry.reason.startsWith(CONFLICT_QUARANTINE_REASON), entry.reason);
    assert.ok(events.some((e) => e.type === 'actor-quarantined' && e.path === target));
    // A task delivered down the tree waits in the quarantine: no answer.
    const got: { answer?: TaskDone | Refused } = {};
    void tree.root.ask<TaskDone | Refused>((replyTo) => ({ type: 'deliver', target, message: { type: 'task', task: 'held', replyTo } }), { timeoutMs: 3000 }).then((a) => (got.answer = a));
    await eventually(() => entry.messages.length === 1, 'the task to be held');
    await sleep(20);
    assert.ok(got.answer === undefined, 'no answer while held');
    assert.ok(events.some((e) => e.type === 'mesh-task-held' && e.path === target));
    // An agent of another cluster is not affected.
    const other = await ask<TaskDone | Refused>(tree.root, (replyTo) => ({ type: 'deliver', target: agentPath(1, 1, 0), message: { type: 'task', task: 'free', replyTo } }));
    assert.equal(other.type, 'task-done');
    // The console's heal replays the held task to the agent, which answers the original asker.
    const healed = new MeshConsole(system, tree, { quarantine: store }).heal(clusterPath(0, 1));
    assert.equal(healed.replayed, 1);
    await eventually(() => got.answer !== undefined, 'the replayed task to be answered');
    const replayed = got.answer as unknown as TaskDone; // narrowed to undefined by the check above
    assert.equal(replayed.type, 'task-done');
    assert.equal(replayed.from, target);
    // Healed: the next task passes.
    assert.equal((await ask<TaskDone | Refused>(tree.root, (replyTo) => ({ type: 'deliver', target, message: { type: 'task', task: 'after', replyTo } }))).type, 'task-done');
  });

  it('routing skips quarantined agents (they show as quarantined in the heartbeats)', async () => {
    const config = structuredClone(smallMeshConfig()) as unknown as { root: { children: Array<{ children: Array<{ children: Array<Record<string, unknown>> }> }> } };
    config.root.children[0]!.children[0]!.children[0]!['props'] = { capabilities: ['x'] };
    const { system, tree } = mesh(1, config as unknown as TreeConfig);
    await ask(tree.root, (replyTo) => ({ type: 'wave', waveId: 1, register: true, replyTo }));
    // The best agents are in sector-0/cluster-0, and they all conflict.
    for (const p of AGENTS) agentSimOf(system.lookup(p)!)!.profiler.record({ latencyMs: p.startsWith(clusterPath(0, 0)) ? 1 : 10 + AGENTS.indexOf(p), processingMs: 0, at: Date.now(), ok: true });
    await wave(system.lookup(clusterPath(0, 0))!, 2);
    const map = (await ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'heartbeat-now', replyTo }))).map!;
    assert.equal(map.activeAgents, 9);
    const done = await ask<TaskDone | NoCapableAgent>(tree.root, (replyTo) => ({ type: 'route', capability: 'x', task: 't', replyTo }));
    assert.equal((done as TaskDone).from, agentPath(0, 1, 0));
  });

  it('waves without conflicts log nothing and quarantine nobody', async () => {
    const system = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate: 0 });
    configureHeartbeats(system, { enabled: false });
    const tree = spawnTree(system, smallMeshConfig());
    const events = recordEvents(system);
    for (let id = 1; id <= 3; id++) assert.equal((await wave(tree.root, id)).counts.ready, 12);
    await settle();
    assert.deepEqual(
      events.filter((e) => e.type === 'mesh-conflict' || e.type === 'actor-quarantined'),
      [],
    );
    const summary = await conflicts(tree.root);
    assert.equal(summary.total, 0);
    assert.equal(summary.clusters, 4);
    assert.deepEqual(summary.openQuarantines, []);
    assert.equal(meshQuarantine(system).entries().length, 0);
  });
});
