import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AskFailedError, AskTimeoutError, DeadlockError, WaitForGraph } from '../src/index.js';
import type { ActorRef, ActorSystem, DeadlockDetectedEvent, WaitList } from '../src/index.js';
import { deferred, eventually, quietSystem, recordEvents, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

/** Far longer than any test may take: a deadlock must be reported long before it. */
const LONG_MS = 10_000;
/** What "at once" means here (not a performance figure: the machine may be busy). */
const PROMPTLY_MS = 1_000;

type Msg = { type: 'go'; replyTo: ActorRef<unknown> } | { type: 'ping'; replyTo: ActorRef<unknown> };

/**
 * An actor that, on its first 'go', asks `next()` with 'go' from its (async) handler and
 * answers with the reply, or 'end' when there is no next; with `catchErrors` it answers with
 * the error its ask failed with, else the handler rejects (the actor fails and is
 * supervised). Later 'go's (the asks of a failed cycle, still queued) are answered 'again':
 * forwarding them would build the cycle anew. On 'ping' it answers 'pong'.
 */
function relay(name: string, next: () => ActorRef<Msg> | undefined, catchErrors = true) {
  let forwarded = false; // outside the behaviour: a restart must not reset it
  return () => async (m: Msg) => {
    if (m.type === 'ping') {
      m.replyTo.tell('pong');
      return;
    }
    if (forwarded) {
      m.replyTo.tell('again');
      return;
    }
    forwarded = true;
    const target = next();
    if (target === undefined) {
      m.replyTo.tell(`end at ${name}`);
      return;
    }
    try {
      m.replyTo.tell(await target.ask<unknown>((replyTo) => ({ type: 'go', replyTo }), { timeoutMs: LONG_MS }));
    } catch (error) {
      if (!catchErrors) throw error;
      m.replyTo.tell(error);
    }
  };
}

/** Spawns relays named `names`, each asking the one `links` names (or nobody). */
function spawnRelays(system: ActorSystem, links: Record<string, string | undefined>, catchErrors = true): Record<string, ActorRef<Msg>> {
  const refs: Record<string, ActorRef<Msg>> = {};
  for (const [name, next] of Object.entries(links)) {
    refs[name] = system.spawn(relay(name, () => (next === undefined ? undefined : refs[next]), catchErrors), { name });
  }
  return refs;
}

/** Asks `ref` with 'go' from outside any actor; resolves with the reply or the error, and how long it took. */
async function go(ref: ActorRef<Msg>, timeoutMs = LONG_MS): Promise<{ result: unknown; ms: number }> {
  const started = performance.now();
  const result = await ref.ask<unknown>((replyTo) => ({ type: 'go', replyTo }), { timeoutMs }).catch((error: unknown) => error);
  return { result, ms: performance.now() - started };
}

const ping = (ref: ActorRef<Msg>) => ref.ask<unknown>((replyTo) => ({ type: 'ping', replyTo }), { timeoutMs: 2_000 });

describe('deadlock detection', () => {
  it('fails two actors asking each other at once, naming both paths', async () => {
    const system = quietSystem({ askTimeoutMs: LONG_MS, deadlockDetection: true });
    const events = recordEvents(system);
    const { a, b } = spawnRelays(system, { a: 'b', b: 'a' });
    const { result, ms } = await go(a!);
    assert.ok(result instanceof DeadlockError, `expected DeadlockError, got ${String(result)}`);
    assert.ok(ms < PROMPTLY_MS, `settled after ${ms.toFixed(0)} ms; the ask timeout is ${LONG_MS} ms`);
    // b closed the cycle (it started to wait last), so the cycle starts there.
    assert.deepEqual(result.cycle, ['/user/b', '/user/a']);
    assert.equal(result.target, '/user/b'); // a's ask went to b
    assert.match(result.message, /\/user\/b -> \/user\/a -> \/user\/b/);
    const detected = events.filter((e): e is DeadlockDetectedEvent => e.type === 'deadlock-detected');
    assert.equal(detected.length, 1);
    assert.deepEqual(detected[0]!.cycle, ['/user/b', '/user/a']);
    assert.equal(detected[0]!.path, '/user/b');
    assert.equal(detected[0]!.failedAsks, 2);
    // Both parties caught their DeadlockError and go on working.
    assert.equal(await ping(a!), 'pong');
    assert.equal(await ping(b!), 'pong');
  });

  it('fails every ask of a 3-cycle', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const events = recordEvents(system);
    const { a } = spawnRelays(system, { a: 'b', b: 'c', c: 'a' });
    const { result, ms } = await go(a!);
    assert.ok(result instanceof DeadlockError, `expected DeadlockError, got ${String(result)}`);
    assert.ok(ms < PROMPTLY_MS, `settled after ${ms.toFixed(0)} ms`);
    assert.deepEqual(result.cycle, ['/user/c', '/user/a', '/user/b']);
    const detected = events.filter((e): e is DeadlockDetectedEvent => e.type === 'deadlock-detected');
    assert.equal(detected.length, 1);
    assert.equal(detected[0]!.failedAsks, 3);
  });

  it('fails an actor asking itself inside its handler', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const { self } = spawnRelays(system, { self: 'self' });
    const { result, ms } = await go(self!);
    assert.ok(result instanceof DeadlockError, `expected DeadlockError, got ${String(result)}`);
    assert.ok(ms < PROMPTLY_MS, `settled after ${ms.toFixed(0)} ms`);
    assert.deepEqual(result.cycle, ['/user/self']);
    assert.match(result.message, /\/user\/self -> \/user\/self/);
    assert.equal(await ping(self!), 'pong');
  });

  it('lets a chain without a cycle complete', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const events = recordEvents(system);
    const { a } = spawnRelays(system, { a: 'b', b: 'c', c: undefined });
    const { result } = await go(a!);
    assert.equal(result, 'end at c');
    assert.equal(events.filter((e) => e.type === 'deadlock-detected').length, 0);
  });

  it('does not count an actor that asked without waiting (sync handler) as blocked', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const refs: Record<string, ActorRef<Msg>> = {};
    // a's handler asks b and returns at once: a keeps taking messages, so b asking a back is fine.
    refs.a = system.spawn<Msg>(
      () => (m) => {
        if (m.type === 'ping') m.replyTo.tell('pong');
        else void refs.b!.ask<unknown>((replyTo) => ({ type: 'go', replyTo })).then((reply) => m.replyTo.tell(reply));
      },
      { name: 'a' },
    );
    refs.b = system.spawn<Msg>(
      () => async (m) => {
        m.replyTo.tell(await refs.a!.ask<unknown>((replyTo) => ({ type: 'ping', replyTo })));
      },
      { name: 'b' },
    );
    assert.equal((await go(refs.a)).result, 'pong');
  });

  it('does not make an ask from outside any actor an edge', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const waitFor = system.waitFor!;
    const release = deferred();
    // The actor awaits something that is not an ask: it is busy, but waits on no actor.
    const busy = system.spawn<Msg>(() => async (m) => {
      await release.promise;
      m.replyTo.tell('done');
    });
    const before = waitFor.added;
    const replies = [go(busy), go(busy)];
    await settle();
    assert.equal(waitFor.added, before, 'an ask from plain code added an edge');
    release.resolve();
    assert.deepEqual((await Promise.all(replies)).map((r) => r.result), ['done', 'done']);
  });

  it('leaves actors that did not catch the DeadlockError to their supervisor, then working', async () => {
    const system = quietSystem({ deadlockDetection: true });
    const events = recordEvents(system);
    const { a, b } = spawnRelays(system, { a: 'b', b: 'a' }, false);
    const { result, ms } = await go(a!);
    // a's handler rethrew: a failed on the outer ask's message, so the outer ask fails with the cause.
    assert.ok(result instanceof AskFailedError, `expected AskFailedError, got ${String(result)}`);
    assert.ok(result.cause instanceof DeadlockError);
    assert.ok(ms < PROMPTLY_MS, `settled after ${ms.toFixed(0)} ms`);
    await eventually(() => events.filter((e) => e.type === 'actor-restarted').length === 2, 'both actors restarted');
    assert.equal(await ping(a!), 'pong');
    assert.equal(await ping(b!), 'pong');
  });

  it('with deadlockDetection: false, the asks of a cycle time out instead', async () => {
    const system = quietSystem({ deadlockDetection: false });
    assert.equal(system.waitFor, null);
    const events = recordEvents(system);
    const refs: Record<string, ActorRef<Msg>> = {};
    const forwarded = new Set<string>();
    const shortRelay = (name: string, next: string) => () => async (m: Msg) => {
      if (m.type === 'ping') return m.replyTo.tell('pong');
      if (forwarded.has(name)) return m.replyTo.tell('again'); // see relay()
      forwarded.add(name);
      try {
        m.replyTo.tell(await refs[next]!.ask<unknown>((replyTo) => ({ type: 'go', replyTo }), { timeoutMs: 150 }));
      } catch (error) {
        m.replyTo.tell(error);
      }
    };
    refs.a = system.spawn(shortRelay('a', 'b'), { name: 'a' });
    refs.b = system.spawn(shortRelay('b', 'a'), { name: 'b' });
    const { result, ms } = await go(refs.a);
    assert.ok(result instanceof AskTimeoutError, `expected AskTimeoutError, got ${String(result)}`);
    assert.ok(ms >= 140, `settled after ${ms.toFixed(0)} ms, before the 150 ms timeout`);
    assert.equal(events.filter((e) => e.type === 'deadlock-detected').length, 0);
  });

  it('rejects a non-boolean deadlockDetection option, naming it', () => {
    assert.throws(() => quietSystem({ deadlockDetection: 'yes' as unknown as boolean }), /options\.deadlockDetection must be a boolean/);
  });
});

