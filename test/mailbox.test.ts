import assert from 'node:assert/strict';
import { MailboxFullError } from '../src/index.js';
import type { ActorRef, DeadLetterEvent, MailboxOverflowEvent } from '../src/index.js';
import { deferred, quietSystem, recordEvents, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

type Gate = { type: 'open' } | { type: 'item'; n: number } | { type: 'ask'; n: number; replyTo: ActorRef<number> };

/** An actor that holds every message until it gets `open` (async handler), recording order. */
function gatedActor(seen: number[], gate: Promise<void>) {
  return () => async (message: Gate) => {
    if (message.type === 'open') return void (await gate);
    seen.push(message.n);
    if (message.type === 'ask') message.replyTo.tell(message.n);
  };
}

describe('mailbox', () => {
  it('delivers messages from one sender in the order they were sent', async () => {
    const system = quietSystem();
    const seen: number[] = [];
    const done = deferred();
    const ref = system.spawn<number>(() => (n) => {
      seen.push(n);
      if (n === 9999) done.resolve();
    });
    for (let i = 0; i < 10000; i++) ref.tell(i);
    await done.promise;
    assert.deepEqual(seen, Array.from({ length: 10000 }, (_, i) => i));
  });

  it('keeps per-sender order when two senders interleave', async () => {
    const system = quietSystem();
    const seen: Array<[string, number]> = [];
    const sink = system.spawn<[string, number]>(() => (m) => void seen.push(m));
    const sender = (id: string) => () => (count: number) => {
      for (let i = 0; i < count; i++) sink.tell([id, i]);
    };
    system.spawn<number>(sender('a')).tell(500);
    system.spawn<number>(sender('b')).tell(500);
    await settle(10);
    for (const id of ['a', 'b']) {
      assert.deepEqual(seen.filter(([s]) => s === id).map(([, n]) => n), Array.from({ length: 500 }, (_, i) => i));
    }
  });

  it('drop-newest: drops the arriving message into dead letters with an overflow event', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const seen: number[] = [];
    const gate = deferred();
    const ref = system.spawn(gatedActor(seen, gate.promise), { mailbox: { capacity: 3, overflow: 'drop-newest' } });
    ref.tell({ type: 'open' });
    await settle(); // the actor now awaits the gate with an empty mailbox
    for (let n = 1; n <= 5; n++) ref.tell({ type: 'item', n });
    gate.resolve();
    await settle();
    assert.deepEqual(seen, [1, 2, 3]);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.deepEqual(dead.map((e) => (e.message as { n: number }).n), [4, 5]);
    assert.ok(dead.every((e) => e.reason === 'mailbox-full' && e.path === ref.path));
    const overflow = events.filter((e): e is MailboxOverflowEvent => e.type === 'mailbox-overflow');
    assert.equal(overflow.length, 2);
    assert.equal(overflow[0]!.policy, 'drop-newest');
    assert.equal(overflow[0]!.capacity, 3);
  });

  it('drop-oldest: drops the head to make room, oldest first into dead letters', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const seen: number[] = [];
    const gate = deferred();
    const ref = system.spawn(gatedActor(seen, gate.promise), { mailbox: { capacity: 3, overflow: 'drop-oldest' } });
    ref.tell({ type: 'open' });
    await settle();
    for (let n = 1; n <= 5; n++) ref.tell({ type: 'item', n });
    gate.resolve();
    await settle();
    assert.deepEqual(seen, [3, 4, 5]);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.deepEqual(dead.map((e) => (e.message as { n: number }).n), [1, 2]);
  });

  it('reject: an asking sender gets MailboxFullError at once', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const seen: number[] = [];
    const gate = deferred();
    const ref = system.spawn(gatedActor(seen, gate.promise), { mailbox: { capacity: 1, overflow: 'reject' } });
    ref.tell({ type: 'open' });
    await settle();
    const first = ref.ask<number>((replyTo) => ({ type: 'ask', n: 1, replyTo }), { timeoutMs: 10_000 });
    const started = Date.now();
    await assert.rejects(
      ref.ask<number>((replyTo) => ({ type: 'ask', n: 2, replyTo }), { timeoutMs: 10_000 }),
      (error: unknown) => error instanceof MailboxFullError && error.target === ref.path && error.capacity === 1 && /'ask'/.test(error.message),
    );
    assert.ok(Date.now() - started < 1000, 'rejected without waiting for the timeout');
    gate.resolve();
    assert.equal(await first, 1);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.wasAsk, true);
  });

  it('refuses bad mailbox options, naming the option and the value', () => {
    const system = quietSystem();
    assert.throws(() => system.spawn(() => () => {}, { mailbox: { capacity: -1 } }), /mailbox\.capacity must be a positive integer or Infinity \(got -1\)/);
    assert.throws(() => system.spawn(() => () => {}, { mailbox: { capacity: 2, overflow: 'drop-middle' as never } }), /mailbox\.overflow must be one of drop-newest, drop-oldest, reject \(got drop-middle\)/);
  });

  it('system messages overtake queued user messages: stop beats the backlog', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    let handled = 0;
    const ref = system.spawn<number>((ctx) => (n) => {
      handled++;
      if (n === 0) ctx.stop(); // stop while 999 messages are still queued behind
    });
    for (let i = 0; i < 1000; i++) ref.tell(i);
    await settle();
    assert.equal(handled, 1);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.equal(dead.length, 999, 'every queued message became a dead letter');
    assert.ok(dead.every((e) => e.reason === 'recipient-stopped'));
    assert.deepEqual(dead.slice(0, 3).map((e) => e.message), [1, 2, 3], 'dead letters keep mailbox order');
    const stopped = events.find((e) => e.type === 'actor-stopped' && e.path === ref.path);
    assert.equal((stopped as { droppedMessages: number }).droppedMessages, 999);
  });

  it('a message to a stopped actor becomes a dead letter and an ask to it fails at once', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const ref = system.spawn<{ replyTo?: ActorRef<unknown> } | string>(() => () => {});
    system.stop(ref);
    await settle();
    ref.tell('late');
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.message, 'late');
    assert.equal(dead[0]!.reason, 'recipient-stopped');
    await assert.rejects(ref.ask((replyTo) => ({ replyTo })), { name: 'ActorTerminatedError' });
    assert.equal(system.deadLetterCount, 2);
  });
});
