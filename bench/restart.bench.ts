/**
 * restart: what a crash costs. Two tables.
 *
 * (a) restart latency and rate. A child's handler throws on CRASH; its supervisor restarts
 *     it (state made anew); the next message, WORK, is handled by the new incarnation.
 *     Every implementation throws the same preallocated Error, so V8's stack capture (the
 *     same for all) is not what is measured.
 *     latency   one actor, sequential: the WORK handler records now() - t0, where t0 was
 *               taken just before CRASH and WORK were sent; then it sends the next pair to
 *               itself. p50/p99 over N_SEQ restarts; "seq rate" = N_SEQ / total time.
 *     rate      N_ACTORS actors each sent K pairs (CRASH, WORK) at once; "restarts/s" =
 *               N_ACTORS x K / time until the last WORK is handled.
 *
 *   actormesh  a parent with oneForOne({ maxRestarts: 1e9, withinMs: 1 }) from supervisors/
 *              (no backoff); function behaviours; for the rate, all N_ACTORS under one
 *              parent. Extra rows: the same with parents of GROUP children (the MESH-30K
 *              shape: the kernel builds the list of all the supervisor's children for every
 *              failure, so a parent of 1,000 pays for it), and the kernel's default strategy
 *              (restart, no intensity bookkeeping) to show what the strategy adds.
 *              Note: through tsx (as `npm run bench` runs) esbuild's keepNames wraps every
 *              closure made at run time in a `__name` defineProperty call; a restart makes
 *              several (setup, handler, the supervision control), so it costs about 2.5x
 *              more than in the tsc build (measured: 10.2 us vs 4.1 us per sequential restart).
 *   nact       spawn(parent, f, name, { initialState, onCrash: (msg, err, ctx) => ctx.reset });
 *              reset re-creates the state and resumes with the next message. nact handles
 *              each message in its own setImmediate, and decides asynchronously.
 *   floor      plain objects with array mailboxes; a loop calls the handler in try/catch and
 *              re-creates the state on a throw, then goes on with the next message.
 *
 * (b) breaker fast-fail: an actor behind an open CircuitBreaker (supervisors/); time per
 *     refused message: tell (a dead letter), tell while events$ is observed (a dead-letter
 *     event is published, as under BreakerHierarchy, which always listens), and ask (the
 *     promise rejected with CircuitOpenError, awaited). floor: a plain state check and a
 *     counter. CircuitBreaker.refuse makes a new CircuitOpenError for every refused message,
 *     tells included; the "what-if: no stack" row runs the tell with Error.stackTraceLimit 0
 *     to show what that Error's stack capture costs.
 *
 * Targets: actormesh >= 2x nact's restarts/s; actormesh p99 latency <= 2x the floor's;
 * a refusal by an open breaker < 5 us.
 * Run alone: npm run bench -- restart
 */
import { ActorSystem, defaultStrategy } from '../src/index.js';
import type { ActorRef, SupervisorStrategy } from '../src/index.js';
import { CircuitBreaker } from '../supervisors/circuit-breaker.js';
import { oneForOne } from '../supervisors/strategies.js';
import { block, deferred, findRow, fmt, now, pushRow, ratio, runIfMain, scenario, settle } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';
import { loadNact } from './peers.js';
import type { NactContext, NactRef } from './peers.js';

const N_SEQ = 20_000;
const N_ACTORS = 1000;
const K = 20;
const ROUNDS = 5;
const PEER_ROUNDS = 3;
const GROUP = 25;
const N_TELL = 200_000;
const N_ASK = 50_000;
const BREAKER_ROUNDS = 3;

const CRASH = 0;
const WORK = 1;
type Msg = typeof CRASH | typeof WORK;
/** Thrown by every implementation: one object, so stack capture is not measured. */
const CRASHED = new Error('crash');

