import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ActorSystem, ExtensionEvent, FunctionBehavior, Receive, RuntimeEvent } from '../../src/index.js';
import { agent, configureMesh, coordinator } from '../../actors/mesh-types.js';
import type { AgentMsg, MeshSettings } from '../../actors/mesh-types.js';
import { MeshConsole } from '../../actors/mesh/console.js';
import { fromProtocolClass, planPriorityPhases, runPriorityCascade, toProtocolClass } from '../../actors/mesh/priority-cascade.js';
import type { PhaseReply, PriorityPhaseResult } from '../../actors/mesh/priority-cascade.js';
import { IMPEDANCE_CLASSES } from '../../actors/impedance/index.js';
import type { ImpedanceClass } from '../../actors/impedance/index.js';
import { DEFAULT_PRIORITY_ORDER } from '../../actors/protocol/index.js';
import type { PriorityPhase } from '../../actors/protocol/index.js';
import { registerTreeType, spawnTree } from '../../supervisors/config/index.js';
import { deferred, eventually, quietSystem, recordEvents, settle, terminateAll } from '../support/helpers.js';
import { smallMeshConfig } from '../support/mesh.js';

afterEach(terminateAll);

const S0 = '/user/orchestrator/sector-0';
const S1 = '/user/orchestrator/sector-1';
const agentPath = (s: number, c: number, a: number) => `/user/orchestrator/sector-${s}/cluster-${c}/agent-${a}`;

/**
 * Seed 1 puts every class into the small mesh (12 agents):
 *   sector-0: B_SERVERLESS D_GPU A_EDGE | E_LOCAL A_EDGE C_PERSISTENT
 *   sector-1: E_LOCAL A_EDGE F_HUMAN    | E_LOCAL C_PERSISTENT C_PERSISTENT
 */
const SEED = 1;

/**
 * The small mesh with agents that note (performance.now()) when a wave reaches them: the
 * mesh types registered one by one, the agent wrapped.
 */
function recordingMesh(settings: Partial<MeshSettings> = {}): { system: ActorSystem; console: MeshConsole; received: Map<string, number> } {
  const system = quietSystem();
  const received = new Map<string, number>();
  for (const role of ['orchestrator', 'sector-coordinator', 'cluster-lead']) registerTreeType(system, role, coordinator(role));
  const recording: FunctionBehavior<AgentMsg, unknown> = (ctx, props) => {
    const inner = agent(ctx, props) as Receive<AgentMsg>;
    return (message, c) => {
      if (message.type === 'wave' && !received.has(c.path)) received.set(c.path, performance.now());
      return inner(message, c);
    };
  };
  registerTreeType(system, 'agent', recording);
  configureMesh(system, { seed: SEED, speedup: 100, maxReplyMs: 20, gatherTimeoutMs: 300, conflictRate: 0, ...settings });
  const tree = spawnTree(system, smallMeshConfig());
  return { system, console: new MeshConsole(system, tree, { timeoutMs: 1500 }), received };
}

/** The events of one kind (the mesh's own kinds carry fields of their own). */
const ofType = (events: readonly RuntimeEvent[], type: string) => events.filter((e) => e.type === type) as ExtensionEvent[];

const DOCUMENT_ORDER: readonly ImpedanceClass[] = ['D_GPU', 'C_PERSISTENT', 'B_SERVERLESS', 'A_EDGE', 'E_LOCAL'];

