import assert from 'node:assert/strict';
import type { ActorRef, ActorSystem, ExtensionEvent, RuntimeEvent } from '../../src/index.js';
import { durableRun } from '../../src/persistence/durable-run-actor.js';
import type { DurableRunMessage, DurableRunOutcome, DurableRunStatus } from '../../src/persistence/durable-run-actor.js';
import { loadRunTree } from '../../src/persistence/durable-run.js';
import type { StepContext } from '../../src/persistence/durable-run.js';
import { MemoryJournal, MemoryJournalStore } from '../../src/persistence/memory-journal.js';
import { oneForOne } from '../../supervisors/strategies.js';
import { deferred, eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

class Flaky extends Error {}

const ofType = (events: RuntimeEvent[], type: string, path?: string): ExtensionEvent[] =>
  events.filter((e) => e.type === type && (path === undefined || e.path === path)) as ExtensionEvent[];

const result = <T>(ref: ActorRef<DurableRunMessage<T>>): Promise<DurableRunOutcome<T>> => ref.ask((replyTo) => ({ type: 'result', replyTo }), { timeoutMs: 5000 });
const status = (ref: ActorRef<DurableRunMessage<unknown>>): Promise<DurableRunStatus> => ref.ask((replyTo) => ({ type: 'status', replyTo }));

/** Spawns `Def` as the child 'run' of a parent supervising it with `supervision`; returns the child's ref. */
function underSupervisor<M, P>(system: ActorSystem, Def: unknown, props: P, supervision: ReturnType<typeof oneForOne>): ActorRef<M> {
  let child: ActorRef<M> | undefined;
  system.spawn(
    (ctx) => {
      child = ctx.spawn(Def as never, { name: 'run', props: props as never }) as ActorRef<M>;
      return () => undefined;
    },
    { name: 'sup', supervision },
  );
  assert.ok(child, 'the parent spawned its child during setup');
  return child;
}

describe('durable run actor (durableRun)', () => {
  it('a failing step fails the actor; its supervisor restarts it (with backoff) and the run resumes without redoing committed steps', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new MemoryJournal();
    const calls = new Map<string, number>();
    const seen: { key: string; idempotencyKey: string; resumed: boolean }[] = [];
    const hit = (key: string) => calls.set(key, (calls.get(key) ?? 0) + 1).get(key)!;
    const Order = durableRun<number, { orderId: string; failures: number }>({
      journal,
      runId: (_ctx, props) => `order-${props.orderId}`,
      run: async (run: StepContext, props) => {
        const a = await run.step('reserve', () => (hit('reserve'), 10));
        const b = await run.step('charge', (step) => {
          seen.push({ key: step.key, idempotencyKey: step.idempotencyKey, resumed: step.resumed });
          if (hit('charge') <= props.failures) throw new Flaky('payment service down');
          return 20;
        });
        const c = await run.step('ship', () => (hit('ship'), 30));
        return a + b + c;
      },
    });
    const ref = underSupervisor<DurableRunMessage<number>, { orderId: string; failures: number }>(system, Order, { orderId: '42', failures: 2 }, oneForOne({ maxRestarts: 5, withinMs: 10_000, backoff: { minMs: 10, maxMs: 50, jitter: 0 } }));
    const outcome = await result(ref).catch(() => undefined);
    // The first incarnation's asker hears that it failed; ask again to wait for the run.
    assert.equal(outcome?.status, 'failed');
    await eventually(() => ofType(events, 'durable-run-completed').length === 1, 'run completed', 5000);
    const tree = await loadRunTree(journal, 'order-42');
    assert.deepEqual(tree.completed, { result: 60 });
    assert.deepEqual(Object.fromEntries(calls), { reserve: 1, charge: 3, ship: 1 });
    assert.deepEqual(seen, [
      { key: 'charge', idempotencyKey: 'order-42/charge', resumed: false },
      { key: 'charge', idempotencyKey: 'order-42/charge', resumed: true },
      { key: 'charge', idempotencyKey: 'order-42/charge', resumed: true },
    ]);
    const path = '/user/sup/run';
    assert.equal(ofType(events, 'actor-failed', path).length, 2);
    assert.ok(ofType(events, 'actor-failed', path).every((e) => e.error instanceof Flaky));
    assert.equal(ofType(events, 'actor-restarted', path).length, 2);
    assert.equal(ofType(events, 'supervisor-backoff', '/user/sup').length, 2);
    assert.equal(ofType(events, 'durable-run-resumed').length, 2);
    // Done: the actor stopped itself after answering.
    await eventually(() => ofType(events, 'actor-stopped', path).length === 1, 'stopped when done');
  });

  it('answers result askers once the run completes, reports status while it runs, and a completed run spawned again runs nothing', async () => {
    const system = quietSystem();
    const store = new MemoryJournalStore();
    const gate = deferred<void>();
    let runs = 0;
    const Def = durableRun<string>({
      journal: new MemoryJournal(store),
      runId: () => 'gated',
      stopWhenDone: false,
      steps: [
        { key: 'wait', run: async () => (runs++, await gate.promise, 'opened') },
        { key: 'after', run: (_step, previous) => `${String(previous)} and after` },
      ],
    });
    const ref = system.spawn(Def, { name: 'gated' });
    assert.deepEqual(await status(ref), { runId: 'gated', state: 'running', attempt: 0 });
    const pending = result(ref);
    gate.resolve();
    const outcome = await pending;
    assert.equal(outcome.status, 'completed');
    assert.ok(outcome.status === 'completed');
    assert.deepEqual(outcome.report.result, ['opened', 'opened and after']);
    assert.equal(outcome.report.executed, 2);
    assert.equal((await status(ref)).state, 'completed');
    // A later asker gets the same answer at once (stopWhenDone: false kept the actor).
    assert.deepEqual((await result(ref)).status, 'completed');
    system.stop(ref);

    const again = system.spawn(Def, { name: 'again' });
    const second = await result(again);
    assert.ok(second.status === 'completed');
    assert.equal(second.report.alreadyCompleted, true);
    assert.equal(second.report.executed, 0);
    assert.equal(runs, 1);
  });

  it('stopping the actor aborts the run signal; the step in flight is waited for, and the next incarnation resumes it', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const store = new MemoryJournalStore();
    const entered = deferred<void>();
    const resumedFlags: boolean[] = [];
    const Def = durableRun<string>({
      journal: new MemoryJournal(store),
      runId: () => 'long',
      run: async (run) =>
        run.step('slow', (step) => {
          resumedFlags.push(step.resumed);
          if (resumedFlags.length > 1) return 'done';
          entered.resolve();
          // Honours the signal: returns (rejects) once the run is stopped.
          return new Promise<string>((_resolve, reject) => step.signal.addEventListener('abort', () => reject(step.signal.reason)));
        }),
    });
    const ref = system.spawn(Def, { name: 'long' });
    await entered.promise;
    system.stop(ref);
    await eventually(() => ofType(events, 'actor-stopped', '/user/long').length === 1, 'stopped');
    assert.equal(ofType(events, 'durable-run-failed').length, 1, 'the aborted run settled before the stop completed');
    const next = system.spawn(Def, { name: 'long2' });
    const outcome = await result(next);
    assert.ok(outcome.status === 'completed');
    assert.equal(outcome.report.result, 'done');
    assert.deepEqual(outcome.report.resumedKeys, ['slow']);
    assert.deepEqual(resumedFlags, [false, true]);
  });

  it('refuses bad options with a TypeError naming the option, and an unknown message fails the actor', async () => {
    const journal = new MemoryJournal();
    assert.throws(() => durableRun(null as never), /needs an options object/);
    assert.throws(() => durableRun({ journal, runId: 'x' as never, run: () => 1 }), /options\.runId must be a function/);
    assert.throws(() => durableRun({ journal, runId: () => 'x' }), /exactly one of options\.run and options\.steps.*neither/);
    assert.throws(() => durableRun({ journal, runId: () => 'x', run: () => 1, steps: [] }), /both/);
    assert.throws(() => durableRun({ journal: {} as never, runId: () => 'x', run: () => 1 }), /options\.journal must implement Journal/);

    const system = quietSystem();
    const events = recordEvents(system);
    const gate = deferred<void>();
    const Def = durableRun({ journal, runId: () => 'odd', stopWhenDone: false, run: (run) => run.step('s', () => gate.promise.then(() => 1)) });
    const ref = system.spawn(Def, { name: 'odd' });
    ref.tell({ type: 'dance' } as never);
    await eventually(() => ofType(events, 'actor-failed', '/user/odd').length === 1, 'failed on the unknown message');
    assert.match((ofType(events, 'actor-failed', '/user/odd')[0]!.error as Error).message, /unknown message 'dance'/);
    gate.resolve();
  });
});
