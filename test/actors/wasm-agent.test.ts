import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem, ExtensionEvent, RuntimeEvent } from '../../src/index.js';
import { configureHeartbeats } from '../../actors/mesh-types.js';
import type { WaveReport } from '../../actors/mesh-types.js';
import { configureWasm, WasmAgentPropsError } from '../../actors/wasm-agent.js';
import type { Decided } from '../../actors/wasm-agent.js';
import { MICRO_AGENTS } from '../../src/wasm/agents/index.js';
import { CONFLICT_TYPES, classifyConflictPriority, escalationTargets } from '../../actors/protocol/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeConfig } from '../../supervisors/config/index.js';
import { eventually, recordEvents, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';
import { ensureAsmBuilt, TRAP_FIXTURE } from '../support/wasm-fixtures.js';

/**
 * The wasm agent in the mesh (issue 8): a tree whose clusters mix plain agents and wasm
 * agents runs its waves unchanged, the wasm agents decide through the runner's worker
 * threads (real compiled modules), and a trap is a supervised failure.
 */

const ORCH = '/user/orchestrator';
const FIXTURES_URL = new URL('../support/wasm-fixtures.ts', import.meta.url).href;
const AGENTS_URL = new URL('../../src/wasm/agents/index.ts', import.meta.url).href;

before(function () {
  this.timeout(60_000);
  ensureAsmBuilt();
});
afterEach(terminateAll);

/** 2 sectors x 2 clusters: 3 plain agents and 3 wasm agents (conflict classification) per cluster. */
function mixedMesh(wasmProps: Record<string, unknown> = { module: 'conflict', timeoutMs: 2000 }): TreeConfig {
  return smallMeshConfig({ extraClusterChildren: [{ type: 'wasm-agent', name: 'wasm-{i}', replicas: 3, restart: 'transient', props: wasmProps }] });
}

function system(): ActorSystem {
  const s = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 500, conflictRate: 0 });
  configureHeartbeats(s, { enabled: false });
  return s;
}

const ofType = (events: RuntimeEvent[], type: string, path?: string): ExtensionEvent[] =>
  events.filter((e) => e.type === type && (path === undefined || e.path === path)) as ExtensionEvent[];
const decide = (ref: ActorRef<any>, rows: number[][]): Promise<Decided> => ref.ask<Decided>((replyTo) => ({ type: 'decide', rows, replyTo }), { timeoutMs: 5000 });

