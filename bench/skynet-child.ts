/**
 * One skynet run in a process of its own, so that its peak RSS is its own. Started by
 * skynet.bench.ts; prints one JSON line (SkynetOutcome) on stdout and exits.
 *
 *   node --expose-gc --import tsx bench/skynet-child.ts <impl> [depth]
 *
 * The tree: the root gets Start(0, 0); a node at depth < D spawns 10 children and sends
 * child i Start(depth + 1, num * 10 + i); a node at depth D (a leaf) sends its num to its
 * parent; every other node sums its 10 children's values and sends the sum up. The leaves
 * are numbered 0 .. 10^D - 1, so the root's sum is 10^D (10^D - 1) / 2 (499,999,500,000
 * for D = 6, with 1,111,111 actors). Actors are not stopped after reporting: the whole tree
 * is alive at the end, for every implementation.
 *
 * A warm-up run at depth 4 (11,111 actors) comes first (JIT), then the measured run. Peak
 * RSS (process.resourceUsage().maxRSS) is read when the root's sum arrives, so it covers
 * the process up to then, warm-up included. Then (not timed with the run) the heap left
 * after gc is read (the live tree, per actor), and the tree is torn down: actormesh
 * terminates its system (its time and the peak RSS after it are reported too); nact's stop
 * does not reach children and comedy's destroy is quadratic, so those are let go.
 * `baseline` runs nothing: the RSS of node + tsx alone.
 * Implementations: actormesh (function behaviour), actormesh-class (Actor subclass),
 * floor (plain objects with array mailboxes and a run loop), nact, comedy, baseline.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

export interface SkynetOutcome {
  impl: string;
  depth: number;
  actors: number;
  /** From the root's Start to the root's sum. */
  ms: number;
  /** Peak RSS of the process when the sum arrived (warm-up included, teardown not). */
  maxRssBytes: number;
  /** Heap still in use after the run, after gc, per actor (the live tree). NaN without --expose-gc. */
  liveBytesPerActor: number;
  /** Stopping the tree afterwards (actormesh: system.terminate(); peers: nothing real, see below). */
  teardownMs: number;
  /** Peak RSS after the teardown. */
  maxRssAfterTeardownBytes: number;
  result: number;
  expected: number;
}

interface Start {
  depth: number;
  num: number;
}

export const actorsAt = (depth: number): number => (10 ** (depth + 1) - 1) / 9;
export const expectedSum = (depth: number): number => (10 ** depth * (10 ** depth - 1)) / 2;

// ------------------------------------------------------------------ actormesh

/** What a run hands back: the root's sum, and a teardown to time after the figures are taken. */
interface Finished {
  result: number;
  teardown?: () => Promise<void>;
  /** Keeps the tree reachable until the figures are taken. */
  keep?: unknown;
}

type Msg = Start | number;

/** actormesh, function behaviour: state in the closure of the setup. */
async function actormesh(depth: number): Promise<Finished> {
  const { ActorSystem } = await import('../src/index.js');
  type Ctx = import('../src/index.js').ActorContext<Msg>;
  const system = ActorSystem.create({ logLevel: 'silent' });
  let report!: (sum: number) => void;
  const done = new Promise<number>((resolve) => (report = resolve));
  const node = (ctx: Ctx, props: true | undefined) => {
    const root = props === true;
    let sum = 0;
    let pending = 0;
    return (m: Msg): void => {
      if (typeof m === 'number') {
        sum += m;
        if (--pending === 0) {
          if (root) report(sum);
          else ctx.parent.tell(sum);
        }
      } else if (m.depth === depth) {
        ctx.parent.tell(m.num);
      } else {
        pending = 10;
        const next = m.depth + 1;
        const base = m.num * 10;
        for (let i = 0; i < 10; i++) ctx.spawn<Msg, true | undefined>(node).tell({ depth: next, num: base + i });
      }
    };
  };
  system.spawn<Msg, true | undefined>(node, { props: true }).tell({ depth: 0, num: 0 });
  return { result: await done, teardown: () => system.terminate() };
}

