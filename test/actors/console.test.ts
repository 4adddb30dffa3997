import assert from 'node:assert/strict';
import type { ActorSystem } from '../../src/index.js';
import { agentClassOf, agentSimOf, meshQuarantine } from '../../actors/mesh-types.js';
import type { MeshSettings } from '../../actors/mesh-types.js';
import { MeshConsole, MeshRefusedError } from '../../actors/mesh/console.js';
import type { ImpedanceClass } from '../../actors/impedance/index.js';
import { spawnTree } from '../../supervisors/config/index.js';
import type { TreeHandle } from '../../supervisors/config/index.js';
import { QuarantineStore } from '../../supervisors/quarantine.js';
import { eventually, recordEvents, terminateAll } from '../support/helpers.js';
import { meshSystem, smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const SMALL = smallMeshConfig({ breakers: true });

const S0 = '/user/orchestrator/sector-0';
const S1 = '/user/orchestrator/sector-1';
const agentPath = (s: number, c: number, a: number) => `/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`;

function mesh(settings: Partial<MeshSettings> = {}): { system: ActorSystem; tree: TreeHandle; console: MeshConsole } {
  const system = meshSystem({ speedup: 1000, maxReplyMs: 5, gatherTimeoutMs: 200, conflictRate: 0, ...settings });
  const tree = spawnTree(system, SMALL);
  return { system, tree, console: new MeshConsole(system, tree, { timeoutMs: 1500 }) };
}

describe('actors/mesh/console: MeshConsole', () => {
  it('lists the mesh from the tree plan and validates its constructor arguments', () => {
    const { system, tree, console } = mesh();
    assert.equal(console.agents.length, 12);
    assert.deepEqual(console.sectors, [S0, S1]);
    assert.equal(console.clusters.length, 4);
    assert.equal(console.agents[0], agentPath(0, 0, 0));
    assert.throws(() => new MeshConsole({} as ActorSystem, tree), /system must be an ActorSystem/);
    assert.throws(() => new MeshConsole(system, {} as TreeHandle), /tree must be the handle spawnTree returned/);
    assert.throws(() => new MeshConsole(system, tree, { timeoutMs: -5 }), /options\.timeoutMs .*got -5/);
  });

  it('status(): agents active, sectors healthy, median impedance, mode and breakers, from one wave', async () => {
    const { tree, console } = mesh();
    const healthy = await console.status();
    assert.equal(healthy.agentsTotal, 12);
    assert.equal(healthy.agentsActive, 12);
    assert.equal(healthy.activeRate, 1);
    assert.equal(healthy.sectorsTotal, 2);
    assert.equal(healthy.sectorsHealthy, 2);
    assert.equal(healthy.mode, 'FULL');
    assert.ok(healthy.medianImpedanceMs !== null && healthy.medianImpedanceMs >= 0);
    assert.deepEqual(healthy.breakersOpen, { cluster: 0, sector: 0, global: false });
    // An open sector breaker: its agents do not answer, the sector is not healthy.
    tree.breakerAt(S1)!.trip();
    const half = await console.status();
    assert.equal(half.agentsActive, 6);
    assert.equal(half.sectorsHealthy, 1);
    assert.equal(half.breakersOpen.sector, 1);
    assert.notEqual(half.mode, 'FULL');
  });

  it('broadcast(): counts the ACKs of every agent, as a cascade or in parallel, and counts conflicts into status', async () => {
    const { console } = mesh({ conflictRate: 1 });
    const wave = await console.broadcast('hello', { cascade: 'wave' });
    assert.equal(wave.cascade, 'wave');
    assert.deepEqual(wave.counts, { ready: 0, transit: 0, conflict: 12 });
    assert.equal(wave.acked, 12);
    assert.equal(wave.missing, 0);
    assert.deepEqual(wave.refusedBy, []);
    const parallel = await console.broadcast('hello again', { cascade: 'parallel' });
    assert.equal(parallel.cascade, 'parallel');
    assert.equal(parallel.acked, 12);
    assert.equal(parallel.counts.conflict, 12);
    assert.equal(parallel.agentDelays.count, 12);
    assert.ok(parallel.waveId > wave.waveId);
    assert.equal((await console.status()).conflicts, 36);
    await assert.rejects(console.broadcast('x', { cascade: 'bogus' as 'wave' }), /options\.cascade must be one of 'wave', 'parallel', 'priority' \(got 'bogus'\)/);
    await assert.rejects(console.broadcast('', { cascade: 'wave' }), /broadcast: message must be a non-empty string \(got ''\)/);
    await assert.rejects(console.broadcast('x', undefined as never), /broadcast: options must be/);
    await assert.rejects(console.broadcast('x', { cascade: 'wave', timeoutMs: 0 }), /options\.timeoutMs .*got 0/);
  });

  it('ask(): the agent at the path answers the question; bad arguments are named', async () => {
    const { console, system } = mesh({ seed: 7 });
    const answer = await console.ask(agentPath(1, 0, 2), 'what is your class?', { timeoutMs: 1000 });
    assert.equal(answer.type, 'answer');
    assert.equal(answer.from, agentPath(1, 0, 2));
    assert.equal(answer.question, 'what is your class?');
    assert.equal(answer.cls, agentClassOf(agentPath(1, 0, 2), 7));
    assert.match(answer.answer, /what is your class\?/);
    assert.ok(system.lookup(agentPath(1, 0, 2)) !== undefined);
    await assert.rejects(console.ask('/user/orchestrator/sector-9/cluster-0/agent-0', 'q'), /ask: agentPath must be the path of an agent of this mesh.*got '\/user\/orchestrator\/sector-9/);
    await assert.rejects(console.ask(S0, 'q'), /agentPath .*got '\/user\/orchestrator\/sector-0'/);
    await assert.rejects(console.ask(42 as unknown as string, 'q'), /agentPath must be a non-empty string \(got 42\)/);
    await assert.rejects(console.ask(agentPath(0, 0, 0), ''), /question must be a non-empty string/);
    await assert.rejects(console.ask(agentPath(0, 0, 0), 'q', { timeoutMs: Number.NaN }), /options\.timeoutMs .*got null/);
  });

  it('delegate(): by class before any profile, then to the lowest-impedance agent of the class', async () => {
    const { console, system } = mesh({ seed: 3 });
    const classes = new Map<ImpedanceClass, string[]>();
    for (const path of console.agents) {
      const cls = agentClassOf(path, 3);
      classes.set(cls, [...(classes.get(cls) ?? []), path]);
    }
    const [cls, members] = [...classes].sort((a, b) => b[1].length - a[1].length)[0]!;
    assert.ok(members.length >= 2, 'some class has two agents');
    const byClass = await console.delegate(cls, { job: 1 });
    assert.equal(byClass.routing, 'class');
    assert.equal(byClass.agent, members[0]);
    assert.equal(byClass.done.from, members[0]);
    assert.deepEqual(byClass.done.task, { job: 1 });
    // Give every agent samples, then the pick is the lowest score (ties: smallest path).
    await console.broadcast('warm up', { cascade: 'wave' });
    await console.broadcast('warm up', { cascade: 'wave' });
    const scored = members.map((p) => ({ p, score: agentSimOf(system.lookup(p)!)!.profiler.snapshot(Date.now()).score })).sort((a, b) => a.score - b.score || (a.p < b.p ? -1 : 1));
    const routed = await console.delegate(cls, 'job 2');
    assert.equal(routed.routing, 'impedance');
    assert.equal(routed.agent, scored[0]!.p);
    assert.equal(routed.score, scored[0]!.score);
    assert.equal(routed.done.from, routed.agent);
    const absent = (['A_EDGE', 'B_SERVERLESS', 'C_PERSISTENT', 'D_GPU', 'E_LOCAL', 'F_HUMAN'] as const).find((c) => !classes.has(c));
    if (absent !== undefined) await assert.rejects(console.delegate(absent, 't'), new RegExp(`no agent of class ${absent}`));
    await assert.rejects(console.delegate('Z_WIZARD' as ImpedanceClass, 't'), /delegate: to must be an impedance class .*got 'Z_WIZARD'/);
    await assert.rejects(console.delegate(cls, undefined), /delegate: task must be given/);
  });

  it('heal(): resets the open breakers under the path and replays its quarantined mail', async () => {
    const { system, tree } = mesh();
    const quarantine = new QuarantineStore(system);
    const console = new MeshConsole(system, tree, { quarantine, timeoutMs: 1500 });
    const cluster = `${S0}/cluster-1`;
    tree.breakerAt(cluster)!.trip();
    await assert.rejects(console.ask(`${cluster}/agent-0`, 'anyone?', { timeoutMs: 150 }), /timed out|timeout/i);
    // Mail held for an agent: a ping whose pong a collector receives once replayed.
    const pongs: unknown[] = [];
    const collector = system.spawn<unknown>(() => (message: unknown) => void pongs.push(message), { name: 'collector' });
    quarantine.quarantine(`${cluster}/agent-2`, 'test', { type: 'ping', replyTo: collector });
    const elsewhere = quarantine.quarantine(agentPath(1, 1, 1), 'test', { type: 'ping', replyTo: collector });
    const healed = console.heal(S0);
    assert.deepEqual(healed.breakersReset, [cluster]);
    assert.equal(healed.replayed, 1);
    assert.equal(tree.breakerAt(cluster)!.state, 'closed');
    await eventually(() => pongs.length === 1, 'the replayed ping answered');
    assert.deepEqual(pongs[0], { type: 'pong', from: `${cluster}/agent-2` });
    assert.deepEqual(quarantine.entries(), [elsewhere], 'mail outside the path stays held');
    assert.equal((await console.ask(`${cluster}/agent-0`, 'anyone?', { timeoutMs: 1000 })).from, `${cluster}/agent-0`);
    assert.deepEqual(console.heal(S0), { path: S0, breakersReset: [], replayed: 0 });
    assert.throws(() => console.heal('/user/elsewhere'), /heal: path must be an actor path of this mesh.*got '\/user\/elsewhere'/);
    assert.throws(() => console.heal(undefined as unknown as string), /heal: path must be a non-empty string \(got undefined\)/);
  });

  it('freeze() makes a sector refuse new work (waves, asks, tasks) until thaw() restores it, with events', async () => {
    const { system, console } = mesh({ seed: 5 });
    const events = recordEvents(system);
    const frozen = await console.freeze(S0);
    assert.deepEqual(frozen, { type: 'freeze-state', path: S0, frozen: true });
    const ev = events.find((e) => e.type === 'mesh-frozen');
    assert.ok(ev !== undefined && ev.path === S0, 'mesh-frozen published for the sector');

    const wave = await console.broadcast('work', { cascade: 'wave' });
    assert.equal(wave.acked, 6);
    assert.deepEqual(wave.refusedBy, [S0]);
    const parallel = await console.broadcast('work', { cascade: 'parallel' });
    assert.equal(parallel.acked, 6);
    assert.deepEqual(parallel.refusedBy, [S0]);
    await assert.rejects(console.ask(agentPath(0, 1, 1), 'busy?'), (error: unknown) => error instanceof MeshRefusedError && error.refusal.by === S0 && error.refusal.reason === 'frozen');
    assert.equal((await console.ask(agentPath(1, 1, 1), 'busy?')).from, agentPath(1, 1, 1), 'the other sector still works');
    // Seed 5: every C_PERSISTENT agent is in the frozen sector, so delegation is refused.
    assert.equal(agentClassOf(agentPath(0, 0, 0), 5), 'C_PERSISTENT');
    assert.ok(console.agents.every((p) => agentClassOf(p, 5) !== 'C_PERSISTENT' || p.startsWith(S0 + '/')));
    await assert.rejects(console.delegate('C_PERSISTENT', 'task'), (error: unknown) => error instanceof MeshRefusedError && error.refusal.by === S0 && error.refusal.reason === 'frozen');

    const thawed = await console.thaw(S0);
    assert.equal(thawed.frozen, false);
    assert.ok(events.some((e) => e.type === 'mesh-thawed' && e.path === S0));
    assert.equal((await console.broadcast('work', { cascade: 'wave' })).acked, 12);
    assert.equal((await console.broadcast('work', { cascade: 'parallel' })).acked, 12);
    assert.equal((await console.ask(agentPath(0, 1, 1), 'busy?')).from, agentPath(0, 1, 1));
  });

  it('freeze() of one cluster refuses only its agents, delegation skips them; freeze/thaw name bad paths', async () => {
    const { console } = mesh({ seed: 6 });
    const cluster = `${S1}/cluster-0`;
    await console.freeze(cluster);
    // Seed 6: the F_HUMAN agents are sector-1/cluster-0/agent-2 (first by path) and sector-1/cluster-1/agent-1.
    assert.deepEqual(console.agents.filter((p) => agentClassOf(p, 6) === 'F_HUMAN'), [`${cluster}/agent-2`, agentPath(1, 1, 1)]);
    const delegated = await console.delegate('F_HUMAN', 'task');
    assert.equal(delegated.routing, 'class');
    assert.equal(delegated.agent, agentPath(1, 1, 1));
    assert.deepEqual(delegated.skipped, [`${cluster}/agent-2`]);
    assert.equal(delegated.done.from, agentPath(1, 1, 1));
    const wave = await console.broadcast('work', { cascade: 'wave' });
    assert.equal(wave.acked, 9);
    assert.deepEqual(wave.refusedBy, [cluster]);
    await assert.rejects(console.ask(`${cluster}/agent-0`, 'q'), MeshRefusedError);
    await console.thaw(cluster);
    assert.equal((await console.ask(`${cluster}/agent-0`, 'q')).from, `${cluster}/agent-0`);
    await assert.rejects(console.freeze(agentPath(0, 0, 0)), /freeze: path must be a sector or cluster of this mesh \(got '.*agent-0', a agent\)/);
    await assert.rejects(console.thaw('/user/orchestrator'), /thaw: path must be a sector or cluster.*a orchestrator/);
    await assert.rejects(console.freeze(''), /freeze: path must be a non-empty string \(got ''\)/);
  });

  it("broadcast(): 'parallel' is judged against the document's 0.90: SUCCESS, then PARTIAL with a frozen sector", async () => {
    const { console } = mesh();
    const all = await console.broadcast('everyone', { cascade: 'parallel' });
    assert.equal(all.status, 'SUCCESS');
    assert.equal(all.responseRate, 1);
    assert.equal(all.minimumResponseRate, 0.9);
    assert.ok(all.ms > 0, 'timed with performance.now()');
    await console.freeze(S0);
    const half = await console.broadcast('everyone', { cascade: 'parallel' });
    assert.equal(half.status, 'PARTIAL');
    assert.equal(half.responseRate, 0.5);
    assert.equal(half.counts.ready, 6);
    assert.equal(half.acked, 6, 'existing fields kept');
    assert.deepEqual(half.refusedBy, [S0]);
    assert.equal(half.phases, undefined);
  });

  it("broadcast(): 'wave' is judged at the sector level (0.98, FAILED_AT_SECTOR) from the root's report, then at the agents (0.95)", async () => {
    const { console } = mesh();
    const ok = await console.broadcast('down', { cascade: 'wave' });
    assert.equal(ok.status, 'SUCCESS');
    assert.equal(ok.sectorResponseRate, 1);
    assert.equal(ok.responseRate, 1);
    assert.equal(ok.minimumResponseRate, 0.95);
    // A frozen cluster: every sector still reports, 9 of 12 agents answer.
    await console.freeze(`${S1}/cluster-0`);
    const cluster = await console.broadcast('down', { cascade: 'wave' });
    assert.equal(cluster.sectorResponseRate, 1);
    assert.equal(cluster.responseRate, 0.75);
    assert.equal(cluster.status, 'PARTIAL');
    await console.thaw(`${S1}/cluster-0`);
    // A frozen sector: 1 of 2 sectors gathered, below the coordinators' 0.98.
    await console.freeze(S0);
    const sector = await console.broadcast('down', { cascade: 'wave' });
    assert.equal(sector.sectorResponseRate, 0.5);
    assert.equal(sector.status, 'FAILED_AT_SECTOR');
    assert.equal(sector.minimumResponseRate, 0.98);
    assert.deepEqual(sector.refusedBy, [S0]);
  });

  it("broadcast(): 'priority' reaches every planned agent and names bad priority options", async () => {
    const { console } = mesh({ seed: 1 });
    const result = await console.broadcast('by class', { cascade: 'priority' });
    assert.equal(result.cascade, 'priority');
    assert.equal(result.status, 'COMPLETE');
    assert.equal(result.minimumResponseRate, null);
    // Seed 1: one F_HUMAN agent, left out of the document's order.
    assert.deepEqual(result.unplanned, [agentPath(1, 0, 2)]);
    assert.equal(result.acked, 11);
    assert.equal(result.responseRate, 1);
    assert.equal(result.agentDelays.count, 11);
    assert.deepEqual(result.phases!.map((p) => p.cls), ['D_GPU', 'C_PERSISTENT', 'B_SERVERLESS', 'A_EDGE', 'E_LOCAL']);
    await assert.rejects(console.broadcast('x', { cascade: 'wave', phaseTimeoutMs: 100 }), /options\.phaseTimeoutMs applies to cascade 'priority' only \(got cascade 'wave'/);
    await assert.rejects(console.broadcast('x', { cascade: 'parallel', priorityOrder: [] }), /options\.priorityOrder applies to cascade 'priority' only/);
    await assert.rejects(console.broadcast('x', { cascade: 'priority', phaseTimeoutMs: -1 }), /options\.phaseTimeoutMs .*got -1/);
    await assert.rejects(console.broadcast('x', { cascade: 'priority', priorityOrder: [{ impedanceClass: 'CLASS_Z' as 'CLASS_A_EDGE', minimumResponseRate: 0.5 }] }), /MeshConsole\.broadcast: options\.priorityOrder\[0\]\.impedanceClass must be one of 'CLASS_A_EDGE'.* \(got 'CLASS_Z'\)/);
    await assert.rejects(console.broadcast('x', { cascade: 'priority', priorityOrder: [{ impedanceClass: 'CLASS_A_EDGE', minimumResponseRate: 1.5 }] }), /options\.priorityOrder\[0\]\.minimumResponseRate must be a number between 0 and 1 \(got 1\.5\)/);
    await assert.rejects(console.broadcast('x', { cascade: 'priority', priorityOrder: 'gpu first' as never }), /options\.priorityOrder must be an array .*\(got 'gpu first'\)/);
    const twice = [{ impedanceClass: 'CLASS_A_EDGE', minimumResponseRate: 0.5 }, { impedanceClass: 'CLASS_A_EDGE', minimumResponseRate: 0.6 }] as const;
    await assert.rejects(console.broadcast('x', { cascade: 'priority', priorityOrder: twice }), /options\.priorityOrder\[1\]\.impedanceClass must be listed once \(got 'CLASS_A_EDGE' again\)/);
  });

  it('delegate passes over agents whose tasks a CONFLICT put in quarantine, instead of waiting on them', async () => {
    const { system, tree } = mesh({ conflictRate: 1 });
    const quarantined = new MeshConsole(system, tree, { quarantine: meshQuarantine(system), timeoutMs: 1500 });
    // One wave: every agent answers CONFLICT, so its cluster lead quarantines its tasks.
    const wave = await quarantined.broadcast('sync', { cascade: 'wave' });
    assert.equal(wave.counts.conflict, 12);
    const cls = agentClassOf(agentPath(0, 0, 0), 0);
    const t0 = performance.now();
    await assert.rejects(quarantined.delegate(cls, { job: 1 }), MeshRefusedError);
    assert.ok(performance.now() - t0 < 500, 'refused at once, not after the ask timeout');
    // After heal nothing is quarantined: the task goes to an agent of the class.
    quarantined.heal(tree.root.path);
    const done = await quarantined.delegate(cls, { job: 2 });
    assert.equal(done.cls, cls);
    assert.deepEqual(done.skipped, []);
  });
});
