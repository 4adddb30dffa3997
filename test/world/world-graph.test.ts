import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dijkstra } from 'graphology-shortest-path';
import {
  WorldBuilder,
  WorldConfigError,
  findCycle,
  hasCycle,
  loadWorld,
  loadWorldFile,
  parseWorld,
  shortestPath,
  topologicalOrder,
} from '../../src/index.js';
import type { WorldGraph } from '../../src/index.js';
import { problemsOf } from './support.js';


const ESTATE_YAML = `
entities:
  - { id: web-1, kind: host, state: { os: linux } }
  - { id: api-1, kind: service }
  - { id: vault-1, kind: credential-store }
edges:
  - { from: web-1, to: api-1 }
  - { from: api-1, to: vault-1, requires: [db-password], distance: 2 }
agents:
  - { id: red-1, position: web-1, credentials: [vpn] }
`;

describe('world graph: building and validation', () => {
  it('builds in code: entities, kinds, state (absent until set), edges with defaults', () => {
    const { graph, agents } = new WorldBuilder()
      .addEntity('a', 'host')
      .addEntity('b', 'service', { port: 80 })
      .addEdge('a', 'b')
      .addEdge('b', 'a', { requires: ['key'], distance: 3 })
      .addAgent({ id: 'x', position: 'a', credentials: ['key'], capabilities: [] })
      .build();
    assert.equal(graph.entityCount, 2);
    assert.equal(graph.edgeCount, 2);
    assert.equal(graph.kindOf('a'), 'host');
    assert.equal(graph.stateOf('a'), undefined);
    assert.equal('state' in graph.graph.getNodeAttributes('a'), false, 'no state key until set');
    assert.deepEqual(graph.stateOf('b'), { port: 80 });
    graph.setState('a', { owned: true });
    assert.deepEqual(graph.entity('a'), { id: 'a', kind: 'host', state: { owned: true } });
    graph.setState('a', { owned: false });
    assert.deepEqual(graph.stateOf('a'), { owned: false });
    graph.setState('b', undefined);
    assert.equal(graph.stateOf('b'), undefined);
    assert.equal(graph.kindOf('b'), 'service');
    assert.deepEqual(graph.edge('a', 'b'), { requires: [], distance: 1 });
    assert.deepEqual(graph.edge('b', 'a'), { requires: ['key'], distance: 3 });
    assert.equal(graph.edge('a', 'zzz'), undefined);
    assert.ok(Object.isFrozen(graph.edge('a', 'b')), 'edge attributes are shared, so frozen');
    assert.equal(agents.length, 1);
    assert.throws(() => graph.kindOf('nope'), /unknown entity 'nope'/);
  });

  it('edges may name entities added later', () => {
    const { graph } = new WorldBuilder().addEdge('a', 'b').addEntity('a', 'host').addEntity('b', 'host').build();
    assert.equal(graph.edgeCount, 1);
  });

  it('collects every kind of problem, each with its place, in document order', () => {
    const problems = problemsOf(() =>
      loadWorld({
        entities: [
          { id: 'a', kind: 'host' },
          { id: 'a', kind: 'service' },
          { id: 7, kind: 'host' },
          { kind: 'host' },
          { id: 'c', kind: '', colour: 'red' },
          'not-a-mapping',
          { id: 'd', kind: 'host' },
        ],
        edges: [
          { from: 'a', to: 'x' },
          { from: 'a', to: 'd', distance: 0 },
          { from: 'a', to: 'd', distance: -2 },
          { from: 'a', to: 'd', requires: 'key' },
          { from: 'a', to: 'd', requires: ['ok', 3] },
          { from: 'a', to: 'd', distance: 'far' },
          { from: 'a', to: 'd' },
          { from: 'a', to: 'd' },
          { to: 'a' },
        ],
        agents: [
          { id: 'r', position: 'a' },
          { id: 'r', position: 'nowhere', credentials: 'all' },
          { position: 'a', capabilities: [1] },
        ],
        extra: true,
      }),
    );
    const lines = problems.map((p) => `${p.path}: ${p.kind}`);
    assert.deepEqual(lines, [
      'extra: unknown-key',
      'entities[1].id: duplicate',
      'entities[2].id: wrong-kind',
      'entities[3].id: missing-key',
      'entities[4].colour: unknown-key',
      'entities[4].kind: wrong-kind',
      'entities[5]: wrong-kind',
      'edges[0].to: unknown-entity',
      'edges[1].distance: bad-number',
      'edges[2].distance: bad-number',
      'edges[3].requires: wrong-kind',
      'edges[4].requires[1]: wrong-kind',
      'edges[5].distance: wrong-kind',
      'edges[7]: duplicate',
      'edges[8].from: missing-key',
      'agents[1].position: unknown-entity',
      'agents[1].credentials: wrong-kind',
      'agents[1].id: duplicate',
      'agents[2].id: missing-key',
      'agents[2].capabilities[0]: wrong-kind',
    ]);
    const byPath = new Map(problems.map((p) => [p.path, p.message]));
    assert.match(byPath.get('entities[1].id')!, /duplicate id 'a' \(first at entities\[0\]\)/);
    assert.match(byPath.get('edges[0].to')!, /unknown entity 'x'/);
    assert.match(byPath.get('edges[1].distance')!, /positive/);
    assert.match(byPath.get('agents[1].position')!, /unknown entity 'nowhere'/);
  });

  it('the error message lists every problem, one per line', () => {
    try {
      new WorldBuilder().addEntity('a', 'host').addEntity('a', 'host').addEdge('a', 'b').build();
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof WorldConfigError);
      assert.equal(error.problems.length, 2);
      assert.match(error.message, /world has 2 problems:\n {2}<world> entities\[1\]\.id: duplicate id 'a'.*\n {2}<world> edges\[0\]\.to: unknown entity 'b'/);
    }
  });

  it('a builder builds once', () => {
    const builder = new WorldBuilder().addEntity('a', 'host');
    builder.build();
    assert.throws(() => builder.addEntity('b', 'host'), /already built/);
  });

  it('checks agents against a built world', () => {
    const { graph } = new WorldBuilder().addEntity('a', 'host').build();
    assert.deepEqual(graph.checkAgent({ id: 'x', position: 'a', credentials: [], capabilities: [] }), []);
    assert.throws(() => graph.assertAgent({ id: 'x', position: 'b', credentials: [], capabilities: [] }), /agent\.position: unknown entity 'b'/);
  });
});

