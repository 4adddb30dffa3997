import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { Actor, Terminated } from '../../src/index.js';
import type { ActorContext, ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { registerMeshTypes } from '../../actors/mesh-types.js';
import type { CoordinatorStatus, Pong } from '../../actors/mesh-types.js';
import { CircuitOpenError, ManualClock } from '../../supervisors/index.js';
import {
  TREE_SCHEMA,
  TreeConfigError,
  analyzeTree,
  formatProblem,
  loadTreeFile,
  parseTree,
  registerTreeType,
  retireChild,
  schemaProblems,
  spawnTree,
  validateTree,
} from '../../supervisors/config/index.js';
import type { TreeConfig, TreeProblem } from '../../supervisors/config/index.js';
import { eventually, quietSystem, settle, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

const MESH_FILE = fileURLToPath(new URL('../../examples/mesh-30k.yaml', import.meta.url));
/** Root, /user and /system. */
const GUARDIANS = 3;

function meshSystem(): ActorSystem {
  const system = quietSystem();
  registerMeshTypes(system);
  return system;
}

const ping = (ref: ActorRef<any>): Promise<Pong> => ref.ask<Pong>((replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 1000 });
const status = (ref: ActorRef<any>): Promise<CoordinatorStatus> => ref.ask<CoordinatorStatus>((replyTo) => ({ type: 'status', replyTo }), { timeoutMs: 1000 });
const childNames = (system: ActorSystem, path: string): string[] =>
  (system.lookup(path) as unknown as ActorContext<unknown>).children.map((child) => child.path.slice(path.length + 1));

/** Problems of `text` read as the file `tree.yaml`. */
function problemsOf(text: string, registeredTypes: readonly string[] = ['orchestrator', 'sector-coordinator', 'cluster-lead', 'agent']): TreeProblem[] {
  try {
    return validateTree(parseTree(text, { file: 'tree.yaml' }), { registeredTypes });
  } catch (error) {
    if (error instanceof TreeConfigError) return [...error.problems];
    throw error;
  }
}

function only(problems: TreeProblem[], kind: TreeProblem['kind']): TreeProblem {
  const found = problems.filter((p) => p.kind === kind);
  assert.equal(found.length, 1, `expected one '${kind}' problem, got:\n${problems.map(formatProblem).join('\n')}`);
  return found[0]!;
}

describe('supervisors/config: spawnTree', () => {
  it('spawns a small tree with replicas and name templates ({i} from 0, {i:1} from 1)', async () => {
    const system = meshSystem();
    const handle = spawnTree(system, {
      root: {
        type: 'orchestrator',
        name: 'hq',
        children: [
          { type: 'sector-coordinator', name: 'sector-{i}', replicas: 2, children: [{ type: 'agent', name: 'agent-{i:1}', replicas: 3 }] },
          { type: 'agent', name: 'solo' },
        ],
      },
    });
    assert.equal(handle.actors, 1 + 2 * (1 + 3) + 1);
    assert.equal(handle.spawned, handle.actors);
    assert.equal(system.actorTotal, handle.actors + GUARDIANS);
    assert.equal(handle.root.path, '/user/hq');
    assert.deepEqual(childNames(system, '/user/hq'), ['sector-0', 'sector-1', 'solo']);
    assert.deepEqual(childNames(system, '/user/hq/sector-1'), ['agent-1', 'agent-2', 'agent-3']);
    assert.equal((await ping(system.lookup('/user/hq/sector-1/agent-3')!)).from, '/user/hq/sector-1/agent-3');
    assert.equal(await handle.whenSpawned(), handle);
  });

  it('passes props to the type, and a replica count of 0 spawns none', async () => {
    const system = quietSystem();
    const seen: unknown[] = [];
    registerTreeType(system, 'parent', () => () => {});
    registerTreeType(system, 'leaf', (_ctx, props: unknown) => {
      seen.push(props);
      return () => {};
    });
    spawnTree(system, {
      root: { type: 'parent', name: 'p', children: [{ type: 'leaf', name: 'l-{i}', replicas: 2, props: { model: 'small' } }, { type: 'leaf', name: 'none-{i}', replicas: 0 }] },
    });
    assert.deepEqual(seen, [{ model: 'small' }, { model: 'small' }]);
    assert.deepEqual(childNames(system, '/user/p'), ['l-0', 'l-1']);
  });

  it('inherits defaults down the tree; nearer defaults and a node\'s own settings win', () => {
    const { problems, plan } = analyzeTree(
      parseTree(
        `
defaults:
  strategy: { kind: one-for-all, maxRestarts: 7, withinMs: 1000 }
  mailbox: { capacity: 100, overflow: reject }
  restart: transient
  breaker: { windowMs: 2000, resetTimeoutMs: 500 }
root:
  type: orchestrator
  name: root
  children:
    - type: sector-coordinator
      name: s
      strategy: { maxRestarts: 2 }
      breaker: { maxFailures: 9 }
      defaults:
        restart: temporary
        mailbox: { capacity: 5 }
      children:
        - type: agent
          name: a
        - type: agent
          name: b
          restart: permanent
          mailbox: { overflow: drop-oldest }
`,
        { file: 'tree.yaml' },
      ),
    );
    assert.deepEqual(problems, []);
    const root = plan!.root;
    const sector = root.children[0]!;
    const [a, b] = sector.children;
    // The root takes the top-level defaults.
    assert.deepEqual(root.strategy, { kind: 'one-for-all', maxRestarts: 7, withinMs: 1000 });
    assert.equal(root.restart, 'transient');
    assert.equal(root.breaker, undefined, 'defaults give thresholds, not a breaker');
    // The sector's own strategy keys win, the rest is inherited; its own defaults are for below.
    assert.deepEqual(sector.strategy, { kind: 'one-for-all', maxRestarts: 2, withinMs: 1000 });
    assert.equal(sector.restart, 'transient');
    assert.deepEqual(sector.mailbox, { capacity: 100, overflow: 'reject' });
    assert.deepEqual(sector.breaker, { windowMs: 2000, resetTimeoutMs: 500, maxFailures: 9 });
    // Below the sector: its defaults win over the top-level ones, a node's own over both.
    assert.equal(a!.restart, 'temporary');
    assert.deepEqual(a!.mailbox, { capacity: 5, overflow: 'reject' });
    assert.equal(b!.restart, 'permanent');
    assert.deepEqual(b!.mailbox, { capacity: 5, overflow: 'drop-oldest' });
    assert.deepEqual(b!.strategy, { kind: 'one-for-all', maxRestarts: 7, withinMs: 1000 });
  });

  it('applies the inherited settings to the spawned actors (restart type, mailbox)', async () => {
    const system = meshSystem();
    const failures: string[] = [];
    system.events$.subscribe((e) => e.type === 'actor-restarted' && failures.push(e.path));
    const handle = spawnTree(system, {
      defaults: { restart: 'temporary', mailbox: { capacity: 1, overflow: 'reject' } },
      root: { type: 'orchestrator', name: 'root', restart: 'permanent', children: [{ type: 'agent', name: 'temp' }, { type: 'agent', name: 'perm', restart: 'permanent' }] },
    });
    const temp = system.lookup('/user/root/temp')!;
    const perm = system.lookup('/user/root/perm')!;
    temp.tell({ type: 'fail' });
    perm.tell({ type: 'fail' });
    await eventually(() => system.lookup('/user/root/temp') === undefined && failures.includes('/user/root/perm'), 'temporary stopped, permanent restarted');
    // capacity 1 with reject: a second queued ask is refused at once.
    const blocked = [ping(perm), ping(perm)];
    const outcomes = await Promise.allSettled(blocked);
    assert.ok(outcomes.some((o) => o.status === 'rejected' && (o.reason as Error).name === 'MailboxFullError'), 'the inherited bounded mailbox refused');
    assert.equal(handle.respawned, 0);
  });

  it('spawns the 30k mesh from examples/mesh-30k.yaml: 31,101 actors, and terminates cleanly', async () => {
    const system = meshSystem();
    const handle = spawnTree(system, MESH_FILE);
    assert.equal(handle.actors, 31_101);
    assert.equal(handle.spawned, 31_101);
    assert.equal(system.actorTotal, 31_101 + GUARDIANS);
    assert.equal((await ping(system.lookup('/user/orchestrator/sector-99/cluster-9/agent-29')!)).from, '/user/orchestrator/sector-99/cluster-9/agent-29');
    const sectorStatus = await status(system.lookup('/user/orchestrator/sector-42')!);
    assert.equal(sectorStatus.children, 10);
    // MESH-30K 6.2: a breaker per cluster (5) under one per sector (50), under the global one.
    assert.equal(handle.breakers!.breakers.size, 1_100);
    const cluster = handle.breakerAt('/user/orchestrator/sector-3/cluster-7')!;
    assert.equal(cluster.level, 'cluster');
    assert.equal(cluster.parent, handle.breakerAt('/user/orchestrator/sector-3'));
    assert.equal(cluster.parent!.parent, handle.breakers!.global);
    await system.terminate();
    assert.equal(system.actorTotal, 0);
  });

  it('a parent restart respawns its configured children, as in OTP', async () => {
    const system = meshSystem();
    const handle = spawnTree(system, { root: { type: 'orchestrator', name: 'root', children: [{ type: 'sector-coordinator', name: 's', children: [{ type: 'agent', name: 'a-{i}', replicas: 3 }] }] } });
    const sector = system.lookup('/user/root/s')!;
    const before = system.lookup('/user/root/s/a-1');
    sector.tell({ type: 'fail' });
    await eventually(() => (system.lookup('/user/root/s/a-1') ?? before) !== before, 'a new a-1 after the restart');
    assert.equal(system.lookup('/user/root/s'), sector, 'the sector was restarted, not replaced');
    assert.deepEqual(childNames(system, '/user/root/s'), ['a-0', 'a-1', 'a-2']);
    assert.equal((await status(sector)).restarts, 1);
    assert.equal(handle.spawned, 5 + 3);
    assert.equal(handle.respawned, 0, 'a restart is not a respawn');
    assert.equal(system.actorTotal, 5 + GUARDIANS);
  });

  it('respawns a permanent child that stops itself; transient and temporary ones stay stopped', async () => {
    const system = meshSystem();
    const events: RuntimeEvent[] = [];
    system.events$.subscribe((e) => events.push(e));
    const handle = spawnTree(system, {
      root: {
        type: 'orchestrator',
        name: 'root',
        children: [
          { type: 'agent', name: 'perm' },
          { type: 'agent', name: 'trans', restart: 'transient' },
          { type: 'agent', name: 'temp', restart: 'temporary' },
        ],
      },
    });
    const perm = system.lookup('/user/root/perm')!;
    for (const name of ['perm', 'trans', 'temp']) system.lookup(`/user/root/${name}`)!.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 1 && system.lookup('/user/root/trans') === undefined && system.lookup('/user/root/temp') === undefined, 'one respawn, two stopped');
    await settle();
    const fresh = system.lookup('/user/root/perm')!;
    assert.notEqual(fresh, perm);
    assert.equal((await ping(fresh)).from, '/user/root/perm');
    assert.deepEqual(childNames(system, '/user/root'), ['perm']);
    assert.equal(handle.respawned, 1);
    const respawn = events.find((e) => e.type === 'tree-child-respawned');
    assert.equal((respawn as { child?: string } | undefined)?.child, '/user/root/perm');
    // And again: the new incarnation is watched too.
    fresh.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 2, 'second respawn');
  });

  it('does not respawn a permanent child its supervisor stopped, nor one retired with retireChild', async () => {
    const system = quietSystem();
    let parentCtx!: ActorContext<unknown>;
    registerTreeType(system, 'parent', (ctx) => {
      parentCtx = ctx;
      return () => {};
    });
    registerMeshTypes(system);
    const handle = spawnTree(system, {
      root: {
        type: 'parent',
        name: 'p',
        strategy: { decider: [{ match: 'AgentFailure', directive: 'stop' }] },
        children: [{ type: 'agent', name: 'failing' }, { type: 'agent', name: 'retired' }],
      },
    });
    system.lookup('/user/p/failing')!.tell({ type: 'fail' });
    retireChild(parentCtx, system.lookup('/user/p/retired')!);
    await eventually(() => childNames(system, '/user/p').length === 0, 'both stopped');
    await settle(10);
    assert.deepEqual(childNames(system, '/user/p'), []);
    assert.equal(handle.respawned, 0);
  });

  it('fails the parent when permanent children stop more often than its restart intensity allows', async () => {
    const system = meshSystem();
    const clock = new ManualClock();
    const failed: RuntimeEvent[] = [];
    system.events$.subscribe((e) => e.type === 'actor-failed' && failed.push(e));
    const handle = spawnTree(system, { root: { type: 'orchestrator', name: 'root', children: [{ type: 'sector-coordinator', name: 's', strategy: { maxRestarts: 2, withinMs: 1000 }, children: [{ type: 'agent', name: 'a' }] }] } }, { clock });
    for (let i = 0; i < 3; i++) {
      const before = handle.respawned;
      system.lookup('/user/root/s/a')!.tell({ type: 'stop' });
      if (i < 2) await eventually(() => handle.respawned === before + 1, `respawn ${i + 1}`);
    }
    await eventually(() => failed.some((e) => e.path === '/user/root/s'), 'the sector failed');
    const error = (failed.find((e) => e.path === '/user/root/s') as { error: Error }).error;
    assert.equal(error.name, 'RestartIntensityExceededError');
  });

  it('handles Terminated of configured children itself; other Terminated reach the type', async () => {
    const system = quietSystem();
    const seen: string[] = [];
    registerMeshTypes(system);
    registerTreeType(system, 'watcher', (ctx) => {
      const outsider = ctx.spawn(() => () => {}, { name: 'outsider' });
      ctx.watch(outsider);
      return (message: unknown) => {
        if (message instanceof Terminated) seen.push(message.ref.path);
        else if (message === 'stop-outsider') ctx.stop(outsider);
      };
    });
    const handle = spawnTree(system, { root: { type: 'watcher', name: 'w', children: [{ type: 'agent', name: 'a' }] } });
    system.lookup('/user/w/a')!.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 1, 'respawn');
    handle.root.tell('stop-outsider');
    await eventually(() => seen.length === 1, 'the outsider\'s Terminated');
    assert.deepEqual(seen, ['/user/w/outsider']);
  });

  it('after a restart, the Terminated of the old incarnation\'s children do not reach the new one', async () => {
    const system = quietSystem();
    const seen: unknown[] = [];
    registerMeshTypes(system);
    registerTreeType(system, 'recorder', () => (message: unknown) => {
      if (message === 'fail') throw new Error('recorder fails');
      seen.push(message instanceof Terminated ? `Terminated ${message.ref.path}` : message);
    });
    const handle = spawnTree(system, { root: { type: 'recorder', name: 'r', children: [{ type: 'agent', name: 'a-{i}', replicas: 3 }] } });
    const before = system.lookup('/user/r/a-0');
    handle.root.tell('fail');
    await eventually(() => (system.lookup('/user/r/a-0') ?? before) !== before, 'children respawned by the restart');
    handle.root.tell('after');
    await eventually(() => seen.includes('after'), 'a message after the restart');
    await settle();
    assert.deepEqual(seen, ['after']);
    assert.equal(handle.respawned, 0);
  });

  it('keeps the wrapper in front when the type becomes another handler (returned or ctx.become)', async () => {
    const system = quietSystem();
    const log: string[] = [];
    registerMeshTypes(system);
    registerTreeType(system, 'moody', (ctx) => {
      const calm = (m: unknown): void => {
        log.push(`calm ${String(m)}`);
        if (m === 'switch') ctx.become(first);
      };
      const first = (m: unknown) => {
        log.push(`first ${String(m)}`);
        return calm;
      };
      return first;
    });
    const handle = spawnTree(system, { root: { type: 'moody', name: 'm', children: [{ type: 'agent', name: 'a' }] } });
    handle.root.tell('one');
    handle.root.tell('switch');
    system.lookup('/user/m/a')!.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 1, 'respawn after become');
    handle.root.tell('two');
    system.lookup('/user/m/a')!.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 2 && log.length === 3, 'respawn after ctx.become');
    assert.deepEqual(log, ['first one', 'calm switch', 'first two']);
  });

  it('wraps Actor classes in a generated subclass that spawns the configured children', async () => {
    const system = quietSystem();
    const log: string[] = [];
    class Lead extends Actor<string> {
      override preStart(): void {
        log.push(`preStart with ${this.context.children.length} children`);
      }
      receive(message: string): void {
        if (message === 'fail') throw new Error('lead fails');
        log.push(`got ${message}`);
      }
    }
    registerMeshTypes(system);
    registerTreeType(system, 'lead', Lead);
    const handle = spawnTree(system, { root: { type: 'lead', name: 'lead', children: [{ type: 'agent', name: 'a-{i}', replicas: 2 }] } });
    handle.root.tell('hello');
    await eventually(() => log.includes('got hello'), 'message handled by the class');
    assert.equal(log[0], 'preStart with 2 children');
    const before = system.lookup('/user/lead/a-0');
    handle.root.tell('fail');
    await eventually(() => (system.lookup('/user/lead/a-0') ?? before) !== before, 'children respawned by the restart');
    system.lookup('/user/lead/a-1')!.tell({ type: 'stop' });
    await eventually(() => handle.respawned === 1, 'permanent child respawned by the class wrapper');
    assert.ok(!log.some((line) => line.includes('Terminated')));
  });

  it('guards subtrees with breakers: a cluster opens after more than maxFailures failures and refuses asks', async () => {
    const system = meshSystem();
    const clock = new ManualClock();
    const handle = spawnTree(
      system,
      {
        root: {
          type: 'orchestrator',
          name: 'o',
          children: [{ type: 'sector-coordinator', name: 's', breaker: { maxFailures: 50 }, children: [{ type: 'cluster-lead', name: 'c-{i}', replicas: 2, breaker: { maxFailures: 2 }, children: [{ type: 'agent', name: 'a-{i}', replicas: 3 }] }] }],
        },
      },
      { clock },
    );
    const agent = system.lookup('/user/o/s/c-0/a-0')!;
    for (let i = 0; i < 3; i++) {
      agent.tell({ type: 'fail' });
      await settle();
    }
    await eventually(() => handle.breakerAt('/user/o/s/c-0')!.state === 'open', 'cluster breaker open');
    await assert.rejects(ping(system.lookup('/user/o/s/c-0/a-2')!), CircuitOpenError);
    assert.equal((await ping(system.lookup('/user/o/s/c-1/a-2')!)).from, '/user/o/s/c-1/a-2', 'the other cluster still answers');
    assert.equal(handle.breakerAt('/user/o/s')!.state, 'closed');
    clock.advance(30_000); // reset timeout: half-open, probes pass
    assert.equal(handle.breakerAt('/user/o/s/c-0')!.state, 'half-open');
  });
});

