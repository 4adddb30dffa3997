import assert from 'node:assert/strict';
import { ClusterNode, ClusterPlacement, MemoryHub, MemoryTransport } from '../../src/index.js';
import type { ActorSystem, RuntimeEvent } from '../../src/index.js';
import { configureHeartbeats, configureMesh, registerMeshTypes } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { spawnTree } from '../../supervisors/config/index.js';
import { eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';
import { smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const SIZE = { sectors: 6, clusters: 2, agents: 3 }; // 36 agents
const AGENTS = SIZE.sectors * SIZE.clusters * SIZE.agents;
const UNITS = Array.from({ length: SIZE.sectors }, (_, i) => `sector-${i}`);
const NODES = ['n1', 'n2', 'n3'];

interface MeshNode {
  system: ActorSystem;
  node: ClusterNode;
  placement: ClusterPlacement;
  events: RuntimeEvent[];
}

/** Three nodes in one process on a private hub, the small mesh spread over them (root on n1). */
async function meshCluster(hub = new MemoryHub()): Promise<{ hub: MemoryHub; nodes: MeshNode[] }> {
  const nodes: MeshNode[] = [];
  for (const id of NODES) {
    const system = quietSystem({ name: 'mesh', node: id });
    const events = recordEvents(system);
    registerMeshTypes(system);
    configureMesh(system, { speedup: 1000, maxReplyMs: 20, conflictRate: 0, seed: 7, gatherTimeoutMs: 400 });
    configureHeartbeats(system, { enabled: false });
    const node = await ClusterNode.start(system, { transport: new MemoryTransport(hub), heartbeatMs: 40, missedHeartbeats: 3 });
    nodes.push({ system, node, events, placement: undefined as unknown as ClusterPlacement });
  }
  await eventually(() => nodes.every((n) => n.node.upNodes().length === 3), 'every node sees the other two');
  for (const n of nodes) {
    n.placement = await ClusterPlacement.start(n.node, { units: UNITS, rootName: 'orchestrator', rootNode: 'n1', nodes: NODES, claimGraceMs: 100 });
    const tree = spawnTree(n.system, smallMeshConfig({ size: SIZE }), { placement: n.placement });
    n.placement.bind(tree.root);
  }
  return { hub, nodes };
}

const wave = (system: ActorSystem, waveId: number): Promise<WaveReport> =>
  system.lookup('/user/orchestrator')!.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId, replyTo }), { timeoutMs: 5000 });

describe('cluster placement: a tree spread over nodes', () => {
  it('spreads the units round-robin, spawns each on its node only, and a wave from the root reaches every agent', async () => {
    const { nodes } = await meshCluster();
    const [n1, n2, n3] = nodes;
    assert.deepEqual(n1!.placement.assignment(), { n1: ['sector-0', 'sector-3'], n2: ['sector-1', 'sector-4'], n3: ['sector-2', 'sector-5'] });
    assert.ok(n2!.system.lookup('/user/orchestrator/sector-1') !== undefined);
    assert.equal(n2!.system.lookup('/user/orchestrator/sector-0'), undefined, 'sector-0 runs on n1 only');
    assert.equal(n1!.system.inspect('/user/orchestrator')?.childCount, 2, 'n1 hosts two sectors itself');
    assert.equal(n3!.placement.rootHere, false, 'n3 runs a stand-in at the root path');
    assert.equal(n1!.placement.rootHere, true);
    const report = await wave(n1!.system, 1);
    assert.equal(report.counts.ready + report.counts.conflict, AGENTS, JSON.stringify(report.counts));
    assert.equal(report.missing, 0);
  });

  it('a node that goes silent: each of its units is claimed by exactly one survivor, and the next wave reaches every agent again', async () => {
    const { hub, nodes } = await meshCluster();
    const [n1, n2, n3] = nodes;
    hub.disconnect('mesh', 'n3');
    await eventually(() => n1!.placement.ownerOf('sector-2') !== 'n3' && n1!.placement.ownerOf('sector-5') !== 'n3', 'n3\'s sectors moved', 3000);
    const claims = [...n1!.events, ...n2!.events].filter((e) => e.type === 'placement-claimed');
    assert.deepEqual(claims.map((e) => (e as { unit?: string }).unit).sort(), ['sector-2', 'sector-5'], 'each orphan claimed once');
    for (const unit of ['sector-2', 'sector-5']) {
      const owner = n1!.placement.ownerOf(unit)!;
      assert.ok(owner === 'n1' || owner === 'n2', `${unit} on ${owner}`);
      assert.equal(n2!.placement.ownerOf(unit), owner, 'both survivors agree');
      const host = nodes.find((n) => n.node.nodeId === owner)!;
      await eventually(() => host.system.lookup(`/user/orchestrator/${unit}`) !== undefined, `${unit} spawned on ${owner}`);
    }
    const report = await wave(n1!.system, 2);
    assert.equal(report.counts.ready + report.counts.conflict, AGENTS, JSON.stringify(report));
    // n3 still runs its old copies while cut off; when it is back it finds they are no longer its own.
    assert.ok(n3!.system.lookup('/user/orchestrator/sector-2') !== undefined);
  });

  it('a node that comes back after its units moved retires its stale copies', async () => {
    const { hub, nodes } = await meshCluster();
    const [n1, , n3] = nodes;
    hub.disconnect('mesh', 'n3');
    await eventually(() => n1!.placement.ownerOf('sector-2') !== 'n3' && n1!.placement.ownerOf('sector-5') !== 'n3', 'n3\'s sectors moved', 3000);
    hub.reconnect('mesh', 'n3');
    await eventually(() => n3!.placement.ownerOf('sector-2') !== 'n3', 'n3 learned that its sectors moved', 3000);
    await eventually(() => n3!.system.lookup('/user/orchestrator/sector-2') === undefined && n3!.system.lookup('/user/orchestrator/sector-5') === undefined, 'n3 retired its copies', 3000);
    const report = await wave(n1!.system, 3);
    assert.equal(report.counts.ready + report.counts.conflict, AGENTS);
  });

  it("the root's node goes silent: one survivor takes the root over and a wave from it reaches every agent", async () => {
    const { hub, nodes } = await meshCluster();
    const [, n2, n3] = nodes;
    hub.disconnect('mesh', 'n1');
    await eventually(() => n2!.placement.rootNode !== 'n1' && n3!.placement.rootNode !== 'n1', 'the root moved', 3000);
    const owner = n2!.placement.rootNode;
    assert.equal(n3!.placement.rootNode, owner, 'both survivors agree on the new root');
    const claims = [...n2!.events, ...n3!.events].filter((e) => e.type === 'placement-claimed' && (e as { unit?: string }).unit === '_root');
    assert.equal(claims.length, 1, 'the root was claimed once');
    await eventually(() => ['sector-0', 'sector-3'].every((u) => n2!.placement.ownerOf(u) !== 'n1' && n3!.placement.ownerOf(u) !== 'n1'), "n1's sectors moved", 3000);
    const host = nodes.find((n) => n.node.nodeId === owner)!;
    let report = await wave(host.system, 10);
    for (let id = 11; report.counts.ready + report.counts.conflict < AGENTS && id < 15; id++) report = await wave(host.system, id);
    assert.equal(report.counts.ready + report.counts.conflict, AGENTS, JSON.stringify(report.counts));
    // The other survivor's stand-in now sends on to the new root.
    const other = nodes.find((n) => n.node.nodeId !== owner && n.node.nodeId !== 'n1')!;
    assert.equal(String(other.placement.rootRef()), `am://mesh@${owner}/user/orchestrator`);
  });
});