describe('actors/wasm-agent: wasm agents in the mesh', () => {
  it('a mesh with wasm agents answers its waves, and the wasm agents classify conflicts as 5.1 does', async function () {
    this.timeout(20_000);
    const s = system();
    const events = recordEvents(s);
    configureWasm(s, { runner: { threads: 2, mode: 'wasm' } });
    const tree = spawnTree(s, mixedMesh());
    const report = await tree.root.ask<WaveReport>((replyTo) => ({ type: 'wave', waveId: 1, replyTo }), { timeoutMs: 5000 });
    assert.equal(report.counts.ready, 24, 'all 12 plain and 12 wasm agents acknowledged the wave');
    assert.equal(report.missing, 0);

    // Every conflict type on both sides of its threshold, decided by one wasm agent.
    const rows: number[][] = [];
    for (let t = 0; t < CONFLICT_TYPES.length; t++) for (const [depth, count] of [[0, 0], [11, 101], [10, 100]]) rows.push([t, depth!, count!]);
    const wasm = s.lookup(`${ORCH}/sector-1/cluster-0/wasm-2`)!;
    const decided = await decide(wasm, rows);
    assert.equal(decided.module, 'conflict');
    const expected = rows.map(([t, depth, count]) => {
      const priority = classifyConflictPriority({ type: CONFLICT_TYPES[t!]!, divergenceDepth: depth!, affectsAgentCount: count! });
      return [priority, escalationTargets(priority).length];
    });
    assert.deepEqual(decided.outputs, expected);
    const stats = await wasm.ask<{ decisions: number }>((replyTo) => ({ type: 'wasm-stats', replyTo }));
    assert.equal(stats.decisions, rows.length);
    assert.equal(ofType(events, 'wasm-fallback').length, 0, 'ran as WebAssembly');
  });

  it('a trap inside wasm fails the agent: the asker hears at once, its cluster lead restarts it, and the next decision works', async function () {
    this.timeout(20_000);
    const s = system();
    const events = recordEvents(s);
    configureWasm(s, { agents: [...Object.values(MICRO_AGENTS), TRAP_FIXTURE], runner: { threads: 1, mode: 'wasm', twins: [AGENTS_URL, FIXTURES_URL] } });
    const tree = spawnTree(s, mixedMesh({ module: 'trap' }));
    const path = `${ORCH}/sector-0/cluster-1/wasm-0`;
    const agent = s.lookup(path)!;
    await assert.rejects(decide(agent, [[1]]), /trap/i);
    await eventually(() => ofType(events, 'actor-restarted', path).length === 1, 'restarted by its cluster lead', 5000);
    assert.ok(ofType(events, 'wasm-trap').some((e) => e['agent'] === 'trap'));
    const decided = await decide(s.lookup(path)!, [[2], [5]]);
    assert.deepEqual(decided.outputs, [[3], [6]]);
    void tree;
  });

  it('with ACTORMESH_WASM=off the wasm agents decide with the JavaScript twins, and the fallback is an event', async function () {
    this.timeout(20_000);
    const saved = process.env['ACTORMESH_WASM'];
    process.env['ACTORMESH_WASM'] = 'off';
    try {
      const s = system();
      const events = recordEvents(s);
      configureWasm(s, { runner: { threads: 1 } });
      spawnTree(s, mixedMesh({ module: 'impedance' }));
      const row = [10, 20, 3, 2, 0.9, 1, 0.1, 500];
      const decided = await decide(s.lookup(`${ORCH}/sector-0/cluster-0/wasm-1`)!, [row]);
      const twin = new Float64Array(3);
      MICRO_AGENTS['impedance']!.js(Float64Array.from(row), twin, 1);
      assert.deepEqual(decided.outputs, [Array.from(twin)]);
      assert.equal(ofType(events, 'wasm-fallback')[0]?.['reason'], 'ACTORMESH_WASM=off');
    } finally {
      if (saved === undefined) delete process.env['ACTORMESH_WASM'];
      else process.env['ACTORMESH_WASM'] = saved;
    }
  });

  it('bad props and bad rows are refused with errors naming the agent and what was wrong', async function () {
    this.timeout(20_000);
    const s = system();
    const events = recordEvents(s);
    spawnTree(s, mixedMesh({ module: 'nonesuch' }));
    await eventually(() => ofType(events, 'actor-failed').some((e) => String(e.path).endsWith('/wasm-0')), 'a wasm agent failed to start');
    const failure = ofType(events, 'actor-failed').find((e) => String(e.path).endsWith('/wasm-0'))!;
    const cause = (failure.error as Error & { cause?: unknown }).cause;
    assert.ok(cause instanceof WasmAgentPropsError, String(cause));
    assert.match(cause.message, /props\.module must name a micro-agent \(impedance, routing, conflict\), got "nonesuch"/);

    const s2 = system();
    spawnTree(s2, mixedMesh({ module: 'routing', timeoutMs: 2000 }));
    const agent = s2.lookup(`${ORCH}/sector-0/cluster-0/wasm-0`)!;
    await assert.rejects(decide(agent, [[1, 2, 3]]), /row 0 must have 32 numbers for 'routing' \(got 3\)/);
    // A value outside its column's range never crosses into wasm: the runner names row and column.
    const bad = Array.from({ length: 32 }, () => 0);
    bad[2] = Number.NaN;
    await assert.rejects(s2.lookup(`${ORCH}/sector-0/cluster-0/wasm-1`)!.ask((replyTo) => ({ type: 'decide', rows: [bad], replyTo })), /row 0.*column/);
  });
});
