/**
 * fan-out/fan-in: a parent actor with 10,000 children (spawned before timing).
 *   (a) ask: the parent asks every child and gathers all replies with Promise.all;
 *   (b) tell: the parent tells every child, each child replies with a tell to the parent,
 *       which counts to 10,000.
 * A round is one complete fan-out and fan-in, timed from outside: from telling the parent
 * to start until it reports completion. Reports time per round and per child.
 *
 *   actormesh  (a) child.ask(replyTo => ({ replyTo }), { timeoutMs }) from the parent's
 *              async handler; (b) child.tell({ replyTo: ctx.self }), replies counted.
 *              An extra row repeats (a) with captureAskStacks: true (opt-in), to show the
 *              cost of taking a stack per ask.
 *   floor      (a) plain objects with promise-based request/reply: each request carries a
 *              resolve, pushed into the child's array mailbox; a loop drains the mailboxes;
 *              Promise.all gathers. (b) the same objects, replies pushed into the parent's
 *              array mailbox, drained and counted.
 *   nact       (a) query(child, tmp => ({ replyTo: tmp }), timeout) from the parent (a
 *              round now and then fails: see NACT_QUERY_TIMEOUT_MS);
 *              (b) dispatch to each child, each dispatches back to the parent. nact builds
 *              a context with a copy of the children Map for every message an actor
 *              handles, so the parent's 10,000 replies copy 10,000 entries each: (b) is
 *              quadratic (~15 s per round at 10,000) and is run with fewer children.
 *   comedy     (a) Promise.all(children.map(c => c.sendAndReceive('ask')));
 *              (b) c.send('tell'); each child does parent.send('reply').
 *
 * Rounds last milliseconds, so there is no forced full gc before each one (one before each
 * block); BENCH_FANOUT_GC=1 forces one per round, which makes actormesh's ask part about 2x
 * slower: V8 throws away optimized code of the ask path that embedded objects the gc freed
 * (deopt reason "weak objects"), and the round after runs in the interpreter.
 *
 * Target: actormesh <= 2x the floor's time per round (both parts).
 * Run alone: npm run bench -- fanout
 */
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { block, deferred, findRow, fmt, now, pushRow, ratio, runIfMain, scenario, settle } from './harness.js';
import type { BlockResult, Metric, Row, ScenarioResult, Verdict } from './harness.js';
import { abandonComedy, comedySystem, loadNact } from './peers.js';
import type { ComedyActor, ComedySelf, NactRef } from './peers.js';

const CHILDREN = 10_000;
const NACT_TELL_CHILDREN = 1_000;
const ROUNDS = 15;
const WARMUP = 5;
const PEER_ROUNDS = 5;
const ASK_TIMEOUT_MS = 20_000;
/**
 * nact's query timeout. nact gives each query a temporary reference whose id is a random
 * 32-bit integer ((Math.random() * MAX_SAFE_INTEGER) | 0, lib/references.js): with 10,000
 * queries in flight, two share an id in about 1% of rounds, and one of them is never
 * answered. Such a round fails after this timeout and is left out (the row says so).
 */
const NACT_QUERY_TIMEOUT_MS = 5_000;
/** Rounds take milliseconds: no forced full gc before each (see harness.ts, gcEachRound). */
const GC_EACH_ROUND = process.env.BENCH_FANOUT_GC === '1';

const metrics: Metric[] = [
  { key: 'ms', label: 'round ms', format: fmt.ms, ratio: true },
  { key: 'usPerChild', label: 'us/child', format: fmt.us, ratio: true, normalized: true },
];

const figures = (children: number, ms: number) => ({ ms, usPerChild: (ms * 1000) / children });

type Part = 'ask' | 'tell';

/** What the parent is told from outside: run one round of `part`, then call `done`. */
interface Go {
  part: Part;
  done: () => void;
  fail: (error: unknown) => void;
}

interface Results {
  ask: Row[];
  tell: Row[];
}

function push(results: Results, part: Part, impl: string, size: number, result: BlockResult, note?: string, extra?: boolean): void {
  pushRow(results[part], impl, size, result, note, extra);
}

// ------------------------------------------------------------------ floor

interface FloorRequest {
  resolve?: (value: number) => void;
  replyTo?: FloorParent;
}
interface FloorChild {
  mailbox: FloorRequest[];
}
interface FloorParent {
  mailbox: number[];
  children: FloorChild[];
}

function floorChild(): FloorChild {
  return { mailbox: [] };
}

/** Handles one request: answer by promise, or by a push into the parent's mailbox. */
function floorHandle(request: FloorRequest): void {
  if (request.resolve) request.resolve(1);
  else request.replyTo!.mailbox.push(1);
}