/** actormesh, class actor: state in fields of an Actor subclass. */
async function actormeshClass(depth: number): Promise<Finished> {
  const { ActorSystem, Actor } = await import('../src/index.js');
  const system = ActorSystem.create({ logLevel: 'silent' });
  let report!: (sum: number) => void;
  const done = new Promise<number>((resolve) => (report = resolve));
  class SkyNode extends Actor<Msg, true | undefined> {
    sum = 0;
    pending = 0;
    readonly root: boolean;
    constructor(props: true | undefined) {
      super(props);
      this.root = props === true;
    }
    receive(m: Msg): void {
      const ctx = this.context;
      if (typeof m === 'number') {
        this.sum += m;
        if (--this.pending === 0) {
          if (this.root) report(this.sum);
          else ctx.parent.tell(this.sum);
        }
      } else if (m.depth === depth) {
        ctx.parent.tell(m.num);
      } else {
        this.pending = 10;
        const next = m.depth + 1;
        const base = m.num * 10;
        for (let i = 0; i < 10; i++) ctx.spawn<Msg, true | undefined>(SkyNode).tell({ depth: next, num: base + i });
      }
    }
  }
  system.spawn<Msg, true | undefined>(SkyNode, { props: true }).tell({ depth: 0, num: 0 });
  return { result: await done, teardown: () => system.terminate() };
}

// ------------------------------------------------------------------ floor

class FloorNode {
  readonly mailbox: Array<Start | number> = [];
  readonly children: FloorNode[] = [];
  sum = 0;
  pending = 0;
  queued = false;
  constructor(readonly parent: FloorNode | null) {}
}

async function floor(depth: number): Promise<Finished> {
  let result = NaN;
  let current: FloorNode[] = [];
  let next: FloorNode[] = [];
  const deliver = (node: FloorNode, message: Start | number): void => {
    node.mailbox.push(message);
    if (!node.queued) {
      node.queued = true;
      next.push(node);
    }
  };
  const up = (node: FloorNode, value: number): void => {
    if (node.parent === null) result = value;
    else deliver(node.parent, value);
  };
  const handle = (node: FloorNode, m: Start | number): void => {
    if (typeof m === 'number') {
      node.sum += m;
      if (--node.pending === 0) up(node, node.sum);
    } else if (m.depth === depth) {
      up(node, m.num);
    } else {
      node.pending = 10;
      for (let i = 0; i < 10; i++) {
        const child = new FloorNode(node);
        node.children.push(child);
        deliver(child, { depth: m.depth + 1, num: m.num * 10 + i });
      }
    }
  };
  const root = new FloorNode(null);
  deliver(root, { depth: 0, num: 0 });
  while (next.length > 0) {
    [current, next] = [next, current];
    for (const node of current) {
      node.queued = false;
      const box = node.mailbox;
      for (let i = 0; i < box.length; i++) handle(node, box[i]!);
      box.length = 0;
    }
    current.length = 0;
  }
  if (root.children.length !== (depth > 0 ? 10 : 0)) throw new Error('floor tree is wrong');
  return { result, keep: root };
}

// ------------------------------------------------------------------ nact

async function nact(depth: number): Promise<Finished> {
  const { loadNact } = await import('./peers.js');
  const nact = loadNact();
  const system = nact.start();
  let report!: (sum: number) => void;
  const done = new Promise<number>((resolve) => (report = resolve));
  interface State {
    sum: number;
    pending: number;
  }
  const make = (root: boolean) => (state: State | undefined, m: Start | number, ctx: import('./peers.js').NactContext): State => {
    const s = state ?? { sum: 0, pending: 0 };
    const up = (value: number): void => (root ? report(value) : nact.dispatch(ctx.parent, value));
    if (typeof m === 'number') {
      s.sum += m;
      if (--s.pending === 0) up(s.sum);
    } else if (m.depth === depth) {
      up(m.num);
    } else {
      s.pending = 10;
      for (let i = 0; i < 10; i++) nact.dispatch(nact.spawn(ctx.self, inner, 'c' + i), { depth: m.depth + 1, num: m.num * 10 + i });
    }
    return s;
  };
  const inner = make(false);
  const root = nact.spawn(system, make(true), 'root');
  nact.dispatch(root, { depth: 0, num: 0 });
  const result = await done;
  // (nact.stop does not reach the children, see spawn.bench.ts: nothing to tear down)
  return { result, teardown: async () => nact.stop(system) };
}

