import assert from 'node:assert/strict';
import { generateEstate } from '../../examples/lazy-world/estate.js';
import { Explorer } from '../../examples/lazy-world/explore.js';
import { RealizedExploration } from '../../examples/lazy-world/realized.js';
import type { Observation } from '../../src/index.js';
import { quietSystem, terminateAll } from '../support/helpers.js';

const ENTITIES = 20_000;

describe('examples/lazy-world: generated estate and exploration', () => {
  it('is deterministic for a seed, exact in size, and different for another seed', () => {
    const a = generateEstate({ entities: ENTITIES, seed: 42 });
    const b = generateEstate({ entities: ENTITIES, seed: 42 });
    const c = generateEstate({ entities: ENTITIES, seed: 43 });
    assert.equal(a.graph.entityCount, ENTITIES);
    assert.equal(b.graph.entityCount, ENTITIES);
    assert.equal(a.graph.edgeCount, b.graph.edgeCount);
    assert.ok(a.graph.edgeCount > ENTITIES, `edges ${a.graph.edgeCount}`);
    const ids = a.graph.graph.nodes();
    assert.deepEqual(b.graph.graph.nodes(), ids);
    // A sample across the id order: same kinds, states and out-edges (with their requirements).
    for (let i = 0; i < ids.length; i += 997) {
      const id = ids[i]!;
      assert.equal(b.graph.kindOf(id), a.graph.kindOf(id), id);
      assert.deepEqual(b.graph.stateOf(id), a.graph.stateOf(id), id);
      const edges = (w: typeof a) => w.graph.graph.mapOutEdges(id, (_k, attr, _s, t) => `${t}:${attr.requires.join('+')}`);
      assert.deepEqual(edges(b), edges(a), id);
    }
    assert.deepEqual(b.agents, a.agents);
    const kinds = new Set(ids.map((id) => a.graph.kindOf(id)));
    assert.deepEqual([...kinds].sort(), ['credential-store', 'host', 'segment', 'service']);
    assert.notDeepEqual(c.graph.graph.nodes(), ids, 'seed 43 gives another estate');
  });

  it('rejects bad options with a clear error', () => {
    assert.throws(() => generateEstate({ entities: 10 }), /entities must be an integer >= 2000 \(got 10\)/);
    assert.throws(() => generateEstate({ entities: ENTITIES, agents: 100 }), /agents \(100\) must be <= the segment count \(20\)/);
  });

  it('places agents on existing entities; exploring keeps the live set small and a gain grows a ball', () => {
    const estate = generateEstate({ entities: ENTITIES, seed: 5, agents: 4 });
    for (const agent of estate.agents) assert.ok(estate.graph.hasEntity(agent.position), agent.position);
    const explorer = new Explorer(estate.graph, estate.agents, 3, 5);
    let peak = explorer.liveSet().size;
    let grew = 0;
    let gains = 0;
    for (let step = 0; step < 80; step++) {
      const before = explorer.reach.map((r) => new Set(r.entities()));
      const actions = explorer.step();
      assert.ok(actions.length > 0, `step ${step}: no agent acted`);
      const live = explorer.liveSet();
      peak = Math.max(peak, live.size);
      for (const action of actions) {
        assert.ok(estate.graph.hasEntity(explorer.reach[action.agent]!.position));
        if (action.kind !== 'gain') continue;
        gains++;
        const after = explorer.reach[action.agent]!;
        // A gain only adds: everything reachable before still is, and the new entities are live.
        for (const id of before[action.agent]!) assert.ok(after.has(id), `step ${step}: gain lost ${id}`);
        if (after.size > before[action.agent]!.size) grew++;
        for (const id of after.entities()) assert.ok(live.has(id));
      }
    }
    assert.ok(gains > 0, 'the walk gained no credential');
    assert.ok(grew > 0, `no gain (of ${gains}) grew a ball`);
    assert.ok(peak * 20 < ENTITIES, `peak live set ${peak} is not far below ${ENTITIES}`);
  });

  it('explores through a realizer: few live entity actors, never above the hot balls, and the same run on either store', async () => {
    const run = async (store: 'graph' | 'compact') => {
      const estate = store === 'compact' ? generateEstate({ entities: ENTITIES, seed: 3, agents: 3, store: 'compact' }) : generateEstate({ entities: ENTITIES, seed: 3, agents: 3 });
      const system = quietSystem();
      const exploration = new RealizedExploration(system, estate.graph, estate.agents, { hotRadius: 1, warmRadius: 2, seed: 3 });
      const observations: Observation[] = [];
      let peak = 0;
      let gained = 0;
      let stats = await exploration.stats();
      for (let step = 0; step < 50; step++) {
        const result = await exploration.step();
        stats = result.stats;
        observations.push(...result.observations);
        gained += Object.keys(result.gained).length;
        assert.ok(stats.hot <= stats.hotBound, `step ${step}: live ${stats.hot} > bound ${stats.hotBound}`);
        assert.equal(system.inspect(exploration.realizer.path)?.childCount, stats.hot, `step ${step}: children of the realizer`);
        peak = Math.max(peak, stats.hot);
      }
      return { observations, peak, gained, stats };
    };
    const graph = await run('graph');
    const compact = await run('compact');
    assert.deepEqual(compact.observations, graph.observations, 'the store does not change what agents observe');
    assert.ok(graph.gained > 0, 'some agent took credentials from a store');
    assert.ok(graph.stats.warmActions > 0 && graph.stats.hotActions > 0, `both tiers answered (hot ${graph.stats.hotActions}, warm ${graph.stats.warmActions})`);
    assert.ok(graph.peak * 100 < ENTITIES, `peak live ${graph.peak} of ${ENTITIES}`);
    await terminateAll();
  });
});
