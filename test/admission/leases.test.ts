import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AdmissionRequestError } from '../../src/admission/errors.js';
import { ArtifactLeases } from '../../src/admission/leases.js';
import { plan } from '../../src/admission/planner.js';

describe('admission: ArtifactLeases', () => {
  it('holds artifacts without expiry as ready forever, and leased ones until validUntilMs (exclusive)', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'room:general' });
    leases.ready({ key: 'webrtc.track', validUntilMs: 100, holderId: 'webrtc-1' });
    assert.equal(leases.isReady('room:general', 1e12), true);
    assert.equal(leases.isReady('webrtc.track', 99), true);
    assert.equal(leases.isReady('webrtc.track', 100), false, 'a lease ending now is over (the planner rule)');
    assert.equal(leases.isReady('unknown', 0), false);
  });

  it('snapshot(nowMs) lists the artifacts ready at nowMs, sorted by key, as copies', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'b', validUntilMs: 50, holderId: 'h' });
    leases.ready({ key: 'a' });
    leases.ready({ key: 'c', validUntilMs: 10 });
    const snapshot = leases.snapshot(20);
    assert.deepEqual(snapshot, [{ key: 'a' }, { key: 'b', validUntilMs: 50, holderId: 'h' }]);
    (snapshot[0] as { key: string }).key = 'changed';
    assert.equal(leases.isReady('a', 20), true, 'changing the snapshot does not change the leases');
    assert.equal(leases.size, 3, 'an ended lease stays held until expire');
  });

  it('expire(nowMs) removes the ended leases and returns their keys, sorted; a second call returns none', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'z', validUntilMs: 10 });
    leases.ready({ key: 'y', validUntilMs: 30 });
    leases.ready({ key: 'x', validUntilMs: 20 });
    leases.ready({ key: 'forever' });
    assert.equal(leases.nextExpiryMs(), 10);
    assert.deepEqual(leases.expire(20), ['x', 'z']);
    assert.deepEqual(leases.expire(20), []);
    assert.equal(leases.nextExpiryMs(), 30);
    assert.deepEqual(leases.snapshot(20).map((a) => a.key), ['forever', 'y']);
    assert.deepEqual(leases.expire(1e9), ['y']);
    assert.equal(leases.nextExpiryMs(), undefined);
  });

  it('revoke(key) removes an artifact at once, whatever its lease, and says whether it was held', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'k', validUntilMs: 1e9 });
    assert.equal(leases.revoke('k'), true);
    assert.equal(leases.revoke('k'), false);
    assert.equal(leases.isReady('k', 0), false);
  });

  it('a later ready() renews or replaces the lease, holder included', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'k', validUntilMs: 10, holderId: 'a' });
    leases.ready({ key: 'k', validUntilMs: 100, holderId: 'b' });
    assert.equal(leases.isReady('k', 50), true);
    assert.deepEqual([...leases.holders()], [['b', ['k']]]);
    leases.ready({ key: 'k' });
    assert.deepEqual(leases.snapshot(1e12), [{ key: 'k' }]);
  });

  it('holders() maps each holder to its keys (sorted); with nowMs only live leases count', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'tex-2', holderId: 'bevy' });
    leases.ready({ key: 'tex-1', holderId: 'bevy', validUntilMs: 5 });
    leases.ready({ key: 'room', holderId: 'orm' });
    leases.ready({ key: 'anonymous' });
    assert.deepEqual([...leases.holders()], [
      ['bevy', ['tex-1', 'tex-2']],
      ['orm', ['room']],
    ]);
    assert.deepEqual([...leases.holders(10)], [
      ['bevy', ['tex-2']],
      ['orm', ['room']],
    ]);
  });

  it('copies what it is given: changing the caller object later changes nothing', () => {
    const leases = new ArtifactLeases();
    const artifact = { key: 'k', validUntilMs: 100 };
    leases.ready(artifact);
    artifact.validUntilMs = 1;
    assert.equal(leases.isReady('k', 50), true);
  });

  it('refuses malformed artifacts and times, naming the field and the value', () => {
    const leases = new ArtifactLeases();
    assert.throws(() => leases.ready({ key: '' }), (e: unknown) => e instanceof AdmissionRequestError && e.path === 'artifact.key' && /got ""/.test(e.message));
    assert.throws(() => leases.ready({ key: 'k', validUntilMs: NaN }), (e: unknown) => e instanceof AdmissionRequestError && e.path === 'artifact.validUntilMs');
    assert.throws(() => leases.ready({ key: 'k', holderId: 7 as unknown as string }), (e: unknown) => e instanceof AdmissionRequestError && e.path === 'artifact.holderId' && /got 7/.test(e.message));
    assert.throws(() => leases.ready(null as never), (e: unknown) => e instanceof AdmissionRequestError && e.path === 'artifact');
    assert.throws(() => leases.expire(Number.NaN), (e: unknown) => e instanceof AdmissionRequestError && e.path === 'expire(nowMs)');
    assert.throws(() => leases.snapshot('now' as unknown as number), (e: unknown) => e instanceof AdmissionRequestError && /got "now"/.test(e.message));
    assert.equal(leases.size, 0);
  });

  it('feeds the planner: a job becomes deferred once its dependency expires, admitted again once renewed', () => {
    const leases = new ArtifactLeases();
    leases.ready({ key: 'webrtc.frame_decoded', validUntilMs: 200, holderId: 'webrtc' });
    const request = (nowMs: number) => ({
      nowMs,
      jobs: [{ id: 'bevy-upload', resourceClass: 'gpu-render' as const, priority: 0, createdAtMs: 0, artifactKey: 'bevy.texture', dependencyKeys: ['webrtc.frame_decoded'] }],
      lanes: { 'gpu-render': { capacity: 1, estimatedDurationMs: 16 } },
      ready: leases.snapshot(nowMs),
    });
    assert.equal(plan(request(100)).admitted.length, 1);
    assert.deepEqual(leases.expire(200), ['webrtc.frame_decoded']);
    assert.deepEqual(plan(request(200)).deferred, [{ id: 'bevy-upload', missingDependencies: ['webrtc.frame_decoded'] }]);
    leases.ready({ key: 'webrtc.frame_decoded', validUntilMs: 400, holderId: 'webrtc' });
    assert.equal(plan(request(300)).admitted.length, 1);
  });

  it('property: isReady(key, t) agrees with snapshot(t), and expire(t) removes exactly the keys snapshot(t) no longer lists', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('ready' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), until: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }) }),
      fc.record({ kind: fc.constant('revoke' as const), key: fc.constantFrom('a', 'b', 'c', 'd') }),
      fc.record({ kind: fc.constant('expire' as const), at: fc.integer({ min: 0, max: 20 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.integer({ min: 0, max: 20 }), (ops, t) => {
        const leases = new ArtifactLeases();
        for (const o of ops) {
          if (o.kind === 'ready') leases.ready(o.until === undefined ? { key: o.key } : { key: o.key, validUntilMs: o.until });
          else if (o.kind === 'revoke') leases.revoke(o.key);
          else leases.expire(o.at);
        }
        const live = leases.snapshot(t).map((a) => a.key);
        for (const key of ['a', 'b', 'c', 'd']) assert.equal(leases.isReady(key, t), live.includes(key));
        const held = leases.size;
        const expired = leases.expire(t);
        assert.equal(leases.size, held - expired.length);
        assert.deepEqual(leases.snapshot(t).map((a) => a.key), live);
        assert.ok(expired.every((key) => !live.includes(key)));
      }),
      { numRuns: 300 },
    );
  });
});
