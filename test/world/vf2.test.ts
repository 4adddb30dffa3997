import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WorldBuilder, matchPattern } from '../../src/index.js';
import type { Pattern, PatternMatch, WorldGraph } from '../../src/index.js';

/** Two estates: h1 -> s1 -> c1 (gated by 'db'), h1 -> s2 -> c1 (open), h2 -> s2, s3 (no store). */
function estate(): WorldGraph {
  return new WorldBuilder()
    .addEntity('h1', 'host')
    .addEntity('h2', 'host')
    .addEntity('s1', 'service', { port: 443 })
    .addEntity('s2', 'service', { port: 80 })
    .addEntity('s3', 'service', { port: 22 })
    .addEntity('c1', 'credential-store')
    .addEdge('h1', 's1')
    .addEdge('h1', 's2')
    .addEdge('h2', 's2')
    .addEdge('h2', 's3')
    .addEdge('s1', 'c1', { requires: ['db'] })
    .addEdge('s2', 'c1')
    .build().graph;
}

const CHAIN: Pattern = {
  nodes: [
    { id: 'h', kind: 'host' },
    { id: 's', kind: 'service' },
    { id: 'c', kind: 'credential-store' },
  ],
  edges: [
    { from: 'h', to: 's' },
    { from: 's', to: 'c' },
  ],
};

const key = (m: PatternMatch): string => JSON.stringify(Object.entries(m).sort());

describe('world graph: VF2 pattern matching', () => {
  it('finds host -> service -> credential-store chains, each once', () => {
    const matches = matchPattern(estate(), CHAIN);
    assert.deepEqual(matches.map(key).sort(), [
      { h: 'h1', s: 's1', c: 'c1' },
      { h: 'h1', s: 's2', c: 'c1' },
      { h: 'h2', s: 's2', c: 'c1' },
    ].map(key).sort());
    assert.equal(new Set(matches.map(key)).size, matches.length, 'no duplicates');
  });

  it('honours edge and node predicates', () => {
    const world = estate();
    const gatedByDb: Pattern = { ...CHAIN, edges: [CHAIN.edges[0]!, { from: 's', to: 'c', requires: ['db'] }] };
    assert.deepEqual(matchPattern(world, gatedByDb), [{ h: 'h1', s: 's1', c: 'c1' }]);
    const openOnly: Pattern = { ...CHAIN, edges: [CHAIN.edges[0]!, { from: 's', to: 'c', open: true }] };
    assert.equal(matchPattern(world, openOnly).length, 2);
    const port80: Pattern = { ...CHAIN, nodes: [CHAIN.nodes[0]!, { id: 's', kind: 'service', where: (e) => (e.state as { port: number }).port === 80 }, CHAIN.nodes[2]!] };
    assert.deepEqual(matchPattern(world, port80).map((m) => m.s), ['s2', 's2']);
    const byWhere: Pattern = { nodes: [{ id: 'a' }, { id: 'b' }], edges: [{ from: 'a', to: 'b', where: (_e, from) => from === 'h2' }] };
    assert.equal(matchPattern(world, byWhere).length, 2);
  });

  it('stops at the limit, matches disconnected patterns, and rejects bad patterns', () => {
    const world = estate();
    assert.equal(matchPattern(world, CHAIN, { limit: 2 }).length, 2);
    // Two hosts, no edges: ordered pairs of distinct hosts.
    assert.equal(matchPattern(world, { nodes: [{ id: 'x', kind: 'host' }, { id: 'y', kind: 'host' }], edges: [] }).length, 2);
    assert.throws(() => matchPattern(world, { nodes: [{ id: 'a' }, { id: 'a' }], edges: [{ from: 'a', to: 'q' }] }), /nodes\[1\]\.id: duplicate id 'a'\n {2}edges\[0\]\.to: unknown pattern node 'q'/);
  });

  it('induced matching rejects images with extra edges', () => {
    const world = new WorldBuilder().addEntity('a', 'n').addEntity('b', 'n').addEntity('c', 'n').addEdge('a', 'b').addEdge('b', 'c').addEdge('a', 'c').build().graph;
    const path: Pattern = { nodes: [{ id: 'x' }, { id: 'y' }, { id: 'z' }], edges: [{ from: 'x', to: 'y' }, { from: 'y', to: 'z' }] };
    assert.deepEqual(matchPattern(world, path), [{ x: 'a', y: 'b', z: 'c' }]);
    assert.deepEqual(matchPattern(world, path, { induced: true }), []);
  });

  it('agrees with a brute-force matcher on tiny random graphs (monomorphism and induced)', () => {
    const graphArb = fc.record({
      n: fc.integer({ min: 1, max: 6 }),
      kinds: fc.array(fc.constantFrom('a', 'b'), { minLength: 6, maxLength: 6 }),
      edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5), fc.boolean()), { maxLength: 14 }),
    });
    const patternArb = fc.record({
      k: fc.integer({ min: 1, max: 3 }),
      kinds: fc.array(fc.option(fc.constantFrom('a', 'b'), { nil: undefined }), { minLength: 3, maxLength: 3 }),
      edges: fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.option(fc.boolean(), { nil: undefined })), { maxLength: 5 }),
    });
    fc.assert(
      fc.property(graphArb, patternArb, fc.boolean(), (g, p, induced) => {
        const builder = new WorldBuilder();
        for (let i = 0; i < g.n; i++) builder.addEntity(`v${i}`, g.kinds[i]!);
        const seen = new Set<string>();
        for (const [a, b, gate] of g.edges) {
          if (a >= g.n || b >= g.n || seen.has(`${a}>${b}`)) continue;
          seen.add(`${a}>${b}`);
          builder.addEdge(`v${a}`, `v${b}`, gate ? { requires: ['g'] } : {});
        }
        const world = builder.build().graph;
        const pseen = new Set<string>();
        const pattern: Pattern = {
          nodes: Array.from({ length: p.k }, (_, i) => (p.kinds[i] === undefined ? { id: `p${i}` } : { id: `p${i}`, kind: p.kinds[i]! })),
          edges: p.edges
            .filter(([a, b]) => a < p.k && b < p.k && !pseen.has(`${a}>${b}`) && pseen.add(`${a}>${b}`))
            .map(([a, b, gate]) => (gate === undefined ? { from: `p${a}`, to: `p${b}` } : gate ? { from: `p${a}`, to: `p${b}`, requires: ['g'] } : { from: `p${a}`, to: `p${b}`, open: true })),
        };
        const ours = matchPattern(world, pattern, { induced, limit: 100000 }).map(key);
        assert.equal(new Set(ours).size, ours.length, 'no duplicates');
        assert.deepEqual(ours.sort(), bruteForce(world, pattern, induced).map(key).sort());
      }),
      { numRuns: 300 },
    );
  });
});

