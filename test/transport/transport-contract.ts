/**
 * The shared contract suite of the Transport interface (issue 5): the in-memory and the NATS
 * transport both run it through `transportContract`, so the remoting layer above can rely on
 * the same behaviour from either (frames, broadcast, refusal when closed, the cluster KV).
 */
import assert from 'node:assert/strict';
import type { ClusterKv } from '../../src/transport/kv.js';
import type { Transport, TransportHandlers, TransportStatus } from '../../src/transport/transport.js';

/** What one test gets: fresh transports on one network, and a cluster name no other test uses. */
export interface TransportFixture {
  /** A new, unstarted transport on the fixture's network (the same hub, the same server). */
  make(): Transport;
  readonly cluster: string;
  cleanup(): Promise<void>;
}

/** Handlers that record everything (frames copied: the transport may reuse its buffers). */
export class Recorder implements TransportHandlers {
  readonly frames: Uint8Array[] = [];
  readonly broadcasts: Uint8Array[] = [];
  readonly statuses: TransportStatus[] = [];
  private readonly waiters = new Set<() => void>();

  onFrame(data: Uint8Array): void {
    this.frames.push(new Uint8Array(data)); // a copy (Buffer#slice would be a view) as a plain Uint8Array
    this.wake();
  }
  onBroadcast(data: Uint8Array): void {
    this.broadcasts.push(new Uint8Array(data));
    this.wake();
  }
  onStatus(status: TransportStatus): void {
    this.statuses.push(status);
    this.wake();
  }

  /** The status types seen so far, in order. */
  statusTypes(): string[] {
    return this.statuses.map((s) => s.type);
  }

  /** Resolves once `check()` holds (re-checked on every callback); rejects naming `what` after `ms`. */
  until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(test);
        reject(new Error(`timed out waiting for ${what}; statuses seen: ${this.statusTypes().join(', ')}`));
      }, ms);
      const test = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(test);
        resolve();
      };
      this.waiters.add(test);
    });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Frame `i` of a sequence: its index in the first 4 bytes, then `i % 301` bytes derived from i. */
