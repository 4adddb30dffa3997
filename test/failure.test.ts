import assert from 'node:assert/strict';
import { Actor, ActorInitializationError, oneForOneStrategy } from '../src/index.js';
import type { ActorRef, DeadLetterEvent, RuntimeEvent } from '../src/index.js';
import { deferred, eventually, quietSystem, recordEvents, settle, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

type Cmd = { type: 'add'; n: number } | { type: 'fail' } | { type: 'get'; replyTo: ActorRef<number[]> };

/** Records what it sees; state (`seen`) is per incarnation. */
const recorder = (log: string[]) => () => {
  const seen: number[] = [];
  log.push('setup');
  return (m: Cmd) => {
    if (m.type === 'add') seen.push(m.n);
    else if (m.type === 'fail') throw new Error('planned failure');
    else m.replyTo.tell([...seen]);
  };
};

const ofType = <T extends RuntimeEvent['type']>(events: RuntimeEvent[], type: T) => events.filter((e) => e.type === type);

describe('failure and restart (kernel default: restart the failed child)', () => {
  it('a restart keeps the mailbox: only the failing message is lost, as a dead letter with the error', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const log: string[] = [];
    const ref = system.spawn(recorder(log), { name: 'r' });
    ref.tell({ type: 'add', n: 1 });
    ref.tell({ type: 'fail' });
    for (let n = 2; n <= 50; n++) ref.tell({ type: 'add', n }); // queued behind the failure
    const seen = await ref.ask<number[]>((replyTo) => ({ type: 'get', replyTo }));
    assert.deepEqual(seen, Array.from({ length: 49 }, (_, i) => i + 2), 'new incarnation handled every queued message');
    assert.deepEqual(log, ['setup', 'setup']);
    const dead = ofType(events, 'dead-letter') as DeadLetterEvent[];
    assert.equal(dead.length, 1);
    assert.deepEqual(dead[0]!.message, { type: 'fail' });
    assert.equal(dead[0]!.reason, 'actor-failed');
    assert.equal((dead[0]!.error as Error).message, 'planned failure');
    assert.equal(ofType(events, 'actor-restarted').length, 1);
    assert.equal(ofType(events, 'actor-failed').length, 1);
  });

  it('a rejected promise in an async handler is a failure like a throw', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const ref = system.spawn<string>(() => async (m) => {
      await Promise.resolve();
      if (m === 'bad') throw new Error('async failure');
    });
    ref.tell('bad');
    await eventually(() => ofType(events, 'actor-restarted').length === 1, 'restart after async failure');
  });

  it('resume keeps the state and skips only the failed message', async () => {
    const system = quietSystem();
    const parent = system.spawn<string>((ctx) => {
      const child = ctx.spawn(recorder([]), { name: 'child' });
      return (m) => {
        if (m === 'go') {
          child.tell({ type: 'add', n: 1 });
          child.tell({ type: 'fail' });
          child.tell({ type: 'add', n: 2 });
        }
      };
    }, { supervision: oneForOneStrategy(() => 'resume') });
    parent.tell('go');
    await settle();
    const child = system.lookup('/user/$0/child') as ActorRef<Cmd>;
    assert.deepEqual(await child.ask<number[]>((replyTo) => ({ type: 'get', replyTo })), [1, 2]);
  });

  it('stop directive stops the child; its queued messages become dead letters', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const parent = system.spawn<string>((ctx) => {
      const child = ctx.spawn(recorder([]), { name: 'child' });
      return () => {
        child.tell({ type: 'fail' });
        child.tell({ type: 'add', n: 1 });
      };
    }, { name: 'p', supervision: oneForOneStrategy(() => 'stop') });
    parent.tell('go');
    await eventually(() => system.lookup('/user/p/child') === undefined, 'child stopped');
    const dead = ofType(events, 'dead-letter') as DeadLetterEvent[];
    assert.deepEqual(dead.map((e) => e.reason), ['actor-failed', 'recipient-stopped']);
    const decision = ofType(events, 'supervisor-decision')[0] as { directive: string; child: string; path: string };
    assert.equal(decision.directive, 'stop');
    assert.equal(decision.child, '/user/p/child');
    assert.equal(decision.path, '/user/p');
  });

  it('escalate fails the supervisor, whose own parent restarts it (and with it the child)', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const setups: string[] = [];
    const parent = system.spawn<string>((ctx) => {
      setups.push('parent');
      const child = ctx.spawn(recorder(setups), { name: 'child' });
      return (m) => {
        if (m === 'go') child.tell({ type: 'fail' });
      };
    }, { name: 'p', supervision: oneForOneStrategy(() => 'escalate') });
    parent.tell('go');
    await eventually(() => ofType(events, 'actor-restarted').length === 1, 'parent restarted');
    const restarted = ofType(events, 'actor-restarted')[0]!;
    assert.equal(restarted.path, '/user/p');
    assert.deepEqual(setups, ['parent', 'setup', 'parent', 'setup']);
    assert.ok(system.lookup('/user/p/child'));
  });

  it('an actor that throws in setup is stopped (ActorInitializationError), not restarted forever', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    let attempts = 0;
    const ref = system.spawn(() => {
      attempts++;
      throw new Error('cannot start');
    }, { name: 'broken' });
    await eventually(() => ofType(events, 'actor-stopped').some((e) => e.path === ref.path), 'broken actor stopped');
    assert.equal(attempts, 1);
    const failed = ofType(events, 'actor-failed')[0] as { error: unknown };
    assert.ok(failed.error instanceof ActorInitializationError);
    assert.equal(((failed.error as Error).cause as Error).message, 'cannot start');
  });

  it('a failure escalated to the root terminates the system with the reason on events$', async () => {
    const system = quietSystem({ guardianSupervision: oneForOneStrategy(() => 'escalate') });
    const events = recordEvents(system);
    const ref = system.spawn<string>(() => () => {
      throw new Error('fatal');
    }, { name: 'top' });
    ref.tell('x');
    await system.whenTerminated;
    const terminating = ofType(events, 'system-terminating') as Array<{ reason: string; error: unknown }>;
    assert.equal(terminating.length, 1);
    assert.match(terminating[0]!.reason, /escalated to the root guardian from '\/user': fatal/);
  });

  it('class actors: preRestart on the old instance, postRestart on the new, state is fresh', async () => {
    const system = quietSystem();
    const calls: string[] = [];
    let instances = 0;
    class Worker extends Actor<Cmd> {
      private readonly id = ++instances;
      private readonly seen: number[] = [];
      override preStart(): void {
        calls.push(`preStart#${this.id}`);
      }
      override postStop(): void {
        calls.push(`postStop#${this.id}`);
      }
      override preRestart(error: unknown, message: unknown): void {
        calls.push(`preRestart#${this.id}:${(error as Error).message}:${(message as Cmd).type}`);
        super.preRestart(error, message);
      }
      override postRestart(error: unknown): void {
        calls.push(`postRestart#${this.id}`);
        super.postRestart(error);
      }
      receive(m: Cmd): void {
        if (m.type === 'add') this.seen.push(m.n);
        else if (m.type === 'fail') throw new Error('x');
        else m.replyTo.tell(this.seen);
      }
    }
    const ref = system.spawn(Worker);
    ref.tell({ type: 'add', n: 1 });
    ref.tell({ type: 'fail' });
    ref.tell({ type: 'add', n: 2 });
    assert.deepEqual(await ref.ask<number[]>((replyTo) => ({ type: 'get', replyTo })), [2]);
    assert.deepEqual(calls, ['preStart#1', 'preRestart#1:x:fail', 'postStop#1', 'postRestart#2', 'preStart#2']);
  });

  it('a restart stops the old children before the new incarnation makes its own', async () => {
    const system = quietSystem();
    const stops: string[] = [];
    const parent = system.spawn<string>((ctx) => {
      ctx.spawn(() => ({ receive: () => {}, postStop: () => void stops.push('child') }), { name: 'child' });
      return (m) => {
        if (m === 'fail') throw new Error('parent fails');
      };
    }, { name: 'p' });
    const done = deferred();
    system.events$.subscribe((e) => e.type === 'actor-restarted' && done.resolve());
    parent.tell('fail');
    await done.promise;
    assert.deepEqual(stops, ['child']);
    assert.ok(system.lookup('/user/p/child'), 'the new incarnation spawned its child under the same name');
  });
});
