import assert from 'node:assert/strict';
import type { ActorRef, DeadLetterEvent, RuntimeEvent } from '../../src/index.js';
import { BreakerHierarchy, CircuitBreaker, CircuitOpenError, DegradationMonitor, ManualClock, degradationMode } from '../../supervisors/index.js';
import { quietSystem, recordEvents, settle, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

const changes = (events: RuntimeEvent[]) =>
  events.filter((e) => e.type === 'circuit-changed').map((e) => `${e.path} ${(e as unknown as { from: string }).from}->${(e as unknown as { to: string }).to}`);

describe('circuit breaker', () => {
  it('closed -> open after more than maxFailures in the window -> half-open after the reset timeout -> closed after successThreshold probes', async () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const events = recordEvents(system);
    const breaker = new CircuitBreaker('/user/lead', { maxFailures: 2, windowMs: 1000, resetTimeoutMs: 500, successThreshold: 2, probeLimit: 5 }, { system, clock, level: 'cluster' });
    const seen: string[] = [];
    const lead = system.spawn<string>(() => (m) => void seen.push(m), { name: 'lead', gate: breaker });
    breaker.recordFailure();
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
    lead.tell('refused');
    await settle();
    assert.deepEqual(seen, []);
    clock.advance(500);
    assert.equal(breaker.state, 'half-open');
    lead.tell('probe-1');
    lead.tell('probe-2');
    await settle();
    assert.deepEqual(seen, ['probe-1', 'probe-2']);
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes(events), ['/user/lead closed->open', '/user/lead open->half-open', '/user/lead half-open->closed']);
    const dead = events.filter((e): e is DeadLetterEvent => e.type === 'dead-letter');
    assert.deepEqual(dead.map((e) => [e.reason, e.message]), [['circuit-open', 'refused']]);
  });

  it('failures outside the window do not count', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker('x', { maxFailures: 1, windowMs: 100, resetTimeoutMs: 50 }, { clock });
    breaker.recordFailure();
    clock.advance(150);
    breaker.recordFailure();
    assert.equal(breaker.state, 'closed');
    breaker.recordFailure();
    assert.equal(breaker.state, 'open');
  });

  it('a failure while half-open opens it again with a doubled reset timeout, capped', () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker('x', { maxFailures: 0, resetTimeoutMs: 100, maxResetTimeoutMs: 300 }, { clock });
    breaker.recordFailure();
    const reopenAfter: number[] = [];
    for (let i = 0; i < 3; i++) {
      let waited = 0;
      while (breaker.state === 'open') {
        clock.advance(10);
        waited += 10;
      }
      reopenAfter.push(waited);
      breaker.recordFailure();
    }
    assert.deepEqual(reopenAfter, [100, 200, 300]);
  });

  it('while open, an ask fails at once with CircuitOpenError and probes are limited in half-open', async () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const breaker = new CircuitBreaker('/user/svc', { maxFailures: 0, resetTimeoutMs: 100, probeLimit: 1, successThreshold: 5 }, { system, clock });
    const svc = system.spawn<{ replyTo: ActorRef<string> }>(() => (m) => m.replyTo.tell('ok'), { name: 'svc', gate: breaker });
    breaker.recordFailure();
    await assert.rejects(svc.ask<string>((replyTo) => ({ replyTo }), { timeoutMs: 5000 }), (e: unknown) => e instanceof CircuitOpenError && e.breaker === '/user/svc' && e.state === 'open');
    clock.advance(100);
    assert.equal(await svc.ask<string>((replyTo) => ({ replyTo })), 'ok', 'one probe passes');
    await assert.rejects(svc.ask<string>((replyTo) => ({ replyTo })), /is half-open/);
  });

  it('refuses bad options naming the breaker and the value', () => {
    assert.throws(() => new CircuitBreaker('c1', { windowMs: -5 }), /breaker 'c1'\.windowMs must be a positive number of milliseconds \(got -5\)/);
    assert.throws(() => new CircuitBreaker('c1', { successThreshold: 0 }), /successThreshold must be an integer >= 1 \(got 0\)/);
  });
});