export function frame(i: number, salt = 0): Uint8Array {
  const out = new Uint8Array(4 + (i % 301));
  new DataView(out.buffer).setUint32(0, i);
  for (let k = 4; k < out.length; k++) out[k] = (i * 31 + k * 7 + salt) & 0xff;
  return out;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

/** Defines `describe(name)` with the contract cases, each on a fresh fixture from `setup`. */
export function transportContract(name: string, setup: () => Promise<TransportFixture>): void {
  describe(`Transport contract: ${name}`, () => {
    let fixture: TransportFixture;
    const started: Transport[] = [];

    /** A started node `id` of the fixture's cluster, with its recorder. */
    async function node(id: string): Promise<{ t: Transport; r: Recorder }> {
      const t = fixture.make();
      const r = new Recorder();
      started.push(t);
      await t.start(fixture.cluster, id, r);
      return { t, r };
    }

    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      for (const t of started.splice(0)) await t.close().catch(() => undefined);
      await fixture.cleanup();
    });

    it('start reports connected and the transport is connected; close reports closed once and is idempotent', async () => {
      const a = await node('a');
      assert.equal(a.t.connected, true);
      assert.equal(a.r.statuses[0]?.type, 'connected');
      await a.t.close();
      await a.t.close();
      assert.equal(a.t.connected, false);
      assert.deepEqual(a.r.statusTypes().filter((s) => s === 'closed'), ['closed']);
    });

    it('two nodes exchange 1,000 frames each way, bytes equal and order kept', async () => {
      const a = await node('a');
      const b = await node('b');
      const n = 1_000;
      for (let i = 0; i < n; i++) {
        assert.equal(a.t.send('b', frame(i, 1)), true);
        assert.equal(b.t.send('a', frame(i, 2)), true);
      }
      await Promise.all([a.t.flush(), b.t.flush()]);
      await b.r.until('1,000 frames at b', () => b.r.frames.length >= n);
      await a.r.until('1,000 frames at a', () => a.r.frames.length >= n);
      assert.equal(b.r.frames.length, n);
      assert.equal(a.r.frames.length, n);
      for (let i = 0; i < n; i++) {
        assert.deepEqual(b.r.frames[i], frame(i, 1), `frame ${i} a -> b`);
        assert.deepEqual(a.r.frames[i], frame(i, 2), `frame ${i} b -> a`);
      }
      assert.equal(a.r.broadcasts.length + b.r.broadcasts.length, 0);
    });

    it('a frame sent is a copy: changing the buffer after send does not change what arrives', async () => {
      const a = await node('a');
      const b = await node('b');
      const data = text('original');
      assert.equal(a.t.send('b', data), true);
      data.fill(0);
      await b.r.until('the frame', () => b.r.frames.length === 1);
      assert.equal(str(b.r.frames[0]!), 'original');
    });

    it('a broadcast reaches every node of the cluster, the sender included, and no other cluster', async () => {
      const nodes = [await node('a'), await node('b'), await node('c')];
      const other = fixture.make();
      const otherRecorder = new Recorder();
      started.push(other);
      await other.start(`${fixture.cluster}-other`, 'a', otherRecorder);
      nodes.forEach(({ t }, i) => assert.equal(t.broadcast(text(`hello from ${i}`)), true));
      for (const { r } of nodes) await r.until('3 broadcasts', () => r.broadcasts.length >= 3);
      for (const { r } of nodes) {
        assert.deepEqual(r.broadcasts.map(str).sort(), ['hello from 0', 'hello from 1', 'hello from 2']);
        assert.equal(r.frames.length, 0);
      }
      // The other cluster's node saw none of it (its own broadcast proves it is listening).
      assert.equal(other.broadcast(text('elsewhere')), true);
      await otherRecorder.until('its own broadcast', () => otherRecorder.broadcasts.length === 1);
      assert.deepEqual(otherRecorder.broadcasts.map(str), ['elsewhere']);
      for (const { r } of nodes) assert.ok(!r.broadcasts.map(str).includes('elsewhere'));
    });

    it('a frame to a node nobody listens for does not throw and arrives nowhere', async () => {
      const a = await node('a');
      const b = await node('b');
      assert.equal(a.t.send('ghost', text('lost')), true);
      // Markers sent after it, by the same sender: once they are in, the lost frame would be too.
      assert.equal(a.t.send('b', text('marker')), true);
      assert.equal(a.t.broadcast(text('marker-all')), true);
      await a.t.flush();
      await b.r.until('the marker', () => b.r.frames.length === 1 && b.r.broadcasts.length === 1);
      await a.r.until('the broadcast marker', () => a.r.broadcasts.length === 1);
      assert.deepEqual(b.r.frames.map(str), ['marker']);
      assert.equal(a.r.frames.length, 0);
    });

    it('a frame handler that throws is reported as an error status and the node keeps receiving', async () => {
      const a = await node('a');
      const b = await node('b');
      const original = b.r.onFrame.bind(b.r);
      b.r.onFrame = (data: Uint8Array): void => {
        original(data);
        if (str(data) === 'boom') throw new Error('handler bug');
      };
      assert.equal(a.t.send('b', text('boom')), true);
      assert.equal(a.t.send('b', text('after')), true);
      await b.r.until('the frame after', () => b.r.frames.length === 2);
      assert.deepEqual(b.r.frames.map(str), ['boom', 'after']);
      const errors = b.r.statuses.filter((s) => s.type === 'error');
      assert.equal(errors.length, 1);
      assert.match(errors[0]!.type === 'error' ? errors[0]!.error.message : '', /handler bug/);
    });

    it('an invalid destination node id is refused (false), never sent', async () => {
      const a = await node('a');
      const b = await node('b');
      for (const bad of ['', 'b.x', 'b c', '*', '>', 'b\u0000']) assert.equal(a.t.send(bad, text('x')), false, JSON.stringify(bad));
      assert.equal(a.t.send('b', text('marker')), true);
      await b.r.until('the marker', () => b.r.frames.length === 1);
      assert.deepEqual(b.r.frames.map(str), ['marker']);
    });

    it('after close() send and broadcast return false and nothing arrives at the closed node', async () => {
      const a = await node('a');
      const b = await node('b');
      await a.t.close();
      assert.equal(a.t.connected, false);
      assert.equal(a.t.send('b', text('after close')), false);
      assert.equal(a.t.broadcast(text('after close')), false);
      assert.equal(b.t.send('a', text('to the closed')), true);
      assert.equal(b.t.broadcast(text('marker')), true);
      await b.t.flush();
      await b.r.until('b’s own broadcast', () => b.r.broadcasts.length === 1);
      assert.equal(b.r.frames.length, 0);
      assert.equal(a.r.frames.length, 0);
      assert.equal(a.r.broadcasts.length, 0);
    });

    it('invalid cluster names and node ids are refused with a TypeError naming them', async () => {
      for (const [cluster, id, bad] of [
        ['bad.cluster', 'a', 'bad.cluster'],
        [fixture.cluster, 'no spaces', 'no spaces'],
        [fixture.cluster, 'x>', 'x>'],
        [fixture.cluster, '', '""'],
      ] as const) {
        const t = fixture.make();
        started.push(t);
        await assert.rejects(t.start(cluster, id, new Recorder()), (e: unknown) => e instanceof TypeError && e.message.includes(bad));
      }
    });

    describe('cluster kv', () => {
      let a: { t: Transport; r: Recorder };
      let b: { t: Transport; r: Recorder };
      let kvA: ClusterKv;
      let kvB: ClusterKv;

      beforeEach(async () => {
        a = await node('a');
        b = await node('b');
        kvA = await a.t.kv('registry');
        kvB = await b.t.kv('registry');
      });

      it('get/put/delete: values as JSON, revisions increasing, shared by the nodes', async () => {
        assert.equal(await kvA.get('nodes.a'), undefined);
        const r1 = await kvA.put('nodes.a', { host: 'x', ports: [1, 2], at: new Date(0) });
        const r2 = await kvA.put('nodes.b', 'plain');
        assert.ok(Number.isInteger(r1) && r1 > 0 && r2 > r1, `${r1} < ${r2}`);
        const entry = await kvB.get<{ host: string; ports: number[]; at: string }>('nodes.a');
        // As JSON: a Date reads back as its ISO string on every transport.
        assert.deepEqual(entry, { key: 'nodes.a', value: { host: 'x', ports: [1, 2], at: new Date(0).toISOString() }, revision: r1 });
        const r3 = await kvB.put('nodes.a', null);
        assert.ok(r3 > r2);
        assert.deepEqual(await kvA.get('nodes.a'), { key: 'nodes.a', value: null, revision: r3 });
        await kvA.delete('nodes.a');
        await kvA.delete('never.there');
        assert.equal(await kvB.get('nodes.a'), undefined);
        assert.deepEqual((await kvB.get('nodes.b'))?.value, 'plain');
        await assert.rejects(kvA.put('nodes.c', undefined), TypeError);
        await assert.rejects(kvA.put('nodes.c', () => 1), TypeError);
      });

      it('keys lists present keys, optionally by prefix', async () => {
        assert.deepEqual(await kvA.keys(), []);
        await kvA.put('nodes.a', 1);
        await kvA.put('nodes.b', 2);
        await kvA.put('placement.s1', 'a');
        await kvA.put('gone', 0);
        await kvA.delete('gone');
        assert.deepEqual((await kvB.keys()).sort(), ['nodes.a', 'nodes.b', 'placement.s1']);
        assert.deepEqual((await kvB.keys('nodes.')).sort(), ['nodes.a', 'nodes.b']);
        assert.deepEqual((await kvB.keys('place')).sort(), ['placement.s1']);
        assert.deepEqual(await kvB.keys('none'), []);
      });

      it('two concurrent creates of one key: exactly one wins, and its value stays', async () => {
        for (let i = 0; i < 10; i++) {
          const key = `placement.s${i}`;
          const [ra, rb] = await Promise.all([kvA.create(key, 'a'), kvB.create(key, 'b')]);
          assert.ok((ra === null) !== (rb === null), `key ${key}: exactly one create wins, got ${ra} and ${rb}`);
          const winner = ra === null ? 'b' : 'a';
          assert.deepEqual(await kvA.get(key), { key, value: winner, revision: (ra ?? rb)! });
        }
      });

      it('create after delete succeeds; create of a present key returns null', async () => {
        const r1 = await kvA.create('k', 1);
        assert.ok(r1 !== null);
        assert.equal(await kvB.create('k', 2), null);
        await kvB.delete('k');
        const r2 = await kvB.create('k', 3);
        assert.ok(r2 !== null && r2 > r1);
        assert.deepEqual((await kvA.get('k'))?.value, 3);
      });

      it('update with the current revision wins; with a stale one, or after a delete, returns null', async () => {
        const r1 = await kvA.put('k', 'v1');
        const r2 = await kvB.update('k', 'v2', r1);
        assert.ok(r2 !== null && r2 > r1);
        assert.equal(await kvA.update('k', 'stale', r1), null);
        assert.deepEqual(await kvA.get('k'), { key: 'k', value: 'v2', revision: r2 });
        // Two updates racing from the same revision: exactly one wins.
        const [ua, ub] = await Promise.all([kvA.update('k', 'a', r2), kvB.update('k', 'b', r2)]);
        assert.ok((ua === null) !== (ub === null), `got ${ua} and ${ub}`);
        const r3 = (ua ?? ub)!;
        await kvA.delete('k');
        assert.equal(await kvB.update('k', 'revived', r3), null);
        assert.equal(await kvB.get('k'), undefined);
        await assert.rejects(kvA.update('k', 'x', 0), TypeError);
      });

      it('invalid keys are refused with a TypeError naming them', async () => {
        for (const bad of ['', 'a b', 'a..b', '.a', 'a.', 'a*', 'a>', 'ü']) {
          const named = (e: unknown): boolean => e instanceof TypeError && e.message.includes(`'${bad}'`);
          await assert.rejects(kvA.get(bad), named, `get ${JSON.stringify(bad)}`);
          await assert.rejects(kvA.put(bad, 1), named, `put ${JSON.stringify(bad)}`);
          await assert.rejects(kvA.create(bad, 1), named, `create ${JSON.stringify(bad)}`);
          await assert.rejects(kvA.update(bad, 1, 1), named, `update ${JSON.stringify(bad)}`);
          await assert.rejects(kvA.delete(bad), named, `delete ${JSON.stringify(bad)}`);
        }
        assert.deepEqual(await kvA.keys(), []);
      });

      it('buckets are separate, and a bad bucket name is refused with a TypeError', async () => {
        const other = await a.t.kv('placement');
        await kvA.put('k', 'registry');
        await other.put('k', 'placement');
        assert.equal((await kvB.get('k'))?.value, 'registry');
        assert.equal((await (await b.t.kv('placement')).get('k'))?.value, 'placement');
        await assert.rejects(a.t.kv('bad.name'), (e: unknown) => e instanceof TypeError && e.message.includes('bad.name'));
      });
    });
  });
}
