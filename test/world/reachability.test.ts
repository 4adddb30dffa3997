import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reachability, WorldBuilder } from '../../src/index.js';
import type { ReachDiff, WorldGraph } from '../../src/index.js';
import { NAMES, reachOps, smallWorld } from './support.js';

/** Distances within `radius` from `from` over edges `held` opens: relaxation to a fixed point (no Dijkstra). */
function oracle(world: WorldGraph, from: string, held: ReadonlySet<string>, radius: number): Map<string, number> {
  const dist = new Map<string, number>([[from, 0]]);
  for (let changed = true; changed; ) {
    changed = false;
    world.graph.forEachEdge((_key, attributes, source, target) => {
      const ds = dist.get(source);
      if (ds === undefined || !attributes.requires.every((r) => held.has(r))) return;
      const candidate = ds + attributes.distance;
      if (candidate <= radius && candidate < (dist.get(target) ?? Infinity)) {
        dist.set(target, candidate);
        changed = true;
      }
    });
  }
  return dist;
}

function snapshot(reach: Reachability): Map<string, number> {
  return new Map([...reach.entities()].map((id) => [id, reach.distanceTo(id)!]));
}

describe('world graph: incremental reachability', () => {
  /** a -(1)-> b -(1)-> c -(1)-> d, a -(1, key)-> d -(1)-> e. */
  function line(): WorldGraph {
    return new WorldBuilder()
      .addEntity('a', 'host').addEntity('b', 'host').addEntity('c', 'host').addEntity('d', 'host').addEntity('e', 'host')
      .addEdge('a', 'b').addEdge('b', 'c').addEdge('c', 'd').addEdge('a', 'd', { requires: ['key'] }).addEdge('d', 'e')
      .build().graph;
  }

  it('computes the ball, then moves and gains with diffs', () => {
    const reach = new Reachability(line(), { position: 'a', credentials: [], capabilities: [] }, 2);
    assert.deepEqual([...reach.entities()].sort(), ['a', 'b', 'c']);
    assert.equal(reach.blockedEdgeCount, 1);
    const gain = reach.gain('key');
    assert.deepEqual({ entered: [...gain.entered].sort(), left: gain.left }, { entered: ['d', 'e'], left: [] });
    assert.equal(reach.distanceTo('d'), 1);
    assert.equal(reach.blockedEdgeCount, 0);
    const move = reach.moveTo('b');
    assert.deepEqual({ entered: [...move.entered].sort(), left: [...move.left].sort() }, { entered: [], left: ['a', 'e'] });
    assert.deepEqual(reach.gain('key'), { entered: [], left: [] }, 'already held');
    assert.deepEqual(reach.frontier(), ['e']);
    const shrink = reach.setRadius(0);
    assert.deepEqual([...shrink.left].sort(), ['c', 'd']);
    assert.throws(() => reach.moveTo('zz'), /unknown entity 'zz'/);
    assert.throws(() => new Reachability(line(), { position: 'a', credentials: [], capabilities: [] }, -1), /radius/);
  });

  it('an edge needing two names opens only when both are held', () => {
    const world = new WorldBuilder().addEntity('a', 'h').addEntity('b', 'h').addEdge('a', 'b', { requires: ['k1', 'k2'] }).build().graph;
    const reach = new Reachability(world, { position: 'a', credentials: [], capabilities: [] }, 5);
    assert.deepEqual(reach.gain('k2'), { entered: [], left: [] });
    assert.deepEqual(reach.gain('k1'), { entered: ['b'], left: [] });
  });

  it('work stays proportional to the ball on a large world', function () {
    this.timeout(30000);
    const n = 50_000;
    const builder = new WorldBuilder();
    for (let i = 0; i < n; i++) builder.addEntity(`e${i}`, 'host');
    for (let i = 0; i + 1 < n; i++) {
      builder.addEdge(`e${i}`, `e${i + 1}`);
      if (i + 10 < n) builder.addEdge(`e${i}`, `e${i + 10}`, { requires: ['jump'] });
    }
    const world = builder.build().graph;
    const reach = new Reachability(world, { position: 'e100', credentials: [], capabilities: [] }, 5);
    assert.equal(reach.size, 6);
    assert.ok(reach.lastWork <= 6);
    reach.moveTo('e101');
    assert.ok(reach.lastWork <= 6);
    const gained = reach.gain('jump');
    assert.ok(gained.entered.length > 0);
    assert.ok(reach.lastWork <= reach.size, `gain work ${reach.lastWork} vs ball ${reach.size}`);
  });

  it('incremental updates always equal a from-scratch search (property, 300 runs)', () => {
    const worldArb = smallWorld;
    const opArb = fc.oneof(...reachOps);
    fc.assert(
      fc.property(worldArb, fc.integer({ min: 0, max: 8 }), fc.subarray([...NAMES]), fc.array(opArb, { maxLength: 12 }), (w, radius, start, ops) => {
        const builder = new WorldBuilder();
        for (let i = 0; i < w.n; i++) builder.addEntity(`v${i}`, 'host');
        const seen = new Set<string>();
        for (const e of w.edges) {
          if (e.from >= w.n || e.to >= w.n || seen.has(`${e.from}>${e.to}`)) continue;
          seen.add(`${e.from}>${e.to}`);
          builder.addEdge(`v${e.from}`, `v${e.to}`, { distance: e.distance, requires: e.requires });
        }
        const world = builder.build().graph;
        const held = new Set<string>(start);
        const reach = new Reachability(world, { position: 'v0', credentials: start, capabilities: [] }, radius);
        let position = 'v0';
        assert.deepEqual(snapshot(reach), oracle(world, position, held, radius));
        for (const op of ops) {
          const before = new Set(reach.entities());
          let diff: ReachDiff;
          if (op.op === 'gain') {
            held.add(op.name);
            diff = reach.gain(op.name);
          } else if (op.op === 'revoke') {
            held.delete(op.name);
            diff = reach.revoke(op.name);
          } else {
            // 'step': to an adjacent entity the agent may traverse (the realizer's case); 'move': anywhere.
            const next = op.op === 'move' ? `v${op.to % w.n}` : world.graph.outNeighbors(position).filter((t) => world.edge(position, t)!.requires.every((r) => held.has(r)))[op.pick % Math.max(1, world.graph.outDegree(position))];
            if (next === undefined) continue;
            position = next;
            diff = reach.moveTo(position);
          }
          const expected = oracle(world, position, held, radius);
          assert.deepEqual(snapshot(reach), expected);
          const after = new Set(reach.entities());
          assert.deepEqual([...diff.entered].sort(), [...after].filter((id) => !before.has(id)).sort());
          assert.deepEqual([...diff.left].sort(), [...before].filter((id) => !after.has(id)).sort());
        }
      }),
      { numRuns: 300 },
    );
  });
});