const metrics: Metric[] = [
  { key: 'p50', label: 'p50 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'p99', label: 'p99 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'seq', label: 'seq rate', format: fmt.rate, ratio: true, normalized: true },
  { key: 'rate', label: 'restarts/s', format: fmt.rate, ratio: true, normalized: true },
];

const breakerMetrics: Metric[] = [
  { key: 'us', label: 'us per refusal', format: fmt.us, ratio: true, normalized: true },
  { key: 'rate', label: 'refusals/s', format: fmt.rate },
];

function percentiles(samples: Float64Array): { p50: number; p99: number } {
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50) * 1000, p99: at(99) * 1000 };
}

/** The state an incarnation starts with (what a restart re-creates). */
const freshState = (): { handled: number } => ({ handled: 0 });

// ------------------------------------------------------------------ actormesh

async function meshSequential(system: ActorSystem, supervision: SupervisorStrategy): Promise<Figures> {
  const samples = new Float64Array(N_SEQ);
  const done = deferred();
  let i = 0;
  let t0 = 0;
  const parent = system.spawn(
    (ctx) => {
      ctx.spawn<Msg>(
        (child) => {
          const state = freshState();
          return (m) => {
            if (m === CRASH) throw CRASHED;
            state.handled++;
            samples[i++] = now() - t0;
            if (i === N_SEQ) return done.resolve();
            t0 = now();
            child.self.tell(CRASH);
            child.self.tell(WORK);
          };
        },
        { name: 'child' },
      );
      return () => undefined;
    },
    { supervision },
  );
  const child = system.lookup(`${parent.path}/child`) as ActorRef<Msg>;
  const start = now();
  t0 = now();
  child.tell(CRASH);
  child.tell(WORK);
  await done.promise;
  const ms = now() - start;
  await system.stop(parent);
  return { ...percentiles(samples), seq: (N_SEQ / ms) * 1000 };
}

/** N_ACTORS children under parents of `perParent` each (N_ACTORS: all under one parent, as nact's are). */
async function meshParallel(system: ActorSystem, supervision: () => SupervisorStrategy, perParent: number): Promise<number> {
  const done = deferred();
  let handled = 0;
  const total = N_ACTORS * K;
  const parents: ActorRef<unknown>[] = [];
  const children: ActorRef<Msg>[] = [];
  for (let first = 0; first < N_ACTORS; first += perParent) {
    const count = Math.min(perParent, N_ACTORS - first);
    const parent = system.spawn(
      (ctx) => {
        for (let a = 0; a < count; a++) {
          ctx.spawn<Msg>(
            () => {
              const state = freshState();
              return (m) => {
                if (m === CRASH) throw CRASHED;
                state.handled++;
                if (++handled === total) done.resolve();
              };
            },
            { name: `c${a}` },
          );
        }
        return () => undefined;
      },
      { supervision: supervision() },
    );
    parents.push(parent);
    for (let a = 0; a < count; a++) children.push(system.lookup(`${parent.path}/c${a}`) as ActorRef<Msg>);
  }
  await settle();
  const start = now();
  for (let k = 0; k < K; k++) {
    for (const child of children) {
      child.tell(CRASH);
      child.tell(WORK);
    }
  }
  await done.promise;
  const ms = now() - start;
  await Promise.all(parents.map((parent) => system.stop(parent)));
  return (total / ms) * 1000;
}

async function meshRound(supervision: () => SupervisorStrategy, perParent = N_ACTORS): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    const seq = await meshSequential(system, supervision());
    const rate = await meshParallel(system, supervision, perParent);
    return { ...seq, rate };
  } finally {
    await system.terminate();
  }
}

// ------------------------------------------------------------------ nact

type NactSpawn = <S, M>(
  parent: NactRef,
  f: (state: S, msg: M, ctx: NactContext) => S,
  name: string,
  properties: { initialState?: S; onCrash: (msg: M, error: unknown, ctx: NactContext & { reset: symbol }) => symbol },
) => NactRef;