function drainChildren(parent: FloorParent): void {
  for (const child of parent.children) {
    const box = child.mailbox;
    for (let i = 0; i < box.length; i++) floorHandle(box[i]!);
    box.length = 0;
  }
}

async function floorAsk(parent: FloorParent): Promise<void> {
  const replies = parent.children.map((child) => new Promise<number>((resolve) => child.mailbox.push({ resolve })));
  drainChildren(parent);
  const values = await Promise.all(replies);
  if (values.length !== parent.children.length) throw new Error('floor ask lost replies');
}

async function floorTell(parent: FloorParent): Promise<void> {
  for (const child of parent.children) child.mailbox.push({ replyTo: parent });
  drainChildren(parent);
  let count = 0;
  const box = parent.mailbox;
  for (let i = 0; i < box.length; i++) count += box[i]!;
  box.length = 0;
  if (count !== parent.children.length) throw new Error(`floor tell counted ${count}`);
}

// ------------------------------------------------------------------ actormesh

interface Request {
  replyTo: ActorRef<number>;
}

function meshParent(system: ActorSystem, children: number): ActorRef<Go | number> {
  return system.spawn<Go | number>(
    (ctx) => {
      const refs: ActorRef<Request>[] = [];
      for (let i = 0; i < children; i++) refs.push(ctx.spawn<Request>(() => (m) => m.replyTo.tell(1), { name: 'c' + i }));
      let count = 0;
      let round: Go | null = null;
      return (m) => {
        if (typeof m === 'number') {
          count += m;
          if (count === children) round!.done();
          return;
        }
        if (m.part === 'ask') {
          return Promise.all(refs.map((ref) => ref.ask<number>((replyTo) => ({ replyTo }), { timeoutMs: ASK_TIMEOUT_MS }))).then((values) => {
            if (values.length === children) m.done();
            else m.fail(new Error('lost replies'));
          }, m.fail);
        }
        count = 0;
        round = m;
        const self = ctx.self as ActorRef<number>;
        for (const ref of refs) ref.tell({ replyTo: self });
        return undefined;
      };
    },
    { name: 'parent' },
  );
}

function roundOf(part: Part, send: (go: Go) => void): Promise<number> {
  const finished = deferred<number>();
  const start = now();
  send({ part, done: () => finished.resolve(now() - start), fail: finished.reject });
  return finished.promise;
}

// ------------------------------------------------------------------ scenario

