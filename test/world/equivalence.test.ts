import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompactWorld, WorldBuilder, verifyPath } from '../../src/index.js';
import type { AgentSpec, EntityAction, JsonValue, OraclePath, PathStep, Step, VerifyResult, WorldTopology } from '../../src/index.js';
import { quietSystem, terminateAll } from '../support/helpers.js';
import { TEST_KINDS } from './world-kinds.js';

afterEach(terminateAll);

/**
 * The admission-equivalence guarantee (ADR 0007), as a property: for random worlds (kinds,
 * gated edges, credentials in store states) and random oracle paths (moves along edges,
 * blocked moves, reads and acts near and far, failing actions, credential gains, pauses that
 * let idle passivation run), the lazy world (the realizer) observes exactly what the fully
 * realized world does, step by step, and ends in the same state; live actors never exceed the
 * union of the hot balls. 200 cases here; NIGHTLY=1 runs 2,000 on larger worlds.
 */
const NIGHTLY = process.env.NIGHTLY === '1';
const RUNS = NIGHTLY ? 2_000 : 200;
const MAX_ENTITIES = NIGHTLY ? 40 : 16;
const MAX_STEPS = NIGHTLY ? 60 : 24;
const NAMES = ['a', 'b', 'c'] as const;
const KINDS = ['counter', 'guestbook', 'store', 'rock'] as const;

interface WorldSpec {
  readonly entities: readonly { kind: (typeof KINDS)[number]; credentials: string[]; seeded: number | null }[];
  readonly edges: readonly { from: number; to: number; requires: string[]; distance: number }[];
}

