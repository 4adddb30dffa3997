import assert from 'node:assert/strict';
import { firstValueFrom, filter } from 'rxjs';
import { quietSystem, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

describe('events$ and metrics$', () => {
  it('publishes started, stopped and dead-letter events with paths and timestamps', async () => {
    const system = quietSystem();
    const events: Array<{ type: string; path: string; timestamp: number }> = [];
    system.events$.subscribe((e) => events.push(e));
    const ref = system.spawn(() => () => {}, { name: 'watched' });
    system.stop(ref);
    await settle();
    system.deadLetters.tell('nobody');
    assert.deepEqual(events.map((e) => `${e.type} ${e.path}`), ['actor-started /user/watched', 'actor-stopped /user/watched', 'dead-letter /deadLetters']);
    assert.ok(events.every((e) => Math.abs(e.timestamp - Date.now()) < 5000));
  });

  it('builds no event when nobody subscribes, yet still counts dead letters', async () => {
    const system = quietSystem();
    assert.equal(system.eventsObserved, false);
    const ref = system.spawn(() => () => {});
    system.stop(ref);
    await settle();
    ref.tell('late');
    assert.equal(system.deadLetterCount, 1);
  });

  it('metrics$ samples actors, processed messages, rate and the deepest mailboxes while subscribed', async () => {
    const system = quietSystem({ metricsIntervalMs: 20 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = system.spawn<number>(() => async () => void (await gate), { name: 'slow' });
    for (let i = 0; i < 50; i++) slow.tell(i);
    const sample = await firstValueFrom(system.metrics$.pipe(filter((s) => s.queued > 0)));
    assert.equal(sample.actors, 4);
    assert.equal(sample.queued, 49);
    assert.deepEqual(sample.deepest[0], { path: '/user/slow', depth: 49 });
    assert.equal(sample.processed, 1);
    release();
  });
});
