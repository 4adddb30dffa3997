import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompactWorld, CompactWorldBuilder, Reachability, WorldBuilder, WorldConfigError } from '../../src/index.js';
import type { EdgeOptions, JsonValue, ReachDiff, WorldTopology } from '../../src/index.js';
import { generateEstate } from '../../examples/lazy-world/estate.js';
import { Explorer } from '../../examples/lazy-world/explore.js';
import { NAMES, problemsOf, reachOps, smallWorld } from './support.js';


/** A builder call, replayed on both builders. */
type Call = { entity: [string, string, JsonValue?] } | { edge: [string, string, EdgeOptions?] };

function replay<B extends { addEntity(id: string, kind: string, state?: JsonValue): unknown; addEdge(from: string, to: string, options?: EdgeOptions): unknown }>(builder: B, calls: readonly Call[]): B {
  for (const call of calls) {
    if ('entity' in call) builder.addEntity(...call.entity);
    else builder.addEdge(...call.edge);
  }
  return builder;
}

/** Everything observable of a world's topology and states: entities in order, out-edges in order. */
function dump(world: WorldTopology): unknown[] {
  return [...world.entityIds()].map((id) => {
    const edges: string[] = [];
    world.forEachOutEdge(id, (_handle, attributes, target) => edges.push(`${target}/${attributes.distance}/${attributes.requires.join('+')}`));
    return [id, world.kindOf(id), world.stateOf(id), edges];
  });
}

function snapshot(reach: Reachability): Map<string, number> {
  return new Map([...reach.entities()].map((id) => [id, reach.distanceTo(id)!]));
}

const sorted = (diff: ReachDiff): { entered: string[]; left: string[] } => ({ entered: [...diff.entered].sort(), left: [...diff.left].sort() });

