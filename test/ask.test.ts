import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AskFailedError, AskTimeoutError, SystemTerminatedError } from '../src/index.js';
import type { ActorRef, DeadLetterEvent } from '../src/index.js';
import { quietSystem, recordEvents, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

type Query = { type: 'echo'; text: string; replyTo: ActorRef<string> } | { type: 'ignore'; replyTo: ActorRef<string> } | { type: 'boom'; replyTo: ActorRef<string> };

const echo = () => (message: Query) => {
  if (message.type === 'echo') message.replyTo.tell(message.text);
  if (message.type === 'boom') throw new Error('kaboom');
};

describe('ask', () => {
  it('resolves with the first reply sent to replyTo', async () => {
    const system = quietSystem();
    const ref = system.spawn(echo, { name: 'echo' });
    assert.equal(await ref.ask<string>((replyTo) => ({ type: 'echo', text: 'hi', replyTo })), 'hi');
  });

  it('rejects with AskTimeoutError naming the target and the message type', async () => {
    const system = quietSystem();
    const ref = system.spawn(echo, { name: 'silent' });
    const error = await ref.ask<string>((replyTo) => ({ type: 'ignore', replyTo }), { timeoutMs: 20 }).catch((e: unknown) => e);
    assert.ok(error instanceof AskTimeoutError);
    assert.equal(error.target, '/user/silent');
    assert.equal(error.messageType, 'ignore');
    assert.equal(error.timeoutMs, 20);
    assert.match(error.message, /ask to '\/user\/silent' with message 'ignore' timed out after 20 ms/);
  });

  it('with captureAskStacks, a timeout carries the stack of the line that asked', async () => {
    const system = quietSystem({ captureAskStacks: true });
    const ref = system.spawn(echo);
    const error = (await ref.ask<string>((replyTo) => ({ type: 'ignore', replyTo }), { timeoutMs: 5 }).catch((e: unknown) => e)) as Error;
    assert.match(error.stack ?? '', /ask\.test\.ts/);
  });

  it('rejects with AskFailedError (cause: the actor error) when the handler fails on that message', async () => {
    const system = quietSystem();
    const ref = system.spawn(echo);
    const error = await ref.ask<string>((replyTo) => ({ type: 'boom', replyTo }), { timeoutMs: 5000 }).catch((e: unknown) => e);
    assert.ok(error instanceof AskFailedError);
    assert.equal((error.cause as Error).message, 'kaboom');
  });

  it('a second reply to a settled ask is a dead letter', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const twice = system.spawn<{ replyTo: ActorRef<number> }>(() => (m) => {
      m.replyTo.tell(1);
      m.replyTo.tell(2);
    });
    assert.equal(await twice.ask<number>((replyTo) => ({ replyTo })), 1);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.message, 2);
    assert.equal(dead[0]!.reason, 'ask-already-settled');
  });

  it('gives every pending ask its own reply ref (ids come from a counter, never collide)', async () => {
    const system = quietSystem();
    const paths = new Set<string>();
    const ref = system.spawn<{ replyTo: ActorRef<string> }>(() => (m) => {
      paths.add(m.replyTo.path);
      m.replyTo.tell(m.replyTo.path);
    });
    const replies = await Promise.all(Array.from({ length: 5000 }, () => ref.ask<string>((replyTo) => ({ replyTo }))));
    assert.equal(paths.size, 5000);
    assert.equal(new Set(replies).size, 5000);
  });

  it('an answered ask leaves no timer behind: a process that asked exits at once', async function () {
    this.timeout(20_000);
    const script = fileURLToPath(new URL('./fixtures/ask-then-exit.ts', import.meta.url));
    const started = Date.now();
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', script], { timeout: 15_000 }, (error, out) => (error ? reject(error) : resolve(out))),
    );
    assert.equal(stdout, 'hi');
    assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms; the ask timeout was 30 s`);
  });

  it('refuses a bad timeout with RangeError naming the value', async () => {
    const system = quietSystem();
    const ref = system.spawn(echo);
    await assert.rejects(ref.ask<string>((replyTo) => ({ type: 'ignore', replyTo }), { timeoutMs: -5 }), /timeoutMs must be a positive finite number \(got -5\)/);
  });

  it('pending asks are rejected with SystemTerminatedError when the system terminates', async () => {
    const system = quietSystem();
    const ref = system.spawn(echo);
    // Ask a watcher-less sink so the ask stays pending until terminate.
    const sink = system.spawn<{ replyTo: ActorRef<string> }>(() => () => {});
    const pending = sink.ask<string>((replyTo) => ({ replyTo }), { timeoutMs: 60_000 });
    await settle();
    await system.terminate();
    await assert.rejects(pending, SystemTerminatedError);
    await assert.rejects(ref.ask<string>((replyTo) => ({ type: 'echo', text: 'x', replyTo })), SystemTerminatedError);
  });
});
