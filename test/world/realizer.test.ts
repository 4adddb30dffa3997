import assert from 'node:assert/strict';
import { WorldBuilder, spawnRealizer } from '../../src/index.js';
import type { ActorRef, ActorSystem, AgentSpec, JsonValue, Observation, RealizerMessage, RealizerOptions, RealizerStats, RuntimeEvent, Step, Tier, WorldGraph } from '../../src/index.js';
import { eventually, quietSystem, recordEvents, sleep, terminateAll } from '../support/helpers.js';
import { TEST_KINDS } from './world-kinds.js';

afterEach(terminateAll);

/**
 * A line of ten counters e0 <-> e1 <-> ... <-> e9 (open, distance 1), except e4 -> e5 which
 * requires 'k' (e5 -> e4 is open). Off e1 hang a store `s` holding 'k' (e1 <-> s), a rock `r`
 * (e1 -> r, no behaviour) and a guestbook `g` (e0 -> g).
 */
function line(): WorldGraph {
  const b = new WorldBuilder();
  for (let i = 0; i < 10; i++) b.addEntity(`e${i}`, 'counter');
  b.addEntity('s', 'store', { credentials: ['k'], taken: 0 }).addEntity('r', 'rock').addEntity('g', 'guestbook');
  for (let i = 0; i < 9; i++) {
    b.addEdge(`e${i}`, `e${i + 1}`, i === 4 ? { requires: ['k'] } : {});
    b.addEdge(`e${i + 1}`, `e${i}`);
  }
  b.addEdge('e1', 's').addEdge('s', 'e1').addEdge('e1', 'r').addEdge('e0', 'g');
  return b.build().graph;
}

const scout: AgentSpec = { id: 'scout', position: 'e0', credentials: [], capabilities: [] };

interface Harness {
  system: ActorSystem;
  world: WorldGraph;
  ref: ActorRef<RealizerMessage>;
  events: RuntimeEvent[];
  step(step: Step, agent?: string): Promise<Observation>;
  tier(entity: string): Promise<Tier>;
  stats(): Promise<RealizerStats>;
  join(agent: AgentSpec): Promise<Observation>;
}

function start(options: Partial<RealizerOptions> = {}, world = line()): Harness {
  const system = quietSystem();
  const events = recordEvents(system);
  const ref = spawnRealizer(system, { world, kinds: TEST_KINDS, hotRadius: 1, warmRadius: 2, ...options });
  return {
    system,
    world,
    ref,
    events,
    step: (step, agent = 'scout') => ref.ask((replyTo) => ({ type: 'step', agent, step, replyTo })),
    tier: (entity) => ref.ask((replyTo) => ({ type: 'tier', entity, replyTo })),
    stats: () => ref.ask((replyTo) => ({ type: 'stats', replyTo })),
    join: (agent) => ref.ask((replyTo) => ({ type: 'join', agent, replyTo })),
  };
}

async function tiers(h: Harness, entities: string[]): Promise<Record<string, Tier>> {
  const out: Record<string, Tier> = {};
  for (const e of entities) out[e] = await h.tier(e);
  return out;
}

const entityEvents = (events: RuntimeEvent[], type: string): string[] => events.filter((e) => e.type === type).map((e) => (e as { entity?: string }).entity!);
const inc = (entity: string, by = 1): Step => ({ op: 'act', entity, action: { type: 'inc', by } });