describe('world: CompactWorld (typed-array store)', () => {
  it('validates like WorldBuilder: same paths, kinds and messages, in document order', () => {
    const calls: Call[] = [
      { edge: ['a', 'ghost'] },
      { entity: ['a', 'host'] },
      { entity: ['b', 'host', { up: true }] },
      { entity: ['a', 'service'] },
      { entity: ['', 'host'] },
      { entity: ['c', ''] },
      { edge: ['a', 'b'] },
      { edge: ['a', 'b', { requires: ['x'] }] },
      { edge: ['b', 'a', { distance: 0 }] },
      { edge: ['b', 'a', { distance: 'far' as unknown as number }] },
      { edge: ['b', 'c', { requires: ['ok', '' as string, 3 as unknown as string] }] },
      { edge: ['nowhere', 'a'] },
      { edge: ['b', 'late'] },
      { entity: ['late', 'host'] },
      { edge: ['late', 'a'] },
      { edge: ['late', 'a', { requires: ['k'] }] },
    ];
    const compact = problemsOf(() => replay(new CompactWorldBuilder(), calls).build());
    const graph = problemsOf(() => replay(new WorldBuilder(), calls).build());
    assert.deepEqual(compact, graph);
    assert.deepEqual(
      compact.map((p) => `${p.path} ${p.kind}`),
      [
        'entities[2].id duplicate',
        'entities[3].id wrong-kind',
        'entities[4].kind wrong-kind',
        'edges[0].to unknown-entity',
        'edges[2] duplicate',
        'edges[3].distance bad-number',
        'edges[4].distance wrong-kind',
        'edges[5].requires[1] wrong-kind',
        'edges[5].requires[2] wrong-kind',
        'edges[6].from unknown-entity',
        'edges[9] duplicate',
      ],
    );
    assert.equal(compact[0]!.message, "duplicate id 'a' (first at entities[0])");
    assert.match(compact[4]!.message, /^duplicate edge 'a' -> 'b' \(one edge per ordered pair/);
    const error = (() => {
      try {
        new CompactWorldBuilder({ file: 'w.yaml' }).addEdge('a', 'b').build();
      } catch (e) {
        return e as WorldConfigError;
      }
      return undefined;
    })();
    assert.ok(error instanceof WorldConfigError);
    assert.equal(error.message, "world 'w.yaml' has 2 problems:\n  w.yaml edges[0].from: unknown entity 'a'\n  w.yaml edges[0].to: unknown entity 'b'");
    const builder = new CompactWorldBuilder().addEntity('a', 'h');
    builder.build();
    assert.throws(() => builder.addEntity('b', 'h'), /already built/);
  });

  it('builds a world that reads like the WorldGraph of the same calls; edge handles resolve', () => {
    const calls: Call[] = [
      { edge: ['a', 'c', { requires: ['k1', 'k1', 'k2'], distance: 2.5 }] },
      { entity: ['a', 'host', { n: 1 }] },
      { entity: ['b', 'service'] },
      { edge: ['a', 'b'] },
      { edge: ['b', 'b'] },
      { entity: ['c', 'store', { credentials: ['k1'] }] },
      { entity: ['d', 'host'] },
      { edge: ['c', 'a', { requires: ['k3'] }] },
    ];
    const compact = replay(new CompactWorldBuilder(), calls).build();
    const graph = replay(new WorldBuilder(), calls).build().graph;
    assert.deepEqual(dump(compact), dump(graph));
    assert.equal(compact.entityCount, 4);
    assert.equal(compact.edgeCount, 4);
    assert.equal(compact.attributeCount, 3, 'open/1, k1+k2/2.5, k3/1');
    assert.deepEqual(compact.edge('a', 'c'), { requires: ['k1', 'k2'], distance: 2.5 });
    assert.equal(compact.edge('c', 'b'), undefined);
    assert.equal(compact.edge('a', 'zz'), undefined);
    assert.equal(compact.outDegree('d'), 0);
    assert.deepEqual(compact.entity('c'), { id: 'c', kind: 'store', state: { credentials: ['k1'] } });
    assert.equal(compact.entity('zz'), undefined);
    let seen = 0;
    for (const id of compact.entityIds()) {
      compact.forEachOutEdge(id, (handle, attributes, target) => {
        seen++;
        assert.equal(typeof handle, 'number');
        assert.equal(compact.edgeSource(handle), id);
        assert.equal(compact.edgeTarget(handle), target);
        assert.equal(compact.edgeAttributes(handle), attributes);
      });
    }
    assert.equal(seen, 4);
    assert.throws(() => compact.edgeSource(4), RangeError);
    assert.throws(() => compact.edgeTarget('0'), RangeError);
    assert.throws(() => compact.kindOf('zz'), /unknown entity 'zz'/);
    compact.setState('b', { hot: 1 });
    assert.deepEqual(compact.stateOf('b'), { hot: 1 });
    compact.setState('a', undefined);
    assert.equal(compact.stateOf('a'), undefined);
    assert.throws(() => compact.setState('zz', 1), RangeError);
  });

  it('round-trips: from(WorldGraph) and toWorldGraph() keep entities, states and edges; states are copies', () => {
    const graph = new WorldBuilder()
      .addEntity('s', 'segment', { cidr: '10.0.0.0/24' }).addEntity('h', 'host').addEntity('v', 'service').addEntity('x', 'host')
      .addEdge('s', 'h').addEdge('h', 's').addEdge('h', 'v', { requires: ['ssh'], distance: 3 }).addEdge('x', 'h', { requires: ['a', 'b'] })
      .build().graph;
    const compact = CompactWorld.from(graph);
    assert.deepEqual(dump(compact), dump(graph));
    const back = compact.toWorldGraph();
    assert.deepEqual(dump(back), dump(graph));
    assert.deepEqual(back.graph.nodes(), graph.graph.nodes());
    compact.setState('s', { cidr: 'changed' });
    back.setState('h', 1);
    assert.equal(compact.stateOf('h'), undefined);
    assert.deepEqual(graph.stateOf('s'), { cidr: '10.0.0.0/24' });
    assert.deepEqual(back.stateOf('s'), { cidr: '10.0.0.0/24' });
    assert.notEqual(back.stateOf('s'), graph.stateOf('s'));
    assert.equal(graph.stateOf('h'), undefined);
  });

  it('Reachability over CompactWorld.from(w) equals Reachability over w (property, 200 runs)', () => {
    const worldArb = smallWorld;
    const opArb = fc.oneof(...reachOps, fc.record({ op: fc.constant('radius' as const), radius: fc.integer({ min: 0, max: 8 }) }));
    fc.assert(
      fc.property(worldArb, fc.integer({ min: 0, max: 8 }), fc.subarray([...NAMES]), fc.array(opArb, { maxLength: 12 }), (w, radius, start, ops) => {
        const builder = new WorldBuilder();
        const direct = new CompactWorldBuilder();
        for (let i = 0; i < w.n; i++) builder.addEntity(`v${i}`, 'host'), direct.addEntity(`v${i}`, 'host');
        const seen = new Set<string>();
        for (const e of w.edges) {
          if (e.from >= w.n || e.to >= w.n || seen.has(`${e.from}>${e.to}`)) continue;
          seen.add(`${e.from}>${e.to}`);
          builder.addEdge(`v${e.from}`, `v${e.to}`, { distance: e.distance, requires: e.requires });
          direct.addEdge(`v${e.from}`, `v${e.to}`, { distance: e.distance, requires: e.requires });
        }
        const world = builder.build().graph;
        const compact = CompactWorld.from(world);
        assert.deepEqual(dump(direct.build()), dump(compact));
        const agent = { position: 'v0', credentials: start, capabilities: [] };
        const a = new Reachability(world, agent, radius);
        const b = new Reachability(compact, agent, radius);
        const same = (): void => {
          assert.deepEqual(snapshot(b), snapshot(a));
          assert.equal(b.blockedEdgeCount, a.blockedEdgeCount);
          assert.equal(b.lastWork, a.lastWork);
          assert.deepEqual(b.frontier().sort(), a.frontier().sort());
        };
        same();
        for (const op of ops) {
          let da: ReachDiff;
          let db: ReachDiff;
          if (op.op === 'gain') (da = a.gain(op.name)), (db = b.gain(op.name));
          else if (op.op === 'revoke') (da = a.revoke(op.name)), (db = b.revoke(op.name));
          else if (op.op === 'radius') (da = a.setRadius(op.radius)), (db = b.setRadius(op.radius));
          else {
            const here = a.position;
            const open: string[] = [];
            world.forEachOutEdge(here, (_h, attributes, target) => {
              if (attributes.requires.every((r) => a.holdings.has(r))) open.push(target);
            });
            const next = op.op === 'move' ? `v${op.to % w.n}` : open[op.pick % Math.max(1, open.length)];
            if (next === undefined) continue;
            (da = a.moveTo(next)), (db = b.moveTo(next));
          }
          assert.deepEqual(sorted(db), sorted(da));
          same();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the estate generator builds the same estate in either store, and a walk is the same on both', () => {
    const graph = generateEstate({ entities: 4_000, seed: 3, agents: 2 });
    const compact = generateEstate({ entities: 4_000, seed: 3, agents: 2, store: 'compact' });
    assert.ok(compact.graph instanceof CompactWorld);
    assert.equal(compact.graph.entityCount, 4_000);
    assert.equal(compact.graph.edgeCount, graph.graph.edgeCount);
    assert.deepEqual(dump(compact.graph), dump(graph.graph));
    assert.deepEqual(compact.agents, graph.agents);
    assert.equal(compact.segments, graph.segments);
    const bare = generateEstate({ entities: 4_000, seed: 3, agents: 2, store: 'compact', edges: false });
    assert.equal(bare.graph.edgeCount, 0);
    assert.throws(() => generateEstate({ entities: 4_000, store: 'sql' as 'graph' }), /store must be 'graph' or 'compact'/);
    const walkA = new Explorer(graph.graph, graph.agents, 3, 9);
    const walkB = new Explorer(compact.graph, compact.agents, 3, 9);
    for (let step = 0; step < 40; step++) assert.deepEqual(walkB.step(), walkA.step(), `step ${step}`);
    assert.deepEqual([...walkB.liveSet()].sort(), [...walkA.liveSet()].sort());
  });
});
