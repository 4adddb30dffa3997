import assert from 'node:assert/strict';
import { ActorTerminatedError, AskFailedError, AskTimeoutError, MailboxFullError, Terminated } from '../../src/index.js';
import type { ActorRef, ActorSystem, RuntimeEvent } from '../../src/index.js';
import { ClusterNode } from '../../src/transport/cluster-node.js';
import { EnvelopeTooLargeError, NodeDownError } from '../../src/transport/errors.js';
import { encodeFrame } from '../../src/transport/frame.js';
import { MemoryHub, MemoryTransport } from '../../src/transport/memory-transport.js';
import { BatchWriter } from '../../src/transport/codec.js';
import { FrameSigner, FrameVerifier, generateNodeKeys } from '../../src/transport/signing.js';
import type { SigningSetup } from '../../src/transport/signing.js';
import { deferred, eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

type Echo = { type: 'echo'; text: string; replyTo: ActorRef<string> } | { type: 'boom'; replyTo: ActorRef<string> } | { type: 'silent'; replyTo: ActorRef<string> } | { type: 'count'; n: number } | { type: 'total'; replyTo: ActorRef<number> };

/** An actor that answers echo, fails on boom, ignores silent, and sums counts. */
function echo(): (m: Echo) => void {
  let total = 0;
  return (m) => {
    if (m.type === 'echo') m.replyTo.tell(`echo:${m.text}`);
    else if (m.type === 'boom') throw new Error('boom on purpose');
    else if (m.type === 'count') total += m.n;
    else if (m.type === 'total') m.replyTo.tell(total);
  };
}

interface Pair {
  hub: MemoryHub;
  a: ActorSystem;
  b: ActorSystem;
  na: ClusterNode;
  nb: ClusterNode;
  eventsA: RuntimeEvent[];
  eventsB: RuntimeEvent[];
}

async function pair(options: { heartbeatMs?: number; maxEnvelopeBytes?: number; signing?: [SigningSetup, SigningSetup] } = {}): Promise<Pair> {
  const hub = new MemoryHub();
  const a = quietSystem({ name: 'mesh', node: 'n1' });
  const b = quietSystem({ name: 'mesh', node: 'n2' });
  const eventsA = recordEvents(a);
  const eventsB = recordEvents(b);
  const common = { heartbeatMs: options.heartbeatMs ?? 40, missedHeartbeats: 3, ...(options.maxEnvelopeBytes !== undefined ? { maxEnvelopeBytes: options.maxEnvelopeBytes } : {}) };
  const na = await ClusterNode.start(a, { ...common, transport: new MemoryTransport(hub), ...(options.signing ? { signing: options.signing[0] } : {}) });
  const nb = await ClusterNode.start(b, { ...common, transport: new MemoryTransport(hub), ...(options.signing ? { signing: options.signing[1] } : {}) });
  await eventually(() => na.upNodes().length === 2 && nb.upNodes().length === 2, 'both nodes see each other');
  return { hub, a, b, na, nb, eventsA, eventsB };
}

const deadLetters = (events: RuntimeEvent[], reason?: string) => events.filter((e) => e.type === 'dead-letter' && (reason === undefined || (e as { reason?: string }).reason === reason));

describe('remoting: tell, ask and watch across nodes (in-memory transport)', () => {
  it('tells and asks an actor on another node through a resolved ref; refs inside messages travel as refs', async () => {
    const { a, b } = await pair();
    b.spawn(echo, { name: 'echo' });
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    assert.equal(far.node, 'n2');
    assert.equal(String(far), 'am://mesh@n2/user/echo');
    assert.equal(await far.ask<string>((replyTo) => ({ type: 'echo', text: 'hi', replyTo })), 'echo:hi');
    // A local actor's ref inside a tell: the far side answers it directly.
    const got: string[] = [];
    const inbox = a.spawn<string>(() => (m) => void got.push(m), { name: 'inbox' });
    far.tell({ type: 'echo', text: 'to-inbox', replyTo: inbox });
    await eventually(() => got.length === 1, 'the reply reached the local inbox');
    assert.deepEqual(got, ['echo:to-inbox']);
    for (let i = 1; i <= 100; i++) far.tell({ type: 'count', n: i });
    assert.equal(await far.ask<number>((replyTo) => ({ type: 'total', replyTo })), 5050, 'order kept: every count before the total');
  });

  it('fails a remote ask at once when the actor does not exist or fails on it, and times out like a local one otherwise', async () => {
    const { a, b } = await pair();
    b.spawn(echo, { name: 'echo' });
    const missing = a.resolve<Echo>('am://mesh@n2/user/nobody');
    await assert.rejects(missing.ask<string>((replyTo) => ({ type: 'echo', text: 'x', replyTo }), { timeoutMs: 5000 }), (e: unknown) => e instanceof ActorTerminatedError && e.target === '/user/nobody' && e.messageType === 'echo');
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    await assert.rejects(far.ask<string>((replyTo) => ({ type: 'boom', replyTo }), { timeoutMs: 5000 }), (e: unknown) => e instanceof AskFailedError && /boom on purpose/.test(e.message));
    await assert.rejects(far.ask<string>((replyTo) => ({ type: 'silent', replyTo }), { timeoutMs: 80 }), (e: unknown) => e instanceof AskTimeoutError);
    // A late answer to a settled ask is a dead letter on the asking node, not an error.
    assert.equal(await far.ask<string>((replyTo) => ({ type: 'echo', text: 'after', replyTo })), 'echo:after');
  });

  it('a remote ask refused by a full mailbox fails at once with MailboxFullError, as a local one does', async () => {
    const { a, b } = await pair();
    const release = deferred();
    // Busy on its first message, with room for one more: the third is refused.
    b.spawn<Echo>(() => async (m) => {
      if (m.type === 'silent') await release.promise;
      else if (m.type === 'echo') m.replyTo.tell(`echo:${m.text}`);
    }, { name: 'narrow', mailbox: { capacity: 1, overflow: 'reject' } });
    const far = a.resolve<Echo>('am://mesh@n2/user/narrow');
    far.tell({ type: 'silent', replyTo: a.deadLetters as ActorRef<string> });
    far.tell({ type: 'echo', text: 'queued', replyTo: a.deadLetters as ActorRef<string> });
    await assert.rejects(far.ask<string>((replyTo) => ({ type: 'echo', text: 'refused', replyTo }), { timeoutMs: 5000 }), (e: unknown) => e instanceof MailboxFullError && e.capacity === 1 && e.target === '/user/narrow' && e.messageType === 'echo');
    release.resolve();
  });

  it('watch across nodes: Terminated when the remote actor stops', async () => {
    const { a, b } = await pair();
    const target = b.spawn(echo, { name: 'echo' });
    const seen: unknown[] = [];
    const far = a.resolve('am://mesh@n2/user/echo');
    a.spawn((ctx) => {
      ctx.watch(far);
      return (m: unknown) => void seen.push(m);
    }, { name: 'watcher' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await b.stop(target);
    await eventually(() => seen.length === 1, 'the watcher got Terminated');
    assert.ok(seen[0] instanceof Terminated);
    assert.equal(String((seen[0] as Terminated).ref), 'am://mesh@n2/user/echo');
  });

  it('watch of an actor that does not exist ends in Terminated at once; unwatch stops it', async () => {
    const { a, b } = await pair();
    const seen: unknown[] = [];
    a.spawn((ctx) => {
      ctx.watch(a.resolve('am://mesh@n2/user/ghost'));
      return (m: unknown) => void seen.push(m);
    });
    await eventually(() => seen.length === 1, 'Terminated for a missing actor');
    const target = b.spawn(echo, { name: 'echo' });
    const quiet: unknown[] = [];
    a.spawn((ctx) => {
      const far = a.resolve('am://mesh@n2/user/echo');
      ctx.watch(far);
      ctx.unwatch(far);
      return (m: unknown) => void quiet.push(m);
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await b.stop(target);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(quiet, []);
  });

  it('batches envelopes per node: 10,000 tells in a handful of frames', async () => {
    const { a, b, na } = await pair();
    b.spawn(echo, { name: 'echo' });
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    const before = na.remoting.counters.framesSent;
    for (let i = 0; i < 10_000; i++) far.tell({ type: 'count', n: 1 });
    assert.equal(await far.ask<number>((replyTo) => ({ type: 'total', replyTo })), 10_000);
    const frames = na.remoting.counters.framesSent - before;
    assert.ok(frames <= 10, `${frames} frames for 10,001 envelopes`);
  });
});

describe('remoting: bad input and failures become dead letters, never crashes', () => {
  it('refuses an oversized envelope before it leaves: a dead letter, and its ask fails at once', async () => {
    const { a, b, eventsA } = await pair({ maxEnvelopeBytes: 2048 });
    b.spawn(echo, { name: 'echo' });
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    await assert.rejects(far.ask<string>((replyTo) => ({ type: 'echo', text: 'x'.repeat(5000), replyTo })), (e: unknown) => e instanceof EnvelopeTooLargeError && e.maxBytes === 2048 && e.bytes > 5000);
    assert.equal(deadLetters(eventsA, 'envelope-too-large').length, 1);
    assert.equal(await far.ask<string>((replyTo) => ({ type: 'echo', text: 'small', replyTo })), 'echo:small');
  });

  it('a corrupted frame and a corrupted envelope are dead letters; the good envelopes of the batch still arrive', async () => {
    const { hub, a, b, eventsB } = await pair();
    b.spawn(echo, { name: 'echo' });
    const rogue = new MemoryTransport(hub);
    await rogue.start('mesh', 'rogue', { onFrame: () => {}, onBroadcast: () => {}, onStatus: () => {} });
    rogue.send('n2', new Uint8Array([1, 2, 3, 4, 5]));
    await eventually(() => deadLetters(eventsB, 'frame-undecodable').length === 1, 'garbage refused');
    assert.ok(eventsB.some((e) => e.type === 'cluster-frame-refused' && (e as { kind?: string }).kind === 'undecodable'));
    // A batch of three: a bad envelope between two good ones (one for an unknown actor).
    const { pack } = await import('msgpackr');
    const batch = new BatchWriter();
    batch.append(pack([0, '/user/echo', { type: 'count', n: 7 }]));
    batch.append(new Uint8Array([0xc1, 0xc1, 0xc1]));
    batch.append(pack([0, '/user/nobody', { type: 'count', n: 1 }]));
    batch.append(pack([0, '/user/echo', { type: 'count', n: 5 }]));
    rogue.send('n2', encodeFrame('rogue', batch.take()));
    await eventually(() => deadLetters(eventsB, 'undecodable').length === 1 && deadLetters(eventsB, 'recipient-not-found').length === 1, 'the bad envelope and the unknown actor reported');
    await rogue.close();
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    assert.equal(await far.ask<number>((replyTo) => ({ type: 'total', replyTo })), 12, 'the good envelopes around the bad one were delivered');
  });

  it('signed frames: a node refuses unsigned frames and frames signed with another key, and reports them', async () => {
    const k1 = generateNodeKeys();
    const k2 = generateNodeKeys();
    const publicKeys = { n1: k1.publicKey, n2: k2.publicKey };
    const setup = (key: string): SigningSetup => ({ signer: new FrameSigner(key), verifier: new FrameVerifier(publicKeys), requireSigned: true });
    const { hub, a, b, eventsB } = await pair({ signing: [setup(k1.privateKey), setup(k2.privateKey)] });
    b.spawn(echo, { name: 'echo' });
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    assert.equal(await far.ask<string>((replyTo) => ({ type: 'echo', text: 'signed', replyTo })), 'echo:signed');
    const rogue = new MemoryTransport(hub);
    await rogue.start('mesh', 'rogue', { onFrame: () => {}, onBroadcast: () => {}, onStatus: () => {} });
    const { pack } = await import('msgpackr');
    const batch = new BatchWriter();
    batch.append(pack([0, '/user/echo', { type: 'count', n: 1 }]));
    const payload = batch.take();
    rogue.send('n2', encodeFrame('n1', payload)); // unsigned, claiming n1
    rogue.send('n2', encodeFrame('n1', payload, new FrameSigner(generateNodeKeys().privateKey))); // signed with a key that is not n1's
    await eventually(() => deadLetters(eventsB, 'frame-unsigned').length === 1 && deadLetters(eventsB, 'frame-bad-signature').length === 1, 'both refused');
    await rogue.close();
    assert.equal(await far.ask<number>((replyTo) => ({ type: 'total', replyTo })), 0, 'neither rogue count was delivered');
  });

  it('a node that goes silent is declared dead: its watchers get Terminated, asks fail at once, tells are dead letters; it comes back up', async () => {
    const { hub, a, b, eventsA } = await pair({ heartbeatMs: 30 });
    b.spawn(echo, { name: 'echo' });
    const far = a.resolve<Echo>('am://mesh@n2/user/echo');
    const seen: unknown[] = [];
    a.spawn((ctx) => {
      ctx.watch(far);
      return (m: unknown) => void seen.push(m);
    });
    const waiting = far.ask<string>((replyTo) => ({ type: 'silent', replyTo }), { timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    hub.disconnect('mesh', 'n2');
    await assert.rejects(waiting, (e: unknown) => e instanceof NodeDownError && e.node === 'n2');
    assert.ok(eventsA.some((e) => e.type === 'node-down' && (e as { node?: string }).node === 'n2'));
    await eventually(() => seen.length === 1 && seen[0] instanceof Terminated, 'the watcher heard of the node going down');
    far.tell({ type: 'count', n: 1 });
    assert.equal(deadLetters(eventsA, 'node-down').length, 1);
    await assert.rejects(far.ask((replyTo) => ({ type: 'echo', text: 'x', replyTo })), NodeDownError);
    hub.reconnect('mesh', 'n2');
    await eventually(() => eventsA.filter((e) => e.type === 'node-up' && (e as { node?: string }).node === 'n2').length === 2, 'n2 is up again', 3000);
    assert.equal(await far.ask<string>((replyTo) => ({ type: 'echo', text: 'back', replyTo })), 'echo:back');
  });

  it('a node that leaves is gone at once for the others (node-left), and its system terminating leaves', async () => {
    const { b, eventsA } = await pair({ heartbeatMs: 1000 });
    await b.terminate();
    await eventually(() => eventsA.some((e) => e.type === 'node-left' && (e as { node?: string }).node === 'n2'), 'n1 saw n2 leave (long before 3 heartbeats of 1 s)', 500);
  });

  it('refuses bad options naming them, and a second node on one system', async () => {
    const system = quietSystem({ name: 'mesh', node: 'x1' });
    await assert.rejects(ClusterNode.start(system, { heartbeatMs: 0 }), /heartbeatMs must be a positive number \(got 0\)/);
    await assert.rejects(ClusterNode.start(system, { missedHeartbeats: 1.5 }), /missedHeartbeats must be a positive integer/);
    await assert.rejects(ClusterNode.start(system, { maxFrameBytes: 4096, maxEnvelopeBytes: 4000 }), /maxEnvelopeBytes \(4000\) must leave 1 KiB/);
    const hub = new MemoryHub();
    await ClusterNode.start(system, { transport: new MemoryTransport(hub) });
    await assert.rejects(ClusterNode.start(system, { transport: new MemoryTransport(hub) }), /already a cluster node/);
  });
});
