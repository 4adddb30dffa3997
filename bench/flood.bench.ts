/**
 * flood: 10,000,000 tells made by a producer actor that sends a batch of 1,000 to a sink
 * and then tells itself to continue (so the producer is itself scheduled, like any actor),
 * while a 1 ms setInterval keeps firing. Reports the throughput (messages handled by the
 * sink per second, from the first batch to the last message handled) and the worst timer
 * delay: the largest gap between two interval callbacks, minus the 1 ms interval. Shows
 * whether the runtime lets the event loop (timers, I/O) run under a flood.
 *
 *   actormesh  producer and sink actors, default options (dispatcher time slice 5 ms)
 *   floor      plain objects with array mailboxes and a run loop that hands the event loop
 *              a turn (setImmediate) every 5 ms, like actormesh's dispatcher; the sink drains
 *              its whole mailbox each turn
 *   nact       the same two actors (smaller count: nact handles one message per event-loop
 *              turn, ~3 s per million)
 *   comedy     the same two actors (smaller count: ~2-4 s per million). Note: comedy's bluebird
 *              queue drains everything queued while draining, so a self-feeding producer
 *              does not yield to the event loop until it has finished
 *
 * Target: worst timer delay < 20 ms (actormesh); throughput is reported.
 * Run alone: npm run bench -- flood
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { block, deferred, findRow, fmt, now, pushRow, ratio, runIfMain, scenario } from './harness.js';
import type { BlockResult, Figures, Metric, ScenarioResult } from './harness.js';
import { abandonComedy, comedySystem, loadNact } from './peers.js';
import type { ComedyActor, ComedySelf, NactRef } from './peers.js';

const TOTAL = 10_000_000;
const WARMUP_TOTAL = 1_000_000;
const BATCH = 1_000;
const ROUNDS = 5;
const NACT_TOTAL = 1_000_000;
const COMEDY_TOTAL = 200_000;
const PEER_ROUNDS = 2;
const SLICE_MS = 5;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate msg/s', format: fmt.rate, ratio: true, normalized: true },
  { key: 'worst', label: 'worst delay ms', format: fmt.ms, ratio: true, normalized: true },
  { key: 'worstMax', label: 'max over rounds ms', format: fmt.ms },
  { key: 'ticks', label: 'timer ticks', format: fmt.int },
];

/** A 1 ms interval that records the largest gap between its callbacks. */
function timerProbe(): { stop(): { worst: number; ticks: number } } {
  let last = now();
  let worst = 0;
  let ticks = 0;
  const interval = setInterval(() => {
    const t = now();
    const gap = t - last;
    if (gap > worst) worst = gap;
    last = t;
    ticks++;
  }, 1);
  return {
    stop() {
      clearInterval(interval);
      const gap = now() - last; // the stretch since the last tick counts too
      return { worst: Math.max(worst, gap) - 1, ticks };
    },
  };
}

/** Runs one flood: `start` begins it and resolves when the sink has handled `total` messages. */
async function flood(total: number, start: () => Promise<void>): Promise<Figures> {
  await immediate(); // a fresh event-loop turn: the probe's first gap is not an earlier stall
  const probe = timerProbe();
  const t0 = now();
  await start();
  const ms = now() - t0;
  const { worst, ticks } = probe.stop();
  return { ms, rate: (total / ms) * 1000, worst, ticks };
}

/** Adds worstMax (the largest worst delay of all measured rounds) to the medians. */
function withMax(result: BlockResult): BlockResult {
  const worstMax = Math.max(...result.all.map((f) => f.worst!));
  return { ...result, figures: { ...result.figures, worstMax } };
}