describe('actors/mesh/priority-cascade: the priority-first phase runner', () => {
  it("maps the document's class names to the impedance module's and back, naming bad ones", () => {
    for (const cls of IMPEDANCE_CLASSES) {
      assert.equal(toProtocolClass(cls), `CLASS_${cls}`);
      assert.equal(fromProtocolClass(toProtocolClass(cls)), cls);
    }
    assert.deepEqual(
      DEFAULT_PRIORITY_ORDER.map((p) => fromProtocolClass(p.impedanceClass)),
      DOCUMENT_ORDER,
    );
    assert.throws(() => fromProtocolClass('D_GPU', 'order[2].impedanceClass'), /order\[2\]\.impedanceClass must be one of 'CLASS_A_EDGE', .*'CLASS_F_HUMAN' \(got 'D_GPU'\)/);
    assert.throws(() => fromProtocolClass(7), /impedanceClass must be one of .*\(got 7\)/);
  });

  it('a phase waits for its threshold: the next phase is sent only once READY / targets reaches it; stragglers are late', async () => {
    const classes: Record<string, ImpedanceClass> = { g1: 'D_GPU', g2: 'D_GPU', g3: 'D_GPU', g4: 'D_GPU', g5: 'D_GPU', e1: 'A_EDGE', e2: 'A_EDGE' };
    const replies = new Map<string, ReturnType<typeof deferred<PhaseReply>>>();
    const log: string[] = [];
    const send = (target: string) => {
      log.push(`send ${target}`);
      const d = deferred<PhaseReply>();
      replies.set(target, d);
      return d.promise;
    };
    const order: PriorityPhase[] = [
      { impedanceClass: 'CLASS_D_GPU', minimumResponseRate: 0.6 },
      { impedanceClass: 'CLASS_A_EDGE', minimumResponseRate: 0.5 },
    ];
    const done = runPriorityCascade({ agents: Object.keys(classes), classOf: (a) => classes[a]!, send, phaseTimeoutMs: 5000, order, onPhaseEnd: (p) => log.push(`end ${p.index}`) });
    await settle();
    assert.deepEqual(log, ['send g1', 'send g2', 'send g3', 'send g4', 'send g5']);
    replies.get('g1')!.resolve({ state: 1 });
    replies.get('g2')!.resolve({ state: -1 }); // a CONFLICT answers but is not a READY
    await settle();
    assert.equal(log.length, 5, '1 READY of 5 is short of 0.6: the GPU phase still waits');
    replies.get('g3')!.resolve({ state: 1 });
    await settle();
    assert.equal(log.length, 5, '2 READY of 5: still waiting');
    replies.get('g4')!.resolve({ state: 1 });
    await settle();
    assert.deepEqual(log.slice(5), ['end 0', 'send e1', 'send e2'], '3 READY of 5 = 0.6: the edge phase starts');
    replies.get('g5')!.resolve({ state: 1 }); // a straggler: noted, not counted
    await settle();
    replies.get('e1')!.resolve({ state: 1 });
    const result = await done;
    assert.equal(result.status, 'COMPLETE');
    const [gpu, edge] = result.phases as [PriorityPhaseResult, PriorityPhaseResult];
    assert.deepEqual([gpu.cls, gpu.endedBy, gpu.met, gpu.acked, gpu.responseRate, gpu.threshold], ['D_GPU', 'threshold', true, 4, 0.6, 0.6]);
    assert.deepEqual(gpu.counts, { ready: 3, transit: 0, conflict: 1 });
    assert.deepEqual([gpu.missing, gpu.late], [1, 1], 'g5 answered after its phase ended');
    assert.deepEqual([edge.cls, edge.endedBy, edge.met, edge.acked, edge.missing, edge.responseRate], ['A_EDGE', 'threshold', true, 1, 1, 0.5]);
    assert.ok(edge.startedMs >= gpu.startedMs + gpu.ms, 'the edge phase started after the GPU phase ended');
    assert.deepEqual(result.unplanned, []);
  });

  it('a phase that falls short ends at its timeout or when every target answered, and the cascade goes on to the end', async () => {
    const classes: Record<string, ImpedanceClass> = { g1: 'D_GPU', g2: 'D_GPU', c1: 'C_PERSISTENT', c2: 'C_PERSISTENT', a1: 'A_EDGE', a2: 'A_EDGE', h1: 'F_HUMAN' };
    const sent: string[] = [];
    const send = (target: string): Promise<PhaseReply> => {
      sent.push(target);
      if (target === 'g2') return new Promise(() => {}); // never answers
      if (target === 'c1') return Promise.resolve({ refusedBy: '/user/s1' });
      if (target === 'a1') throw new Error('no route'); // a synchronous failure is one missing target
      return Promise.resolve({ state: 1 });
    };
    const ended: PriorityPhaseResult[] = [];
    const result = await runPriorityCascade({ agents: Object.keys(classes), classOf: (a) => classes[a]!, send, phaseTimeoutMs: 60, onPhaseEnd: (p) => ended.push(p) });
    assert.equal(result.status, 'COMPLETE');
    assert.deepEqual(result.phases.map((p) => [p.cls, p.endedBy, p.met, p.responseRate]), [
      ['D_GPU', 'timeout', false, 0.5],
      ['C_PERSISTENT', 'all-answered', false, 0.5],
      ['A_EDGE', 'all-answered', false, 0.5],
    ]);
    const [gpu, persistent, edge] = result.phases as [PriorityPhaseResult, PriorityPhaseResult, PriorityPhaseResult];
    assert.ok(gpu.ms >= 55, `the GPU phase waited its timeout (${gpu.ms} ms)`);
    assert.equal(gpu.missing, 1);
    assert.equal(gpu.recommendation, 'escalate');
    assert.deepEqual([persistent.refused, persistent.refusedBy, persistent.missing], [1, ['/user/s1'], 0]);
    assert.deepEqual([edge.missing, edge.acked], [1, 1]);
    assert.deepEqual(ended.map((p) => p.index), [0, 1, 2], 'onPhaseEnd once per phase, in order');
    assert.deepEqual(result.unplanned, ['h1'], 'F_HUMAN is not in the default order');
    assert.ok(!sent.includes('h1'), 'an unplanned agent is not sent the wave');
    await assert.rejects(runPriorityCascade({ agents: [], classOf: () => 'A_EDGE', send, phaseTimeoutMs: 0 }), /phaseTimeoutMs must be a finite number of ms > 0 \(got 0\)/);
  });

  it('a phase with a minimum of 0 waits for nobody: its replies come late', async () => {
    const d = deferred<PhaseReply>();
    const result = await runPriorityCascade({ agents: ['h1'], classOf: () => 'F_HUMAN', send: () => d.promise, phaseTimeoutMs: 5000, order: [{ impedanceClass: 'CLASS_F_HUMAN', minimumResponseRate: 0 }] });
    const [human] = result.phases as [PriorityPhaseResult];
    assert.deepEqual([human.cls, human.endedBy, human.met, human.acked, human.missing], ['F_HUMAN', 'threshold', true, 0, 1]);
    assert.ok(human.ms < 50);
  });

  it('property: for random class assignments and orders, every agent is in exactly one phase (its class) or in unplanned, phases in order', () => {
    const classArb = fc.constantFrom(...IMPEDANCE_CLASSES);
    const orderArb = fc
      .shuffledSubarray([...IMPEDANCE_CLASSES])
      .chain((classes) => fc.tuple(fc.constant(classes), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: classes.length, maxLength: classes.length })))
      .map(([classes, rates]) => classes.map((cls, i): PriorityPhase => ({ impedanceClass: toProtocolClass(cls), minimumResponseRate: rates[i]! })));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }).map((s) => `/a/${s}`), classArb), { selector: ([id]) => id, maxLength: 60 }), fc.option(orderArb, { nil: undefined }), (assigned, order) => {
        const classOf = new Map(assigned);
        const agents = assigned.map(([id]) => id);
        const plan = planPriorityPhases(agents, (a) => classOf.get(a)!, order);
        const used = order ?? DEFAULT_PRIORITY_ORDER;
        const ordered = used.map((p) => fromProtocolClass(p.impedanceClass));
        const seen = new Map<string, number>();
        for (const id of [...plan.steps.flatMap((s) => s.targets), ...plan.unplanned]) seen.set(id, (seen.get(id) ?? 0) + 1);
        assert.deepEqual([...seen.keys()].sort(), [...agents].sort(), 'every agent is planned or unplanned');
        assert.ok([...seen.values()].every((n) => n === 1), 'and only once');
        for (const step of plan.steps) {
          const cls = fromProtocolClass(step.impedanceClass);
          assert.deepEqual(step.targets, agents.filter((a) => classOf.get(a) === cls), 'a phase holds every agent of its class, in order');
          assert.equal(step.minimumResponseRate, used[ordered.indexOf(cls)]!.minimumResponseRate);
        }
        const positions = plan.steps.map((s) => ordered.indexOf(fromProtocolClass(s.impedanceClass)));
        assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'phases follow the order');
        assert.ok(positions.every((p) => p >= 0));
        assert.deepEqual(plan.unplanned, agents.filter((a) => !ordered.includes(classOf.get(a)!)), 'unplanned: exactly the classes left out');
      }),
      { numRuns: 200 },
    );
  });

  it('property: the runner sends each planned agent the wave exactly once and never an unplanned one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...IMPEDANCE_CLASSES), { maxLength: 30 }), fc.shuffledSubarray([...IMPEDANCE_CLASSES], { minLength: 1 }), async (classes, orderClasses) => {
        const agents = classes.map((_, i) => `/a/${i}`);
        const sent: string[] = [];
        const order = orderClasses.map((cls): PriorityPhase => ({ impedanceClass: toProtocolClass(cls), minimumResponseRate: 1 }));
        const result = await runPriorityCascade({ agents, classOf: (a) => classes[Number(a.slice(3))]!, send: async (a) => (sent.push(a), { state: 1 }), phaseTimeoutMs: 1000, order });
        assert.deepEqual([...sent].sort(), result.phases.flatMap((p) => p.targets).sort());
        assert.equal(new Set(sent).size, sent.length);
        assert.ok(result.unplanned.every((a) => !sent.includes(a)));
        assert.deepEqual([...sent, ...result.unplanned].sort(), [...agents].sort(), 'every agent was sent the wave or is unplanned');
        assert.ok(result.phases.every((p) => p.met && p.endedBy === 'threshold'));
        assert.deepEqual(result.phases.map((p) => p.cls), orderClasses.filter((c) => classes.includes(c)));
      }),
      { numRuns: 60 },
    );
  });
});