/** Every injective assignment, checked against the definition. */
function bruteForce(world: WorldGraph, pattern: Pattern, induced: boolean): PatternMatch[] {
  const entities = world.graph.nodes();
  const k = pattern.nodes.length;
  const out: PatternMatch[] = [];
  const assign: string[] = [];
  const ok = (): boolean => {
    for (let i = 0; i < k; i++) {
      const kind = pattern.nodes[i]!.kind;
      if (kind !== undefined && world.kindOf(assign[i]!) !== kind) return false;
    }
    const idx = (id: string): number => pattern.nodes.findIndex((n) => n.id === id);
    for (const e of pattern.edges) {
      const edge = world.edge(assign[idx(e.from)]!, assign[idx(e.to)]!);
      if (edge === undefined) return false;
      if (e.open === true && edge.requires.length > 0) return false;
      if (e.requires !== undefined && !e.requires.every((r) => edge.requires.includes(r))) return false;
    }
    if (induced) {
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++)
          if (world.edge(assign[i]!, assign[j]!) !== undefined && !pattern.edges.some((e) => idx(e.from) === i && idx(e.to) === j)) return false;
    }
    return true;
  };
  const go = (i: number): void => {
    if (i === k) {
      if (ok()) out.push(Object.fromEntries(pattern.nodes.map((n, j) => [n.id, assign[j]!])));
      return;
    }
    for (const t of entities) {
      if (assign.slice(0, i).includes(t)) continue;
      assign[i] = t;
      go(i + 1);
    }
  };
  go(0);
  return out;
}
