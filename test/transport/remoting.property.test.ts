import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ActorRef, JsonValue } from '../../src/index.js';
import { ClusterNode, MemoryHub, MemoryTransport, encodeFrame } from '../../src/index.js';
import { BatchWriter } from '../../src/transport/codec.js';
import { eventually, quietSystem, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

/**
 * Plain JSON (msgpack keeps -0 and JSON does not: normalized through JSON first). Without
 * `__proto__` keys: msgpackr renames them on decoding (its guard against prototype
 * pollution), which the last test of this file checks on its own.
 */
const message = fc
  .jsonValue({ maxDepth: 3 })
  .map((v) => JSON.parse(JSON.stringify(v)) as JsonValue)
  .filter((v) => !JSON.stringify(v).includes('"__proto__"'));

async function pair(): Promise<{ a: ReturnType<typeof quietSystem>; b: ReturnType<typeof quietSystem>; nb: ClusterNode }> {
  const hub = new MemoryHub();
  const a = quietSystem({ name: 'p', node: 'a' });
  const b = quietSystem({ name: 'p', node: 'b' });
  await ClusterNode.start(a, { transport: new MemoryTransport(hub), heartbeatMs: 1000 });
  const nb = await ClusterNode.start(b, { transport: new MemoryTransport(hub), heartbeatMs: 1000 });
  return { a, b, nb };
}

describe('remoting: properties', function () {
  this.timeout(60_000);

  it('any sequence of JSON messages told across nodes arrives whole and in order (200 runs)', async () => {
    const { a, b } = await pair();
    const got = new Map<number, unknown[]>();
    b.spawn<{ run: number; body: unknown } | { type: 'count'; run: number; replyTo: ActorRef<number> }>(() => (m) => {
      if ('replyTo' in m) m.replyTo.tell(got.get(m.run)?.length ?? 0);
      else (got.get(m.run) ?? got.set(m.run, []).get(m.run)!).push(m.body);
    }, { name: 'sink' });
    const far = a.resolve<{ run: number; body: unknown } | { type: 'count'; run: number; replyTo: ActorRef<number> }>('am://p@b/user/sink');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 40 }), async (bodies) => {
        const id = ++run;
        for (const body of bodies) far.tell({ run: id, body });
        assert.equal(await far.ask<number>((replyTo) => ({ type: 'count', run: id, replyTo })), bodies.length);
        assert.deepEqual(got.get(id), bodies);
      }),
      { numRuns: 200 },
    );
  });

  it('any bytes as a batch from the network are dead letters or deliveries, never an exception (300 runs)', async () => {
    const { nb, b } = await pair();
    let deadLetters = 0;
    b.events$.subscribe((e) => {
      if (e.type === 'dead-letter') deadLetters++;
    });
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 6 }), fc.uint8Array({ maxLength: 16 }), (entries, tail) => {
        const batch = new BatchWriter();
        for (const entry of entries) batch.append(entry);
        const payload = new Uint8Array([...batch.take(), ...tail]);
        nb.remoting.onFrame(encodeFrame('rogue', payload));
      }),
      { numRuns: 300 },
    );
    await eventually(() => deadLetters > 0, 'garbage was reported');
    assert.equal(b.terminated, false, 'the node is still up');
  });

  it("a message with a '__proto__' key cannot pollute prototypes on the receiving node (msgpackr renames the key)", async () => {
    const { a, b } = await pair();
    const got: unknown[] = [];
    b.spawn<unknown>(() => (m) => void got.push(m), { name: 'sink' });
    a.resolve('am://p@b/user/sink').tell(JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'));
    await eventually(() => got.length === 1, 'the message arrived');
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    assert.equal(Object.getPrototypeOf(got[0]), Object.prototype);
    assert.equal((got[0] as { ok: number }).ok, 1);
  });
});