describe('world graph: loading from YAML and JSON', () => {
  it('loads YAML', () => {
    const { graph, agents } = parseWorld(ESTATE_YAML);
    assert.equal(graph.entityCount, 3);
    assert.deepEqual(graph.stateOf('web-1'), { os: 'linux' });
    assert.deepEqual(graph.edge('api-1', 'vault-1'), { requires: ['db-password'], distance: 2 });
    assert.deepEqual(agents, [{ id: 'red-1', position: 'web-1', credentials: ['vpn'], capabilities: [] }]);
  });

  it('loads JSON files and YAML files by extension', () => {
    const dir = mkdtempSync(join(tmpdir(), 'world-'));
    const json = join(dir, 'w.json');
    writeFileSync(json, JSON.stringify({ entities: [{ id: 'a', kind: 'host' }, { id: 'b', kind: 'host' }], edges: [{ from: 'a', to: 'b', distance: 2.5 }] }));
    assert.equal(loadWorldFile(json).graph.edge('a', 'b')!.distance, 2.5);
    const yaml = join(dir, 'w.yaml');
    writeFileSync(yaml, ESTATE_YAML);
    assert.equal(loadWorldFile(yaml).graph.entityCount, 3);
  });

  it('gives file, line and column for problems in text', () => {
    const text = ['entities:', '  - id: a', '    kind: host', '  - id: a', '    kind: host', 'edges:', '  - from: a', '    to: ghost', ''].join('\n');
    const problems = problemsOf(() => parseWorld(text, { file: 'estate.yaml' }));
    assert.deepEqual(
      problems.map((p) => [p.file, p.path, p.line, p.column]),
      [
        ['estate.yaml', 'entities[1].id', 4, 9],
        ['estate.yaml', 'edges[0].to', 8, 9],
      ],
    );
  });

  it('reports text that is not well-formed, and a top level that is not a mapping', () => {
    const syntax = problemsOf(() => parseWorld('{ "entities": [ }', { format: 'json' }));
    assert.equal(syntax[0]!.kind, 'syntax');
    assert.ok(syntax[0]!.line !== undefined);
    assert.deepEqual(problemsOf(() => parseWorld('- 1\n- 2\n')).map((p) => p.kind), ['wrong-kind']);
    assert.deepEqual(problemsOf(() => parseWorld('edges: []\n')).map((p) => `${p.path} ${p.kind}`), ['entities missing-key']);
  });
});

