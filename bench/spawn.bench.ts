/**
 * spawn: 1,000,000 idle actors under one parent, spawned from inside that parent (the
 * parent's handler loops `ctx.spawn(child, { name: 'a' + i })`). Reports the spawn rate and
 * the heap bytes per idle actor: gc, heapUsed, spawn, gc, heapUsed; (after - before) / N.
 * The children's refs are kept alive in an array allocated before the first heap reading
 * (so the array itself is not counted). Every child shares one handler function, so the
 * bytes are the runtime's own cost per actor plus its name string.
 *
 *   actormesh  ctx.spawn(() => handler, { name }) inside the parent's handler
 *   floor      plain objects { name, mailbox: [], handler } in a Map under a parent object
 *   nact       spawnStateless(ctx.self, handler, name) inside the parent's handler
 *              (smaller N: ~6-10 us and ~1.3 kB per actor)
 *   comedy     selfActor.createChild(Idle, { name }) inside the parent, awaited together
 *              (smaller N: ~25-40 us per actor)
 * "stop ms" is informational, actormesh only: system.terminate() with the N children alive.
 * (nact's stop does not reach the children: Actor.stop calls functions.stop on the child
 * Actor objects, which only accepts references, so it returns at once. comedy is not
 * stopped, see peers.ts.)
 *
 * Targets: rate >= 0.5x floor, <= 500 B per idle actor.
 * Run alone: npm run bench -- spawn
 */
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { block, deferred, findRow, fmt, gc, hasGc, now, pushRow, ratio, runIfMain, scenario, settle } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';
import { abandonComedy, comedySystem, loadNact } from './peers.js';
import type { ComedyActor, ComedySelf } from './peers.js';

const N = 1_000_000;
const WARMUP_N = 100_000;
const ROUNDS = 5;
const NACT_N = 100_000;
const COMEDY_N = 20_000;
const PEER_ROUNDS = 3;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate actors/s', format: fmt.rate, ratio: true, normalized: true },
  { key: 'bytes', label: 'heap B/actor', format: fmt.bytes, ratio: true, normalized: true },
  { key: 'stopMs', label: 'stop ms', format: fmt.ms },
];

const heapUsed = (): number => process.memoryUsage().heapUsed;

function spawnFigures(n: number, ms: number, before: number): Figures {
  gc();
  return { ms, rate: (n / ms) * 1000, bytes: hasGc() ? (heapUsed() - before) / n : NaN };
}

/** The one handler every idle child shares. */
function idle(): void {}

