import assert from 'node:assert/strict';
import { deferred, quietSystem, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

describe('dispatcher', () => {
  it('a flood of tells does not starve a 1 ms timer: the loop yields every time slice', async function () {
    this.timeout(30_000);
    const system = quietSystem({ timeSliceMs: 5 });
    const total = 5_000_000; // without yielding this is >300 ms of blocked event loop
    const done = deferred();
    let received = 0;
    const sink = system.spawn<number>(() => () => {
      if (++received === total) done.resolve();
    });
    // The producer is an actor: it sends a batch, then tells itself to go on.
    const producer = system.spawn<number>((ctx) => (sent) => {
      for (let i = 0; i < 1000; i++) sink.tell(i);
      if (sent + 1000 < total) ctx.self.tell(sent + 1000);
    });
    let worstDelay = 0;
    let ticks = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstDelay = Math.max(worstDelay, now - last - 1);
      last = now;
      ticks++;
    }, 1);
    const started = performance.now();
    producer.tell(0);
    await done.promise;
    clearInterval(timer);
    const elapsed = performance.now() - started;
    assert.ok(ticks >= elapsed / 25, `timer fired ${ticks} times in ${elapsed.toFixed(0)} ms`);
    // A loop that never yields delays the timer by the whole flood; one that yields, by a
    // slice plus the odd GC pause. (The < 20 ms target is a benchmark: npm run bench -- flood.)
    assert.ok(worstDelay < elapsed / 3, `worst timer delay ${worstDelay.toFixed(1)} ms of ${elapsed.toFixed(0)} ms`);
  });

  it('gives each actor at most `throughput` messages per turn, so two busy actors alternate', async () => {
    const system = quietSystem({ throughput: 10 });
    const trace: string[] = [];
    const a = system.spawn<number>(() => () => void trace.push('a'));
    const b = system.spawn<number>(() => () => void trace.push('b'));
    for (let i = 0; i < 30; i++) a.tell(i);
    for (let i = 0; i < 30; i++) b.tell(i);
    await new Promise((r) => setImmediate(r));
    const runs = trace.join('').match(/a+|b+/g)!;
    assert.deepEqual(runs.map((run) => run.length), [10, 10, 10, 10, 10, 10]);
  });
});
