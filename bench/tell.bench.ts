/**
 * tell throughput: 1,000,000 messages told to one actor from outside, in a loop; the time
 * runs from the first tell until the actor has handled the last message.
 *
 *   actormesh  system.spawn a counting actor; ref.tell(i) N times; wait for the count
 *   floor      a bare array mailbox: push N numbers, then drain it in a loop calling the
 *              same counting handler (no scheduling at all)
 *   nact       spawnStateless + dispatch(ref, i) N times
 *   comedy     root.createChild({ inc }) + actor.send('inc', i) N times (smaller N: ~3-4 s
 *              per million)
 *
 * Target: actormesh >= 0.5x the floor's rate (which is about 25x nact).
 * Run alone: npm run bench -- tell
 */
import { ActorSystem } from '../src/index.js';
import { block, deferred, fmt, now, pushRow, ratio, runIfMain, scenario, findRow } from './harness.js';
import type { Metric, ScenarioResult } from './harness.js';
import { abandonComedy, comedySystem, loadNact } from './peers.js';

const N = 1_000_000;
const ROUNDS = 7;
const NACT_N = 1_000_000;
const NACT_ROUNDS = 3;
const COMEDY_N = 200_000;
const COMEDY_ROUNDS = 3;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate msg/s', format: fmt.rate, ratio: true, normalized: true },
];

/** The handler every implementation runs: a sum (so the work cannot be dropped) and a count. */
function counter(n: number, done: () => void): (m: number) => void {
  let count = 0;
  let sum = 0;
  return (m: number) => {
    sum += m;
    if (++count === n) {
      if (sum !== (n * (n - 1)) / 2) throw new Error(`tell: wrong sum ${sum}`);
      done();
    }
  };
}

const figures = (n: number, ms: number) => ({ ms, rate: (n / ms) * 1000 });

export async function runTell(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'tell',
      title: 'tell throughput: N messages told to one actor from outside',
      description: `N=${fmt.size(N)}; median of ${ROUNDS} rounds after 1 warm-up (nact ${NACT_ROUNDS}, comedy ${COMEDY_ROUNDS} at N=${fmt.size(COMEDY_N)})`,
      metrics,
    },
    async (rows) => {
      // floor: bare array, drained in a loop
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        let finished = false;
        const handle = counter(N, () => (finished = true));
        const start = now();
        const mailbox: number[] = [];
        for (let i = 0; i < N; i++) mailbox.push(i);
        for (let i = 0; i < mailbox.length; i++) handle(mailbox[i]!);
        const ms = now() - start;
        if (!finished) throw new Error('floor did not finish');
        return figures(N, ms);
      });
      pushRow(rows, 'floor', N, floor);

      // actormesh
      const system = ActorSystem.create({ logLevel: 'silent' });
      const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        const done = deferred();
        const ref = system.spawn<number>(() => counter(N, done.resolve));
        const start = now();
        for (let i = 0; i < N; i++) ref.tell(i);
        await done.promise;
        const ms = now() - start;
        system.stop(ref);
        return figures(N, ms);
      });
      await system.terminate();
      pushRow(rows, 'actormesh', N, mesh);

      // nact
      const nact = loadNact();
      const nactSystem = nact.start();
      const nactResult = await block({ label: 'nact', rounds: NACT_ROUNDS, timeoutMs: 20_000 }, async () => {
        const done = deferred();
        const handle = counter(NACT_N, done.resolve);
        const ref = nact.spawnStateless<number>(nactSystem, (m) => handle(m));
        const start = now();
        for (let i = 0; i < NACT_N; i++) nact.dispatch(ref, i);
        await done.promise;
        const ms = now() - start;
        nact.stop(ref);
        return figures(NACT_N, ms);
      });
      nact.stop(nactSystem);
      pushRow(rows, 'nact', NACT_N, nactResult);

      // comedy
      const comedy = comedySystem();
      const root = await comedy.rootActor();
      const comedyResult = await block({ label: 'comedy', rounds: COMEDY_ROUNDS, timeoutMs: 15_000 }, async () => {
        const done = deferred();
        const handle = counter(COMEDY_N, done.resolve);
        const actor = await root.createChild({ inc: (m: number) => handle(m) });
        const start = now();
        for (let i = 0; i < COMEDY_N; i++) void actor.send('inc', i);
        await done.promise;
        const ms = now() - start;
        await actor.destroy();
        return figures(COMEDY_N, ms);
      });
      await comedy.destroy();
      abandonComedy(comedy);
      pushRow(rows, 'comedy', COMEDY_N, comedyResult, `run at ${fmt.size(COMEDY_N)} messages (~3-4 s per million); rate compared`);
    },
    (rows) => {
      const vsFloor = ratio(rows, 'floor', 'rate');
      const vsNact = ratio(rows, 'nact', 'rate');
      const mesh = findRow(rows, 'actormesh')?.figures.rate;
      const floor = findRow(rows, 'floor')?.figures.rate;
      return [
        {
          target: 'actormesh >= 0.5x floor rate (about 25x nact)',
          met: vsFloor === undefined ? null : vsFloor >= 0.5,
          detail: `actormesh ${fmt.rate(mesh ?? NaN)} = ${fmt.x3(vsFloor)} floor (${fmt.rate(floor ?? NaN)}), ${fmt.x(vsNact)} nact`,
        },
      ];
    },
  );
}

export default runTell;
await runIfMain(import.meta.url, runTell);
