import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem } from '../../src/index.js';
import { DEFAULT_CAPABILITIES, HEARTBEAT_DEFAULTS, agentClassOf, agentSimOf, configureHeartbeats, heartbeatSettings } from '../../actors/mesh-types.js';
import type { AgentImpedances, GlobalImpedance, ImpedanceView, MeshSettings, SectorImpedance } from '../../actors/mesh-types.js';
import { IMPEDANCE_CLASSES } from '../../actors/impedance/index.js';
import { ClusterHeartbeats } from '../../actors/mesh/heartbeat.js';
import type { ActorContext } from '../../src/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeHandle } from '../../supervisors/config/index.js';
import { eventually, recordEvents, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const ORCH = '/user/orchestrator';
const S0 = `${ORCH}/sector-0`;
const clusterPath = (s: number, c: number) => `${ORCH}/sector-${s}/cluster-${c}`;
const agentPath = (s: number, c: number, a: number) => `${clusterPath(s, c)}/agent-${a}`;
const AGENTS = [0, 1].flatMap((s) => [0, 1].flatMap((c) => [0, 1, 2].map((a) => agentPath(s, c, a))));

/** A small mesh whose cluster leads do not beat on their own (unless `heartbeats` says so). */
function mesh(heartbeats: { enabled?: boolean; intervalMs?: number } = { enabled: false }, settings: Partial<MeshSettings> = {}): { system: ActorSystem; tree: TreeHandle } {
  const system = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate: 0, ...settings });
  configureHeartbeats(system, heartbeats);
  return { system, tree: spawnTree(system, smallMeshConfig()) };
}

const ask = <R>(ref: ActorRef<any>, build: (replyTo: ActorRef<R>) => unknown): Promise<R> => ref.ask<R>(build as (replyTo: ActorRef<R>) => never, { timeoutMs: 3000 });
const beatNow = (tree: TreeHandle) => ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'heartbeat-now', replyTo }));
const lookup = (system: ActorSystem, path: string) => system.lookup(path)!;
const anomalies = (events: ReturnType<typeof recordEvents>) =>
  events
    .filter((e) => e.type === 'impedance-anomaly')
    .map((e) => {
      const { level, path, flag, on } = e as unknown as { level: string; path: string; flag: string; on: boolean };
      return { level, path, flag, on };
    });

