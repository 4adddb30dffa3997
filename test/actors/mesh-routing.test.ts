import assert from 'node:assert/strict';
import { ActorInitializationError } from '../../src/index.js';
import type { ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { AgentPropsError, DEFAULT_CAPABILITIES, agentClassOf, agentSimOf, checkAgentProps, configureHeartbeats } from '../../actors/mesh-types.js';
import type { AgentImpedances, GlobalImpedance, NoCapableAgent, TaskDone } from '../../actors/mesh-types.js';
import { IMPEDANCE_CLASSES } from '../../actors/impedance/index.js';
import type { ImpedanceClass } from '../../actors/impedance/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeConfig, TreeHandle } from '../../supervisors/config/index.js';
import { eventually, recordEvents, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const ORCH = '/user/orchestrator';
const clusterPath = (s: number, c: number) => `${ORCH}/sector-${s}/cluster-${c}`;
const agentPath = (s: number, c: number, a: number) => `${clusterPath(s, c)}/agent-${a}`;
const AGENTS = [0, 1].flatMap((s) => [0, 1].flatMap((c) => [0, 1, 2].map((a) => agentPath(s, c, a))));
const clusterOf = (path: string) => path.slice(0, path.lastIndexOf('/'));

/** The small mesh config with `props` on its agent node. */
function withAgentProps(props: unknown, options: { breakers?: boolean } = {}): TreeConfig {
  const config = structuredClone(smallMeshConfig(options)) as unknown as { root: { children: Array<{ children: Array<{ children: Array<Record<string, unknown>> }> }> } };
  config.root.children[0]!.children[0]!.children[0]!['props'] = props;
  return config as unknown as TreeConfig;
}

function mesh(config: TreeConfig = smallMeshConfig()): { system: ActorSystem; tree: TreeHandle } {
  const system = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate: 0 });
  configureHeartbeats(system, { enabled: false });
  return { system, tree: spawnTree(system, config) };
}

const ask = <R>(ref: ActorRef<any>, build: (replyTo: ActorRef<R>) => unknown): Promise<R> => ref.ask<R>(build as (replyTo: ActorRef<R>) => never, { timeoutMs: 3000 });
const route = (tree: TreeHandle, capability: string, task: unknown = { job: capability }) => ask<TaskDone | NoCapableAgent>(tree.root, (replyTo) => ({ type: 'route', capability, task, replyTo }));

/** Gives every agent one sample of latency `latencyOf(path)` (score = that latency), then beats. */
async function setScores(system: ActorSystem, tree: TreeHandle, latencyOf: (path: string) => number): Promise<void> {
  await ask(tree.root, (replyTo) => ({ type: 'wave', waveId: 1, register: true, replyTo }));
  for (const path of AGENTS) agentSimOf(system.lookup(path)!)!.profiler.record({ latencyMs: latencyOf(path), processingMs: 0, at: Date.now(), ok: true });
  await ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'heartbeat-now', replyTo }));
}

const routedEvents = (events: RuntimeEvent[]) => events.filter((e) => e.type === 'mesh-routed') as unknown as Array<{ capability: string; agent: string; score: number; cluster: string; skipped: number }>;

/** The class with the most agents in the small mesh (seed 0), its agents, and one of its capabilities. */
function busiestClass(): { cls: ImpedanceClass; capable: string[]; capability: string } {
  const cls = [...IMPEDANCE_CLASSES].sort((a, b) => AGENTS.filter((p) => agentClassOf(p, 0) === b).length - AGENTS.filter((p) => agentClassOf(p, 0) === a).length)[0]!;
  return { cls, capable: AGENTS.filter((p) => agentClassOf(p, 0) === cls), capability: DEFAULT_CAPABILITIES[cls][0]! };
}

