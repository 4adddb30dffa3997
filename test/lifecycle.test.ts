import assert from 'node:assert/strict';
import { Actor, ActorSystem, Behaviors, SpawnRefusedError, UnknownActorTypeError } from '../src/index.js';
import type { ActorRef, Receive } from '../src/index.js';
import { deferred, eventually, quietSystem, settle, sleep, terminateAll } from './support/helpers.js';

afterEach(terminateAll);

describe('life cycle', () => {
  it('terminate() stops every actor children-first, runs every postStop, and resolves only then', async () => {
    const system = quietSystem();
    const order: string[] = [];
    const node = (depth: number): ((ctx: any) => any) => (ctx) => {
      if (depth < 3) for (let i = 0; i < 3; i++) ctx.spawn(node(depth + 1), { name: `n${i}` });
      return { receive: () => {}, postStop: () => void order.push(ctx.path) };
    };
    system.spawn(node(0), { name: 'root' });
    await settle();
    const total = 1 + 3 + 9 + 27;
    assert.equal(system.actorTotal, total + 3);
    await system.terminate();
    assert.equal(order.length, total, 'every postStop ran before terminate resolved');
    for (const path of order) {
      const parentIndex = order.indexOf(path.slice(0, path.lastIndexOf('/')));
      if (parentIndex >= 0) assert.ok(order.indexOf(path) < parentIndex, `${path} stopped before its parent`);
    }
    assert.equal(order.at(-1), '/user/root');
    assert.equal(system.actorTotal, 0);
  });

  it('terminate() waits for an async postStop', async () => {
    const system = quietSystem();
    let cleaned = false;
    system.spawn(() => ({
      receive: () => {},
      postStop: async () => {
        await sleep(20);
        cleaned = true;
      },
    }));
    await system.terminate();
    assert.equal(cleaned, true);
  });

  it('an async handler finishes before the next message starts (no interleaving)', async () => {
    const system = quietSystem();
    const trace: string[] = [];
    const ref = system.spawn<number>(() => async (n) => {
      trace.push(`start ${n}`);
      await sleep(n === 1 ? 15 : 1);
      trace.push(`end ${n}`);
    });
    ref.tell(1);
    ref.tell(2);
    ref.tell(3);
    await eventually(() => trace.length === 6, 'three handlers');
    assert.deepEqual(trace, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('stop while an async handler is pending stops at once and ignores its late result', async () => {
    const system = quietSystem();
    const done = deferred();
    const ref = system.spawn<string>(() => async () => {
      await done.promise;
    });
    ref.tell('hang');
    await settle();
    system.stop(ref);
    await eventually(() => system.lookup(ref.path) === undefined, 'stopped while awaiting');
    done.resolve();
    await settle();
  });

  it('function behaviours switch handlers by returning the next one (become)', async () => {
    const system = quietSystem();
    const seen: string[] = [];
    const off: Receive<string> = (m) => {
      seen.push(`off:${m}`);
      return m === 'toggle' ? on : undefined;
    };
    const on: Receive<string> = (m) => {
      seen.push(`on:${m}`);
      return m === 'toggle' ? off : undefined;
    };
    const ref = system.spawn(() => off);
    for (const m of ['a', 'toggle', 'b', 'toggle', 'c']) ref.tell(m);
    await settle();
    assert.deepEqual(seen, ['off:a', 'off:toggle', 'on:b', 'on:toggle', 'off:c']);
  });

  it('class actors see their context from the constructor on and get props', async () => {
    const system = quietSystem();
    class Greeter extends Actor<{ replyTo: ActorRef<string> }, { greeting: string }> {
      private readonly pathAtBirth = this.context.path;
      constructor(private readonly props: { greeting: string }) {
        super(props);
      }
      receive(m: { replyTo: ActorRef<string> }): void {
        m.replyTo.tell(`${this.props.greeting} from ${this.pathAtBirth}`);
      }
    }
    const ref = system.spawn(Greeter, { name: 'greeter', props: { greeting: 'hello' } });
    assert.equal(await ref.ask<string>((replyTo) => ({ replyTo })), 'hello from /user/greeter');
    assert.throws(() => new (Greeter as any)({ greeting: 'x' }), /created by the runtime/);
  });

  it('spawns registered actor types by name, with their default options', async () => {
    const system = quietSystem();
    system.registerType('echo', Behaviors.receive<{ text: string; replyTo: ActorRef<string> }>((m) => m.replyTo.tell(m.text)), { name: 'default-echo' });
    const ref = system.spawn<{ text: string; replyTo: ActorRef<string> }>('echo');
    assert.equal(ref.path, '/user/default-echo');
    assert.equal(await ref.ask<string>((replyTo) => ({ text: 'x', replyTo })), 'x');
    assert.throws(() => system.spawn('nope'), (e: unknown) => e instanceof UnknownActorTypeError && /unknown actor type 'nope' \(registered: echo\)/.test(e.message));
    assert.throws(() => system.registerType('echo', () => () => {}), /already registered/);
  });

  it('refuses spawns once the system is terminated', async () => {
    const system = quietSystem();
    await system.terminate();
    assert.throws(() => system.spawn(() => () => {}), SpawnRefusedError);
  });

  it('refuses bad system options before starting, naming option and value', () => {
    assert.throws(() => ActorSystem.create({ throughput: 0 }), /options\.throughput must be a positive integer \(got 0\)/);
    assert.throws(() => ActorSystem.create({ name: 'bad name' }), /options\.name must be letters/);
    assert.throws(() => ActorSystem.create({ thruput: 5 } as never), /options\.thruput is not an ActorSystem option/);
    assert.throws(() => ActorSystem.create({ logLevel: 'loud' as never }), /options\.logLevel must be one of/);
  });

  it('logs through a pino child logger bound to the actor path', async () => {
    const lines: string[] = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const system = quietSystem({ logger });
    system.spawn<string>((ctx) => (m) => ctx.log.info({ m }, 'got'), { name: 'talker' }).tell('hi');
    await settle();
    const record = JSON.parse(lines.find((l) => l.includes('"got"'))!);
    assert.equal(record.actor, '/user/talker');
    assert.equal(record.m, 'hi');
  });
});

describe('context extras', () => {
  afterEach(terminateAll);

  it('forward keeps an ask: the asker hears at once when the next actor fails on it', async () => {
    const system = quietSystem();
    const back = system.spawn<{ replyTo: ActorRef<string> }>(() => () => {
      throw new Error('back end down');
    });
    const front = system.spawn<{ replyTo: ActorRef<string> }>((ctx) => () => ctx.forward(back));
    const started = Date.now();
    await assert.rejects(front.ask<string>((replyTo) => ({ replyTo }), { timeoutMs: 5000 }), { name: 'AskFailedError' });
    assert.ok(Date.now() - started < 1000);
  });

  it('ctx.signal aborts when the incarnation ends (restart), and the new one gets a fresh signal', async () => {
    const system = quietSystem();
    const signals: AbortSignal[] = [];
    const ref = system.spawn<string>((ctx) => {
      signals.push(ctx.signal);
      return (m) => {
        if (m === 'fail') throw new Error('x');
      };
    });
    ref.tell('fail');
    await eventually(() => signals.length === 2, 'restart');
    assert.equal(signals[0]!.aborted, true);
    assert.equal(signals[1]!.aborted, false);
    await system.stop(ref);
    assert.equal(signals[1]!.aborted, true);
  });

  it('ctx.restartCount counts restarts; system.stop resolves after postStop ran', async () => {
    const system = quietSystem();
    const counts: number[] = [];
    let stopped = false;
    const ref = system.spawn<string>((ctx) => {
      counts.push(ctx.restartCount);
      return {
        receive: (m) => {
          if (m === 'fail') throw new Error('x');
        },
        postStop: async () => {
          await sleep(10);
          stopped = true;
        },
      };
    });
    ref.tell('fail');
    ref.tell('fail');
    await eventually(() => counts.length === 3, 'two restarts');
    assert.deepEqual(counts, [0, 1, 2]);
    await system.stop(ref);
    assert.equal(stopped, true);
  });

  it('ctx.child finds a live child by name', async () => {
    const system = quietSystem();
    let found: ActorRef<string> | undefined;
    system.spawn<string>((ctx) => {
      ctx.spawn<string>(() => () => {}, { name: 'kid' });
      found = ctx.child<string>('kid');
      return () => {};
    });
    assert.equal(found?.path, '/user/$0/kid');
  });
});
