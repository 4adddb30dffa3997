/**
 * The transport contract on NatsTransport over a real nats-server (one per file, from the
 * fixture; each test a fresh cluster name, so subjects and buckets never meet), plus what only
 * NATS does: credentials (user/password, token), a clear error for an unreachable server or
 * wrong credentials, and a server restart mid-run (disconnected, sends refused, reconnected,
 * frames flowing again, the KV kept).
 */
import assert from 'node:assert/strict';
import { NatsTransport } from '../../src/transport/nats-transport.js';
import type { NatsTransportOptions } from '../../src/transport/nats-transport.js';
import { startNatsServer } from '../support/nats-server.js';
import { natsServerForFile } from '../support/nats-server-for-file.js';
import type { NatsServer } from '../support/nats-server.js';
import { Recorder, transportContract } from './transport-contract.js';

/** Fast reconnects, so an outage test takes milliseconds after the server is back. */
const FAST = { reconnectTimeWait: 100, reconnectJitter: 0 } as const;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const str = (b: Uint8Array): string => new TextDecoder().decode(b);

const nats = natsServerForFile();

let counter = 0;
transportContract('NatsTransport', async () => ({
  make: () => new NatsTransport({ servers: nats().url, connection: FAST }),
  cluster: `c${process.pid}-${++counter}`,
  cleanup: async () => undefined,
}));