/** a -> b -> c -> d open (each 2); a -> d behind 'key' (1). */
function gated(): WorldGraph {
  return new WorldBuilder()
    .addEntity('a', 'host')
    .addEntity('b', 'host')
    .addEntity('c', 'host')
    .addEntity('d', 'credential-store')
    .addEdge('a', 'b', { distance: 2 })
    .addEdge('b', 'c', { distance: 2 })
    .addEdge('c', 'd', { distance: 2 })
    .addEdge('a', 'd', { requires: ['key', 'ssh'], distance: 1 })
    .build().graph;
}

describe('world graph: shortest path', () => {
  it('takes the open path without the credential, the shorter gated one with it', () => {
    const world = gated();
    assert.deepEqual(shortestPath(world, 'a', 'd', { credentials: [], capabilities: [] }), { path: ['a', 'b', 'c', 'd'], distance: 6 });
    assert.deepEqual(shortestPath(world, 'a', 'd', { credentials: ['key'], capabilities: [] })!.distance, 6, 'needs both names');
    assert.deepEqual(shortestPath(world, 'a', 'd', { credentials: ['key'], capabilities: ['ssh'] }), { path: ['a', 'd'], distance: 1 });
    assert.deepEqual(shortestPath(world, 'a', 'd', new Set(['key', 'ssh'])), { path: ['a', 'd'], distance: 1 });
    assert.deepEqual(shortestPath(world, 'a', 'a', 'any'), { path: ['a'], distance: 0 });
    assert.equal(shortestPath(world, 'd', 'a', 'any'), undefined);
    assert.throws(() => shortestPath(world, 'a', 'zz', 'any'), /unknown entity 'zz'/);
  });

  it('agrees with graphology-shortest-path on a random open graph', () => {
    const builder = new WorldBuilder();
    for (let i = 0; i < 60; i++) builder.addEntity(`n${i}`, 'host');
    let seed = 7;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const seen = new Set<string>();
    for (let e = 0; e < 200; e++) {
      const a = rand(60);
      const b = rand(60);
      if (a === b || seen.has(`${a}>${b}`)) continue;
      seen.add(`${a}>${b}`);
      builder.addEdge(`n${a}`, `n${b}`, { distance: 1 + rand(9) });
    }
    const world = builder.build().graph;
    const lengthOf = (path: string[]): number => path.slice(1).reduce((sum, node, i) => sum + world.edge(path[i]!, node)!.distance, 0);
    for (let t = 1; t < 60; t++) {
      const ours = shortestPath(world, 'n0', `n${t}`, 'any');
      const theirs = dijkstra.bidirectional(world.graph, 'n0', `n${t}`, 'distance');
      if (theirs === null) assert.equal(ours, undefined);
      else assert.equal(ours!.distance, lengthOf(theirs));
    }
  });
});