describe('realizer: tiers', () => {
  it('an agent joining makes its hot ball live actors, its sight warm, the rest cold, each transition an event', async () => {
    const h = start();
    assert.deepEqual(await h.join(scout), { ok: true, op: 'join', agent: 'scout', position: 'e0' });
    assert.deepEqual(await tiers(h, ['e0', 'e1', 'g', 'e2', 's', 'r', 'e3', 'e9']), { e0: 'hot', e1: 'hot', g: 'hot', e2: 'warm', s: 'warm', r: 'warm', e3: 'cold', e9: 'cold' });
    assert.deepEqual(entityEvents(h.events, 'world-promoted').sort(), ['e0', 'e1', 'g']);
    assert.deepEqual(entityEvents(h.events, 'world-warmed').sort(), ['e0', 'e1', 'e2', 'g', 'r', 's']);
    const stats = await h.stats();
    assert.equal(stats.hot, 3);
    assert.equal(stats.hotBound, 3);
    assert.equal(stats.warm, 3);
    // The live actors are real children of the realizer.
    assert.deepEqual(h.system.inspect(h.ref.path)?.children().map((c) => c.type), ['entityActor', 'entityActor', 'entityActor']);
  });

  it('moving promotes what comes into the hot radius and passivates and cools what falls behind', async () => {
    const h = start({ agents: [scout] });
    assert.deepEqual(await h.step({ op: 'move', to: 'e1' }), { ok: true, op: 'move', position: 'e1' });
    assert.deepEqual(await tiers(h, ['e0', 'e1', 'e2', 'e3', 'g']), { e0: 'hot', e1: 'hot', e2: 'hot', e3: 'warm', g: 'warm' });
    assert.deepEqual(entityEvents(h.events, 'world-passivated'), ['g']);
    await h.step({ op: 'move', to: 'e2' });
    await h.step({ op: 'move', to: 'e3' });
    assert.deepEqual(await tiers(h, ['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'g']), { e0: 'cold', e1: 'warm', e2: 'hot', e3: 'hot', e4: 'hot', e5: 'cold', g: 'cold' }, 'e5 lies behind the gated edge');
    assert.deepEqual(entityEvents(h.events, 'world-cooled').sort(), ['e0', 'g', 'r', 's']);
    const passivated = h.events.filter((e) => e.type === 'world-passivated');
    assert.ok(passivated.every((e) => (e as { reason?: string }).reason === 'out-of-reach'));
    assert.equal((await h.stats()).hot, 3);
  });

  it('passivation saves the actor state to the world and the next promotion restores it exactly', async () => {
    const h = start({ agents: [scout] });
    await h.step(inc('e0', 2));
    await h.step(inc('e0', 3));
    assert.equal(h.world.stateOf('e0'), undefined, 'while hot the state lives in the actor');
    await h.step({ op: 'move', to: 'e1' });
    await h.step({ op: 'move', to: 'e2' });
    assert.deepEqual(h.world.stateOf('e0'), { n: 5 }, 'saved when passivated');
    await h.step({ op: 'move', to: 'e1' });
    assert.equal(await h.tier('e0'), 'hot');
    assert.deepEqual(await h.step(inc('e0')), { ok: true, op: 'act', entity: 'e0', reply: 6, granted: [] });
  });

  it('an action in the warm band is answered from the world by the same kind function, with no actor', async () => {
    const h = start({ agents: [scout] });
    const before = (await h.stats()).promotions;
    assert.deepEqual(await h.step(inc('e2', 4)), { ok: true, op: 'act', entity: 'e2', reply: 4, granted: [] });
    assert.deepEqual(await h.step({ op: 'read', entity: 'e2' }), { ok: true, op: 'read', entity: 'e2', kind: 'counter', view: { n: 4 } });
    assert.deepEqual(h.world.stateOf('e2'), { n: 4 });
    assert.equal(await h.tier('e2'), 'warm');
    const stats = await h.stats();
    assert.equal(stats.promotions, before);
    assert.equal(stats.warmActions, 1);
    // ... and the actor, when e2 is promoted, starts from that state.
    await h.step({ op: 'move', to: 'e1' });
    assert.deepEqual(await h.step(inc('e2')), { ok: true, op: 'act', entity: 'e2', reply: 5, granted: [] });
    assert.equal((await h.stats()).hotActions, 1);
  });

  it('a credential handed over by a store opens the gated edge and the realizer extends the tiers past it', async () => {
    const h = start({ agents: [scout], hotRadius: 1, warmRadius: 1 });
    for (const to of ['e1', 'e2', 'e3', 'e4']) await h.step({ op: 'move', to });
    assert.deepEqual(await h.step({ op: 'move', to: 'e5' }), { ok: false, op: 'move', reason: 'blocked', detail: "'e4' -> 'e5' requires k" });
    assert.equal(await h.tier('e5'), 'cold');
    for (const to of ['e3', 'e2', 'e1']) await h.step({ op: 'move', to });
    assert.deepEqual(await h.step({ op: 'act', entity: 's', action: { type: 'take' } }), { ok: true, op: 'act', entity: 's', reply: 1, granted: ['k'] });
    assert.deepEqual(await h.step({ op: 'act', entity: 's', action: { type: 'take' } }), { ok: true, op: 'act', entity: 's', reply: 2, granted: [] }, 'a credential already held is not granted again');
    for (const to of ['e2', 'e3', 'e4']) await h.step({ op: 'move', to });
    assert.equal(await h.tier('e5'), 'hot', 'the edge opened: e5 is within the hot radius now');
    assert.deepEqual(await h.step({ op: 'move', to: 'e5' }), { ok: true, op: 'move', position: 'e5' });
  });

  it('a gain step opens the same edges as a store would', async () => {
    const h = start({ agents: [{ ...scout, position: 'e4' }] });
    assert.equal(await h.tier('e5'), 'cold');
    assert.deepEqual(await h.step({ op: 'gain', name: 'k' }), { ok: true, op: 'gain', name: 'k', gained: true });
    assert.deepEqual(await tiers(h, ['e5', 'e6']), { e5: 'hot', e6: 'warm' });
    assert.deepEqual(await h.step({ op: 'gain', name: 'k' }), { ok: true, op: 'gain', name: 'k', gained: false });
  });
});

describe('realizer: refusals name what was wrong', () => {
  it('refuses unknown agents, entities, missing edges, out-of-reach targets, kinds without behaviour and malformed steps', async () => {
    const h = start({ agents: [scout] });
    assert.deepEqual(await h.step({ op: 'read', entity: 'e0' }, 'ghost'), { ok: false, op: 'read', reason: 'unknown-agent', detail: "no agent 'ghost'" });
    assert.deepEqual(await h.step({ op: 'move', to: 'nowhere' }), { ok: false, op: 'move', reason: 'unknown-entity', detail: "no entity 'nowhere'" });
    assert.deepEqual(await h.step({ op: 'move', to: 'e2' }), { ok: false, op: 'move', reason: 'no-edge', detail: "no edge 'e0' -> 'e2'" });
    assert.deepEqual(await h.step(inc('e5')), { ok: false, op: 'act', reason: 'out-of-reach', detail: "'e5' is not within distance 2" });
    assert.deepEqual(await h.step({ op: 'read', entity: 'e3' }), { ok: false, op: 'read', reason: 'out-of-reach', detail: "'e3' is not within distance 2" });
    assert.deepEqual(await h.step({ op: 'act', entity: 'r', action: { type: 'kick' } }), { ok: false, op: 'act', reason: 'no-behaviour', detail: "entities of kind 'rock' take no actions" });
    assert.deepEqual(await h.step({ op: 'fly' } as unknown as Step), { ok: false, op: 'fly', reason: 'bad-step', detail: "unknown step op 'fly' (expected move, gain, read or act)" });
    assert.deepEqual(await h.join(scout), { ok: false, op: 'join', reason: 'agent-exists', detail: "agent 'scout' has already joined" });
    assert.deepEqual(await h.join({ ...scout, id: 'lost', position: 'atlantis' }), { ok: false, op: 'join', reason: 'unknown-entity', detail: "agent 'lost': no entity 'atlantis' to stand on" });
  });

  it('refuses bad options before it starts', () => {
    const system = quietSystem();
    const world = line();
    assert.throws(() => spawnRealizer(system, { world, kinds: TEST_KINDS, hotRadius: -1 }), /hotRadius must be a number >= 0 \(got -1\)/);
    assert.throws(() => spawnRealizer(system, { world, kinds: TEST_KINDS, hotRadius: 2, warmRadius: 1 }), /warmRadius must be a number >= hotRadius 2 \(got 1\)/);
    assert.throws(() => spawnRealizer(system, { world, kinds: TEST_KINDS, hotRadius: 1, idleMs: Number.NaN }), /idleMs must be a finite number >= 0/);
  });
});

describe('realizer: supervision and passivation', () => {
  it('an entity whose kind throws fails the action, is restarted by the realizer and keeps its last committed state', async () => {
    const h = start({ agents: [scout] });
    await h.step(inc('e0')); // n = 1: risky throws on odd counts
    const failed = await h.step({ op: 'act', entity: 'e0', action: { type: 'risky' } });
    assert.deepEqual(failed, { ok: false, op: 'act', reason: 'entity-failed', detail: 'odd count 1' });
    await eventually(() => h.events.some((e) => e.type === 'actor-restarted'), 'the entity actor restarted');
    assert.deepEqual(await h.step(inc('e0')), { ok: true, op: 'act', entity: 'e0', reply: 2, granted: [] }, 'the failed action changed nothing');
    assert.deepEqual(await h.step({ op: 'act', entity: 'e0', action: { type: 'risky' } }), { ok: true, op: 'act', entity: 'e0', reply: 'ok', granted: [] });
    assert.equal(await h.tier('e0'), 'hot');
  });

  it('passivates hot entities idle past idleMs and promotes one again when an agent acts on it', async () => {
    const h = start({ agents: [scout], idleMs: 20 });
    await h.step(inc('e1', 7));
    await eventually(() => entityEvents(h.events, 'world-passivated').length === 3, 'the three hot entities passivated for idleness', 3000);
    assert.ok(h.events.filter((e) => e.type === 'world-passivated').every((e) => (e as { reason?: string }).reason === 'idle'));
    assert.equal(await h.tier('e1'), 'warm');
    assert.deepEqual(h.world.stateOf('e1'), { n: 7 });
    assert.deepEqual(await h.step(inc('e1')), { ok: true, op: 'act', entity: 'e1', reply: 8, granted: [] });
    const promoted = h.events.filter((e) => e.type === 'world-promoted' && (e as { entity?: string }).entity === 'e1');
    assert.deepEqual(
      promoted.map((e) => (e as { reason?: string }).reason),
      ['reach', 'action'],
    );
  });

  it('keeps live actors within the union of the hot balls as agents come and go, and saves every hot entity when it stops', async () => {
    const h = start();
    await h.join(scout);
    await h.join({ ...scout, id: 'b', position: 'e9' });
    await h.join({ ...scout, id: 'c', position: 'e1' });
    let stats = await h.stats();
    assert.equal(stats.hot, stats.hotBound);
    assert.equal(stats.hot, 8, 'e0 e1 g e2 s r from two overlapping balls, e8 e9 from the third');
    await h.step(inc('e9', 9), 'b');
    await h.ref.ask<Observation>((replyTo) => ({ type: 'leave', agent: 'c', replyTo }));
    stats = await h.stats();
    assert.equal(stats.hot, 5);
    await h.system.stop(h.ref);
    assert.deepEqual(h.world.stateOf('e9'), { n: 9 }, 'saved on stop');
    assert.equal(entityEvents(h.events, 'world-passivated').filter((e) => e === 'e9').length, 1);
  });

  it('reports the end state: agents with their holdings and every entity state, hot ones from their actors', async () => {
    const h = start({ agents: [scout] });
    await h.step(inc('e0', 2));
    await h.step(inc('e2', 3));
    await h.step({ op: 'act', entity: 'g', action: { type: 'sign' } });
    const end = await h.ref.ask<{ agents: Record<string, unknown>; entities: Record<string, JsonValue> }>((replyTo) => ({ type: 'end-state', replyTo }));
    assert.deepEqual(end.agents, { scout: { position: 'e0', holdings: [] } });
    assert.deepEqual(end.entities, { e0: { n: 2 }, e2: { n: 3 }, g: { guests: ['scout'] }, s: { credentials: ['k'], taken: 0 } });
  });
});

describe('realizer: events only when observed', () => {
  it('publishes no tier events nobody listens to, and still moves the tiers', async () => {
    const system = quietSystem();
    const ref = spawnRealizer(system, { world: line(), kinds: TEST_KINDS, hotRadius: 1, agents: [scout] });
    await sleep(5);
    const stats = await ref.ask<RealizerStats>((replyTo) => ({ type: 'stats', replyTo }));
    assert.equal(stats.promotions, 3);
    assert.equal(system.eventsObserved, false);
  });
});