async function nactRound(): Promise<Figures> {
  const nact = loadNact();
  const spawn = nact.spawn as unknown as NactSpawn;
  const onCrash = (_msg: Msg, _error: unknown, ctx: { reset: symbol }): symbol => ctx.reset;
  const system = nact.start();
  try {
    // sequential
    const samples = new Float64Array(N_SEQ);
    const seqDone = deferred();
    let i = 0;
    let t0 = 0;
    const child = spawn<{ handled: number }, Msg>(
      system,
      (state, m, ctx) => {
        if (m === CRASH) throw CRASHED;
        state.handled++;
        samples[i++] = now() - t0;
        if (i === N_SEQ) seqDone.resolve();
        else {
          t0 = now();
          nact.dispatch(ctx.self, CRASH);
          nact.dispatch(ctx.self, WORK);
        }
        return state;
      },
      'child',
      { initialState: freshState(), onCrash },
    );
    const start = now();
    t0 = now();
    nact.dispatch(child, CRASH);
    nact.dispatch(child, WORK);
    await seqDone.promise;
    const seqMs = now() - start;
    nact.stop(child);
    // parallel
    const total = N_ACTORS * K;
    let handled = 0;
    const parDone = deferred();
    const actors = Array.from({ length: N_ACTORS }, (_, a) =>
      spawn<{ handled: number }, Msg>(
        system,
        (state, m) => {
          if (m === CRASH) throw CRASHED;
          state.handled++;
          if (++handled === total) parDone.resolve();
          return state;
        },
        `c${a}`,
        { initialState: freshState(), onCrash },
      ),
    );
    await settle();
    const parStart = now();
    for (let k = 0; k < K; k++) {
      for (const actor of actors) {
        nact.dispatch(actor, CRASH);
        nact.dispatch(actor, WORK);
      }
    }
    await parDone.promise;
    const parMs = now() - parStart;
    for (const actor of actors) nact.stop(actor);
    return { ...percentiles(samples), seq: (N_SEQ / seqMs) * 1000, rate: (total / parMs) * 1000 };
  } finally {
    nact.stop(system);
  }
}

// ------------------------------------------------------------------ floor

class FloorActor {
  state = freshState();
  readonly mailbox: Msg[] = [];

  constructor(private readonly onWork: () => void) {}

  handle(m: Msg): void {
    if (m === CRASH) throw CRASHED;
    this.state.handled++;
    this.onWork();
  }

  /** Handles everything queued; a throw re-creates the state and the loop goes on. */
  drain(): void {
    const box = this.mailbox;
    while (box.length > 0) {
      const m = box.shift()!;
      try {
        this.handle(m);
      } catch {
        this.state = freshState();
      }
    }
  }
}

async function floorRound(): Promise<Figures> {
  const samples = new Float64Array(N_SEQ);
  let i = 0;
  let t0 = 0;
  const one = new FloorActor(() => (samples[i++] = now() - t0));
  const start = now();
  for (let n = 0; n < N_SEQ; n++) {
    t0 = now();
    one.mailbox.push(CRASH, WORK);
    one.drain();
  }
  const seqMs = now() - start;
  let handled = 0;
  const actors = Array.from({ length: N_ACTORS }, () => new FloorActor(() => void handled++));
  const parStart = now();
  for (let k = 0; k < K; k++) for (const actor of actors) actor.mailbox.push(CRASH, WORK);
  for (const actor of actors) actor.drain();
  const parMs = now() - parStart;
  if (handled !== N_ACTORS * K) throw new Error(`floor handled ${handled}`);
  return { ...percentiles(samples), seq: (N_SEQ / seqMs) * 1000, rate: ((N_ACTORS * K) / parMs) * 1000 };
}

// ------------------------------------------------------------------ breaker fast-fail

