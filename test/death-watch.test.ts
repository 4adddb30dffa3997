import assert from 'node:assert/strict';
import { Terminated, oneForOneStrategy } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { eventually, quietSystem, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

type WatcherMsg = { type: 'watch'; ref: ActorRef<any> } | { type: 'unwatch'; ref: ActorRef<any> } | Terminated;

function watcher(log: string[]) {
  return (ctx: { watch(r: ActorRef<any>): void; unwatch(r: ActorRef<any>): void }) => (m: WatcherMsg) => {
    if (m.type === 'watch') ctx.watch(m.ref);
    else if (m.type === 'unwatch') ctx.unwatch(m.ref);
    else log.push(`terminated ${m.ref.path}`);
  };
}

describe('death watch', () => {
  it('sends Terminated when the watched actor stops', async () => {
    const system = quietSystem();
    const log: string[] = [];
    const target = system.spawn(() => () => {}, { name: 'target' });
    const w = system.spawn(watcher(log));
    w.tell({ type: 'watch', ref: target });
    await settle();
    system.stop(target);
    await eventually(() => log.length === 1, 'Terminated');
    assert.deepEqual(log, ['terminated /user/target']);
  });

  it('sends Terminated when the watched actor fails and its supervisor stops it', async () => {
    const system = quietSystem({ guardianSupervision: oneForOneStrategy(() => 'stop') });
    const log: string[] = [];
    const target = system.spawn<string>(() => () => {
      throw new Error('dies');
    }, { name: 'fragile' });
    const w = system.spawn(watcher(log));
    w.tell({ type: 'watch', ref: target });
    await settle();
    target.tell('x');
    await eventually(() => log.length === 1, 'Terminated after failure');
    assert.deepEqual(log, ['terminated /user/fragile']);
  });

  it('sends no Terminated when the watched actor fails and is restarted', async () => {
    const system = quietSystem();
    const log: string[] = [];
    let restarts = 0;
    system.events$.subscribe((e) => e.type === 'actor-restarted' && restarts++);
    const target = system.spawn<string>(() => () => {
      throw new Error('dies');
    });
    const w = system.spawn(watcher(log));
    w.tell({ type: 'watch', ref: target });
    await settle();
    target.tell('x');
    await eventually(() => restarts === 1, 'restart');
    await settle();
    assert.deepEqual(log, []);
  });

  it('watching an actor that is already gone yields Terminated at once', async () => {
    const system = quietSystem();
    const log: string[] = [];
    const target = system.spawn(() => () => {}, { name: 'gone' });
    system.stop(target);
    await settle();
    system.spawn(watcher(log)).tell({ type: 'watch', ref: target });
    await eventually(() => log.length === 1, 'Terminated for a dead actor');
  });

  it('unwatch before the stop means no Terminated', async () => {
    const system = quietSystem();
    const log: string[] = [];
    const target = system.spawn(() => () => {});
    const w = system.spawn(watcher(log));
    w.tell({ type: 'watch', ref: target });
    w.tell({ type: 'unwatch', ref: target });
    await settle();
    system.stop(target);
    await settle();
    assert.deepEqual(log, []);
  });

  it('a parent watching its child learns of its stop', async () => {
    const system = quietSystem();
    const log: string[] = [];
    system.spawn<Terminated | string>((ctx) => {
      const child = ctx.spawn(() => () => {}, { name: 'kid' });
      ctx.watch(child);
      ctx.stop(child);
      return (m) => {
        if (m instanceof Terminated) log.push(m.ref.path);
      };
    }, { name: 'parent' });
    await eventually(() => log.length === 1, 'Terminated of the child');
    assert.deepEqual(log, ['/user/parent/kid']);
  });
});