export async function runFanout(): Promise<ScenarioResult[]> {
  const results: Results = { ask: [], tell: [] };
  const started = now();
  const parts: Part[] = ['ask', 'tell'];

  // floor
  const floorParent: FloorParent = { mailbox: [], children: Array.from({ length: CHILDREN }, floorChild) };
  for (const part of parts) {
    const result = await block({ label: `floor ${part}`, rounds: ROUNDS, warmup: WARMUP, timeoutMs: 30_000, gcEachRound: GC_EACH_ROUND }, async () => {
      const start = now();
      await (part === 'ask' ? floorAsk(floorParent) : floorTell(floorParent));
      return figures(CHILDREN, now() - start);
    });
    push(results, part, 'floor', CHILDREN, result);
  }

  // actormesh: default options, then two variants of the ask path: the opt-in stack capture
  // of asks, and deadlock detection (opt-in) turned on, so its cost shows in every run.
  const variants = [
    { impl: 'actormesh', label: '', options: {}, note: undefined },
    { impl: 'actormesh +captureAskStacks', label: ' (stacks)', options: { captureAskStacks: true }, note: 'variant: captureAskStacks: true (opt-in; a stack taken per ask)' },
    { impl: 'actormesh +deadlockDetection', label: ' (deadlock detection)', options: { deadlockDetection: true }, note: 'variant: deadlockDetection: true (opt-in; what detection costs the asks)' },
  ] as const;
  for (const variant of variants) {
    const system = ActorSystem.create({ logLevel: 'silent', ...variant.options });
    const parent = meshParent(system, CHILDREN);
    await settle();
    for (const part of variant.note === undefined ? parts : (['ask'] as Part[])) {
      const result = await block({ label: `actormesh ${part}${variant.label}`, rounds: ROUNDS, warmup: WARMUP, timeoutMs: 30_000, gcEachRound: GC_EACH_ROUND }, async () =>
        figures(CHILDREN, await roundOf(part, (go) => parent.tell(go))),
      );
      if (variant.note === undefined) push(results, part, variant.impl, CHILDREN, result);
      else push(results, part, variant.impl, CHILDREN, result, variant.note, true);
    }
    await system.terminate();
  }

  // nact
  const nact = loadNact();
  for (const part of parts) {
    const children = part === 'ask' ? CHILDREN : NACT_TELL_CHILDREN;
    const system = nact.start();
    let count = 0;
    let round: Go | null = null;
    const refs: NactRef[] = [];
    const parent = nact.spawnStateless<Go | number | 'init'>(
      system,
      (m, ctx) => {
        if (m === 'init') {
          for (let i = 0; i < children; i++) refs.push(nact.spawnStateless<{ replyTo: NactRef }>(ctx.self, (r) => nact.dispatch(r.replyTo, 1), 'c' + i));
          return;
        }
        if (typeof m === 'number') {
          count += m;
          if (count === children) round!.done();
          return;
        }
        if (m.part === 'ask') {
          return Promise.all(refs.map((ref) => nact.query<number>(ref, (replyTo) => ({ replyTo }), NACT_QUERY_TIMEOUT_MS))).then(() => m.done(), m.fail);
        }
        count = 0;
        round = m;
        for (const ref of refs) nact.dispatch(ref, { replyTo: ctx.self });
        return undefined;
      },
      'parent',
    );
    nact.dispatch(parent, 'init');
    await settle(10);
    const result = await block({ label: `nact ${part}`, rounds: PEER_ROUNDS, timeoutMs: 15_000, gcEachRound: GC_EACH_ROUND }, async () =>
      figures(children, await roundOf(part, (go) => nact.dispatch(parent, go))),
    );
    nact.stop(parent);
    nact.stop(system);
    push(
      results,
      part,
      'nact',
      children,
      result,
      part === 'tell' ? `run with ${fmt.size(children)} children: each message the parent handles copies its children Map (quadratic)` : undefined,
    );
  }

  // comedy
  const comedy = comedySystem();
  const root = await comedy.rootActor();
  const comedyParent = await root.createChild({
    self: null as ComedySelf | null,
    children: [] as ComedyActor[],
    count: 0,
    round: null as Go | null,
    async initialize(self: ComedySelf) {
      this.self = self;
      const made: Promise<ComedyActor>[] = [];
      for (let i = 0; i < CHILDREN; i++) {
        made.push(
          self.createChild({
            parent: null as ComedyActor | null,
            initialize(child: ComedySelf) {
              this.parent = child.getParent();
            },
            ask: () => 1,
            tell() {
              void this.parent!.send('reply', 1);
            },
          }),
        );
      }
      this.children = await Promise.all(made);
    },
    go(m: Go) {
      if (m.part === 'ask') {
        return Promise.all(this.children.map((child) => child.sendAndReceive<number>('ask'))).then(() => m.done(), m.fail);
      }
      this.count = 0;
      this.round = m;
      for (const child of this.children) void child.send('tell');
      return undefined;
    },
    reply(n: number) {
      this.count += n;
      if (this.count === CHILDREN) this.round!.done();
    },
  });
  for (const part of parts) {
    const result = await block({ label: `comedy ${part}`, rounds: PEER_ROUNDS, timeoutMs: 15_000, gcEachRound: GC_EACH_ROUND }, async () =>
      figures(CHILDREN, await roundOf(part, (go) => void comedyParent.send('go', go))),
    );
    push(results, part, 'comedy', CHILDREN, result);
  }
  abandonComedy(comedy);

  const seconds = (now() - started) / 1000;
  const verdicts = (rows: readonly Row[]): Verdict[] => {
    const vsFloor = ratio(rows, 'floor', 'ms');
    const mesh = findRow(rows, 'actormesh')?.figures.ms;
    const floor = findRow(rows, 'floor')?.figures.ms;
    return [
      {
        target: 'actormesh <= 2x floor time per round',
        met: vsFloor === undefined ? null : vsFloor <= 2,
        detail: `actormesh ${fmt.ms(mesh ?? NaN)} ms = ${fmt.x3(vsFloor)} floor (${fmt.ms(floor ?? NaN)} ms) per round; nact ${fmt.x(ratio(rows, 'nact', 'usPerChild'))}, comedy ${fmt.x(ratio(rows, 'comedy', 'usPerChild'))} (per child)`,
      },
    ];
  };
  const description = `${fmt.size(CHILDREN)} children; median of ${ROUNDS} rounds after ${WARMUP} warm-ups (peers ${PEER_ROUNDS} after 1)`;
  return [
    (await scenario({ id: 'fanout a', title: 'fan-out/fan-in (a) ask every child, Promise.all the replies', description, metrics }, async (rows) => void rows.push(...results.ask), verdicts)),
    (await scenario({ id: 'fanout b', title: 'fan-out/fan-in (b) tell every child, children tell the parent, which counts', description, metrics }, async (rows) => void rows.push(...results.tell), verdicts)),
  ].map((result) => ({ ...result, seconds }));
}

export default runFanout;
await runIfMain(import.meta.url, runFanout);
