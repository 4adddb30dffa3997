import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RingQueue } from '../src/ring-queue.js';

describe('RingQueue', () => {
  it('behaves like an array used as a deque for any sequence of push, unshift and shift', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), count: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('unshift' as const), count: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('shift' as const), count: fc.integer({ min: 1, max: 3000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const queue = new RingQueue<number>();
        const model: number[] = [];
        let next = 0;
        for (const { kind, count } of ops) {
          for (let i = 0; i < count; i++) {
            if (kind === 'push') {
              queue.push(next);
              model.push(next++);
            } else if (kind === 'unshift') {
              queue.unshift(next);
              model.unshift(next++);
            } else {
              assert.equal(queue.peek(), model[0]);
              assert.equal(queue.shift(), model.shift());
            }
            assert.equal(queue.size, model.length);
          }
        }
        assert.deepEqual(queue.drain(), model);
        assert.equal(queue.size, 0);
        assert.equal(queue.shift(), undefined);
      }),
      { numRuns: 200 },
    );
  });
});
