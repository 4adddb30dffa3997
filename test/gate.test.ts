import assert from 'node:assert/strict';
import type { ActorRef, DeadLetterEvent, DeliveryGate } from '../src/index.js';
import { quietSystem, recordEvents, settle, sleep, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

class ClosedGate extends Error {}

/** A gate that is open or shut, and counts probe successes. */
function switchGate(): DeliveryGate & { shut: boolean; probingOn: boolean; successes: string[] } {
  return {
    shut: false,
    probingOn: false,
    successes: [],
    get probing() {
      return this.probingOn;
    },
    refuse(path) {
      return this.shut ? { reason: 'circuit-open', error: () => new ClosedGate(`closed: ${path}`) } : null;
    },
    handled(path) {
      this.successes.push(path);
    },
  };
}

describe('delivery gates', () => {
  it('guard a subtree: refused tells are dead letters with the gate reason, refused asks fail at once', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const gate = switchGate();
    const seen: string[] = [];
    const lead = system.spawn<string>((ctx) => {
      ctx.spawn<{ replyTo: ActorRef<string> } | string>(() => (m) => {
        if (typeof m === 'string') seen.push(m);
        else m.replyTo.tell('pong');
      }, { name: 'agent' });
      return () => {};
    }, { name: 'lead', gate });
    await settle();
    const agent = system.lookup('/user/lead/agent') as ActorRef<{ replyTo: ActorRef<string> } | string>;
    agent.tell('before');
    gate.shut = true;
    agent.tell('while-open');
    lead.tell('also-refused');
    const started = Date.now();
    await assert.rejects(agent.ask<string>((replyTo) => ({ replyTo }), { timeoutMs: 5000 }), ClosedGate);
    assert.ok(Date.now() - started < 100, 'fast failure, no timeout wait');
    gate.shut = false;
    agent.tell('after');
    await settle();
    assert.deepEqual(seen, ['before', 'after']);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.deepEqual(dead.map((e) => `${e.reason} ${e.path}`), ['circuit-open /user/lead/agent', 'circuit-open /user/lead', 'circuit-open /user/lead/agent']);
  });

  it('reports handled messages while probing, and only then', async () => {
    const system = quietSystem();
    const gate = switchGate();
    const ref = system.spawn<string>(() => (m) => {
      if (m === 'bad') throw new Error('x');
    }, { name: 'probed', gate });
    ref.tell('ignored-not-probing');
    await settle();
    gate.probingOn = true;
    ref.tell('ok');
    ref.tell('bad');
    ref.tell('ok2');
    await settle();
    assert.deepEqual(gate.successes, ['/user/probed', '/user/probed']);
  });

  it('a child can opt out of an inherited gate with gate: null', async () => {
    const system = quietSystem();
    const gate = switchGate();
    const seen: string[] = [];
    system.spawn<string>((ctx) => {
      ctx.spawn<string>(() => (m) => void seen.push(m), { name: 'free', gate: null });
      return () => {};
    }, { name: 'lead', gate });
    await settle();
    gate.shut = true;
    system.lookup('/user/lead/free')!.tell('through');
    await settle();
    assert.deepEqual(seen, ['through']);
  });
});

describe('shutdownMs', () => {
  it('abandons a postStop that hangs, with a stop-abandoned event, and the stop completes', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const ref = system.spawn(() => ({ receive: () => {}, postStop: () => new Promise<void>(() => {}) }), { name: 'stuck', shutdownMs: 30 });
    const started = Date.now();
    await system.stop(ref);
    assert.ok(Date.now() - started >= 25);
    const abandoned = events.find((e) => e.type === 'stop-abandoned') as { path: string; afterMs: number };
    assert.deepEqual({ path: abandoned.path, afterMs: abandoned.afterMs }, { path: '/user/stuck', afterMs: 30 });
    assert.ok(events.some((e) => e.type === 'actor-stopped' && e.path === '/user/stuck'));
  });

  it('a postStop that finishes in time is awaited and nothing is abandoned', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    let done = false;
    const ref = system.spawn(() => ({ receive: () => {}, postStop: async () => { await sleep(5); done = true; } }), { shutdownMs: 500 });
    await system.stop(ref);
    assert.equal(done, true);
    assert.equal(events.some((e) => e.type === 'stop-abandoned'), false);
  });

  it('refuses a negative shutdownMs naming the actor', () => {
    const system = quietSystem();
    assert.throws(() => system.spawn(() => () => {}, { name: 'neg', shutdownMs: -1 }), /spawn '\/user\/neg' options\.shutdownMs must be a finite number >= 0 \(got -1\)/);
  });
});
