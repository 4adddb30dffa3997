import assert from 'node:assert/strict';
import { StashOverflowError } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { eventually, quietSystem, recordEvents, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

type Msg = { type: 'ready' } | { type: 'work'; n: number } | { type: 'fail' } | { type: 'get'; replyTo: ActorRef<number[]> };

/** Stashes work until ready, then unstashes and works. */
const lazyStarter = (seen: number[]) => (ctx: { stash(): void; unstashAll(): void; become(r: (m: Msg) => void): void }) => {
  const ready = (m: Msg): void => {
    if (m.type === 'work') seen.push(m.n);
    else if (m.type === 'fail') throw new Error('fail while ready');
    else if (m.type === 'get') m.replyTo.tell([...seen]);
  };
  return (m: Msg) => {
    if (m.type === 'ready') {
      ctx.become(ready);
      ctx.unstashAll();
    } else if (m.type === 'fail') throw new Error('fail while waiting');
    else ctx.stash();
  };
};

describe('stash', () => {
  it('unstashAll puts stashed messages back in their original order, before later ones', async () => {
    const system = quietSystem();
    const seen: number[] = [];
    const ref = system.spawn(lazyStarter(seen));
    for (let n = 1; n <= 5; n++) ref.tell({ type: 'work', n });
    ref.tell({ type: 'ready' });
    ref.tell({ type: 'work', n: 6 });
    await settle();
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  });

  it('a restart puts stashed messages back in the mailbox, so none is lost', async () => {
    const system = quietSystem();
    const seen: number[] = [];
    const ref = system.spawn(lazyStarter(seen));
    ref.tell({ type: 'work', n: 1 });
    ref.tell({ type: 'work', n: 2 });
    ref.tell({ type: 'fail' }); // restart: the new incarnation is waiting again, and stashes 1 and 2 again
    ref.tell({ type: 'ready' });
    await settle();
    assert.deepEqual(seen, [1, 2]);
  });

  it('stashing past stashCapacity fails the actor with StashOverflowError', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const ref = system.spawn(lazyStarter([]), { stashCapacity: 2 });
    for (let n = 1; n <= 3; n++) ref.tell({ type: 'work', n });
    await eventually(() => events.some((e) => e.type === 'actor-failed'), 'stash overflow failure');
    const failed = events.find((e) => e.type === 'actor-failed') as { error: unknown };
    assert.ok(failed.error instanceof StashOverflowError);
    assert.equal(failed.error.capacity, 2);
  });

  it('stashed messages become dead letters when the actor stops', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const ref = system.spawn(lazyStarter([]));
    ref.tell({ type: 'work', n: 1 });
    ref.tell({ type: 'work', n: 2 });
    await settle();
    system.stop(ref);
    await settle();
    const dead = events.filter((e) => e.type === 'dead-letter') as Array<{ message: { n: number } }>;
    assert.deepEqual(dead.map((e) => e.message.n), [1, 2]);
  });
});