// ------------------------------------------------------------------ comedy

async function comedy(depth: number): Promise<Finished> {
  const { comedySystem, abandonComedy } = await import('./peers.js');
  type ComedyActor = import('./peers.js').ComedyActor;
  type ComedySelf = import('./peers.js').ComedySelf;
  const system = comedySystem();
  const rootActor = await system.rootActor();
  let report!: (sum: number) => void;
  const done = new Promise<number>((resolve) => (report = resolve));
  class SkyNode {
    self: ComedySelf | null = null;
    parent: ComedyActor | null = null;
    total = 0;
    pending = 0;
    initialize(self: ComedySelf): void {
      this.self = self;
      this.parent = self.getParent();
    }
    start(d: number, num: number): void {
      if (d === depth) {
        void this.parent!.send('sum', num);
        return;
      }
      this.pending = 10;
      for (let i = 0; i < 10; i++) void this.self!.createChild(SkyNode).then((child) => child.send('start', d + 1, num * 10 + i));
    }
    sum(value: number): void {
      this.total += value;
      if (--this.pending === 0) void this.parent!.send('sum', this.total);
    }
  }
  /** The top node's parent: hands the final sum out. */
  class Collector {
    async initialize(self: ComedySelf): Promise<void> {
      const top = await self.createChild(SkyNode);
      void top.send('start', 0, 0);
    }
    sum(value: number): void {
      report(value);
    }
  }
  await rootActor.createChild(Collector);
  const result = await done;
  return { result, teardown: async () => abandonComedy(system) };
}

// ------------------------------------------------------------------ main

type Run = (depth: number) => Promise<Finished>;

const runs: Record<string, Run> = {
  actormesh,
  'actormesh-class': actormeshClass,
  floor,
  nact,
  comedy,
  baseline: async () => ({ result: NaN }),
};

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const heapUsed = (): number => process.memoryUsage().heapUsed;

async function main(): Promise<void> {
  const impl = process.argv[2] ?? '';
  const depth = Number(process.argv[3] ?? 6);
  const run = runs[impl];
  if (run === undefined || !Number.isInteger(depth) || depth < 1) {
    process.stderr.write(`usage: node --expose-gc --import tsx bench/skynet-child.ts <${Object.keys(runs).join('|')}> [depth]\n`);
    process.exit(2);
  }
  const baseline = impl === 'baseline';
  if (!baseline) {
    const warm = await run(4);
    if (warm.result !== expectedSum(4)) throw new Error(`${impl} warm-up: sum ${warm.result}, expected ${expectedSum(4)}`);
    await warm.teardown?.();
  }
  gc();
  const heapBefore = heapUsed();
  const start = performance.now();
  const finished = await run(depth);
  const ms = performance.now() - start;
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;
  const expected = baseline ? NaN : expectedSum(depth);
  if (!baseline && finished.result !== expected) throw new Error(`${impl}: sum ${finished.result}, expected ${expected}`);
  gc();
  const actors = baseline ? 0 : actorsAt(depth);
  const liveBytesPerActor = actors > 0 && typeof (globalThis as { gc?: unknown }).gc === 'function' ? (heapUsed() - heapBefore) / actors : NaN;
  const teardownStart = performance.now();
  await finished.teardown?.();
  finished.keep = undefined;
  const teardownMs = performance.now() - teardownStart;
  const outcome: SkynetOutcome = {
    impl,
    depth,
    actors,
    ms: baseline ? 0 : ms,
    maxRssBytes,
    liveBytesPerActor,
    teardownMs,
    maxRssAfterTeardownBytes: process.resourceUsage().maxRSS * 1024,
    result: finished.result,
    expected,
  };
  process.stdout.write(JSON.stringify(outcome) + '\n');
  process.exit(0);
}

const entry = process.argv[1];
if (entry !== undefined && pathToFileURL(entry).href === import.meta.url) await main();
