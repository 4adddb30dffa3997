import assert from 'node:assert/strict';
import { ActorSystem } from '../src/index.js';

describe('ActorSystem', () => {
  it('starts with the root, /user and /system guardians and terminates to zero actors', async () => {
    const system = ActorSystem.create({ logLevel: 'silent' });
    assert.equal(system.actorTotal, 3);
    assert.ok(system.lookup('/user'));
    assert.ok(system.lookup('/system'));
    await system.terminate();
    assert.equal(system.actorTotal, 0);
  });
});