async function breakerTell(observed: boolean, noStacks = false): Promise<Figures> {
  const limit = Error.stackTraceLimit;
  if (noStacks) Error.stackTraceLimit = 0;
  try {
    return await breakerTellRound(observed);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

async function breakerTellRound(observed: boolean): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  const subscription = observed ? system.events$.subscribe(() => undefined) : null;
  const breaker = new CircuitBreaker('/user/fenced', { maxFailures: 0, windowMs: 1000, resetTimeoutMs: 3_600_000 });
  const ref = system.spawn<number>(() => () => undefined, { name: 'fenced', gate: breaker });
  breaker.trip();
  const before = system.deadLetterCount;
  const start = now();
  for (let n = 0; n < N_TELL; n++) ref.tell(n);
  const ms = now() - start;
  if (system.deadLetterCount - before !== N_TELL) throw new Error('not every tell was refused');
  subscription?.unsubscribe();
  breaker.dispose();
  await system.terminate();
  return { us: (ms * 1000) / N_TELL, rate: (N_TELL / ms) * 1000 };
}

async function breakerAsk(): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  const breaker = new CircuitBreaker('/user/fenced', { maxFailures: 0, windowMs: 1000, resetTimeoutMs: 3_600_000 });
  const ref = system.spawn<{ replyTo: ActorRef<number> }>(() => (m) => m.replyTo.tell(1), { name: 'fenced', gate: breaker });
  breaker.trip();
  let refused = 0;
  const count = (): void => void refused++;
  const start = now();
  const asks: Promise<unknown>[] = new Array(N_ASK);
  for (let n = 0; n < N_ASK; n++) asks[n] = ref.ask<number>((replyTo) => ({ replyTo }), { timeoutMs: 10_000 }).catch(count);
  await Promise.all(asks);
  const ms = now() - start;
  if (refused !== N_ASK) throw new Error(`${N_ASK - refused} asks were not refused`);
  breaker.dispose();
  await system.terminate();
  return { us: (ms * 1000) / N_ASK, rate: (N_ASK / ms) * 1000 };
}

async function breakerFloor(): Promise<Figures> {
  const gate = { state: 'open' as string };
  let dead = 0;
  const tell = (m: number): void => {
    if (gate.state !== 'closed') dead += m >= 0 ? 1 : 0;
  };
  const start = now();
  for (let n = 0; n < N_TELL; n++) tell(n);
  const ms = now() - start;
  if (dead !== N_TELL) throw new Error('floor');
  return { us: (ms * 1000) / N_TELL, rate: (N_TELL / ms) * 1000 };
}

// ------------------------------------------------------------------ scenario

