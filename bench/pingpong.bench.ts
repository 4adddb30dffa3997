/**
 * ping-pong: 100,000 round trips between two actors. Each message is a fresh
 * `{ n, replyTo }` object; the receiver answers to `replyTo`. The time runs from the first
 * message until ping has received round trip number N.
 *
 *   actormesh  two function behaviours; m.replyTo.tell({ n, replyTo: ctx.self })
 *   floor      two plain objects with array mailboxes and a loop that drains them in turn
 *   nact       two spawnStateless actors; dispatch(m.replyTo, { n, replyTo: ctx.self })
 *   comedy     two createChild actors; m.replyTo.send('ping', { n, replyTo: selfActor })
 *
 * Target: actormesh >= 5x the best peer's round-trip rate.
 * Run alone: npm run bench -- pingpong
 */
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { block, deferred, findRow, fmt, now, pushRow, ratio, runIfMain, scenario } from './harness.js';
import type { Metric, ScenarioResult } from './harness.js';
import { abandonComedy, comedySystem, loadNact } from './peers.js';
import type { ComedyActor, ComedySelf, NactRef } from './peers.js';

const RT = 100_000;
const ROUNDS = 7;
const PEER_ROUNDS = 3;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate rt/s', format: fmt.rate, ratio: true, normalized: true },
];

const figures = (n: number, ms: number) => ({ ms, rate: (n / ms) * 1000 });

export async function runPingPong(): Promise<ScenarioResult> {
  return scenario(
    {
      id: 'pingpong',
      title: 'ping-pong: round trips between two actors',
      description: `N=${fmt.size(RT)} round trips; median of ${ROUNDS} rounds after 1 warm-up (peers ${PEER_ROUNDS})`,
      metrics,
    },
    async (rows) => {
      // floor: two plain objects with array mailboxes and a loop
      interface FloorMsg {
        n: number;
        replyTo: FloorActor;
      }
      interface FloorActor {
        mailbox: FloorMsg[];
        handle(m: FloorMsg): void;
      }
      const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
        let finished = false;
        const ping: FloorActor = {
          mailbox: [],
          handle(m) {
            if (m.n === RT) finished = true;
            else m.replyTo.mailbox.push({ n: m.n + 1, replyTo: ping });
          },
        };
        const pong: FloorActor = {
          mailbox: [],
          handle(m) {
            m.replyTo.mailbox.push({ n: m.n, replyTo: pong });
          },
        };
        const actors = [ping, pong];
        const start = now();
        ping.mailbox.push({ n: 0, replyTo: pong });
        while (!finished) {
          for (const actor of actors) {
            const box = actor.mailbox;
            while (box.length > 0) actor.handle(box.shift()!);
          }
        }
        return figures(RT, now() - start);
      });
      pushRow(rows, 'floor', RT, floor);

      // actormesh
      interface Ping {
        n: number;
        replyTo: ActorRef<Ping>;
      }
      // The default system, then deadlock detection (opt-in) turned on: its cost per turn shows in every run.
      for (const detection of [false, true]) {
        const system = ActorSystem.create({ logLevel: 'silent', deadlockDetection: detection });
        const mesh = await block({ label: detection ? 'actormesh (deadlock detection)' : 'actormesh', rounds: ROUNDS, timeoutMs: 30_000 }, async () => {
          const done = deferred();
          const pong = system.spawn<Ping>(() => (m, ctx) => m.replyTo.tell({ n: m.n, replyTo: ctx.self }));
          const ping = system.spawn<Ping>(() => (m, ctx) => {
            if (m.n === RT) done.resolve();
            else m.replyTo.tell({ n: m.n + 1, replyTo: ctx.self });
          });
          const start = now();
          ping.tell({ n: 0, replyTo: pong });
          await done.promise;
          const ms = now() - start;
          system.stop(ping);
          system.stop(pong);
          return figures(RT, ms);
        });
        await system.terminate();
        if (!detection) pushRow(rows, 'actormesh', RT, mesh);
        else pushRow(rows, 'actormesh +deadlockDetection', RT, mesh, 'variant: deadlockDetection: true (opt-in)', true);
      }

      // nact
      interface NactPing {
        n: number;
        replyTo: NactRef;
      }
      const nact = loadNact();
      const nactSystem = nact.start();
      const nactResult = await block({ label: 'nact', rounds: PEER_ROUNDS, timeoutMs: 15_000 }, async () => {
        const done = deferred();
        const pong = nact.spawnStateless<NactPing>(nactSystem, (m, ctx) => nact.dispatch(m.replyTo, { n: m.n, replyTo: ctx.self }));
        const ping = nact.spawnStateless<NactPing>(nactSystem, (m, ctx) => {
          if (m.n === RT) done.resolve();
          else nact.dispatch(m.replyTo, { n: m.n + 1, replyTo: ctx.self });
        });
        const start = now();
        nact.dispatch(ping, { n: 0, replyTo: pong });
        await done.promise;
        const ms = now() - start;
        nact.stop(ping);
        nact.stop(pong);
        return figures(RT, ms);
      });
      nact.stop(nactSystem);
      pushRow(rows, 'nact', RT, nactResult);

      // comedy
      interface ComedyPing {
        n: number;
        replyTo: ComedyActor;
      }
      const comedy = comedySystem();
      const root = await comedy.rootActor();
      const comedyResult = await block({ label: 'comedy', rounds: PEER_ROUNDS, timeoutMs: 15_000 }, async () => {
        const done = deferred();
        const pong = await root.createChild({
          self: null as ComedySelf | null,
          initialize(self: ComedySelf) {
            this.self = self;
          },
          ping(m: ComedyPing) {
            void m.replyTo.send('ping', { n: m.n, replyTo: this.self });
          },
        });
        const ping = await root.createChild({
          self: null as ComedySelf | null,
          initialize(self: ComedySelf) {
            this.self = self;
          },
          ping(m: ComedyPing) {
            if (m.n === RT) done.resolve();
            else void m.replyTo.send('ping', { n: m.n + 1, replyTo: this.self });
          },
        });
        const start = now();
        void ping.send('ping', { n: 0, replyTo: pong });
        await done.promise;
        const ms = now() - start;
        await Promise.all([ping.destroy(), pong.destroy()]);
        return figures(RT, ms);
      });
      await comedy.destroy();
      abandonComedy(comedy);
      pushRow(rows, 'comedy', RT, comedyResult);
    },
    (rows) => {
      const peers = rows.filter((row) => row.impl === 'nact' || row.impl === 'comedy');
      const best = peers.reduce<(typeof peers)[number] | undefined>((a, b) => (a === undefined || (b.figures.rate ?? 0) > (a.figures.rate ?? 0) ? b : a), undefined);
      const vsBest = best === undefined ? undefined : ratio(rows, best.impl, 'rate');
      const mesh = findRow(rows, 'actormesh')?.figures.rate;
      return [
        {
          target: 'actormesh >= 5x the best peer',
          met: vsBest === undefined ? null : vsBest >= 5,
          detail: `actormesh ${fmt.rate(mesh ?? NaN)} round trips = ${fmt.x3(vsBest)} the best peer (${best?.impl ?? '-'} ${fmt.rate(best?.figures.rate ?? NaN)}); ${fmt.x(ratio(rows, 'floor', 'rate'))} floor`,
        },
      ];
    },
  );
}

export default runPingPong;
await runIfMain(import.meta.url, runPingPong);
