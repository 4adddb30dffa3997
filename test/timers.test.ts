import assert from 'node:assert/strict';
import { eventually, quietSystem, sleep, terminateAll } from './support/helpers.js';
import type { ActorContext } from '../src/index.js';

afterEach(terminateAll);

type Msg = { type: 'tick'; label: string } | { type: 'start-once'; label: string; ms: number } | { type: 'start-every'; ms: number } | { type: 'cancel' };

function timerActor(log: string[]) {
  return (ctx: ActorContext<Msg>) => (m: Msg) => {
    if (m.type === 'tick') log.push(m.label);
    else if (m.type === 'start-once') ctx.timers.startSingleTimer('k', { type: 'tick', label: m.label }, m.ms);
    else if (m.type === 'start-every') ctx.timers.startPeriodicTimer('k', { type: 'tick', label: 'p' }, m.ms);
    else ctx.timers.cancel('k');
  };
}

describe('timers', () => {
  it('a single timer sends its message once', async () => {
    const system = quietSystem();
    const log: string[] = [];
    system.spawn(timerActor(log)).tell({ type: 'start-once', label: 'once', ms: 5 });
    await sleep(40);
    assert.deepEqual(log, ['once']);
  });

  it('a periodic timer keeps sending until cancelled', async () => {
    const system = quietSystem();
    const log: string[] = [];
    const ref = system.spawn(timerActor(log));
    ref.tell({ type: 'start-every', ms: 2 });
    await eventually(() => log.length >= 3, 'three ticks');
    ref.tell({ type: 'cancel' });
    await sleep(5);
    const count = log.length;
    await sleep(30);
    assert.equal(log.length, count);
  });

  it('starting a timer with a key in use replaces the old one', async () => {
    const system = quietSystem();
    const log: string[] = [];
    const ref = system.spawn(timerActor(log));
    ref.tell({ type: 'start-once', label: 'old', ms: 10 });
    ref.tell({ type: 'start-once', label: 'new', ms: 20 });
    await sleep(60);
    assert.deepEqual(log, ['new']);
  });

  it('a message of a cancelled timer is not delivered even if it was already queued', async () => {
    const system = quietSystem();
    const log: string[] = [];
    let gate!: () => void;
    const blocker = new Promise<void>((r) => (gate = r));
    const ref = system.spawn<Msg | 'block'>((ctx) => async (m) => {
      if (m === 'block') return void (await blocker);
      if (m.type === 'tick') log.push(m.label);
      else if (m.type === 'start-once') ctx.timers.startSingleTimer('k', { type: 'tick', label: m.label }, m.ms);
      else if (m.type === 'cancel') ctx.timers.cancel('k');
    });
    ref.tell({ type: 'start-once', label: 'stale', ms: 1 });
    ref.tell('block');
    ref.tell({ type: 'cancel' });
    await sleep(20); // the timer fired while the actor was blocked: its message sits behind 'cancel'
    gate();
    await sleep(10);
    assert.deepEqual(log, []);
  });

  it('timers are cancelled when the actor stops', async () => {
    const system = quietSystem();
    let deadLetters = 0;
    system.events$.subscribe((e) => e.type === 'dead-letter' && deadLetters++);
    const log: string[] = [];
    const ref = system.spawn(timerActor(log));
    ref.tell({ type: 'start-every', ms: 2 });
    await eventually(() => log.length >= 1, 'first tick');
    system.stop(ref);
    await sleep(10);
    const before = deadLetters;
    await sleep(30);
    assert.equal(deadLetters, before, 'no timer keeps sending into the stopped actor');
  });

  it('refuses a negative delay naming the actor and the key', () => {
    const system = quietSystem();
    let error: unknown;
    system.spawn<string>((ctx) => {
      try {
        ctx.timers.startSingleTimer('bad-key', 'x', -1);
      } catch (e) {
        error = e;
      }
      return () => {};
    });
    assert.match(String(error), /timer 'bad-key' needs a finite delay >= 0 ms \(got -1\)/);
  });
});