// ------------------------------------------------------------------ the graph alone

interface Node {
  readonly id: number;
}
interface Edge {
  readonly from: Node;
  readonly target: Node;
  list: WaitList<Edge> | null;
  prev: Edge | null;
  next: Edge | null;
}
const edge = (from: Node, target: Node): Edge => ({ from, target, list: null, prev: null, next: null });

/** Reference: does the directed graph (n nodes, these edges) have a cycle? (Kahn's algorithm) */
function hasCycle(n: number, pairs: ReadonlyArray<readonly [number, number]>): boolean {
  const indegree = new Array<number>(n).fill(0);
  for (const [, to] of pairs) indegree[to]!++;
  const ready = [...indegree.keys()].filter((i) => indegree[i] === 0);
  let removed = 0;
  while (ready.length > 0) {
    const node = ready.pop()!;
    removed++;
    for (const [from, to] of pairs) if (from === node && --indegree[to]! === 0) ready.push(to);
  }
  return removed < n;
}

/** Checks that `cycle` is a real cycle of edges from `start`. */
function assertValidCycle(start: Node, cycle: { nodes: readonly Node[]; edges: readonly Edge[] }): void {
  assert.equal(cycle.nodes[0], start);
  assert.equal(cycle.edges.length, cycle.nodes.length);
  cycle.edges.forEach((edge, i) => {
    assert.equal(edge.from, cycle.nodes[i]);
    assert.equal(edge.target, cycle.nodes[(i + 1) % cycle.nodes.length]);
  });
  assert.equal(new Set(cycle.nodes).size, cycle.nodes.length, 'a node twice in the cycle');
}

