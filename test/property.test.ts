import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ActorSystem } from '../src/index.js';
import type { DeadLetterEvent } from '../src/index.js';
import { settle } from './support/helpers.js';

type Op = { kind: 'tell'; async: boolean } | { kind: 'fail'; async: boolean } | { kind: 'yield'; turns: number };
type Msg = { id: number; fail: boolean; async: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tell' as const), async: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail' as const), async: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('yield' as const), turns: fc.integer({ min: 1, max: 3 }) }) },
);

describe('property: restarts lose nothing but the failing message', () => {
  it('for random interleavings of tells, failures (sync and async) and yields, every accepted message is handled exactly once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), async (ops, throughput) => {
        const system = ActorSystem.create({ logLevel: 'silent', throughput });
        const dead: DeadLetterEvent[] = [];
        let restarts = 0;
        system.events$.subscribe((e) => {
          if (e.type === 'dead-letter') dead.push(e as DeadLetterEvent);
          if (e.type === 'actor-restarted') restarts++;
        });
        const handled: number[] = [];
        const ref = system.spawn<Msg>(() => (m) => {
          if (!m.async) {
            if (m.fail) throw new Error(`fail ${m.id}`);
            handled.push(m.id);
            return;
          }
          return Promise.resolve().then(() => {
            if (m.fail) throw new Error(`fail ${m.id}`);
            handled.push(m.id);
          });
        });
        const sent: number[] = [];
        const failing: number[] = [];
        let id = 0;
        for (const op of ops) {
          if (op.kind === 'yield') await settle(op.turns);
          else {
            const message = { id: id++, fail: op.kind === 'fail', async: op.async };
            (message.fail ? failing : sent).push(message.id);
            ref.tell(message);
          }
        }
        await settle(20);
        await system.terminate();
        assert.deepEqual(handled, sent, 'every normal message handled once, in send order');
        assert.deepEqual(dead.map((e) => (e.message as Msg).id), failing, 'exactly the failing messages are dead letters');
        assert.ok(dead.every((e) => e.reason === 'actor-failed'));
        assert.equal(restarts, failing.length, 'one restart per failure');
      }),
      { numRuns: 150 },
    );
  });

  it('for random bounded mailboxes and bursts, every message is either handled or a dead letter, never both, never neither', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom('drop-newest' as const, 'drop-oldest' as const, 'reject' as const),
        fc.array(fc.integer({ min: 0, max: 25 }), { minLength: 1, maxLength: 10 }),
        async (capacity, overflow, bursts) => {
          const system = ActorSystem.create({ logLevel: 'silent' });
          const dead = new Set<number>();
          system.events$.subscribe((e) => e.type === 'dead-letter' && dead.add((e as DeadLetterEvent).message as number));
          const handled = new Set<number>();
          const ref = system.spawn<number>(() => async (n) => {
            handled.add(n);
            await new Promise((r) => setImmediate(r));
          }, { mailbox: { capacity, overflow } });
          let id = 0;
          for (const burst of bursts) {
            for (let i = 0; i < burst; i++) ref.tell(id++);
            await settle(2);
          }
          await settle(40);
          await system.terminate();
          for (let n = 0; n < id; n++) {
            assert.ok(handled.has(n) !== dead.has(n), `message ${n}: handled=${handled.has(n)} dead=${dead.has(n)}`);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