describe('NatsTransport', () => {
  const opened: NatsTransport[] = [];
  afterEach(async () => {
    for (const t of opened.splice(0)) await t.close();
  });

  /** A started transport with its recorder. */
  async function node(options: NatsTransportOptions, cluster: string, id: string): Promise<{ t: NatsTransport; r: Recorder }> {
    const t = new NatsTransport(options);
    const r = new Recorder();
    opened.push(t);
    await t.start(cluster, id, r);
    return { t, r };
  }

  /** a -> b and b -> a, one frame each, after a round trip of each (so both subscriptions are in place). */
  async function exchange(a: { t: NatsTransport; r: Recorder }, b: { t: NatsTransport; r: Recorder }, label: string): Promise<void> {
    await Promise.all([a.t.flush(), b.t.flush()]);
    const [fa, fb] = [a.r.frames.length, b.r.frames.length];
    assert.equal(a.t.send('b', text(`${label} a->b`)), true);
    assert.equal(b.t.send('a', text(`${label} b->a`)), true);
    await b.r.until(`${label} at b`, () => b.r.frames.length > fb);
    await a.r.until(`${label} at a`, () => a.r.frames.length > fa);
    assert.equal(str(b.r.frames.at(-1)!), `${label} a->b`);
    assert.equal(str(a.r.frames.at(-1)!), `${label} b->a`);
  }

  it('refuses bad options and a bad prefix with a TypeError', () => {
    assert.throws(() => new NatsTransport({ servers: '' }), TypeError);
    assert.throws(() => new NatsTransport({ servers: [] }), TypeError);
    assert.throws(() => new NatsTransport({ servers: nats().url, prefix: 'a.b' }), (e: unknown) => e instanceof TypeError && e.message.includes('a.b'));
  });

  it('uses the subjects <prefix>.<cluster>.node.<id> and <prefix>.<cluster>.broadcast: two prefixes do not meet', async () => {
    const a = await node({ servers: nats().url, prefix: 'p1' }, 'same', 'a');
    const b = await node({ servers: nats().url, prefix: 'p2' }, 'same', 'a');
    assert.equal(a.t.send('a', text('p1 only')), true);
    assert.equal(b.t.broadcast(text('p2 only')), true);
    await a.r.until('own frame', () => a.r.frames.length === 1);
    await b.r.until('own broadcast', () => b.r.broadcasts.length === 1);
    await Promise.all([a.t.flush(), b.t.flush()]);
    assert.equal(a.r.broadcasts.length, 0);
    assert.equal(b.r.frames.length, 0);
  });

  it('an unreachable server rejects start with an error naming the server', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    const t = new NatsTransport({ servers: gone.url, connection: { ...FAST, timeout: 2_000 } });
    opened.push(t);
    await assert.rejects(t.start('c', 'a', new Recorder()), (e: unknown) => e instanceof Error && e.message.includes(gone.url) && /cannot connect/.test(e.message));
    assert.equal(t.connected, false);
    assert.equal(t.send('a', text('x')), false);
  });

  describe('credentials', () => {
    let secured: NatsServer | undefined;
    let tokened: NatsServer | undefined;
    before(async function () {
      this.timeout(15_000);
      [secured, tokened] = await Promise.all([startNatsServer({ args: ['--user', 'node-a', '--pass', 's3cret'] }), startNatsServer({ args: ['--auth', 't0ken-xyz'] })]);
    });
    after(async () => {
      await Promise.all([secured?.stop(), tokened?.stop()]);
    });

    it('user/password: accepted when right (frames and KV work), rejected with a clear error when wrong or missing', async () => {
      const options = { servers: secured!.url, connection: { ...FAST, user: 'node-a', pass: 's3cret' } };
      const a = await node(options, 'sec', 'a');
      const b = await node(options, 'sec', 'b');
      await exchange(a, b, 'authorized');
      const kv = await a.t.kv('registry');
      const rev = await kv.put('nodes.a', { up: true });
      assert.deepEqual(await (await b.t.kv('registry')).get('nodes.a'), { key: 'nodes.a', value: { up: true }, revision: rev });
      for (const connection of [{ ...FAST, user: 'node-a', pass: 'wrong' }, { ...FAST, user: 'nobody', pass: 's3cret' }, FAST]) {
        const t = new NatsTransport({ servers: secured!.url, connection });
        opened.push(t);
        await assert.rejects(t.start('sec', 'c', new Recorder()), (e: unknown) => e instanceof Error && e.message.includes(secured!.url) && /authorization violation/i.test(e.message));
        assert.equal(t.connected, false);
      }
    });

    it('token: accepted when right, rejected with a clear error when wrong', async () => {
      const a = await node({ servers: tokened!.url, connection: { ...FAST, token: 't0ken-xyz' } }, 'tok', 'a');
      const b = await node({ servers: tokened!.url, connection: { ...FAST, token: 't0ken-xyz' } }, 'tok', 'b');
      await exchange(a, b, 'token');
      const t = new NatsTransport({ servers: tokened!.url, connection: { ...FAST, token: 'nope' } });
      opened.push(t);
      await assert.rejects(t.start('tok', 'c', new Recorder()), (e: unknown) => e instanceof Error && e.message.includes(tokened!.url) && /authorization violation/i.test(e.message));
    });
  });

  describe('server restart', () => {
    let restarting: NatsServer | undefined;
    before(async function () {
      this.timeout(15_000);
      restarting = await startNatsServer();
    });
    after(async () => {
      await restarting?.stop();
    });

    it('reports disconnected, refuses sends during the outage, reports reconnected, then frames flow and the KV is kept', async function () {
      this.timeout(30_000);
      const options = { servers: restarting!.url, connection: FAST };
      const a = await node(options, 'rs', 'a');
      const b = await node(options, 'rs', 'b');
      await exchange(a, b, 'before');
      const rev = await (await a.t.kv('registry')).put('nodes.a', 'kept');

      await restarting!.halt();
      await a.r.until('a disconnected', () => a.r.statusTypes().includes('disconnected'));
      await b.r.until('b disconnected', () => b.r.statusTypes().includes('disconnected'));
      assert.equal(a.t.connected, false);
      assert.equal(a.t.send('b', text('during the outage')), false);
      assert.equal(a.t.broadcast(text('during the outage')), false);
      assert.equal(b.t.send('a', text('during the outage')), false);

      await restarting!.resume();
      await a.r.until('a reconnected', () => a.r.statusTypes().includes('reconnected'));
      await b.r.until('b reconnected', () => b.r.statusTypes().includes('reconnected'));
      assert.equal(a.t.connected, true);
      const types = a.r.statusTypes();
      assert.ok(types.indexOf('connected') < types.indexOf('disconnected') && types.indexOf('disconnected') < types.indexOf('reconnected'), types.join(', '));
      await exchange(a, b, 'after');
      assert.ok(!a.r.frames.concat(b.r.frames).map(str).includes('during the outage'));
      assert.equal(a.r.broadcasts.length + b.r.broadcasts.length, 0);
      assert.deepEqual(await (await b.t.kv('registry')).get('nodes.a'), { key: 'nodes.a', value: 'kept', revision: rev });
    });

    it('close() during an outage does not hang and reports closed', async function () {
      this.timeout(30_000);
      const a = await node({ servers: restarting!.url, connection: FAST }, 'rs2', 'a');
      await restarting!.halt();
      try {
        await a.r.until('disconnected', () => a.r.statusTypes().includes('disconnected'));
        await a.t.close();
        assert.equal(a.r.statusTypes().at(-1), 'closed');
        assert.equal(a.t.send('a', text('x')), false);
      } finally {
        await restarting!.resume();
      }
    });
  });
});