describe('supervisors/config: validation', () => {
  it('reports malformed YAML with the line and column', () => {
    const problem = only(problemsOf('root:\n  type: agent\n  name: [unclosed\n'), 'syntax');
    assert.equal(problem.file, 'tree.yaml');
    assert.ok(problem.line !== undefined && problem.line >= 3, `line ${problem.line}`);
    assert.match(formatProblem(problem), /^tree\.yaml:\d+:\d+ \(text\): not well-formed YAML/);
  });

  it('reports an unknown key with the closest known key and the line of the key', () => {
    const problem = only(problemsOf('root:\n  type: agent\n  name: a\n  replcas: 3\n'), 'unknown-key');
    assert.equal(problem.path, 'root.replcas');
    assert.equal(problem.line, 4);
    assert.equal(problem.column, 3);
    assert.match(problem.message, /unknown key 'replcas'; did you mean 'replicas'\?/);
    assert.equal(formatProblem(problem).split(' ')[0], 'tree.yaml:4:3');
  });

  it('reports a missing key at the node that lacks it', () => {
    const problem = only(problemsOf('root:\n  type: orchestrator\n  name: o\n  children:\n    - name: x\n'), 'missing-key');
    assert.equal(problem.path, 'root.children[0].type');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /missing required key 'type'/);
  });

  it('reports values of the wrong kind, saying what was expected', () => {
    const problems = problemsOf('root:\n  type: orchestrator\n  name: o\n  children: {}\n  shutdownMs: "10"\n');
    const kinds = problems.filter((p) => p.kind === 'wrong-kind');
    assert.deepEqual(
      kinds.map((p) => [p.path, p.line]),
      [
        ['root.children', 4],
        ['root.shutdownMs', 5],
      ],
    );
    assert.match(kinds[0]!.message, /expected a list \(got a mapping\)/);
    assert.match(kinds[1]!.message, /expected a number >= 0 \(got '10'\)/);
  });

  it('reports negative and non-integer numbers', () => {
    const problems = problemsOf('root:\n  type: orchestrator\n  name: o\n  strategy: { maxRestarts: -1, withinMs: 0 }\n  children:\n    - { type: agent, name: "a-{i}", replicas: 2.5 }\n');
    const numbers = problems.filter((p) => p.kind === 'bad-number');
    assert.deepEqual(
      numbers.map((p) => [p.path, p.line, p.message]),
      [
        ['root.strategy.maxRestarts', 4, 'expected an integer >= 0 (got -1)'],
        ['root.strategy.withinMs', 4, 'expected a number > 0 (got 0)'],
        ['root.children[0].replicas', 6, 'expected an integer >= 0 (got 2.5)'],
      ],
    );
  });

  it('reports a value outside a fixed set, with a suggestion', () => {
    const problem = only(problemsOf('root:\n  type: orchestrator\n  name: o\n  strategy:\n    kind: one-for-al\n'), 'bad-value');
    assert.equal(problem.path, 'root.strategy.kind');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /expected one of one-for-one, one-for-all, rest-for-one \(got 'one-for-al'\); did you mean 'one-for-all'\?/);
  });

  it('reports an unknown actor type, listing the known ones', () => {
    const problem = only(problemsOf('root:\n  type: orchestrator\n  name: o\n  children:\n    - type: agnet\n      name: a\n'), 'unknown-type');
    assert.equal(problem.path, 'root.children[0].type');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /unknown actor type 'agnet'; did you mean 'agent'\? \(known types: agent, cluster-lead, orchestrator, sector-coordinator\)/);
  });

  it('reports bad name templates: replicas > 1 without {i}, and unknown placeholders', () => {
    const problems = problemsOf('root:\n  type: orchestrator\n  name: o\n  children:\n    - { type: agent, name: worker, replicas: 3 }\n    - { type: agent, name: "w-{n}", replicas: 2 }\n    - { type: agent, name: "x-{i", replicas: 2 }\n');
    const templates = problems.filter((p) => p.kind === 'bad-template');
    assert.deepEqual(
      templates.map((p) => [p.path, p.line]),
      [
        ['root.children[0].name', 5],
        ['root.children[1].name', 6],
        ['root.children[2].name', 7],
      ],
    );
    assert.match(templates[0]!.message, /replicas is 3 but the name 'worker' has no \{i\}/);
    assert.match(templates[1]!.message, /unknown placeholder '\{n\}'/);
    assert.match(templates[2]!.message, /'\{' without '\}'/);
  });

  it('reports names that are not valid actor names once expanded', () => {
    const problem = only(problemsOf('root:\n  type: orchestrator\n  name: o\n  children:\n    - { type: agent, name: "agent #{i}", replicas: 2 }\n'), 'bad-name');
    assert.equal(problem.path, 'root.children[0].name');
    assert.equal(problem.line, 5);
    assert.match(problem.message, /'agent #0' is not a valid actor name .*character ' ' is not allowed/);
  });

  it('reports duplicate names among siblings after template expansion', () => {
    const problem = only(problemsOf('root:\n  type: orchestrator\n  name: o\n  children:\n    - { type: agent, name: "a-{i}", replicas: 10 }\n    - { type: agent, name: "a-{i:5}", replicas: 10 }\n'), 'duplicate-name');
    assert.equal(problem.path, 'root.children[1].name');
    assert.equal(problem.line, 6);
    assert.match(problem.message, /name 'a-5' is already given to a sibling by root\.children\[0\] \(name 'a-\{i\}'\) \(and 4 more names\)/);
  });

  it('reports breakers nested deeper than the hierarchy goes, and levels whose thresholds differ', () => {
    const problems = problemsOf(`root:
  type: orchestrator
  name: o
  breaker: true
  children:
    - type: sector-coordinator
      name: s-{i}
      replicas: 2
      breaker: { maxFailures: 5 }
      children:
        - type: cluster-lead
          name: c
          breaker: true
    - type: sector-coordinator
      name: t
      breaker: { maxFailures: 6 }
`);
    const layout = only(problems, 'breaker-layout');
    assert.equal(layout.path, 'root.children[0].children[0].breaker');
    assert.equal(layout.line, 13);
    assert.match(layout.message, /nest at most two deep/);
    const conflict = only(problems, 'conflict');
    assert.equal(conflict.path, 'root.children[1].breaker');
    assert.match(conflict.message, /cluster-level breakers must share their thresholds .*maxFailures is 6 here but 5 at root\.children\[0\]\.breaker/);
  });

  it('reports settings that conflict once defaults apply', () => {
    const problems = problemsOf('defaults:\n  strategy: { backoff: { minMs: 500 } }\nroot:\n  type: orchestrator\n  name: o\n  strategy: { backoff: { maxMs: 100 } }\n  breaker: { resetTimeoutMs: 1000, maxResetTimeoutMs: 10 }\n');
    const conflicts = problems.filter((p) => p.kind === 'conflict');
    assert.deepEqual(
      conflicts.map((p) => [p.path, p.line]),
      [
        ['root.strategy.backoff', 6],
        ['root.breaker', 7],
      ],
    );
    assert.match(conflicts[0]!.message, /backoff maxMs must be >= minMs \(got maxMs 100, minMs 500\)/);
    assert.match(conflicts[1]!.message, /maxResetTimeoutMs must be >= resetTimeoutMs/);
  });

  it('returns every problem, not just the first, in line order', () => {
    const problems = problemsOf('root:\n  type: nope\n  name: "bad name"\n  replicas: -2\n  extra: 1\n');
    assert.deepEqual(
      problems.map((p) => p.kind),
      ['unknown-type', 'bad-name', 'bad-number', 'unknown-key'],
    );
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3, 4, 5],
    );
  });

  it('gives line numbers for JSON files too, and paths without lines for objects built in code', () => {
    const json = validateTree(parseTree('{\n  "root": {\n    "type": "agent",\n    "name": "a",\n    "replicas": -1\n  }\n}\n', { file: 'tree.json' }));
    assert.deepEqual(
      json.map((p) => [p.file, p.path, p.line]),
      [['tree.json', 'root.replicas', 5]],
    );
    const plain = validateTree({ root: { type: 'agent', name: 'a', replicas: -1 } }, { file: 'built-in' });
    assert.deepEqual(
      plain.map((p) => [p.file, p.path, p.line]),
      [['built-in', 'root.replicas', undefined]],
    );
    assert.equal(formatProblem(plain[0]!), 'built-in root.replicas: expected an integer >= 0 (got -1)');
  });

  it('refuses a node with children whose type was registered with system.registerType only', () => {
    const system = quietSystem();
    system.registerType('plain', () => () => {});
    registerMeshTypes(system);
    assert.throws(
      () => spawnTree(system, { root: { type: 'plain', name: 'p', children: [{ type: 'agent', name: 'a' }] } }),
      (error: unknown) => error instanceof TreeConfigError && /registered with system\.registerType only/.test(error.message),
    );
    // As a leaf it is fine: spawned by name.
    spawnTree(system, { root: { type: 'orchestrator', name: 'o', children: [{ type: 'plain', name: 'p' }] } });
    assert.ok(system.lookup('/user/o/p'));
  });

  it('spawns nothing from a broken file: one TreeConfigError with every problem', () => {
    const system = meshSystem();
    const config = parseTree('root:\n  type: orchestrator\n  name: o\n  children:\n    - { type: agent, name: "a-{i}", replicas: 3 }\n    - { type: agnet, name: b }\n    - { type: agent, name: c, replicas: 2 }\n', { file: 'broken.yaml' });
    assert.throws(
      () => spawnTree(system, config),
      (error: unknown) => {
        assert.ok(error instanceof TreeConfigError);
        assert.equal(error.problems.length, 2);
        assert.match(error.message, /broken\.yaml:6:\d+ root\.children\[1\]\.type: unknown actor type 'agnet'/);
        assert.match(error.message, /broken\.yaml:7:\d+ root\.children\[2\]\.name: replicas is 2/);
        return true;
      },
    );
    assert.equal(system.actorTotal, GUARDIANS, 'no actor was spawned');
  });

  it('refuses a root whose name is already taken under /user, spawning nothing', () => {
    const system = meshSystem();
    system.spawn(() => () => {}, { name: 'o' });
    assert.throws(() => spawnTree(system, { root: { type: 'orchestrator', name: 'o', children: [{ type: 'agent', name: 'a' }] } }), /an actor named 'o' already runs under \/user/);
    assert.equal(system.actorTotal, GUARDIANS + 1);
  });

  it('finds examples/mesh-30k.yaml valid: 31,101 actors', () => {
    const { problems, plan } = analyzeTree(loadTreeFile(MESH_FILE), { registeredTypes: ['orchestrator', 'sector-coordinator', 'cluster-lead', 'agent'] });
    assert.deepEqual(problems, []);
    assert.equal(plan!.actors, 31_101);
  });

  it('agrees with Ajv on which configurations the JSON Schema accepts', () => {
    const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(TREE_SCHEMA);
    // Each key: mostly absent or valid, now and then wrong (so a fair share of configs are valid).
    const field = <T,>(valid: fc.Arbitrary<T>, ...invalid: unknown[]): fc.Arbitrary<T | unknown> =>
      invalid.length === 0
        ? fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: valid, weight: 1 })
        : fc.oneof({ arbitrary: fc.constant(undefined), weight: 60 }, { arbitrary: valid, weight: 140 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
    const typo = fc.oneof({ arbitrary: fc.constant(undefined), weight: 300 }, { arbitrary: fc.constant(1), weight: 1 });
    const ms = fc.integer({ min: 1, max: 60_000 });
    const strategy = fc.record({
      kind: field(fc.constantFrom('one-for-one', 'one-for-all', 'rest-for-one'), 'one-for-any', 3),
      maxRestarts: field(fc.nat(20), -1, 2.5, '3'),
      withinMs: field(ms, 0, -10, null),
      backoff: field(fc.record({ minMs: field(fc.nat(100), -1), maxMs: field(fc.nat(5000), 'x'), factor: field(fc.integer({ min: 1, max: 3 }), 0.5), jitter: field(fc.double({ min: 0, max: 1, noNaN: true }), 2), tpyo: typo }), [], 7),
      decider: field(fc.array(fc.record({ match: fc.constantFrom('Error', 'TimeoutError'), directive: fc.constantFrom('resume', 'restart', 'stop', 'escalate') }), { maxLength: 2 }), [{ match: 'E' }], [{ match: 'E', directive: 'explode' }]),
      typo,
    });
    const mailbox = fc.record({ capacity: field(fc.integer({ min: 1, max: 1000 }), 0, 1.5), overflow: field(fc.constantFrom('drop-newest', 'drop-oldest', 'reject'), 'drop-all'), typo });
    const thresholds = fc.record({ maxFailures: field(fc.nat(60), -1), windowMs: field(ms, 0), resetTimeoutMs: field(ms, -1), successThreshold: field(fc.integer({ min: 1, max: 5 }), 0), probeLimit: field(fc.integer({ min: 1, max: 5 }), 0.5), typo });
    const defaults = fc.record({ strategy: field(strategy, 'x'), mailbox: field(mailbox, []), restart: field(fc.constantFrom('permanent', 'transient', 'temporary'), 'sometimes'), breaker: field(thresholds, true), shutdownMs: field(fc.nat(1000), -1), stashCapacity: field(fc.nat(10), 1.5), typo });
    const node = fc.letrec((tie) => ({
      node: fc.record({
        type: field(fc.constantFrom('agent', 'orchestrator'), '', 3),
        name: field(fc.constantFrom('a-{i}', 'b'), '', null),
        replicas: field(fc.nat(3), -1, 1.5, 'two'),
        props: field(fc.anything({ maxDepth: 1 })),
        strategy: field(strategy, 'one-for-one'),
        breaker: field(fc.oneof(fc.boolean(), thresholds), 5, 'yes'),
        mailbox: field(mailbox, 10),
        restart: field(fc.constantFrom('permanent', 'transient', 'temporary'), 'always'),
        shutdownMs: field(fc.nat(1000), -5),
        stashCapacity: field(fc.nat(10), -1),
        defaults: field(defaults, 'none'),
        children: field(fc.array(tie('node'), { maxLength: 2 }), {}, 'x'),
        typo,
      }),
    })).node;
    let valid = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.record({ root: field(node, 'root'), defaults: field(defaults, 1), typo }), (generated) => {
        // Drop undefined values: they are absent keys in YAML and JSON.
        const config = JSON.parse(JSON.stringify(generated)) as unknown;
        const shapeProblems = schemaProblems(config);
        const accepted = validate(config);
        runs++;
        if (accepted) valid++;
        assert.equal(shapeProblems.length === 0, accepted, `ours: ${shapeProblems.map(formatProblem).join('; ')}; ajv: ${ajv.errorsText(validate.errors)}`);
      }),
      { numRuns: 500 },
    );
    // Both sides of the question were asked often enough to mean something.
    assert.ok(valid > runs * 0.05 && valid < runs * 0.95, `${valid} of ${runs} generated configs were valid`);
  });
});

describe('supervisors/config: plain TreeConfig objects', () => {
  it('accepts a typed TreeConfig built in code', () => {
    const config: TreeConfig = { root: { type: 'agent', name: 'a', restart: 'transient', mailbox: { capacity: 10 } } };
    assert.deepEqual(validateTree(config, { registeredTypes: ['agent'] }), []);
  });
});