export async function runFlood(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'flood',
      title: 'flood: a producer actor tells a sink in batches of 1,000 while a 1 ms interval runs',
      description: `${fmt.size(TOTAL)} messages; median of ${ROUNDS} rounds after 1 warm-up at ${fmt.size(WARMUP_TOTAL)} (nact ${fmt.size(NACT_TOTAL)}, comedy ${fmt.size(COMEDY_TOTAL)}, ${PEER_ROUNDS} rounds); worst delay = largest gap between interval ticks - 1 ms`,
      metrics,
    },
    async (rows) => {
      // floor: run loop with a 5 ms time slice
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 60_000 }, async (warmup) => {
        const total = warmup ? WARMUP_TOTAL : TOTAL;
        return flood(total, async () => {
          const done = deferred();
          const sink = { mailbox: [] as number[], count: 0, queued: false };
          const producer = { mailbox: [] as string[], sent: 0, queued: false };
          const runQueue: Array<typeof sink | typeof producer> = [];
          let head = 0;
          const sendSink = (m: number): void => {
            sink.mailbox.push(m);
            if (!sink.queued) {
              sink.queued = true;
              runQueue.push(sink);
            }
          };
          const sendProducer = (m: string): void => {
            producer.mailbox.push(m);
            if (!producer.queued) {
              producer.queued = true;
              runQueue.push(producer);
            }
          };
          const loop = (): void => {
            const deadline = now() + SLICE_MS;
            let turns = 0;
            while (head < runQueue.length) {
              const actor = runQueue[head++]!;
              actor.queued = false;
              if (actor === sink) {
                const box = sink.mailbox;
                for (let i = 0; i < box.length; i++) sink.count++;
                box.length = 0;
                if (sink.count === total) done.resolve();
              } else {
                producer.mailbox.length = 0;
                for (let i = 0; i < BATCH; i++) sendSink(i);
                producer.sent += BATCH;
                if (producer.sent < total) sendProducer('go');
              }
              if (head > 4096) {
                runQueue.splice(0, head);
                head = 0;
              }
              if (++turns % 64 === 0 && now() >= deadline) break;
            }
            if (head < runQueue.length) setImmediate(loop);
          };
          sendProducer('go');
          loop();
          await done.promise;
        });
      });
      pushRow(rows, 'floor', TOTAL, withMax(floor));

      // actormesh
      const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000 }, async (warmup) => {
        const total = warmup ? WARMUP_TOTAL : TOTAL;
        const system = ActorSystem.create({ logLevel: 'silent' });
        const figures = await flood(total, async () => {
          const done = deferred();
          let count = 0;
          const sink = system.spawn<number>(() => () => {
            if (++count === total) done.resolve();
          });
          const producer = system.spawn<'go'>((ctx) => {
            let sent = 0;
            const self: ActorRef<'go'> = ctx.self;
            return () => {
              for (let i = 0; i < BATCH; i++) sink.tell(i);
              sent += BATCH;
              if (sent < total) self.tell('go');
            };
          });
          producer.tell('go');
          await done.promise;
        });
        await system.terminate();
        return figures;
      });
      pushRow(rows, 'actormesh', TOTAL, withMax(mesh));

      // nact
      const nact = loadNact();
      const nactResult = await block({ label: 'nact', rounds: PEER_ROUNDS, timeoutMs: 20_000 }, async () => {
        const total = NACT_TOTAL;
        const system = nact.start();
        const figures = await flood(total, async () => {
          const done = deferred();
          let count = 0;
          const sink = nact.spawnStateless<number>(system, () => {
            if (++count === total) done.resolve();
          });
          let sent = 0;
          const producer: NactRef = nact.spawnStateless<'go'>(system, (_m, ctx) => {
            for (let i = 0; i < BATCH; i++) nact.dispatch(sink, i);
            sent += BATCH;
            if (sent < total) nact.dispatch(ctx.self, 'go');
          });
          nact.dispatch(producer, 'go');
          await done.promise;
        });
        nact.stop(system);
        return figures;
      });
      pushRow(rows, 'nact', NACT_TOTAL, withMax(nactResult), `run at ${fmt.size(NACT_TOTAL)} messages (one message per event-loop turn)`);

      // comedy
      const comedyResult = await block({ label: 'comedy', rounds: PEER_ROUNDS, timeoutMs: 15_000 }, async () => {
        const total = COMEDY_TOTAL;
        const system = comedySystem();
        const root = await system.rootActor();
        const figures = await flood(total, async () => {
          const done = deferred();
          let count = 0;
          const sink = await root.createChild({
            msg() {
              if (++count === total) done.resolve();
            },
          });
          const producer = await root.createChild({
            self: null as ComedySelf | null,
            sink: sink as ComedyActor,
            sent: 0,
            initialize(self: ComedySelf) {
              this.self = self;
            },
            go() {
              for (let i = 0; i < BATCH; i++) void this.sink.send('msg', i);
              this.sent += BATCH;
              if (this.sent < total) void this.self!.send('go');
            },
          });
          void producer.send('go');
          await done.promise;
        });
        await system.destroy();
        abandonComedy(system);
        return figures;
      });
      pushRow(rows, 'comedy', COMEDY_TOTAL, withMax(comedyResult), `run at ${fmt.size(COMEDY_TOTAL)} messages; bluebird drains its whole queue before yielding, so timers wait for the end`);
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const worst = mesh?.worstMax;
      return [
        {
          target: 'worst timer delay < 20 ms during the flood',
          met: worst === undefined || !Number.isFinite(worst) ? null : worst < 20,
          detail: `actormesh worst delay ${fmt.ms(worst ?? NaN)} ms over all rounds (median of rounds ${fmt.ms(mesh?.worst ?? NaN)} ms) at ${fmt.rate(mesh?.rate ?? NaN)} = ${fmt.x(ratio(rows, 'floor', 'rate'))} floor, ${fmt.x(ratio(rows, 'nact', 'rate'))} nact, ${fmt.x(ratio(rows, 'comedy', 'rate'))} comedy`,
        },
      ];
    },
  );
}

export default runFlood;
await runIfMain(import.meta.url, runFlood);