export async function runRestart(): Promise<ScenarioResult[]> {
  const intensity = (): SupervisorStrategy => oneForOne({ maxRestarts: 1_000_000_000, withinMs: 1 });
  const restart = await scenario(
    {
      id: 'restart',
      title: 'restart: crash to next handled message, and restarts per second',
      description: `latency: ${fmt.size(N_SEQ)} sequential restarts of one actor; rate: ${fmt.size(N_ACTORS)} actors x ${K} crashes each, all sent at once; median of ${ROUNDS} rounds after 1 warm-up (nact ${PEER_ROUNDS})`,
      metrics,
    },
    async (rows) => {
      pushRow(rows, 'floor', N_SEQ, await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, floorRound));
      pushRow(rows, 'actormesh', N_SEQ, await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000 }, () => meshRound(intensity)), 'oneForOne (supervisors/), no backoff');
      pushRow(
        rows,
        `actormesh, parents of ${GROUP}`,
        N_SEQ,
        await block({ label: `actormesh, parents of ${GROUP}`, rounds: ROUNDS, timeoutMs: 60_000 }, () => meshRound(intensity, GROUP)),
        `rate: ${N_ACTORS / GROUP} parents x ${GROUP} children (MESH-30K clusters have 30)`,
        true,
      );
      pushRow(
        rows,
        'actormesh (kernel default)',
        N_SEQ,
        await block({ label: 'actormesh (kernel default)', rounds: ROUNDS, timeoutMs: 60_000 }, () => meshRound(() => defaultStrategy)),
        'kernel default strategy: no intensity bookkeeping',
        true,
      );
      pushRow(rows, 'nact', N_SEQ, await block({ label: 'nact', rounds: PEER_ROUNDS, timeoutMs: 120_000 }, nactRound), 'onCrash: ctx.reset');
    },
    (rows) => {
      const vsNact = ratio(rows, 'nact', 'rate');
      const vsNactSeq = ratio(rows, 'nact', 'seq');
      const mesh = findRow(rows, 'actormesh')?.figures;
      const floor = findRow(rows, 'floor')?.figures;
      const p99Ratio = ratio(rows, 'floor', 'p99');
      return [
        {
          target: "restarts/s >= 2x nact's",
          met: vsNact === undefined ? null : vsNact >= 2,
          detail: `actormesh ${fmt.rate(mesh?.rate ?? NaN)} = ${fmt.x3(vsNact)} nact (${fmt.rate(findRow(rows, 'nact')?.figures.rate ?? NaN)}); sequential ${fmt.x3(vsNactSeq)} nact`,
        },
        {
          target: "restart latency p99 <= 2x the floor's",
          met: p99Ratio === undefined ? null : p99Ratio <= 2,
          detail: `actormesh p99 ${fmt.us(mesh?.p99 ?? NaN)} us = ${fmt.x3(p99Ratio)} floor (${fmt.us(floor?.p99 ?? NaN)} us); p50 ${fmt.us(mesh?.p50 ?? NaN)} us vs ${fmt.us(floor?.p50 ?? NaN)} us`,
        },
      ];
    },
  );

  const breaker = await scenario(
    {
      id: 'breaker',
      title: 'breaker fast-fail: messages refused by an open CircuitBreaker gate',
      description: `tell: ${fmt.size(N_TELL)} refused tells (dead letters); ask: ${fmt.size(N_ASK)} refused asks, awaited; median of ${BREAKER_ROUNDS} rounds after 1 warm-up`,
      metrics: breakerMetrics,
    },
    async (rows) => {
      const rounds = BREAKER_ROUNDS;
      pushRow(rows, 'floor', N_TELL, await block({ label: 'floor', rounds, timeoutMs: 30_000 }, breakerFloor), 'state check + counter');
      pushRow(rows, 'actormesh', N_TELL, await block({ label: 'actormesh tell', rounds, timeoutMs: 60_000 }, () => breakerTell(false)), 'tell, events$ not observed');
      pushRow(rows, 'actormesh tell, observed', N_TELL, await block({ label: 'actormesh tell observed', rounds, timeoutMs: 60_000 }, () => breakerTell(true)), 'a dead-letter event per refusal', true);
      pushRow(rows, 'actormesh ask', N_ASK, await block({ label: 'actormesh ask', rounds, timeoutMs: 60_000 }, breakerAsk), 'rejected with CircuitOpenError', true);
      pushRow(
        rows,
        'what-if: no stack',
        N_TELL,
        await block({ label: 'actormesh tell, no stack', rounds, timeoutMs: 60_000 }, () => breakerTell(false, true)),
        'tell with Error.stackTraceLimit = 0: the cost of the CircuitOpenError made per refusal',
        true,
      );
    },
    (rows) => {
      const worst = rows.filter((row) => row.impl.startsWith('actormesh')).reduce((max, row) => Math.max(max, row.figures.us ?? Infinity), 0);
      return [
        {
          target: 'a refusal by an open breaker < 5 us',
          met: Number.isFinite(worst) ? worst < 5 : null,
          detail: rows
            .filter((row) => row.impl.startsWith('actormesh'))
            .map((row) => `${row.impl} ${fmt.us(row.figures.us ?? NaN)} us`)
            .join('; '),
        },
      ];
    },
  );
  return [restart, breaker];
}

export default runRestart;
await runIfMain(import.meta.url, runRestart);