describe('WaitForGraph', () => {
  const graphs = fc.integer({ min: 1, max: 7 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      pairs: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: n - 1 })), { maxLength: 14 }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    }),
  );

  it('detects a cycle iff the edges have one, when waiters start to wait one by one', () => {
    fc.assert(
      fc.property(graphs, ({ n, pairs, order }) => {
        const nodes: Node[] = [...Array(n).keys()].map((id) => ({ id }));
        const graph = new WaitForGraph<Node, Edge>();
        const added: Array<[number, number]> = [];
        // As in the runtime: a node adds all its edges, then the search runs from it.
        for (const waiter of order) {
          for (const [from, to] of pairs) {
            if (from !== waiter) continue;
            graph.add(nodes[from]!, edge(nodes[from]!, nodes[to]!));
            added.push([from, to]);
          }
          const cycle = graph.findCycle(nodes[waiter]!);
          if (cycle !== null) assertValidCycle(nodes[waiter]!, cycle);
          // Before this step there was no cycle (else it would have been found then and we stopped).
          assert.equal(cycle !== null, hasCycle(n, added), `edges ${JSON.stringify(added)}`);
          if (cycle !== null) return;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('after removing any edges, finds a cycle from some node iff the remaining edges have one', () => {
    fc.assert(
      fc.property(graphs, fc.array(fc.boolean(), { minLength: 14, maxLength: 14 }), ({ n, pairs }, keep) => {
        const nodes: Node[] = [...Array(n).keys()].map((id) => ({ id }));
        const graph = new WaitForGraph<Node, Edge>();
        const edges = pairs.map(([from, to]) => edge(nodes[from]!, nodes[to]!));
        for (const e of edges) graph.add(e.from, e);
        const left = edges.filter((e, i) => {
          if (keep[i]) return true;
          graph.remove(e); // from the head, the middle or the tail of its waiter's list
          return false;
        });
        for (const node of nodes) assert.equal(graph.edgeCount(node), left.filter((e) => e.from === node).length);
        const found = nodes.map((node) => graph.findCycle(node)).filter((cycle) => cycle !== null);
        found.forEach((cycle) => assertValidCycle(cycle.nodes[0]!, cycle));
        assert.equal(found.length > 0, hasCycle(n, left.map((e) => [e.from.id, e.target.id] as const)));
      }),
      { numRuns: 500 },
    );
  });

  it('forgets removed and released edges', () => {
    const [a, b] = [{ id: 0 }, { id: 1 }];
    const graph = new WaitForGraph<Node, Edge>();
    const ab = edge(a, b);
    const ba = edge(b, a);
    graph.add(a, ab);
    graph.remove(ab);
    graph.add(b, ba);
    assert.equal(graph.findCycle(b), null);
    graph.add(a, ab);
    assert.notEqual(graph.findCycle(b), null);
    graph.release(a);
    assert.equal(ab.list, null);
    assert.equal(graph.edgeCount(a), 0);
    assert.equal(graph.findCycle(b), null);
    assert.throws(() => {
      graph.add(b, ba);
    }, /already in the graph/);
  });
});
