import assert from 'node:assert/strict';
import { ActorNameTakenError, InvalidActorNameError } from '../src/index.js';
import { quietSystem, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

const idle = () => () => {};

describe('actor names', () => {
  for (const [name, rule] of [
    ['', /must not be empty/],
    ['a/b', /character '\/' is not allowed/],
    ['has space', /character ' ' is not allowed/],
    ['$reserved', /reserved for generated names/],
    ['x'.repeat(300), /at most 255 characters \(got 300\)/],
  ] as const) {
    it(`refuses '${name.slice(0, 12)}' saying which rule and under which parent`, () => {
      const system = quietSystem();
      const error = (() => {
        try {
          system.spawn(idle, { name });
        } catch (e) {
          return e;
        }
      })();
      assert.ok(error instanceof InvalidActorNameError, 'InvalidActorNameError');
      assert.equal(error.parentPath, '/user');
      assert.match(error.message, rule);
      assert.match(error.message, /under '\/user'/);
    });
  }

  it('refuses a duplicate sibling name with ActorNameTakenError naming name and parent', () => {
    const system = quietSystem();
    system.spawn(idle, { name: 'twin' });
    assert.throws(() => system.spawn(idle, { name: 'twin' }), (e: unknown) => e instanceof ActorNameTakenError && e.actorName === 'twin' && e.parentPath === '/user');
  });

  it('allows the same name under different parents, and reuse once the holder stopped', async () => {
    const system = quietSystem();
    const a = system.spawn<string>((ctx) => () => void ctx.spawn(idle, { name: 'child' }), { name: 'a' });
    const b = system.spawn<string>((ctx) => () => void ctx.spawn(idle, { name: 'child' }), { name: 'b' });
    a.tell('go');
    b.tell('go');
    await settle();
    assert.ok(system.lookup('/user/a/child'));
    assert.ok(system.lookup('/user/b/child'));
    const first = system.spawn(idle, { name: 'again' });
    system.stop(first);
    await settle();
    assert.doesNotThrow(() => system.spawn(idle, { name: 'again' }));
  });

  it('generates distinct $-names for unnamed children', () => {
    const system = quietSystem();
    const names = new Set(Array.from({ length: 1000 }, () => system.spawn(idle).path));
    assert.equal(names.size, 1000);
    assert.ok([...names].every((path) => /^\/user\/\$[0-9a-z]+$/.test(path)));
  });

  it('lookup finds live actors by path or URI and not stopped ones', async () => {
    const system = quietSystem({ name: 'mesh', node: 'n1' });
    const ref = system.spawn(idle, { name: 'findme' });
    assert.equal(system.lookup('/user/findme'), ref);
    assert.equal(system.lookup('am://mesh@n1/user/findme'), ref);
    assert.equal(system.lookup('/user/nobody'), undefined);
    assert.equal(String(ref), 'am://mesh@n1/user/findme');
    assert.deepEqual(JSON.parse(JSON.stringify(ref)), { path: '/user/findme', system: 'mesh', node: 'n1' });
    assert.equal(system.resolve(ref.toJSON()), ref);
    system.stop(ref);
    await settle();
    assert.equal(system.lookup('/user/findme'), undefined);
  });

  it('resolve of a path with no live actor gives a ref whose messages are dead letters (recipient-not-found)', async () => {
    const system = quietSystem({ name: 'mesh', node: 'n1' });
    const reasons: string[] = [];
    system.events$.subscribe((e) => e.type === 'dead-letter' && reasons.push(String((e as { reason: string }).reason)));
    const ghost = system.resolve<string>('am://mesh@n1/user/ghost');
    ghost.tell('boo');
    assert.deepEqual(reasons, ['recipient-not-found']);
    assert.throws(() => system.resolve('am://other@n1/user/x'), /not in this system \(mesh@n1\)/);
    assert.throws(() => system.resolve('http://nope'), /not an actor ref URI: 'http:\/\/nope'/);
  });
});