describe('breaker hierarchy (MESH-30K 6.2)', () => {
  it('a cluster opens after >5 failures; its agents are refused while other clusters work', async () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const breakers = new BreakerHierarchy(system, { clock });
    const handled: string[] = [];
    const agent = () => (m: string) => {
      if (m === 'fail') throw new Error('agent down');
      handled.push(m);
    };
    const sector = system.spawn<string>((ctx) => {
      for (const c of ['c0', 'c1']) {
        ctx.spawn<string>((lead) => {
          for (let i = 0; i < 3; i++) lead.spawn(agent, { name: `a${i}` });
          return () => {};
        }, { name: c, gate: breakers.cluster(`/user/s0/${c}`, '/user/s0') });
      }
      return () => {};
    }, { name: 's0', gate: breakers.sector('/user/s0') });
    await settle();
    assert.ok(sector);
    const a = (c: string, i: number) => system.lookup(`/user/s0/${c}/a${i}`)!;
    for (let n = 0; n < 6; n++) {
      a('c0', n % 3).tell('fail');
      await settle();
    }
    assert.equal(breakers.cluster('/user/s0/c0', '/user/s0').state, 'open');
    assert.equal(breakers.sector('/user/s0').state, 'closed');
    a('c0', 0).tell('to-open-cluster');
    a('c1', 0).tell('to-healthy-cluster');
    await settle();
    assert.deepEqual(handled, ['to-healthy-cluster']);
    assert.equal(breakers.isRoutable('/user/s0/c0/a0'), false);
    assert.equal(breakers.isRoutable('/user/s0/c1/a0'), true);
    breakers.dispose();
  });

  it('a sector opens after >50 failures, and the global breaker while >10 sectors are open', () => {
    const clock = new ManualClock();
    const system = quietSystem();
    const events = recordEvents(system);
    const breakers = new BreakerHierarchy(system, { clock, cluster: { maxFailures: 1000 } });
    for (let s = 0; s < 12; s++) breakers.cluster(`/user/o/s${s}/c0`, `/user/o/s${s}`);
    const fail = (path: string) => system.publish({ type: 'actor-failed', timestamp: 0, path, error: new Error('x'), messageType: 'x' });
    for (let i = 0; i < 51; i++) fail('/user/o/s0/c0/a1');
    assert.equal(breakers.sector('/user/o/s0').state, 'open');
    for (let s = 1; s <= 9; s++) for (let i = 0; i < 51; i++) fail(`/user/o/s${s}/c0/a1`);
    assert.equal(breakers.openCount('sector'), 10);
    assert.equal(breakers.global.state, 'closed', '10 open sectors are tolerated');
    for (let i = 0; i < 51; i++) fail('/user/o/s10/c0/a1');
    assert.equal(breakers.global.state, 'open', 'the 11th opens the global breaker');
    assert.equal(breakers.isRoutable('/user/o/s11/c0/a1'), false, 'global open: nothing is routable');
    assert.ok(changes(events).includes('global closed->open'));
    breakers.sector('/user/o/s0').reset();
    assert.equal(breakers.global.state, 'closed', 'back to 10 open sectors');
    breakers.dispose();
  });
});

describe('degradation modes (MESH-30K 6.3)', () => {
  it('maps the active rate to FULL >=95%, LIGHT >=80%, MODERATE >=60%, SEVERE >=30%, EMERGENCY below', () => {
    const cases: Array<[number, string]> = [[1, 'FULL'], [0.95, 'FULL'], [0.9499, 'DEGRADED_LIGHT'], [0.8, 'DEGRADED_LIGHT'], [0.79, 'DEGRADED_MODERATE'], [0.6, 'DEGRADED_MODERATE'], [0.59, 'DEGRADED_SEVERE'], [0.3, 'DEGRADED_SEVERE'], [0.29, 'EMERGENCY'], [0, 'EMERGENCY']];
    for (const [rate, mode] of cases) assert.equal(degradationMode(rate), mode, `rate ${rate}`);
    assert.throws(() => degradationMode(1.5), /active rate must be between 0 and 1 \(got 1.5\)/);
  });

  it('the monitor is queryable and publishes each change of mode', () => {
    const system = quietSystem();
    const events = recordEvents(system);
    let active = 100;
    const monitor = new DegradationMonitor(system, () => ({ active, total: 100 }));
    assert.equal(monitor.sample(), 'FULL');
    active = 70;
    assert.equal(monitor.sample(), 'DEGRADED_MODERATE');
    active = 71;
    monitor.sample();
    active = 10;
    monitor.sample();
    assert.equal(monitor.mode, 'EMERGENCY');
    assert.equal(monitor.activeRate, 0.1);
    const modes = events.filter((e) => e.type === 'degradation-changed').map((e) => (e as unknown as { to: string }).to);
    assert.deepEqual(modes, ['DEGRADED_MODERATE', 'EMERGENCY']);
  });
});