describe("actors/mesh/console: broadcast({ cascade: 'priority' }) on a live mesh", () => {
  it("runs the phases in the document's order: each class receives the wave only after the classes before it answered", async () => {
    const { system, console, received } = recordingMesh();
    const events = recordEvents(system);
    const result = await console.broadcast('critical first', { cascade: 'priority' });
    assert.equal(result.status, 'COMPLETE');
    const phases = result.phases!;
    assert.deepEqual(phases.map((p) => p.cls), DOCUMENT_ORDER);
    assert.deepEqual(phases.map((p) => p.threshold), [0.99, 0.98, 0.95, 0.9, 0.85]);
    assert.deepEqual(phases.map((p) => p.targets.length), [1, 3, 1, 3, 3]);
    for (const p of phases) {
      assert.ok(p.met && p.endedBy === 'threshold', `${p.cls} met its threshold`);
      assert.equal(p.acked, p.targets.length, `${p.cls}: with 3 agents or fewer every one must answer`);
      assert.equal(p.responseRate, 1);
    }
    // Receipt times, taken by the agents: every agent of phase i got the wave before any of phase j > i.
    for (let i = 0; i < phases.length - 1; i++) {
      const last = Math.max(...phases[i]!.targets.map((t) => received.get(t)!));
      const first = Math.min(...phases[i + 1]!.targets.map((t) => received.get(t)!));
      assert.ok(last < first, `${phases[i]!.cls} (last at ${last}) before ${phases[i + 1]!.cls} (first at ${first})`);
      assert.ok(phases[i + 1]!.startedMs >= phases[i]!.startedMs + phases[i]!.ms);
    }
    assert.deepEqual(result.unplanned, [agentPath(1, 0, 2)]);
    assert.equal(received.has(agentPath(1, 0, 2)), false, 'the F_HUMAN agent was not sent the wave');
    assert.equal(received.size, 11);
    const ended = ofType(events, 'cascade-phase-ended');
    assert.deepEqual(ended.map((e) => [e.phase, e.cls, e.met]), DOCUMENT_ORDER.map((cls, i) => [i, cls, true]));
    assert.ok(ended.every((e) => e.path === '/user/orchestrator' && e.waveId === result.waveId));
    assert.equal(ofType(events, 'cascade-degraded').length, 0);
  });

  it("a frozen sector makes phases fall short: 'cascade-degraded' with the phase, rate and threshold, and the cascade still completes", async () => {
    const { system, console, received } = recordingMesh();
    const events = recordEvents(system);
    await console.freeze(S1);
    const result = await console.broadcast('degraded', { cascade: 'priority' });
    assert.equal(result.status, 'COMPLETE');
    const phases = result.phases!;
    assert.deepEqual(phases.map((p) => p.cls), DOCUMENT_ORDER, 'every phase ran');
    assert.deepEqual(phases.map((p) => p.met), [true, false, true, false, false]);
    assert.deepEqual(phases.map((p) => p.responseRate), [1, 1 / 3, 1, 2 / 3, 1 / 3]);
    assert.deepEqual(phases.map((p) => p.refused), [0, 2, 0, 1, 2]);
    for (const p of phases.filter((x) => !x.met)) {
      assert.equal(p.endedBy, 'all-answered', 'refusals come at once: no need to wait for the timeout');
      assert.deepEqual(p.refusedBy, [S1]);
    }
    const degraded = ofType(events, 'cascade-degraded');
    assert.deepEqual(
      degraded.map((e) => [e.phase, e.cls, e.rate, e.threshold, e.cascade]),
      [
        [1, 'C_PERSISTENT', 1 / 3, 0.98, 'priority'],
        [3, 'A_EDGE', 2 / 3, 0.9, 'priority'],
        [4, 'E_LOCAL', 1 / 3, 0.85, 'priority'],
      ],
    );
    assert.ok(degraded.every((e) => typeof e.timestamp === 'number' && e.path === '/user/orchestrator' && e.recommendation === 'escalate'));
    assert.deepEqual(result.refusedBy, [S1]);
    assert.equal(result.acked, 6, 'the 6 agents of sector-0');
    assert.ok([...received.keys()].every((p) => p.startsWith(S0 + '/')), 'no agent of the frozen sector got the wave');
    await console.thaw(S1);
    const healthy = await console.broadcast('again', { cascade: 'priority' });
    assert.ok(healthy.phases!.every((p) => p.met));
  });

  it('a phase whose agents answer after its timeout is degraded and the next phase starts at the timeout; the replies are late', async () => {
    // speedup 10: a GPU agent answers after min(30, 30..60) = 30 ms, the phase gives up at 10 ms.
    const { system, console } = recordingMesh({ speedup: 10, maxReplyMs: 30 });
    const events = recordEvents(system);
    const result = await console.broadcast('slow', { cascade: 'priority', phaseTimeoutMs: 10 });
    const gpu = result.phases![0]!;
    assert.deepEqual([gpu.cls, gpu.endedBy, gpu.met, gpu.acked], ['D_GPU', 'timeout', false, 0]);
    assert.ok(gpu.ms >= 9, `ended at its timeout (${gpu.ms} ms)`);
    assert.equal(gpu.missing, 1, 'no reply by the end of the phase');
    assert.ok(gpu.late <= 1, 'a reply after it is late (if it came before the cascade ended)');
    assert.ok(result.phases![1]!.startedMs >= gpu.ms);
    assert.ok(ofType(events, 'cascade-degraded').some((e) => e.phase === 0 && e.endedBy === 'timeout'));
    assert.equal(result.status, 'COMPLETE');
  });

  it('an order ending in CLASS_F_HUMAN (minimum 0) reaches the human agents in a last phase that waits for nobody', async () => {
    const { console, received } = recordingMesh();
    const order = [...DEFAULT_PRIORITY_ORDER, { impedanceClass: 'CLASS_F_HUMAN', minimumResponseRate: 0 } as const];
    const result = await console.broadcast('everyone', { cascade: 'priority', priorityOrder: order });
    assert.deepEqual(result.unplanned, []);
    const last = result.phases!.at(-1)!;
    assert.deepEqual([last.cls, last.targets, last.met, last.endedBy], ['F_HUMAN', [agentPath(1, 0, 2)], true, 'threshold']);
    await eventually(() => received.has(agentPath(1, 0, 2)), 'the F_HUMAN agent received the wave');
    assert.equal(received.size, 12);
  });
});