describe('actors/mesh/capability-routing: route to the lowest-impedance capable agent (4.2, 4.3)', () => {
  it('picks the lowest score among capable agents across clusters, delivers the task, and says so in an event', async () => {
    const { system, tree } = mesh();
    const events = recordEvents(system);
    const { capable, capability } = busiestClass();
    assert.ok(capable.length >= 2 && capable.length < 12, `the small mesh mixes classes (${capable.length} of 12)`);
    const outsider = AGENTS.find((p) => !capable.includes(p))!;
    // The best agent overall cannot do it; among the capable ones the last (in another cluster than the first) is best.
    const best = capable[capable.length - 1]!;
    assert.notEqual(clusterOf(best), clusterOf(capable[0]!), 'the best capable agent is not in the first capable cluster');
    await setScores(system, tree, (p) => (p === outsider ? 1 : p === best ? 5 : 20 + AGENTS.indexOf(p)));
    const done = await route(tree, capability, { job: 42 });
    assert.equal(done.type, 'task-done');
    assert.equal((done as TaskDone).from, best);
    assert.deepEqual((done as TaskDone).task, { job: 42 });
    const [routed] = routedEvents(events);
    assert.equal(routed!.agent, best);
    assert.equal(routed!.capability, capability);
    assert.equal(routed!.score, 5);
    assert.equal(routed!.cluster, clusterOf(best));
  });

  it('skips a frozen cluster and a frozen sector for the next best agent', async () => {
    const { system, tree } = mesh(withAgentProps({ capabilities: ['x'] }));
    const events = recordEvents(system);
    // Every agent can do 'x'; scores rise with the index, so the order of preference is AGENTS'.
    await setScores(system, tree, (p) => 10 + AGENTS.indexOf(p));
    assert.equal(((await route(tree, 'x')) as TaskDone).from, AGENTS[0]);
    await ask(system.lookup(clusterPath(0, 0))!, (replyTo) => ({ type: 'freeze', replyTo }));
    assert.equal(((await route(tree, 'x')) as TaskDone).from, agentPath(0, 1, 0), 'the frozen cluster is skipped');
    await ask(system.lookup(`${ORCH}/sector-0`)!, (replyTo) => ({ type: 'freeze', replyTo }));
    assert.equal(((await route(tree, 'x')) as TaskDone).from, agentPath(1, 0, 0), 'the frozen sector is skipped');
    const [, second, third] = routedEvents(events);
    assert.ok(second!.skipped >= 1 && third!.skipped >= 1, 'the events count what was skipped');
    // Thawed, they are routable again at once (frozen states are checked live, not from the map).
    await ask(system.lookup(`${ORCH}/sector-0`)!, (replyTo) => ({ type: 'thaw', replyTo }));
    assert.equal(((await route(tree, 'x')) as TaskDone).from, agentPath(0, 1, 0));
    await ask(system.lookup(clusterPath(0, 0))!, (replyTo) => ({ type: 'thaw', replyTo }));
    assert.equal(((await route(tree, 'x')) as TaskDone).from, AGENTS[0]);
  });

  it('skips a cluster whose breaker is open', async () => {
    const { system, tree } = mesh(withAgentProps({ capabilities: ['x'] }, { breakers: true }));
    await setScores(system, tree, (p) => 10 + AGENTS.indexOf(p));
    tree.breakerAt(clusterPath(0, 0))!.trip();
    const done = (await route(tree, 'x')) as TaskDone;
    assert.equal(done.from, agentPath(0, 1, 0));
  });

  it('answers no-capable-agent (and publishes mesh-route-failed) when no agent can, or the capability is not a name', async () => {
    const { system, tree } = mesh();
    const events = recordEvents(system);
    await setScores(system, tree, () => 10);
    const none = (await route(tree, 'teleport', 'beam me up')) as NoCapableAgent;
    assert.deepEqual({ ...none, skipped: [...none.skipped] }, { type: 'no-capable-agent', capability: 'teleport', task: 'beam me up', reason: 'none-capable', skipped: [] });
    assert.equal(((await route(tree, '')) as NoCapableAgent).reason, 'invalid');
    assert.deepEqual(
      events.filter((e) => e.type === 'mesh-route-failed').map((e) => (e as unknown as { reason: string }).reason),
      ['none-capable', 'invalid'],
    );
  });

  it('routes before any heartbeat: the orchestrator beats first', async () => {
    const { tree } = mesh(withAgentProps({ capabilities: ['x'] }));
    const done = await route(tree, 'x');
    assert.equal(done.type, 'task-done');
  });

  it('props capabilities override the class defaults', async () => {
    const { system, tree } = mesh(withAgentProps({ capabilities: ['x', 'y'] }));
    await setScores(system, tree, () => 10);
    const lead = await ask<AgentImpedances>(system.lookup(clusterPath(1, 1))!, (replyTo) => ({ type: 'impedances', replyTo }));
    for (const a of lead.agents) assert.deepEqual(a.capabilities, ['x', 'y']);
    const map = (await ask<GlobalImpedance>(tree.root, (replyTo) => ({ type: 'impedance-map', replyTo }))).map!;
    assert.deepEqual(Object.keys(map.capabilities).sort(), ['x', 'y']);
    assert.equal(map.capabilities['y']!.agents, 12);
    const { capability } = busiestClass();
    assert.equal((await route(tree, capability)).type, 'no-capable-agent', 'the defaults are gone');
  });

  it('bad props are refused at spawn with a clear error naming the agent, the key and the value', async () => {
    const { system } = mesh(withAgentProps({ capabilities: 'x' }));
    await eventually(() => AGENTS.every((p) => system.lookup(p) === undefined), 'every agent with bad props to be stopped');
    assert.throws(() => checkAgentProps({ capabilities: 'x' }, '/a'), (e: unknown) => e instanceof AgentPropsError && e.message === `agent '/a': props.capabilities must be a non-empty array of capability names (got 'x')`);
    assert.throws(() => checkAgentProps({ capabilities: ['x', ''] }, '/a'), /agent '\/a': props\.capabilities\[1\] must be a non-empty string \(got ''\)/);
    assert.throws(() => checkAgentProps({ capabilities: ['x', 'x'] }, '/a'), /props\.capabilities\[1\] must be listed once/);
    assert.throws(() => checkAgentProps({ capabilites: ['x'] }, '/a'), /props\.capabilites must be absent \(agent props know only: capabilities\)/);
    assert.throws(() => checkAgentProps(7, '/a'), /agent '\/a': props must be an object/);
    assert.equal(checkAgentProps(undefined, '/a'), undefined);
    assert.deepEqual(checkAgentProps({ capabilities: ['b', 'a'] }, '/a'), ['b', 'a']);
  });

  it('a bad props failure is an actor-failed event whose cause is the AgentPropsError', async () => {
    const system = meshSystem({ speedup: 1000 });
    configureHeartbeats(system, { enabled: false });
    const events = recordEvents(system);
    spawnTree(system, withAgentProps({ capabilities: [1] }));
    await eventually(() => events.filter((e) => e.type === 'actor-failed').length >= 12, 'twelve failures');
    const failure = events.find((e) => e.type === 'actor-failed' && e.path === AGENTS[0]) as unknown as { error: unknown };
    assert.ok(failure.error instanceof ActorInitializationError);
    const cause = (failure.error as Error).cause;
    assert.ok(cause instanceof AgentPropsError);
    assert.equal(cause.message, `agent '${AGENTS[0]}': props.capabilities[0] must be a non-empty string (got 1)`);
  });
});
