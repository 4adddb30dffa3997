import assert from 'node:assert/strict';
import type { ActorContext, ActorRef, RuntimeEvent } from '../../src/index.js';
import { ManualClock, QuarantineStore, RestartIntensityExceededError, backoffDelay, oneForAll, oneForOne, resolveBackoff, restForOne, strategyOf } from '../../supervisors/index.js';
import type { ConfiguredStrategy } from '../../supervisors/index.js';
import { eventually, quietSystem, recordEvents, settle, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

type Cmd = 'fail' | 'ping' | { replyTo: ActorRef<string> };

/** A child that throws on 'fail' and records its incarnations. */
const worker = (starts: string[]) => (ctx: ActorContext<Cmd>) => {
  starts.push(ctx.name);
  return (m: Cmd) => {
    if (m === 'fail') throw new Error(`${ctx.name} fails`);
    if (typeof m === 'object') m.replyTo.tell(ctx.name);
  };
};

/** A supervisor with children a, b, c under `strategy`, and a tag per child. */
function family(strategy: ConfiguredStrategy, restart: Record<string, string> = {}) {
  const system = quietSystem();
  const events = recordEvents(system);
  const starts: string[] = [];
  const sup = system.spawn<string>((ctx) => {
    for (const name of ['a', 'b', 'c']) ctx.spawn(worker(starts), { name, tags: { restart: restart[name] ?? 'permanent' } });
    return () => {};
  }, { name: 'sup', supervision: strategy });
  const child = (name: string) => system.lookup(`/user/sup/${name}`) as ActorRef<Cmd>;
  return { system, events, starts, sup, child };
}

const restarted = (events: RuntimeEvent[]) => events.filter((e) => e.type === 'actor-restarted').map((e) => e.path.split('/').pop());

describe('supervisor strategies', () => {
  it('one-for-one restarts only the failed child', async () => {
    const { events, starts, child } = family(oneForOne());
    await settle();
    child('b').tell('fail');
    await eventually(() => restarted(events).length === 1, 'one restart');
    await settle();
    assert.deepEqual(restarted(events), ['b']);
    assert.deepEqual(starts, ['a', 'b', 'c', 'b']);
  });

  it('one-for-all restarts every child when one fails', async () => {
    const { events, child } = family(oneForAll());
    await settle();
    child('b').tell('fail');
    await eventually(() => restarted(events).length === 3, 'three restarts');
    assert.deepEqual(restarted(events).sort(), ['a', 'b', 'c']);
  });

  it('rest-for-one restarts the failed child and those spawned after it', async () => {
    const { events, child } = family(restForOne());
    await settle();
    child('b').tell('fail');
    await eventually(() => restarted(events).length === 2, 'two restarts');
    await settle();
    assert.deepEqual(restarted(events).sort(), ['b', 'c']);
  });

  it('a temporary child is stopped instead of restarted; transient and permanent restart', async () => {
    const { system, events, child } = family(oneForOne(), { a: 'temporary', b: 'transient' });
    await settle();
    child('a').tell('fail');
    child('b').tell('fail');
    child('c').tell('fail');
    await eventually(() => restarted(events).length === 2, 'two restarts');
    await eventually(() => system.lookup('/user/sup/a') === undefined, 'temporary child stopped');
    assert.deepEqual(restarted(events).sort(), ['b', 'c']);
  });

  it('deciders by error type: resume, stop and escalate as the rules say', async () => {
    class Flaky extends Error {}
    const strategy = oneForOne({ decider: [{ match: Flaky, directive: 'resume' }, { match: 'RangeError', directive: 'stop' }] });
    const system = quietSystem();
    const events = recordEvents(system);
    const seen: string[] = [];
    system.spawn<string>((ctx) => {
      ctx.spawn<string>(() => (m) => {
        if (m === 'flaky') throw new Flaky('flaky');
        if (m === 'range') throw new RangeError('range');
        seen.push(m);
      }, { name: 'kid' });
      return () => {};
    }, { name: 'sup', supervision: strategy });
    await settle();
    const kid = system.lookup('/user/sup/kid')!;
    kid.tell('flaky');
    kid.tell('after-flaky');
    await settle();
    assert.deepEqual(seen, ['after-flaky'], 'resumed: state and later messages kept');
    kid.tell('range');
    await eventually(() => system.lookup('/user/sup/kid') === undefined, 'stopped on RangeError');
    const directives = events.filter((e) => e.type === 'supervisor-decision').map((e) => (e as { directive: string }).directive);
    assert.deepEqual(directives, ['resume', 'stop']);
  });

  it('past maxRestarts within withinMs the supervisor gives up: stops the child and escalates', async () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const events = recordEvents(system);
    const starts: string[] = [];
    let supervisorStarts = 0;
    system.spawn<string>((ctx) => {
      supervisorStarts++;
      ctx.spawn(worker(starts), { name: 'kid' });
      return () => {};
    }, { name: 'sup', supervision: oneForOne({ maxRestarts: 2, withinMs: 1000, clock }) });
    await settle();
    for (let i = 0; i < 3; i++) {
      (system.lookup('/user/sup/kid') as ActorRef<Cmd>).tell('fail');
      await settle();
    }
    const failures = events.filter((e) => e.type === 'actor-failed');
    const escalated = failures.find((e) => e.path === '/user/sup');
    assert.ok(escalated, 'the supervisor itself failed');
    assert.ok((escalated as { error: unknown }).error instanceof RestartIntensityExceededError);
    await eventually(() => supervisorStarts === 2, 'the guardian restarted the supervisor');
  });

  it('restarts spaced wider than withinMs never exceed the intensity', async () => {
    const clock = new ManualClock();
    const { events, child } = family(oneForOne({ maxRestarts: 1, withinMs: 100, clock }));
    await settle();
    for (let i = 0; i < 4; i++) {
      child('a').tell('fail');
      await eventually(() => restarted(events).length === i + 1, `restart ${i + 1}`);
      clock.advance(150);
    }
    assert.equal(events.filter((e) => e.type === 'actor-failed' && e.path === '/user/sup').length, 0);
  });

  it('backoff: the child waits suspended, keeps its mailbox, and restarts after min * factor^n', async () => {
    const clock = new ManualClock();
    const strategy = oneForOne({ maxRestarts: 10, withinMs: 60_000, backoff: { minMs: 100, maxMs: 1000, factor: 2, jitter: 0 }, clock });
    const { events, child } = family(strategy);
    await settle();
    child('a').tell('fail');
    const reply = child('a').ask<string>((replyTo) => ({ replyTo }), { timeoutMs: 5000 });
    await settle();
    assert.equal(restarted(events).length, 0, 'no restart before the backoff');
    clock.advance(99);
    await settle();
    assert.equal(restarted(events).length, 0);
    clock.advance(1);
    await settle();
    assert.equal(restarted(events).length, 1);
    assert.equal(await reply, 'a', 'the message sent during the backoff was handled after the restart');
    child('a').tell('fail');
    await settle();
    const backoffs = events.filter((e) => e.type === 'supervisor-backoff') as unknown as Array<{ delayMs: number; attempt: number }>;
    assert.deepEqual(backoffs.map((b) => [b.attempt, b.delayMs]), [[0, 100], [1, 200]]);
  });

  it('quarantine: past the intensity the child is stopped, its mail kept, and heal replays it', async () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const quarantine = new QuarantineStore(system);
    const seen: string[] = [];
    const kidBehaviour = () => (m: string) => {
      if (m.startsWith('fail')) throw new Error(m);
      seen.push(m);
    };
    const sup = system.spawn<string>((ctx) => {
      ctx.spawn(kidBehaviour, { name: 'kid' });
      return (m) => {
        // The operator's fix: a kid that no longer throws.
        if (m === 'respawn') ctx.spawn(() => (msg: string) => void seen.push(`fixed:${msg}`), { name: 'kid' });
      };
    }, { name: 'sup', supervision: oneForOne({ maxRestarts: 1, withinMs: 10_000, clock, quarantine }) });
    await settle();
    const kid = system.lookup('/user/sup/kid')!;
    kid.tell('fail-1');
    await settle();
    kid.tell('fail-2');
    kid.tell('queued-1');
    kid.tell('queued-2');
    await eventually(() => quarantine.get('/user/sup/kid')?.sealed === true, 'quarantined and sealed');
    assert.deepEqual(quarantine.get('/user/sup/kid')!.messages, ['fail-2', 'queued-1', 'queued-2']);
    assert.ok(system.lookup('/user/sup'), 'the supervisor did not escalate');
    sup.tell('respawn');
    await settle();
    assert.throws(() => quarantine.heal('/nowhere'), /nothing is quarantined at '\/nowhere'/);
    assert.equal(quarantine.heal('/user/sup/kid'), 3);
    await settle();
    assert.deepEqual(seen, ['fixed:fail-2', 'fixed:queued-1', 'fixed:queued-2']);
    assert.equal(quarantine.entries().length, 0);
    quarantine.dispose();
  });

  it('strategy values are immutable; with() makes a changed copy; bad options are refused', () => {
    const base = strategyOf('one-for-all', { maxRestarts: 2 });
    const more = base.with({ maxRestarts: 7 });
    assert.equal(base.maxRestarts, 2);
    assert.equal(more.maxRestarts, 7);
    assert.equal(more.kind, 'one-for-all');
    assert.throws(() => oneForOne({ maxRestarts: -1 }), /one-for-one\.maxRestarts must be an integer >= 0 or Infinity \(got -1\)/);
    assert.throws(() => oneForOne({ withinMs: 0 }), /withinMs must be a positive number \(got 0\)/);
    assert.throws(() => oneForOne({ backoff: { minMs: 10, maxMs: 5 } }), /backoff\.maxMs must be a finite number >= minMs \(got 5\)/);
    assert.throws(() => strategyOf('one-for-some' as never), /strategy must be one of one-for-one, one-for-all, rest-for-one/);
    assert.throws(() => oneForOne({ decider: [{ match: Error, directive: 'explode' as never }] }), /decider\[0\]\.directive must be one of/);
  });

  it('backoff delays grow by the factor, stay under maxMs, and jitter spreads them', () => {
    const options = resolveBackoff({ minMs: 100, maxMs: 3000, factor: 2, jitter: 0 }, 'b');
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(options, n, 0.5)), [100, 200, 400, 800, 1600, 3000, 3000]);
    const jittered = resolveBackoff({ minMs: 100, maxMs: 3000, jitter: 0.2 }, 'b');
    assert.equal(backoffDelay(jittered, 0, 0), 80);
    assert.equal(Math.round(backoffDelay(jittered, 0, 0.999999)), 120);
  });
});
