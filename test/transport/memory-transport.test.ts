/**
 * The transport contract on the in-memory transport (one hub per test), plus what only the
 * memory hub does: refusing a node id taken twice, and rehearsing an outage with
 * hub.disconnect/reconnect.
 */
import assert from 'node:assert/strict';
import { MemoryHub, MemoryTransport } from '../../src/transport/memory-transport.js';
import { Recorder, transportContract } from './transport-contract.js';

let counter = 0;
transportContract('MemoryTransport', async () => {
  const hub = new MemoryHub();
  return { make: () => new MemoryTransport(hub), cluster: `c${++counter}`, cleanup: async () => undefined };
});

describe('MemoryTransport', () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const str = (b: Uint8Array): string => new TextDecoder().decode(b);

  it('refuses a node id taken twice in one cluster of a hub, and frees it on close', async () => {
    const hub = new MemoryHub();
    const first = new MemoryTransport(hub);
    const rFirst = new Recorder();
    await first.start('c', 'a', rFirst);
    const second = new MemoryTransport(hub);
    await assert.rejects(second.start('c', 'a', new Recorder()), /node 'a' is already on this hub in cluster 'c'/);
    // Closing the refused transport does not take the id from the first one, which still receives.
    await second.close();
    assert.equal(first.send('a', text('still mine')), true);
    await first.flush();
    assert.deepEqual(rFirst.frames.map(str), ['still mine']);
    // Another cluster may use the same id; after close the id is free again.
    const elsewhere = new MemoryTransport(hub);
    await elsewhere.start('d', 'a', new Recorder());
    await first.close();
    const again = new MemoryTransport(hub);
    await again.start('c', 'a', new Recorder());
    await Promise.all([elsewhere.close(), again.close()]);
  });

  it('hub.disconnect/reconnect: disconnected then reconnected, sends refused while off, frames to it dropped', async () => {
    const hub = new MemoryHub();
    const a = new MemoryTransport(hub);
    const b = new MemoryTransport(hub);
    const ra = new Recorder();
    const rb = new Recorder();
    await a.start('c', 'a', ra);
    await b.start('c', 'b', rb);
    hub.disconnect('c', 'a');
    assert.deepEqual(ra.statusTypes(), ['connected', 'disconnected']);
    assert.equal(a.connected, false);
    assert.equal(a.send('b', text('during')), false);
    assert.equal(a.broadcast(text('during')), false);
    assert.equal(b.send('a', text('to the disconnected')), true);
    assert.equal(b.broadcast(text('marker')), true);
    await b.flush();
    assert.deepEqual(rb.broadcasts.map(str), ['marker']);
    assert.equal(ra.frames.length + ra.broadcasts.length, 0);
    hub.reconnect('c', 'a');
    assert.deepEqual(ra.statusTypes(), ['connected', 'disconnected', 'reconnected']);
    assert.equal(a.connected, true);
    assert.equal(a.send('b', text('after')), true);
    assert.equal(b.send('a', text('back')), true);
    await Promise.all([a.flush(), b.flush()]);
    assert.deepEqual(rb.frames.map(str), ['after']);
    assert.deepEqual(ra.frames.map(str), ['back']);
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual(ra.statusTypes(), ['connected', 'disconnected', 'reconnected', 'closed']);
  });

  it('frames arrive on a later microtask, never inside send', async () => {
    const hub = new MemoryHub();
    const a = new MemoryTransport(hub);
    const ra = new Recorder();
    await a.start('c', 'a', ra);
    a.send('a', text('self'));
    a.broadcast(text('all'));
    assert.equal(ra.frames.length + ra.broadcasts.length, 0);
    await a.flush();
    assert.deepEqual([ra.frames.map(str), ra.broadcasts.map(str)], [['self'], ['all']]);
    await a.close();
  });
});