export async function runSpawn(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'spawn',
      title: 'spawn: N idle actors under one parent, from inside the parent',
      description: `N=${fmt.size(N)}; median of ${ROUNDS} rounds after 1 warm-up at ${fmt.size(WARMUP_N)} (nact N=${fmt.size(NACT_N)}, comedy N=${fmt.size(COMEDY_N)}, ${PEER_ROUNDS} rounds); names 'a'+i`,
      metrics,
    },
    async (rows) => {
      // floor
      interface FloorActor {
        name: string;
        mailbox: unknown[];
        handler: (m: unknown) => void;
      }
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 60_000 }, async (warmup) => {
        const n = warmup ? WARMUP_N : N;
        const holder: FloorActor[] = new Array(n);
        const parent = { name: 'parent', mailbox: [] as unknown[], handler: idle, children: new Map<string, FloorActor>() };
        gc();
        const before = heapUsed();
        const start = now();
        for (let i = 0; i < n; i++) {
          const child: FloorActor = { name: 'a' + i, mailbox: [], handler: idle };
          parent.children.set(child.name, child);
          holder[i] = child;
        }
        const ms = now() - start;
        const figures = spawnFigures(n, ms, before);
        if (parent.children.size !== n || holder.length !== n) throw new Error('floor lost children');
        return { ...figures, stopMs: NaN };
      });
      pushRow(rows, 'floor', N, floor);

      // actormesh
      const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000 }, async (warmup) => {
        const n = warmup ? WARMUP_N : N;
        const system = ActorSystem.create({ logLevel: 'silent' });
        const holder: ActorRef<unknown>[] = new Array(n);
        const spawned = deferred<number>();
        const parent = system.spawn<'go'>(
          (ctx) => () => {
            const start = now();
            for (let i = 0; i < n; i++) holder[i] = ctx.spawn(() => idle, { name: 'a' + i });
            spawned.resolve(now() - start);
          },
          { name: 'parent' },
        );
        await settle();
        gc();
        const before = heapUsed();
        parent.tell('go');
        const ms = await spawned.promise;
        const figures = spawnFigures(n, ms, before);
        if (system.actorTotal !== n + 4) throw new Error(`actormesh: ${system.actorTotal} actors, expected ${n + 4}`);
        const stop = now();
        await system.terminate();
        return { ...figures, stopMs: now() - stop };
      });
      pushRow(rows, 'actormesh', N, mesh);

      // nact
      const nact = loadNact();
      const nactResult = await block({ label: 'nact', rounds: PEER_ROUNDS, timeoutMs: 20_000 }, async (warmup) => {
        const n = warmup ? Math.min(WARMUP_N, NACT_N) : NACT_N;
        const system = nact.start();
        const holder: unknown[] = new Array(n);
        const spawned = deferred<number>();
        const parent = nact.spawnStateless(
          system,
          (_msg: 'go', ctx) => {
            const start = now();
            for (let i = 0; i < n; i++) holder[i] = nact.spawnStateless(ctx.self, idle, 'a' + i);
            spawned.resolve(now() - start);
          },
          'parent',
        );
        await settle();
        gc();
        const before = heapUsed();
        nact.dispatch(parent, 'go');
        const ms = await spawned.promise;
        const figures = spawnFigures(n, ms, before);
        nact.stop(system);
        return { ...figures, stopMs: NaN };
      });
      pushRow(rows, 'nact', NACT_N, nactResult, `run at ${fmt.size(NACT_N)} actors (a million would take ~10 s and ~1.3 GB of heap); rate and bytes compared`);

      // comedy
      class Idle {
        ping(): void {}
      }
      const comedyResult = await block({ label: 'comedy', rounds: PEER_ROUNDS, timeoutMs: 20_000 }, async () => {
        const n = COMEDY_N;
        const system = comedySystem();
        const root = await system.rootActor();
        const holder: ComedyActor[] = new Array(n);
        const parent = await root.createChild({
          self: null as ComedySelf | null,
          initialize(self: ComedySelf) {
            this.self = self;
          },
          async spawnAll(): Promise<number> {
            const start = now();
            const children: Promise<ComedyActor>[] = [];
            for (let i = 0; i < n; i++) children.push(this.self!.createChild(Idle, { name: 'a' + i }));
            const made = await Promise.all(children);
            for (let i = 0; i < n; i++) holder[i] = made[i]!;
            return now() - start;
          },
        });
        await settle();
        gc();
        const before = heapUsed();
        const ms = await parent.sendAndReceive<number>('spawnAll');
        const figures = spawnFigures(n, ms, before);
        abandonComedy(system);
        return { ...figures, stopMs: NaN };
      });
      pushRow(rows, 'comedy', COMEDY_N, comedyResult, `run at ${fmt.size(COMEDY_N)} actors (~25-40 us each); not stopped (destroy is quadratic in children, see peers.ts)`);
    },
    (rows) => {
      const vsFloor = ratio(rows, 'floor', 'rate');
      const mesh = findRow(rows, 'actormesh')?.figures;
      const floor = findRow(rows, 'floor')?.figures;
      const bytes = mesh?.bytes;
      return [
        {
          target: 'spawn rate >= 0.5x floor',
          met: vsFloor === undefined ? null : vsFloor >= 0.5,
          detail: `actormesh ${fmt.rate(mesh?.rate ?? NaN)} = ${fmt.x3(vsFloor)} floor (${fmt.rate(floor?.rate ?? NaN)}); ${fmt.x(ratio(rows, 'nact', 'rate'))} nact, ${fmt.x(ratio(rows, 'comedy', 'rate'))} comedy`,
        },
        {
          target: '<= 500 B per idle actor',
          met: bytes === undefined || !Number.isFinite(bytes) ? null : bytes <= 500,
          detail: `actormesh ${fmt.bytes(bytes ?? NaN)} per actor (floor ${fmt.bytes(floor?.bytes ?? NaN)}, nact ${fmt.bytes(findRow(rows, 'nact')?.figures.bytes ?? NaN)}, comedy ${fmt.bytes(findRow(rows, 'comedy')?.figures.bytes ?? NaN)})`,
        },
      ];
    },
  );
}

export default runSpawn;
await runIfMain(import.meta.url, runSpawn);