describe('actors/mesh/heartbeat: heartbeats up the mesh (4.1-4.3)', () => {
  it('configureHeartbeats: defaults, per system, and bad settings named', () => {
    const { system } = mesh({});
    assert.deepEqual(heartbeatSettings(system), HEARTBEAT_DEFAULTS);
    assert.deepEqual(HEARTBEAT_DEFAULTS, { enabled: true, intervalMs: 5000 });
    assert.deepEqual(configureHeartbeats(system, { intervalMs: 250 }), { enabled: true, intervalMs: 250 });
    assert.throws(() => configureHeartbeats(system, { intervalMs: 0 }), /settings\.intervalMs must be a finite number of ms > 0 \(got 0\)/);
    assert.throws(() => configureHeartbeats(system, { enabled: 'yes' as never }), /settings\.enabled must be a boolean \(got yes\)/);
    assert.throws(() => configureHeartbeats(system, null as never), /settings must be an object/);
  });

  it('heartbeat-now: every agent reaches the orchestrator map with the right counts, classes and capabilities', async () => {
    const { system, tree } = mesh();
    const answer = await beatNow(tree);
    assert.equal(answer.type, 'global-impedance-map');
    const map = answer.map!;
    assert.equal(map.sectorCount, 2);
    assert.equal(map.clusterCount, 4);
    assert.equal(map.totalAgents, 12);
    assert.equal(map.activeAgents, 12);
    assert.equal(map.sectorsHealthy, 2);
    const expected = Object.fromEntries(IMPEDANCE_CLASSES.map((c) => [c, AGENTS.filter((p) => agentClassOf(p, 0) === c).length]));
    assert.deepEqual(map.classCounts, expected);
    for (const cls of IMPEDANCE_CLASSES) for (const cap of DEFAULT_CAPABILITIES[cls]) assert.equal(map.capabilities[cap]?.agents ?? 0, expected[cls], `${cap} offered by the ${cls} agents`);
    assert.deepEqual(
      map.sectors.map((s) => [s.sectorId, s.totalAgents, s.clusters.map((c) => c.clusterId)]),
      [
        [S0, 6, [clusterPath(0, 0), clusterPath(0, 1)]],
        [`${ORCH}/sector-1`, 6, [clusterPath(1, 0), clusterPath(1, 1)]],
      ],
    );
    // The heartbeat made each agent's simulation, ids are paths, capabilities by class.
    const lead = await ask<AgentImpedances>(lookup(system, clusterPath(1, 0)), (replyTo) => ({ type: 'impedances', replyTo }));
    assert.equal(lead.from, clusterPath(1, 0));
    assert.equal(lead.frozen, false);
    assert.deepEqual(lead.agents.map((a) => a.agentId).sort(), [0, 1, 2].map((a) => agentPath(1, 0, a)));
    for (const a of lead.agents) {
      assert.equal(a.clusterId, clusterPath(1, 0));
      assert.equal(a.sectorId, `${ORCH}/sector-1`);
      assert.deepEqual(a.capabilities, DEFAULT_CAPABILITIES[a.declaredClass]);
      assert.ok(agentSimOf(lookup(system, a.agentId)) !== undefined);
    }
    // Each level answers impedance-map with what it keeps.
    const sector = await ask<SectorImpedance>(lookup(system, S0), (replyTo) => ({ type: 'impedance-map', replyTo }));
    assert.equal(sector.type, 'sector-impedance');
    assert.equal(sector.aggregate!.totalAgents, 6);
    const again = await ask<ImpedanceView>(tree.root, (replyTo) => ({ type: 'impedance-map', replyTo }));
    assert.equal(again.type === 'global-impedance-map' && again.map!.totalAgents, 12);
  });

  it('cluster leads beat on their own every intervalMs (no heartbeat-now needed)', async () => {
    const { tree } = mesh({ enabled: true, intervalMs: 20 });
    let map: GlobalImpedance['map'] = null;
    await eventually(() => {
      void ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'impedance-map', replyTo })).then((a) => (map = a.map));
      return map !== null && map.totalAgents === 12 && map.sectorCount === 2;
    }, 'the orchestrator map to show 12 agents from periodic beats');
    const first = map!.at;
    await eventually(() => {
      void ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'impedance-map', replyTo })).then((a) => (map = a.map));
      return map!.at > first;
    }, 'a later beat to update the map');
  });

  it('an agent that stops is counted offline, and its sector turns unhealthy (an impedance-anomaly event)', async () => {
    const { system, tree } = mesh();
    const events = recordEvents(system);
    await beatNow(tree);
    const victim = agentPath(0, 1, 2);
    lookup(system, victim).tell({ type: 'stop' });
    await eventually(() => system.lookup(victim) === undefined, 'the agent to stop');
    const map = (await beatNow(tree)).map!;
    assert.equal(map.totalAgents, 12);
    assert.equal(map.activeAgents, 11);
    assert.equal(map.sectorsHealthy, 1);
    const lead = await ask<AgentImpedances>(lookup(system, clusterPath(0, 1)), (replyTo) => ({ type: 'impedances', replyTo }));
    assert.equal(lead.agents.find((a) => a.agentId === victim)!.operationalState, 'offline');
    assert.deepEqual(anomalies(events), [{ level: 'sector', path: S0, flag: 'unhealthy', on: true }]);
  });

  it('agent and cluster anomaly flags that turn on and off are impedance-anomaly events', async () => {
    const { system, tree } = mesh();
    await ask(tree.root, (replyTo) => ({ type: 'wave', waveId: 1, register: true, replyTo })); // makes every agent's profiler
    const slow = [agentPath(1, 1, 0), agentPath(1, 1, 1)];
    for (const path of AGENTS) agentSimOf(lookup(system, path))!.profiler.record({ latencyMs: 5, processingMs: 10, at: Date.now(), ok: true });
    // Two steady beats: the historical scores settle on the current ones (no spike).
    await beatNow(tree);
    await beatNow(tree);
    const events = recordEvents(system);
    // A huge backlog: score capped at 1000 > 800, degraded (and a spike against the history).
    for (const path of slow) agentSimOf(lookup(system, path))!.profiler.setQueueDepth(10_000);
    await beatNow(tree);
    const on = anomalies(events).filter((e) => e.on);
    for (const path of slow) assert.ok(on.some((e) => e.level === 'agent' && e.path === path && e.flag === 'degraded'), `${path} degraded on`);
    assert.ok(on.some((e) => e.level === 'cluster' && e.path === clusterPath(1, 1) && e.flag === 'degraded'), 'the cluster with two degraded agents is degraded');
    assert.ok(on.every((e) => slow.includes(e.path) || e.path === clusterPath(1, 1)), `nothing else turned on: ${JSON.stringify(on)}`);
    events.length = 0;
    for (const path of slow) agentSimOf(lookup(system, path))!.profiler.setQueueDepth(0);
    await beatNow(tree);
    const off = anomalies(events);
    for (const path of slow) assert.ok(off.some((e) => e.level === 'agent' && e.path === path && e.flag === 'degraded' && !e.on), `${path} degraded off`);
    assert.ok(off.some((e) => e.level === 'cluster' && e.path === clusterPath(1, 1) && e.flag === 'degraded' && !e.on), 'cluster degraded off');
    assert.ok(off.every((e) => !e.on), 'only flags turning off');
  });

  it('monitoring yields to work: a lead skips ticks soon after a wave, at most three in a row', () => {
    const { system } = mesh({ enabled: true, intervalMs: 60_000 });
    const sent: string[] = [];
    const ref = { path: '/x', tell: (m: { type: string }) => sent.push(m.type) } as unknown as ActorRef<unknown>;
    const timers = { startSingleTimer() {}, startPeriodicTimer() {}, cancel() {}, isTimerActive: () => false, cancelAll() {} };
    const ctx = { system, path: '/x/cluster', self: ref, parent: ref, children: [ref], timers } as unknown as ActorContext<unknown>;
    const beats = () => sent.filter((t) => t === 'heartbeat').length;
    const idle = new ClusterHeartbeats(() => false, () => false);
    for (let i = 0; i < 3; i++) idle.tick(ctx);
    assert.equal(beats(), 3, 'no wave: every tick beats');
    sent.length = 0;
    const busy = new ClusterHeartbeats(() => false, () => false);
    busy.waveSeen();
    const counts = [];
    for (let i = 0; i < 8; i++) {
      busy.tick(ctx);
      counts.push(beats());
    }
    assert.deepEqual(counts, [0, 0, 0, 1, 1, 1, 1, 2], 'three skipped, the fourth beats, and again');
  });
});