describe('world graph: shortest path property', () => {
  it('equals a Bellman-Ford oracle over the edges the holder may traverse, with a valid path (200 runs)', () => {
    const names = ['k1', 'k2'];
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.record({ from: fc.nat(7), to: fc.nat(7), distance: fc.integer({ min: 1, max: 5 }), requires: fc.subarray(names) }), { maxLength: 24 }),
        fc.subarray(names),
        (n, edges, heldList) => {
          const builder = new WorldBuilder();
          for (let i = 0; i < n; i++) builder.addEntity(`v${i}`, 'host');
          const seen = new Set<string>();
          for (const e of edges) {
            if (e.from >= n || e.to >= n || seen.has(`${e.from}>${e.to}`)) continue;
            seen.add(`${e.from}>${e.to}`);
            builder.addEdge(`v${e.from}`, `v${e.to}`, { distance: e.distance, requires: e.requires });
          }
          const world = builder.build().graph;
          const held = new Set(heldList);
          const dist = new Map<string, number>([['v0', 0]]);
          for (let round = 0; round < n; round++) {
            world.graph.forEachEdge((_k, a, s, t) => {
              const ds = dist.get(s);
              if (ds !== undefined && a.requires.every((r) => held.has(r)) && ds + a.distance < (dist.get(t) ?? Infinity)) dist.set(t, ds + a.distance);
            });
          }
          for (let t = 0; t < n; t++) {
            const found = shortestPath(world, 'v0', `v${t}`, held);
            const expected = dist.get(`v${t}`);
            if (expected === undefined) {
              assert.equal(found, undefined);
              continue;
            }
            assert.equal(found!.distance, expected);
            let sum = 0;
            for (let i = 1; i < found!.path.length; i++) {
              const edge = world.edge(found!.path[i - 1]!, found!.path[i]!)!;
              assert.ok(edge.requires.every((r) => held.has(r)), 'path uses only edges the holder may traverse');
              sum += edge.distance;
            }
            assert.equal(sum, expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('world graph: topological order and cycles', () => {
  it('sorts a DAG so that every edge goes forward, on the whole graph or chosen kinds', () => {
    const world = gated();
    const order = topologicalOrder(world);
    world.graph.forEachEdge((_e, _a, s, t) => assert.ok(order.indexOf(s) < order.indexOf(t)));
    assert.equal(hasCycle(world), false);
    assert.equal(findCycle(world), undefined);
    assert.deepEqual(topologicalOrder(world, { kinds: ['credential-store'] }), ['d']);
  });

  it('finds cycles, names them, and a kind selection can exclude them', () => {
    const world = new WorldBuilder()
      .addEntity('h1', 'host')
      .addEntity('s1', 'service')
      .addEntity('s2', 'service')
      .addEntity('s3', 'service')
      .addEdge('h1', 's1')
      .addEdge('s1', 's2')
      .addEdge('s2', 's3')
      .addEdge('s3', 's1')
      .build().graph;
    assert.equal(hasCycle(world), true);
    const cycle = findCycle(world)!;
    assert.equal(cycle.length, 3);
    for (let i = 0; i < cycle.length; i++) assert.ok(world.edge(cycle[i]!, cycle[(i + 1) % cycle.length]!), 'consecutive entities are linked');
    assert.throws(() => topologicalOrder(world), /cycle: s\d -> s\d -> s\d -> s\d/);
    assert.equal(hasCycle(world, { kinds: ['host'] }), false);
    const loop = new WorldBuilder().addEntity('x', 'host').addEdge('x', 'x').build().graph;
    assert.deepEqual(findCycle(loop), ['x']);
  });
});

describe('world graph: scale', () => {
  it('builds 100,000 entities and 200,000 edges quickly', function () {
    this.timeout(30000);
    const kinds = ['host', 'service', 'credential-store'];
    const started = Date.now();
    const builder = new WorldBuilder();
    const n = 100_000;
    for (let i = 0; i < n; i++) builder.addEntity(`e${i}`, kinds[i % 3]!);
    for (let i = 0; i < n; i++) {
      builder.addEdge(`e${i}`, `e${(i + 1) % n}`);
      builder.addEdge(`e${i}`, `e${(i + 7) % n}`, i % 5 === 0 ? { requires: ['key'], distance: 2 } : {});
    }
    const { graph } = builder.build();
    const elapsed = Date.now() - started;
    assert.equal(graph.entityCount, n);
    assert.equal(graph.edgeCount, 2 * n);
    assert.ok(elapsed < 10000, `took ${elapsed} ms`);
  });
});