/** A world from its spec, as a WorldGraph or a CompactWorld. */
function build(spec: WorldSpec, compact: boolean): WorldTopology {
  const b = new WorldBuilder();
  spec.entities.forEach((e, i) => {
    const state: JsonValue | undefined = e.kind === 'store' ? { credentials: e.credentials, taken: 0 } : e.kind === 'counter' && e.seeded !== null ? { n: e.seeded } : undefined;
    b.addEntity(`n${i}`, e.kind, state);
  });
  const seen = new Set<string>();
  for (const e of spec.edges) {
    const key = `${e.from % spec.entities.length}>${e.to % spec.entities.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    b.addEdge(`n${e.from % spec.entities.length}`, `n${e.to % spec.entities.length}`, { requires: e.requires, distance: e.distance });
  }
  const graph = b.build().graph;
  return compact ? CompactWorld.from(graph) : graph;
}

const names = fc.subarray([...NAMES]);
const worldSpec = fc.integer({ min: 2, max: MAX_ENTITIES }).chain((n) =>
  fc.record({
    entities: fc.array(fc.record({ kind: fc.constantFrom(...KINDS), credentials: names, seeded: fc.option(fc.integer({ min: 0, max: 5 })) }), { minLength: n, maxLength: n }),
    edges: fc.array(
      fc.record({
        from: fc.nat(n - 1),
        to: fc.nat(n - 1),
        requires: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 2, arbitrary: names }),
        distance: fc.constantFrom(1, 1, 1, 2),
      }),
      { minLength: n, maxLength: 3 * n },
    ),
  }),
);

/** An action as data: one the target's kind knows (usually), or any of them (it may fail). */
interface ActionSpec {
  readonly fit: boolean;
  readonly variant: number;
  readonly by: number;
}
const action: fc.Arbitrary<ActionSpec> = fc.record({ fit: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }), variant: fc.nat(9), by: fc.integer({ min: -3, max: 5 }) });

const ALL_ACTIONS = ['inc', 'risky', 'sign', 'take', 'zap'] as const; // 'zap': no kind knows it
const FITTING: Record<string, readonly string[]> = { counter: ['inc', 'inc', 'risky'], guestbook: ['sign'], store: ['take'], rock: ['kick'] };

/** The concrete action on `entity` (its kind read from the world at resolution time). */
function actionFor(world: WorldTopology, entity: string, spec: ActionSpec): EntityAction {
  const choices = spec.fit && world.hasEntity(entity) ? FITTING[world.kindOf(entity)]! : ALL_ACTIONS;
  const type = choices[spec.variant % choices.length]!;
  return type === 'inc' ? { type, by: spec.by } : { type };
}

/** A step drawn as data; moves pick the k-th out-edge of wherever the agent stands then. */
type StepSpec =
  | { op: 'move-near'; agent: number; k: number }
  | { op: 'move-far'; agent: number; to: number }
  | { op: 'read'; agent: number; entity: number }
  | { op: 'act'; agent: number; entity: number; action: ActionSpec }
  | { op: 'act-near'; agent: number; k: number; action: ActionSpec }
  | { op: 'act-here'; agent: number; action: ActionSpec }
  | { op: 'act-2hop'; agent: number; k: number; j: number; action: ActionSpec }
  | { op: 'ghost' }
  | { op: 'gain'; agent: number; name: string };

const stepSpec: fc.Arbitrary<StepSpec> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('move-near' as const), agent: fc.nat(2), k: fc.nat(5) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('move-far' as const), agent: fc.nat(2), to: fc.nat(MAX_ENTITIES + 2) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('read' as const), agent: fc.nat(2), entity: fc.nat(MAX_ENTITIES) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('act' as const), agent: fc.nat(2), entity: fc.nat(MAX_ENTITIES), action }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('act-near' as const), agent: fc.nat(2), k: fc.nat(5), action }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('act-here' as const), agent: fc.nat(2), action }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('act-2hop' as const), agent: fc.nat(2), k: fc.nat(5), j: fc.nat(5), action }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gain' as const), agent: fc.nat(2), name: fc.constantFrom(...NAMES) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ghost' as const) }) },
);

/** The k-th out-neighbour of `position` (the position itself when it has none). */
function neighbour(world: WorldTopology, position: string, k: number): string {
  const out: string[] = [];
  world.forEachOutEdge(position, (_edge, _attributes, target) => void out.push(target));
  return out.length === 0 ? position : out[k % out.length]!;
}

function pathOf(spec: WorldSpec, agentSpecs: readonly { position: number; holdings: string[] }[], steps: readonly StepSpec[]): OraclePath {
  const n = spec.entities.length;
  const agents: AgentSpec[] = agentSpecs.map((a, i) => ({ id: `ag${i}`, position: `n${a.position % n}`, credentials: a.holdings, capabilities: [] }));
  const pathSteps: PathStep[] = steps.map((s): PathStep => {
    if (s.op === 'ghost') return { agent: 'ghost', step: { op: 'read', entity: 'n0' } };
    const agent = `ag${s.agent % agents.length}`;
    switch (s.op) {
      case 'move-near':
        return { agent, choose: (at, world) => ({ op: 'move', to: neighbour(world, at.position, s.k) }) };
      case 'move-far':
        return { agent, step: { op: 'move', to: `n${s.to}` } };
      case 'read':
        return { agent, step: { op: 'read', entity: `n${s.entity % n}` } };
      case 'act':
        return { agent, choose: (_at, world): Step => ({ op: 'act', entity: `n${s.entity % n}`, action: actionFor(world, `n${s.entity % n}`, s.action) }) };
      case 'act-near':
        return {
          agent,
          choose: (at, world): Step => {
            const entity = neighbour(world, at.position, s.k);
            return { op: 'act', entity, action: actionFor(world, entity, s.action) };
          },
        };
      case 'act-here':
        return { agent, choose: (at, world): Step => ({ op: 'act', entity: at.position, action: actionFor(world, at.position, s.action) }) };
      case 'act-2hop':
        return {
          agent,
          choose: (at, world): Step => {
            const entity = neighbour(world, neighbour(world, at.position, s.k), s.j);
            return { op: 'act', entity, action: actionFor(world, entity, s.action) };
          },
        };
      case 'gain':
        return { agent, step: { op: 'gain', name: s.name } };
    }
  });
  return { agents, steps: pathSteps };
}

const scenario = fc.record({
  world: worldSpec,
  agents: fc.array(fc.record({ position: fc.nat(MAX_ENTITIES), holdings: names }), { minLength: 1, maxLength: 3 }),
  steps: fc.array(stepSpec, { minLength: 1, maxLength: MAX_STEPS, size: 'max' }),
  // Small hot radii and a wider sight, so that both tiers answer and entities cross between them.
  hotRadius: fc.constantFrom(0, 0, 1, 1, 2),
  warmExtra: fc.constantFrom(0, 1, 1, 2, 2),
  idle: fc.boolean(),
  pauses: fc.array(fc.nat(MAX_STEPS), { maxLength: 3 }),
  compact: fc.boolean(),
});

function explain(result: VerifyResult): string {
  return JSON.stringify({ mismatch: result.mismatch, steps: result.steps }, null, 1).slice(0, 4000);
}

describe('lazy realization: admission equivalence (verifier and property)', function () {
  this.timeout(NIGHTLY ? 1_200_000 : 120_000);

  it(`observes and ends exactly as the fully realized world, with live actors within the hot balls (${RUNS} random worlds and paths)`, async () => {
    const system = quietSystem();
    let hot = 0;
    let warm = 0;
    const tally = new Map<string, number>();
    let passivated = 0;
    let failedActions = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const pauses = new Set(s.pauses);
        const result = await verifyPath(system, pathOf(s.world, s.agents, s.steps), {
          world: () => build(s.world, s.compact),
          kinds: TEST_KINDS,
          hotRadius: s.hotRadius,
          warmRadius: s.hotRadius + s.warmExtra,
          idleMs: s.idle ? 2 : 0,
          pauseBefore: (i) => (s.idle && pauses.has(i) ? 6 : 0),
        });
        assert.ok(result.equivalent, explain(result));
        hot += result.stats.hotActions;
        warm += result.stats.warmActions;
        passivated += result.stats.passivations;
        for (const o of result.observations) tally.set(o.ok ? o.op : o.reason, (tally.get(o.ok ? o.op : o.reason) ?? 0) + 1);
        failedActions += result.observations.filter((o) => !o.ok && o.reason === 'entity-failed').length;
      }),
      { numRuns: RUNS, seed: NIGHTLY ? undefined : 0x7e57 },
    );
    if (process.env.TALLY === '1') console.log({ hot, warm, passivated, failedActions, tally });
    // The property must have exercised what it claims to: actors answering, passivations, failures.
    assert.ok(hot > RUNS, `hot actions ${hot}`);
    assert.ok(warm > RUNS / 4, `warm actions ${warm}`);
    assert.ok(passivated > RUNS, `passivations ${passivated}`);
    assert.ok(failedActions > 10, `failed actions ${failedActions}`);
  });

  it('catches a lazy world that differs: a kind that reads the clock is not equivalent', async () => {
    // A deliberately impure kind: the realizer's warm answer and the full world's actor run at
    // different moments, so the verifier must report a mismatch rather than pass.
    let calls = 0;
    const impure = { ...TEST_KINDS, counter: { act: () => ({ state: { n: ++calls }, reply: calls }) } };
    const graph = (): WorldTopology => new WorldBuilder().addEntity('x', 'counter').addEntity('y', 'counter').addEdge('x', 'y').build().graph;
    const result = await verifyPath(
      quietSystem(),
      { agents: [{ id: 'a', position: 'x', credentials: [], capabilities: [] }], steps: [{ agent: 'a', step: { op: 'act', entity: 'y', action: { type: 'inc' } } }] },
      { world: graph, kinds: impure, hotRadius: 0, warmRadius: 1 },
    );
    assert.equal(result.equivalent, false);
    assert.equal(result.mismatch?.at, 'step');
  });
});
