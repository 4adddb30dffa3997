import assert from 'node:assert/strict';
import { ClusterNode, ClusterPlacement } from '../../src/index.js';
import type { ActorSystem, RuntimeEvent } from '../../src/index.js';
import { NatsTransport } from '../../src/transport/nats-transport.js';
import { configureHeartbeats, configureMesh, registerMeshTypes } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { spawnTree } from '../../supervisors/config/index.js';
import { eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';
import { smallMeshConfig } from '../support/mesh.js';
import { natsServerForFile } from '../support/nats-server-for-file.js';

/**
 * Losing the NATS server mid-run (issue 5): the nodes keep running on their own, what they
 * could not send meanwhile is reported as dead letters, nobody is declared dead (each node
 * knows it is the one cut off), no sector moves, and once the server is back the mesh's waves
 * reach every agent again.
 */
const nats = natsServerForFile();
const SIZE = { sectors: 6, clusters: 2, agents: 3 };
const AGENTS = SIZE.sectors * SIZE.clusters * SIZE.agents;
const NODES = ['n1', 'n2', 'n3'];

afterEach(terminateAll);

describe('cluster: a NATS server restart mid-run', function () {
  this.timeout(60_000);

  it('nodes keep running, report what they could not send, move nothing, and the mesh is whole again after the restart', async () => {
    const systems: { system: ActorSystem; node: ClusterNode; events: RuntimeEvent[]; placement?: ClusterPlacement }[] = [];
    for (const id of NODES) {
      const system = quietSystem({ name: 'outage', node: id });
      const events = recordEvents(system);
      registerMeshTypes(system);
      configureMesh(system, { speedup: 1000, maxReplyMs: 20, conflictRate: 0, seed: 11, gatherTimeoutMs: 300 });
      configureHeartbeats(system, { enabled: false });
      const node = await ClusterNode.start(system, { transport: new NatsTransport({ servers: nats().url, connection: { reconnectTimeWait: 100, reconnectJitter: 0 } }), heartbeatMs: 100, missedHeartbeats: 3 });
      systems.push({ system, node, events });
    }
    await eventually(() => systems.every((s) => s.node.upNodes().length === 3), 'all three nodes up', 5000);
    for (const s of systems) {
      s.placement = await ClusterPlacement.start(s.node, { units: Array.from({ length: SIZE.sectors }, (_, i) => `sector-${i}`), rootName: 'orchestrator', rootNode: 'n1', nodes: NODES, runId: 'outage-test' });
      s.placement.bind(spawnTree(s.system, smallMeshConfig({ size: SIZE }), { placement: s.placement }).root);
    }
    const n1 = systems[0]!;
    const root = n1.system.lookup('/user/orchestrator')!;
    let waveId = 0;
    const wave = (): Promise<WaveReport> => root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: ++waveId, replyTo }), { timeoutMs: 10_000 });
    const reached = (r: WaveReport): number => r.counts.ready + r.counts.transit + r.counts.conflict;
    assert.equal(reached(await wave()), AGENTS);

    await nats().halt();
    await eventually(() => systems.every((s) => !s.node.transport.connected), 'every node saw the server go', 5000);
    // Cut off: the wave answers (n1's own sectors) and the frames for n2 and n3 are dead letters.
    const during = await wave();
    assert.equal(reached(during), AGENTS / 3, `only n1's agents answered: ${JSON.stringify(during.counts)}`);
    assert.ok(n1.events.some((e) => e.type === 'dead-letter' && (e as { reason?: string }).reason === 'transport-disconnected'), 'what n1 could not send is a dead letter');
    await new Promise((resolve) => setTimeout(resolve, 500)); // well past 3 missed heartbeats
    assert.ok(!systems.some((s) => s.events.some((e) => e.type === 'node-down')), 'a node cut off from the server declares nobody dead');

    await nats().resume();
    await eventually(() => systems.every((s) => s.node.transport.connected), 'every node reconnected', 10_000);
    await eventually(() => systems.every((s) => s.node.upNodes().length === 3), 'all three nodes up again', 5000);
    let after = await wave();
    for (let i = 0; i < 5 && reached(after) < AGENTS; i++) after = await wave();
    assert.equal(reached(after), AGENTS);
    assert.ok(!systems.some((s) => s.events.some((e) => e.type === 'placement-claimed')), 'no sector moved');
    assert.deepEqual(n1.placement!.assignment(), { n1: ['sector-0', 'sector-3'], n2: ['sector-1', 'sector-4'], n3: ['sector-2', 'sector-5'] });
  });
});
